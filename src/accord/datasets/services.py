"""Every change to datasets and uploads: one function per action, each checking permission,
running in a transaction with its audit event, and leaving nothing half-done.

For the web views (all raise ``PermissionDenied`` when the user may not do it, and
:class:`~accord.datasets.errors.ImportFailed` with ``.problems`` when the data is wrong):

* :func:`store_upload` - keep an uploaded file (size, type, duplicate checks) -> ``Upload``
* :func:`preview_upload` - columns and sample values of a generic table -> ``Preview``
* :func:`enqueue_import` - start the import in the background -> ``Upload`` (poll its
  ``status``, ``progress`` and ``progress_message``; ``errors`` when it failed)
* :func:`import_upload` - the same, synchronously (the task calls this) -> ``Dataset``
* :func:`discard_upload` - delete the raw file -> ``Upload``
* :func:`retry_choices` - what to import an upload as when trying again -> ``Choices``
* :func:`new_version` - import an upload as the next version of a dataset -> ``Dataset``

For the command line: :func:`import_paths`. For operations: :func:`sweep_orphans`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import Organisation
from accord.audit.services import record
from accord.datasets import generic, storage
from accord.datasets.census import read_census
from accord.datasets.crimes import read_crimes
from accord.datasets.errors import DatasetError, ImportFailed, Problem, UploadStateError
from accord.datasets.files import Given, Inputs, check_size, open_inputs, sniff
from accord.datasets.harmonise import Imported, Progress, no_progress
from accord.datasets.models import Dataset, Kind, Upload, UploadStatus
from accord.datasets.stop_and_search import read_stop_and_search
from accord.datasets.training import read_training
from accord.datasets.uploads import (
    UPLOAD_SUFFIXES,
    Choices,
    UploadProgress,
    capped_chunks,
    check_can_start,
    claim_upload,
    clean_filename,
    datasets_root,
    find_duplicate,
    import_has_stopped,
    limits,
    release_upload,
    size_of,
    taken_over,
    uploads_root,
    work_dir,
)
from accord.policy.rules import can, principal_of

logger = logging.getLogger(__name__)

#: Said when reading a file failed in a way no check foresaw: the file is the likely cause,
#: but Accord cannot say what in it, so the message neither blames the person nor Accord.
UNREADABLE = (
    "Accord could not read this file and cannot say exactly what is wrong with it. Check "
    "that it opens in a spreadsheet program, save it again (as 'CSV UTF-8' for a CSV file) "
    "and upload the new copy. If it still fails, ask an administrator, who can see the details."
)
#: Said when the import itself broke (saving the dataset, the worker being stopped).
ACCORD_FAILED = (
    "The import stopped because of a problem in Accord, not in your file. "
    "The file is kept: try again, or ask an administrator."
)


def _require_import(user: Any) -> None:
    if not can(user, "datasets.import"):
        raise PermissionDenied("You do not have permission to import data.")


def _organisation_of(user: Any) -> Organisation:
    principal = principal_of(user)
    if principal is None:
        raise PermissionDenied("You do not have permission to import data.")
    return Organisation.objects.get(pk=principal.organisation_id)


def _require_own_upload(upload: Upload, user: Any) -> None:
    _require_import(user)
    if not Upload.objects.visible_to(user).filter(pk=upload.pk).exists():
        raise PermissionDenied("This upload belongs to another organisation.")


def store_upload(
    file: IO[bytes] | Any,
    *,
    filename: str,
    user: Any,
    request: HttpRequest | None = None,
    kind: str = "",
    name: str = "",
) -> Upload:
    """Keep an uploaded file for import. ``file`` is a Django ``UploadedFile`` or binary file.

    The size is checked before anything is read (``file.size`` or the file's own size),
    then again while copying; the contents must match the name (CSV, .csv.gz, .zip,
    .xlsx, .parquet); a file already uploaded or imported by the organisation is refused.
    ``kind`` and ``name`` (what the person said the file is) are kept with the upload, so
    the column-mapping step and "try again" import it as what was asked, whoever opens it.

    Raises:
        PermissionDenied: the user may not import data.
        ImportFailed: the file is too big, empty, of the wrong type or a duplicate.
    """
    _require_import(user)
    organisation = _organisation_of(user)
    display = clean_filename(filename)
    if kind and kind not in Kind.values:
        raise ImportFailed([Problem(f"{kind!r} is not a kind of dataset Accord imports.")])
    if not display.lower().endswith(UPLOAD_SUFFIXES):
        raise ImportFailed.one(
            "Accord accepts CSV (.csv or .csv.gz), Excel (.xlsx) and Parquet (.parquet) files "
            "and .zip archives of CSV files.",
            display,
        )
    bounds = limits()
    size = size_of(file)
    if size is not None:
        check_size(size, display, bounds)
    upload_id = uuid.uuid4()
    suffix = ".csv.gz" if display.lower().endswith(".csv.gz") else Path(display).suffix.lower()
    relative = f"{organisation.pk}/{upload_id}{suffix}"
    target = uploads_root() / relative
    sha, written = storage.write_durably(
        capped_chunks(file, bounds.max_file_bytes, display), target
    )
    try:
        check_size(written, display, bounds)
        sniff(target, display)
        duplicate = find_duplicate(sha, organisation, display, except_upload=None)
        if duplicate is not None:
            raise duplicate
        with transaction.atomic():
            upload = Upload.objects.create(
                id=upload_id,
                uploaded_by=user,
                organisation=organisation,
                original_name=display,
                size=written,
                sha256=sha,
                stored_path=relative,
                kind=kind,
                choices={"name": name} if name else {},
            )
            record(request, "datasets.uploaded", "upload", str(upload.pk), actor=user)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return upload


def preview_upload(upload: Upload, user: Any) -> generic.Preview:
    """Columns and sample values of an uploaded table, for the column-mapping step."""
    _require_own_upload(upload, user)
    path = _raw_path(upload)
    with open_inputs(
        [Given(path, upload.original_name)],
        work_dir(),
        limits(),
        allowed=("csv", "xlsx", "parquet"),
    ) as inputs:
        if len(inputs.files) != 1:
            raise ImportFailed.one(
                "a table to map must be one file, not an archive of several.",
                upload.original_name,
            )
        with _reading(upload):
            return generic.preview(inputs.files[0], limits())


@contextmanager
def _reading(upload: Upload) -> Iterator[None]:
    """Turn a failure no check foresaw while reading the file into a message for the person.

    The checks in the readers name file, row and column; anything else that breaks while
    reading (a parser's own error) is most likely the file too, so the person gets
    :data:`UNREADABLE`, not a server error, and the details go to the log.
    """
    try:
        yield
    except DatasetError:
        raise
    except Exception as error:
        logger.exception("Reading upload %s failed unexpectedly", upload.pk)
        raise ImportFailed.one(UNREADABLE, upload.original_name) from error


def _raw_path(upload: Upload) -> Path:
    path = upload.path
    if path is None or not path.exists():
        raise UploadStateError(
            f"The file '{upload.original_name}' is no longer kept; upload it again."
        )
    return path


def discard_upload(upload: Upload, user: Any, *, request: HttpRequest | None = None) -> Upload:
    """Delete the raw file of an upload that is not being imported (or whose import stopped)."""
    _require_own_upload(upload, user)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status == UploadStatus.IMPORTING and not import_has_stopped(locked):
            raise UploadStateError("The file is being imported; wait for it to finish.")
        if locked.status in (UploadStatus.IMPORTED, UploadStatus.DISCARDED):
            raise UploadStateError("This upload is finished; there is nothing to discard.")
        path = locked.path
        locked.status = UploadStatus.DISCARDED
        locked.stored_path = ""
        locked.progress = 0
        locked.claim = ""  # an import still running somewhere may no longer store it
        locked.save(update_fields=["status", "stored_path", "progress", "claim", "updated_at"])
        record(request, "datasets.upload_discarded", "upload", str(locked.pk), actor=user)
        if path is not None:
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return locked


# --- Importing ----------------------------------------------------------------------------


def read_inputs(
    kind: str,
    inputs: Inputs,
    *,
    mapping: Mapping[str, str] | None = None,
    categories: int | None = None,
    progress: Progress = no_progress,
) -> Imported:
    """Run the importer for ``kind`` on files already opened by ``open_inputs``."""
    if kind == Kind.STOP_AND_SEARCH:
        return read_stop_and_search(
            inputs.files, inputs.sources, skipped=inputs.skipped, progress=progress
        )
    if kind in (Kind.STREET_CRIME, Kind.OUTCOMES):
        return read_crimes(
            inputs.files, inputs.sources, kind, skipped=inputs.skipped, progress=progress
        )
    if kind == Kind.POPULATION:
        return read_census(inputs.files, inputs.sources, categories=categories, progress=progress)
    if kind == Kind.TRAINING:
        return read_training(inputs.files, inputs.sources, progress=progress)
    if kind == Kind.GENERIC:
        if not mapping:
            raise ImportFailed([Problem("Choose which column holds the group before importing.")])
        return generic.read_generic(
            inputs.files, inputs.sources, mapping, limits(), progress=progress
        )
    raise ImportFailed([Problem(f"{kind!r} is not a kind of dataset Accord imports.")])


def _allowed(kind: str) -> tuple[Any, ...]:
    return ("csv", "xlsx", "parquet") if kind == Kind.GENERIC else ("csv",)


def _columns(imported: Imported) -> list[dict[str, str]]:
    return [{"name": f.name, "type": str(f.type)} for f in imported.table.schema]


def store_imported(
    imported: Imported,
    *,
    name: str,
    user: Any,
    organisation: Organisation | None,
    request: HttpRequest | None = None,
    supersedes: Dataset | None = None,
    in_transaction: Callable[[Dataset], None] | None = None,
) -> Dataset:
    """Write the Parquet file and create the Dataset, all or nothing (see ``storage``).

    ``in_transaction`` runs inside the same transaction (used to mark the upload imported).
    """
    dataset_id = uuid.uuid4()
    folder = str(organisation.pk) if organisation is not None else "shared"
    staged = storage.stage(imported.table, datasets_root(), f"{folder}/{dataset_id}.parquet")
    published = False
    try:
        with transaction.atomic():
            if supersedes is not None:
                current = Dataset.objects.select_for_update().get(pk=supersedes.pk)
                if Dataset.objects.filter(supersedes=current).exists():
                    raise UploadStateError(
                        f"'{current.name}' (version {current.version}) already has a newer "
                        "version; add to the newest version instead."
                    )
            dataset = Dataset(
                id=dataset_id,
                name=name.strip()[:200] or "Untitled dataset",
                kind=imported.kind,
                source=imported.source[:300],
                publisher=imported.publisher,
                period_start=imported.period_start,
                period_end=imported.period_end,
                licence=imported.licence,
                row_count=imported.row_count,
                checksum=staged.sha256,
                source_checksums=[s.as_dict() for s in imported.sources],
                importer_version=imported.importer_version,
                harmonisation=imported.report.as_dict(),
                column_roles=imported.column_roles,
                columns=_columns(imported),
                organisation=organisation,
                created_by=user,
                version=1 if supersedes is None else supersedes.version + 1,
                supersedes=supersedes,
                parquet_path=staged.relative,
            )
            dataset.save()
            action = "datasets.imported" if supersedes is None else "datasets.new_version"
            record(request, action, "dataset", str(dataset.pk), actor=user)
            if in_transaction is not None:
                in_transaction(dataset)
            storage.publish(staged)
            published = True
    except BaseException:
        storage.discard(staged, published=published)
        raise
    return dataset


def retry_choices(upload: Upload) -> Choices:
    """What to import ``upload`` as when the person tries again: what was asked last time.

    Raises:
        UploadStateError: the upload cannot be tried again (finished, being imported, or
            never told what it holds).
    """
    check_can_start(upload)
    kept = upload.choices or {}
    if not upload.kind:
        raise UploadStateError(
            f"Accord does not know what '{upload.original_name}' holds. Discard it and upload "
            "it again, saying what is in the file."
        )
    return Choices(
        kind=upload.kind,
        name=str(kept.get("name") or upload.original_name),
        mapping=kept.get("mapping") or None,
        categories=kept.get("categories"),
    )


def mark_failed(upload: Upload, message: str, user: Any, *, claim: str | None = None) -> None:
    """Record that an upload could not be imported, for a reason outside the data.

    With ``claim``, only while that attempt is still the upload's current one.
    """
    _fail(upload, UploadStateError(message), user, None, claim=claim)


def _fail(
    upload: Upload,
    failure: ImportFailed | UploadStateError,
    user: Any,
    request: Any,
    *,
    claim: str | None,
) -> None:
    errors = (
        failure.as_list()
        if isinstance(failure, ImportFailed)
        else [Problem(str(failure)).as_dict()]
    )
    current = Upload.objects.filter(pk=upload.pk)
    if claim is not None:
        # An attempt that lost its claim must not overwrite the state of the one that won.
        current = current.filter(status=UploadStatus.IMPORTING, claim=claim)
    with transaction.atomic():
        failed = current.update(
            status=UploadStatus.FAILED,
            progress=0,
            progress_message="",
            errors=errors,
            updated_at=timezone.now(),
        )
        if failed:
            record(request, "datasets.import_failed", "upload", str(upload.pk), actor=user)


def import_upload(
    upload: Upload,
    user: Any,
    *,
    kind: str,
    name: str,
    mapping: Mapping[str, str] | None = None,
    categories: int | None = None,
    supersedes: Dataset | None = None,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
    claim: str | None = None,
) -> Dataset:
    """Validate, harmonise and store an upload as a Dataset; delete the raw file after.

    On failure the upload is marked ``failed`` with its ``errors`` (file, row, column,
    message), the raw file is kept for another try, and nothing else is stored. ``claim``
    is for the background task: the token :func:`enqueue_import` claimed the upload with.

    Raises:
        PermissionDenied: not allowed.
        ImportFailed: the data is wrong (also recorded on the upload).
        UploadStateError: the upload was already imported or discarded, or another import
            of it is running.
    """
    _require_own_upload(upload, user)
    if (
        supersedes is not None
        and not Dataset.objects.visible_to(user).filter(pk=supersedes.pk).exists()
    ):
        raise PermissionDenied("You cannot add a version to this dataset.")
    choices = Choices(kind, name, dict(mapping) if mapping else None, categories)
    token, _ = claim_upload(upload, choices, resume=claim)
    upload.refresh_from_db()
    try:
        dataset = _run_import(upload, user, token, choices, supersedes, request, progress)
    except (ImportFailed, UploadStateError) as failure:
        _fail(upload, failure, user, request, claim=token)
        raise
    except BaseException:
        _fail(upload, UploadStateError(ACCORD_FAILED), user, request, claim=token)
        raise
    return dataset


def _run_import(
    upload: Upload,
    user: Any,
    token: str,
    choices: Choices,
    supersedes: Dataset | None,
    request: HttpRequest | None,
    progress: Progress | None,
) -> Dataset:
    report = UploadProgress(upload, progress, claim=token)
    duplicate = find_duplicate(
        upload.sha256, upload.organisation, upload.original_name, except_upload=upload
    )
    if duplicate is not None:
        raise duplicate
    with (
        _reading(upload),
        open_inputs(
            [Given(_raw_path(upload), upload.original_name)],
            work_dir(),
            limits(),
            allowed=_allowed(choices.kind),
        ) as inputs,
    ):
        imported = read_inputs(
            choices.kind,
            inputs,
            mapping=choices.mapping,
            categories=choices.categories,
            progress=report,
        )
    report(0.9, "Saving")
    raw = upload.path

    def mark_imported(dataset: Dataset) -> None:
        stored = Upload.objects.filter(
            pk=upload.pk, status=UploadStatus.IMPORTING, claim=token
        ).update(
            status=UploadStatus.IMPORTED,
            progress=100,
            progress_message="Imported",
            errors=[],
            dataset=dataset,
            stored_path="",
            updated_at=timezone.now(),
        )
        if stored != 1:  # rolls the dataset back: another attempt owns the upload now
            raise taken_over(upload)
        if raw is not None:
            transaction.on_commit(lambda: raw.unlink(missing_ok=True))

    return store_imported(
        imported,
        name=choices.name,
        user=user,
        organisation=upload.organisation,
        request=request,
        supersedes=supersedes,
        in_transaction=mark_imported,
    )


def enqueue_import(
    upload: Upload,
    user: Any,
    *,
    kind: str,
    name: str,
    mapping: Mapping[str, str] | None = None,
    categories: int | None = None,
    supersedes: Dataset | None = None,
) -> Upload:
    """Queue :func:`import_upload` as a background task; the page then polls the upload.

    The upload is claimed now, so a second start is refused at once; if the queue cannot
    take the task, the upload is put back as it was and the person is told to try again.

    Raises:
        PermissionDenied, UploadStateError: as :func:`import_upload` (checked now, too).
    """
    from accord.datasets.tasks import import_upload_task

    _require_own_upload(upload, user)
    if kind not in Kind.values:
        raise ImportFailed([Problem(f"{kind!r} is not a kind of dataset Accord imports.")])
    if kind == Kind.GENERIC:
        generic.check_mapping(mapping or {}, [*(mapping or {}).values()], upload.original_name)
    choices = Choices(kind, name, dict(mapping) if mapping else None, categories)
    token, before = claim_upload(upload, choices)
    try:
        result = import_upload_task.enqueue(
            upload_id=str(upload.pk),
            user_id=user.pk,
            kind=kind,
            name=name,
            mapping=dict(mapping or {}),
            categories=categories,
            supersedes_id=str(supersedes.pk) if supersedes is not None else None,
            claim=token,
        )
    except Exception as error:
        logger.exception("Queueing the import of upload %s failed", upload.pk)
        release_upload(upload, token, before)
        raise UploadStateError(
            f"Accord could not start importing '{upload.original_name}' just now. The file is "
            "kept: try again in a few minutes, or ask an administrator if it keeps happening."
        ) from error
    Upload.objects.filter(pk=upload.pk).update(task_id=str(result.id)[:64])
    upload.refresh_from_db()
    return upload


def new_version(
    dataset: Dataset,
    upload: Upload,
    user: Any,
    *,
    name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    categories: int | None = None,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Import ``upload`` as the next version of ``dataset`` (same kind; ``supersedes`` set)."""
    return import_upload(
        upload,
        user,
        kind=dataset.kind,
        name=name or dataset.name,
        mapping=mapping or dataset.column_roles if dataset.kind == Kind.GENERIC else mapping,
        categories=categories,
        supersedes=dataset,
        request=request,
        progress=progress,
    )


def import_paths(
    paths: Sequence[Path],
    *,
    kind: str,
    name: str,
    user: Any = None,
    mapping: Mapping[str, str] | None = None,
    categories: int | None = None,
    supersedes: Dataset | None = None,
    progress: Progress = no_progress,
) -> Dataset:
    """Import files, folders or archives from disk (the ``accord import`` commands).

    Without ``user`` the dataset belongs to no organisation (operator-imported public
    data); with one, the user must be allowed to import and it belongs to their
    organisation.
    """
    organisation = None
    if user is not None:
        _require_import(user)
        organisation = _organisation_of(user)
    given = [Given(Path(p), Path(p).name or str(p)) for p in paths]
    with open_inputs(given, work_dir(), limits(), allowed=_allowed(kind)) as inputs:
        for source in inputs.sources:
            if source.member_of is None:
                duplicate = find_duplicate(
                    source.sha256, organisation, source.name, except_upload=None
                )
                if duplicate is not None:
                    raise duplicate
        imported = read_inputs(
            kind, inputs, mapping=mapping, categories=categories, progress=progress
        )
    progress(0.9, "Saving")
    dataset = store_imported(
        imported, name=name, user=user, organisation=organisation, supersedes=supersedes
    )
    progress(1.0, "Imported")
    return dataset


# --- Operations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    removed: list[Path]
    missing: list[str]


def sweep_orphans(*, grace_seconds: float = storage.DEFAULT_GRACE_SECONDS) -> SweepReport:
    """Remove files no row refers to (left by a crash), and list datasets missing a file.

    Dataset files and raw uploads older than ``grace_seconds`` with no database row are
    removed. A dataset row whose file is gone is reported, never deleted: restore the file
    from a backup (the checksum says which).
    """
    referenced = set(Dataset.objects.values_list("parquet_path", flat=True))
    removed = storage.sweep(datasets_root(), referenced, grace_seconds=grace_seconds)
    kept = set(Upload.objects.exclude(stored_path="").values_list("stored_path", flat=True))
    removed += storage.sweep(uploads_root(), kept, grace_seconds=grace_seconds)
    missing = [str(path) for path in referenced if not (datasets_root() / path).exists()]
    if removed:
        record(None, "datasets.swept", "datasets", "")
    return SweepReport(removed=removed, missing=sorted(missing))
