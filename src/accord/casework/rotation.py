"""Key rotation for casework: re-wrapping case keys, re-encrypting cases, checking everything.

Two separate operations (SECURITY.md CR-3):

* **rewrap**, after a master key rotation: every case's data key is wrapped again by the
  primary master key. Cheap (one row per case generation), idempotent, resumable; afterwards
  the old master key can be removed from ``ACCORD_CASE_KEYS``.
* **rotate**, when a case's data key must change: a new key generation, every sealed value
  and every document file of the case re-encrypted under it, then the old generations
  deleted. Old generations stay until everything is verified on the new one, so a crash at
  any point leaves a case that still decrypts, and running the command again finishes it.

``check`` decrypts every sealed value and file with the keys configured now. Backups are
restored with it (a backup and keyring that do not match show up here, not on a case page).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import Max

from accord.audit.services import record
from accord.casework import keys, name_index
from accord.casework.documents import TEMP_PREFIX
from accord.casework.models import Case, CaseKey, Document, Erasure
from accord.casework.sealed import SealedText
from accord.casework.vocabularies import Status
from accord.crypto.keyring import DecryptionError, KeyringError


class RotationError(RuntimeError):
    """A rotation could not finish; old keys were kept so nothing became unreadable."""


# --- What is sealed ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedModel:
    """A casework model with encrypted attributes: ``(attribute, column)`` pairs."""

    model: type[models.Model]
    attributes: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> list[str]:
        return [column for _, column in self.attributes]

    def rows_of(self, case: Case) -> models.QuerySet[Any]:
        if self.model is Case:
            return Case.objects.filter(pk=case.pk)
        return self.model._default_manager.filter(case_id=case.pk)


def _descriptors(model: type[models.Model]) -> dict[str, SealedText]:
    found: dict[str, SealedText] = {}
    for klass in reversed(model.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, SealedText):
                found[name] = value
    return found


def _belongs_to_a_case(model: type[models.Model]) -> bool:
    return any(
        f.name == "case" and f.is_relation and f.related_model is Case
        for f in model._meta.concrete_fields
    )


def _candidates() -> Iterator[type[models.Model]]:
    """Every casework model, then every model of another app (the complaints navigator, say)
    that seals something or has a ``case`` link and ``sealed_*`` columns."""
    yield from apps.get_app_config("casework").get_models()
    for model in apps.get_models():
        if model._meta.app_label == "casework":
            continue
        sealed_columns = any(f.name.startswith("sealed_") for f in model._meta.concrete_fields)
        if _descriptors(model) or (sealed_columns and _belongs_to_a_case(model)):
            yield model


@functools.cache
def sealed_models() -> tuple[SealedModel, ...]:
    """Every model with ``SealedText``/``SealedJSON`` attributes, in casework or in any other
    app whose records belong to a case, found generically, so that a model another area adds
    is rotated, checked, erased and exported without a list to update.

    A ``sealed_*`` column with no attribute (or the reverse) is a programming error: it would
    be skipped by rotation and erasure, so it is refused here.
    """
    found: list[SealedModel] = []
    for model in _candidates():
        descriptors = _descriptors(model)
        columns = {f.name for f in model._meta.concrete_fields if f.name.startswith("sealed_")}
        expected = {descriptor.column for descriptor in descriptors.values()}
        if columns != expected:
            raise RotationError(
                f"{model.__name__}: sealed columns {sorted(columns ^ expected)} have no "
                "matching SealedText attribute (or the reverse)."
            )
        if not descriptors:
            continue
        if model is not Case and not _belongs_to_a_case(model):
            raise RotationError(f"{model.__name__} has sealed attributes but no case.")
        found.append(
            SealedModel(
                model=model,
                attributes=tuple(sorted((name, d.column) for name, d in descriptors.items())),
            )
        )
    return tuple(found)


def _descriptor(row: models.Model, name: str) -> SealedText:
    descriptor = getattr(type(row), name)
    if not isinstance(descriptor, SealedText):
        raise RotationError(f"{type(row).__name__}.{name} is not a sealed attribute.")
    return descriptor


def open_text(row: models.Model, name: str) -> str:
    """The stored plaintext of one attribute, as text (JSON stays exactly as stored)."""
    return str(SealedText.__get__(_descriptor(row, name), row))


def seal_text(row: models.Model, name: str, text: str) -> None:
    SealedText.__set__(_descriptor(row, name), row, text)


def _rows(case: Case) -> Iterator[tuple[SealedModel, models.Model]]:
    for sealed in sealed_models():
        if sealed.model is Case:
            yield sealed, case
            continue
        for row in sealed.rows_of(case):
            row.case = case  # share the case's unwrapped keys
            yield sealed, row


# --- Document files ---------------------------------------------------------------------------


def file_path(document: Document) -> Path:
    return Path(settings.ACCORD_CASE_FILES_DIR) / document.storage_name


def file_context(document: Document) -> str:
    """The AAD of a document's file: the same as ``accord.casework.documents`` uses (a test
    reads a rotated file back through that module)."""
    return f"casework.document.file:{document.uid}"


def staged_path(final: Path, generation: int) -> Path:
    """Where a re-encrypted copy waits before it replaces the file. The documents module's
    temporary prefix means ``sweep_orphans`` removes copies a crash left behind."""
    return final.with_name(f"{TEMP_PREFIX}rotate-{generation}-{final.name}")


def _discard_staged(case: Case) -> None:
    for document in Document.objects.filter(case_id=case.pk):
        final = file_path(document)
        for leftover in final.parent.glob(f"{TEMP_PREFIX}rotate-*-{final.name}"):
            leftover.unlink(missing_ok=True)


def _write_new(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


# --- Rewrap -----------------------------------------------------------------------------------


@dataclass
class RewrapReport:
    total: int = 0
    rewrapped: int = 0
    names_indexed: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def already_current(self) -> int:
        return self.total - self.rewrapped - len(self.failures)


def rewrap_all() -> RewrapReport:
    """Wrap every case key with the primary master key. Safe to run again at any time."""
    master = keys.master_keyring()
    report = RewrapReport()
    rows = CaseKey.objects.values_list("pk", "case__uid", "case__reference", "wrapped")
    for pk, case_uid, reference, wrapped in rows.order_by("pk").iterator():
        report.total += 1
        if not master.needs_rewrap(wrapped):
            continue
        try:
            fresh = keys.rewrap(str(case_uid), wrapped)
        except DecryptionError as error:
            report.failures.append(f"{reference}: {error}")
            continue
        # Compare-and-set: a concurrent rotation may have replaced the row meanwhile.
        report.rewrapped += CaseKey.objects.filter(pk=pk, wrapped=wrapped).update(wrapped=fresh)
    # The person index is keyed by the primary master key too (name_index).
    report.names_indexed, failures = name_index.reindex_stale()
    report.failures.extend(failures)
    record(None, "casework.keys.rewrap", "casework", "keys")
    return report


# --- Rotate -----------------------------------------------------------------------------------


@dataclass
class RotationReport:
    reference: str
    generation: int
    values: int
    files: int


def _reencrypt(case: Case, *, only_stale: bool) -> int:
    """Re-seal every sealed value of the case under its current (primary) key."""
    keyring = keys.data_keyring(case)
    count = 0
    for sealed, row in _rows(case):
        changed: dict[str, str] = {}
        for name, column in sealed.attributes:
            token = getattr(row, column)
            if not token or (only_stale and not keyring.needs_rewrap(token)):
                continue
            seal_text(row, name, open_text(row, name))
            changed[column] = getattr(row, column)
        if changed:
            sealed.model._default_manager.filter(pk=row.pk).update(**changed)
            count += len(changed)
    return count


def _stage_files(case: Case, generation: int) -> list[tuple[Path, Path]]:
    staged: list[tuple[Path, Path]] = []
    try:
        for document in Document.objects.filter(case_id=case.pk).order_by("pk"):
            final = file_path(document)
            if not final.exists():
                raise RotationError(
                    f"Case {case.reference}: the file of document {document.uid} is missing."
                )
            context = file_context(document)
            plain = keys.open_bytes(case, final.read_bytes(), context)
            temporary = staged_path(final, generation)
            _write_new(temporary, keys.seal_bytes(case, plain, context))
            staged.append((temporary, final))
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    return staged


def _verify_files(case: Case, generation: int) -> None:
    current = f"g{generation}"
    for document in Document.objects.filter(case_id=case.pk):
        token = file_path(document).read_bytes()
        if token.split(b":", 2)[1:2] != [current.encode()]:
            raise RotationError(
                f"Case {case.reference}: document {document.uid} is not on the new key yet; "
                "the old keys were kept. Run the rotation again."
            )


def rotate_case(case: Case) -> RotationReport:
    """Give a case a new data key and re-encrypt everything of it; then drop the old keys.

    1. One transaction: a new key generation; every sealed value re-encrypted; a new copy of
       each document file written next to the old one.
    2. Each new file replaces its old one (an atomic rename per file).
    3. One transaction: anything written under an old key meanwhile is re-encrypted, every
       file is checked to be on the new key, and only then are the old generations deleted.
    """
    if case.status == Status.ERASED:
        raise RotationError(f"Case {case.reference} was erased: it has no keys to rotate.")
    _discard_staged(case)  # copies an interrupted run left behind
    staged: list[tuple[Path, Path]] = []
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            latest = CaseKey.objects.filter(case=locked).aggregate(top=Max("generation"))["top"]
            if latest is None:
                raise RotationError(f"Case {locked.reference} has no key to rotate.")
            generation = int(latest) + 1
            wrapped, _ = keys.new_wrapped_key(str(locked.uid))
            CaseKey.objects.create(case=locked, generation=generation, wrapped=wrapped)
            keys.forget(locked)
            values = _reencrypt(locked, only_stale=False)
            staged = _stage_files(locked, generation)
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, final in staged:
        os.replace(temporary, final)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        keys.forget(locked)
        values += _reencrypt(locked, only_stale=True)
        _verify_files(locked, generation)
        CaseKey.objects.filter(case=locked, generation__lt=generation).delete()
        record(None, "casework.case.keys.rotate", "case", locked.reference)
    keys.forget(case)
    return RotationReport(locked.reference, generation, values, len(staged))


def rotate_all() -> list[RotationReport]:
    return [rotate_case(case) for case in Case.objects.exclude(status=Status.ERASED).order_by("pk")]


# --- Check ------------------------------------------------------------------------------------


@dataclass
class CheckReport:
    cases: int = 0
    values: int = 0
    files: int = 0
    not_on_primary_master: int = 0
    names_not_indexed: int = 0
    failures: list[str] = field(default_factory=list)


def _check_case(case: Case, report: CheckReport) -> None:
    try:
        keys.data_keyring(case)
    except (DecryptionError, KeyringError) as error:
        report.failures.append(f"{case.reference}: {error}")
        return
    for sealed, row in _rows(case):
        for name, column in sealed.attributes:
            if not getattr(row, column):
                continue
            try:
                open_text(row, name)
            except DecryptionError as error:
                report.failures.append(
                    f"{case.reference}: {sealed.model.__name__} {getattr(row, 'uid', row.pk)} "
                    f"{name}: {error}"
                )
            else:
                report.values += 1
    for document in Document.objects.filter(case_id=case.pk):
        path = file_path(document)
        if not path.exists():
            report.failures.append(f"{case.reference}: document {document.uid}: file missing")
            continue
        try:
            keys.open_bytes(case, path.read_bytes(), file_context(document))
        except (DecryptionError, UnicodeDecodeError) as error:
            report.failures.append(f"{case.reference}: document {document.uid} file: {error}")
        else:
            report.files += 1


def check_all() -> CheckReport:
    """Decrypt everything with the keys configured now; list what fails (never content).

    Erased cases are checked the other way round: they must hold no key and no content (a
    restore from an older backup brings them back until the erasure ledger is replayed).
    """
    from accord.casework.erasure import leftovers  # erasure builds on this module

    report = CheckReport()
    master = keys.master_keyring()
    report.not_on_primary_master = sum(
        1
        for wrapped in CaseKey.objects.values_list("wrapped", flat=True)
        if master.needs_rewrap(wrapped)
    )
    report.names_not_indexed = name_index.stale().count()
    erased_uids = set(Erasure.objects.values_list("case_uid", flat=True))
    for case in Case.objects.order_by("pk").iterator():
        if case.status == Status.ERASED or case.uid in erased_uids:
            if leftovers(case):
                report.failures.append(
                    f"{case.reference}: erased, but its keys or content are back "
                    "(replay the erasure ledger: accord casework erasures replay)."
                )
            continue
        report.cases += 1
        _check_case(case, report)
    record(None, "casework.keys.check", "casework", "keys")
    return report
