"""Helpers for uploads and imports: where files live, limits, names, duplicates, progress,
and which import attempt may store an upload (its claim).

The actions themselves are in :mod:`accord.datasets.services`.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone

from accord.accounts.models import Organisation
from accord.datasets.archives import Limits, human_bytes
from accord.datasets.errors import ImportFailed, UploadStateError
from accord.datasets.harmonise import Progress
from accord.datasets.models import Dataset, Upload, UploadStatus
from accord.web import file_checks

_CHUNK = 1 << 20
#: An import whose upload has not moved for this long is taken to have stopped.
STALE_AFTER = dt.timedelta(minutes=30)
#: How often a running import says it is still alive, even when its percentage stays put.
_HEARTBEAT_SECONDS = 30.0
#: Names Accord accepts for uploads (the contents are checked too).
UPLOAD_SUFFIXES = (".csv", ".csv.gz", ".zip", ".xlsx", ".parquet")


def limits() -> Limits:
    return Limits.from_max(int(settings.ACCORD_MAX_UPLOAD_BYTES))


def datasets_root() -> Path:
    return Path(settings.ACCORD_DATASETS_DIR)


def uploads_root() -> Path:
    return Path(settings.ACCORD_UPLOADS_DIR)


def work_dir() -> Path:
    """Scratch space for unpacking, on the same disk as the uploads."""
    return uploads_root() / ".work"


def clean_filename(name: str) -> str:
    """The name an upload is listed and checked by (``file_checks.clean_filename``), never
    empty: the list of uploads needs something to show, and "upload" is then refused for
    its missing ending like any other name without one.
    """
    return file_checks.clean_filename(name) or "upload"


def stale_after() -> dt.timedelta:
    seconds = getattr(settings, "ACCORD_IMPORT_STALE_SECONDS", None)
    return STALE_AFTER if seconds is None else dt.timedelta(seconds=float(seconds))


def import_has_stopped(upload: Upload) -> bool:
    """Whether an upload marked "importing" has no import working on it any more.

    A worker killed mid-import (out of memory, a deploy) or a web request cut off leaves
    the upload "importing" for ever; the person must then be able to try again or discard
    it. The task queue says so at once when the task has ended or is gone; otherwise an
    import that has not moved for :func:`stale_after` is taken to have stopped. Taking a
    slow import for a stopped one is safe: only the newest attempt may store the data.
    """
    if upload.status != UploadStatus.IMPORTING:
        return False
    if upload.task_id and _task_has_ended(upload.task_id):
        return True
    return upload.updated_at < timezone.now() - stale_after()


def _task_has_ended(task_id: str) -> bool:
    from accord.datasets.tasks import import_upload_task

    try:
        result = import_upload_task.get_result(task_id)
    except TaskResultDoesNotExist:
        return True
    except NotImplementedError:  # a backend that keeps no results says nothing either way
        return False
    return result.status in {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED}


def find_duplicate(
    sha: str, organisation: Organisation | None, display: str, *, except_upload: Upload | None
) -> ImportFailed | None:
    for dataset in Dataset.objects.filter(organisation=organisation).only(
        "name", "version", "source_checksums"
    ):
        for entry in dataset.source_checksums:
            if entry.get("sha256") == sha and not entry.get("member_of"):
                return ImportFailed.one(
                    f"this file has already been imported as the dataset '{dataset.name}' "
                    f"(version {dataset.version}). Importing it again would count the same "
                    "records twice.",
                    display,
                )
    if organisation is None:
        return None
    uploads = Upload.objects.filter(organisation=organisation, sha256=sha).exclude(
        status__in=[UploadStatus.DISCARDED, UploadStatus.IMPORTED]
    )
    if except_upload is not None:
        uploads = uploads.exclude(pk=except_upload.pk)
    earlier = uploads.order_by("created_at").first()
    if earlier is not None:
        return ImportFailed.one(
            f"this file was already uploaded on {earlier.created_at:%d %B %Y} as "
            f"'{earlier.original_name}' ({earlier.get_status_display().lower()}). "
            f"{_what_next(earlier)}",
            display,
        )
    return None


def _what_next(earlier: Upload) -> str:
    """What the person can do with the earlier upload of the same file."""
    if earlier.status == UploadStatus.FAILED or import_has_stopped(earlier):
        return (
            "Open it under 'Files waiting or with problems' on the Data page to try the "
            "import again, or discard it there and upload the file again."
        )
    if earlier.status == UploadStatus.IMPORTING:
        return "Wait for that import to finish."
    return "Import or discard that upload instead."


def size_of(file: IO[bytes] | Any) -> int | None:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None


def capped_chunks(file: IO[bytes] | Any, cap: int, display: str) -> Iterator[bytes]:
    reader = (
        file.chunks(_CHUNK) if hasattr(file, "chunks") else iter(lambda: file.read(_CHUNK), b"")
    )
    total = 0
    for chunk in reader:
        total += len(chunk)
        if total > cap:
            raise ImportFailed.one(
                f"the file is larger than {human_bytes(cap)}, the largest file Accord accepts.",
                display,
            )
        yield chunk


class UploadProgress:
    """Writes progress to the Upload row when it moves by a whole step (for the page to poll).

    It also writes at least every :data:`_HEARTBEAT_SECONDS`, so a long step is not taken
    for a stopped import, and only while ``claim`` is still the upload's current attempt.
    """

    def __init__(self, upload: Upload, extra: Progress | None, *, claim: str = "") -> None:
        self.upload_id = upload.pk
        self.claim = claim
        self.also = extra
        self.last = -1
        self.written_at = time.monotonic()

    def __call__(self, fraction: float, message: str) -> None:
        percent = max(0, min(99, int(fraction * 100)))
        moved = percent >= self.last + 5 or percent < self.last
        if moved or time.monotonic() - self.written_at >= _HEARTBEAT_SECONDS:
            self.last = percent
            self.written_at = time.monotonic()
            Upload.objects.filter(
                pk=self.upload_id, status=UploadStatus.IMPORTING, claim=self.claim
            ).update(progress=percent, progress_message=message[:200], updated_at=timezone.now())
        if self.also is not None:
            self.also(fraction, message)


# --- Which import attempt may store an upload ------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What an upload is to be imported as: kept on the upload so an import can be retried."""

    kind: str
    name: str
    mapping: dict[str, str] | None = None
    categories: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mapping": self.mapping, "categories": self.categories}


@dataclass(frozen=True)
class Before:
    """An upload's state before an import claimed it, to put back if the import never starts."""

    status: str
    errors: list[dict[str, Any]]
    task_id: str


def claim_upload(
    upload: Upload, choices: Choices, *, resume: str | None = None
) -> tuple[str, Before]:
    """Make this import attempt the only one that may store ``upload``; return its token.

    A new attempt may start on a pending or failed upload, or on one whose import stopped
    (:func:`import_has_stopped`). ``resume`` is the token of an attempt already claimed
    (the background task picking up what
    :func:`~accord.datasets.services.enqueue_import` started). The update is
    conditional on the state read, so of two attempts racing for one upload only the
    first gets it: the second is refused, and one upload can never become two datasets.
    """
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if resume is None:
            check_can_start(locked)
            token = uuid.uuid4().hex
        elif locked.status == UploadStatus.IMPORTING and locked.claim == resume:
            token = resume
        else:
            raise taken_over(locked)
        claimed = Upload.objects.filter(
            pk=locked.pk, status=locked.status, claim=locked.claim
        ).update(
            status=UploadStatus.IMPORTING,
            claim=token,
            kind=choices.kind,
            choices=choices.as_dict(),
            task_id=locked.task_id if resume else "",
            progress=0,
            progress_message="Starting",
            errors=[],
            updated_at=timezone.now(),
        )
        if claimed != 1:
            raise being_imported(locked)
    return token, Before(locked.status, locked.errors, locked.task_id)


def check_can_start(upload: Upload) -> None:
    """Refuse to start an import of an upload that is finished or being imported."""
    if upload.status in (UploadStatus.IMPORTED, UploadStatus.DISCARDED):
        raise UploadStateError(
            f"'{upload.original_name}' is {upload.get_status_display().lower()}; "
            "upload the file again to import it."
        )
    if upload.status == UploadStatus.IMPORTING and not import_has_stopped(upload):
        raise being_imported(upload)


def being_imported(upload: Upload) -> UploadStateError:
    return UploadStateError(
        f"'{upload.original_name}' is being imported already. Wait for that import to finish."
    )


def taken_over(upload: Upload) -> UploadStateError:
    return UploadStateError(
        f"Another import of '{upload.original_name}' started, or the upload was discarded, "
        "while this one was waiting or running, so this one stopped without storing anything."
    )


def release_upload(upload: Upload, token: str, before: Before) -> None:
    """Put an upload back as it was when its import could not even be started."""
    Upload.objects.filter(pk=upload.pk, status=UploadStatus.IMPORTING, claim=token).update(
        status=before.status,
        errors=before.errors,
        task_id=before.task_id,
        progress=0,
        progress_message="",
        updated_at=timezone.now(),
    )
