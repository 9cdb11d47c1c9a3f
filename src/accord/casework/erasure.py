"""Erasing a case (UK GDPR Art 17): asked for by one supervisor, agreed by another.

Rules (SECURITY.md section 4 and AZ-7):

* Two people: the supervisor who asks cannot approve. They can only withdraw their request.
* A legal hold blocks erasure at every step: asking, approving and carrying it out.
* An open case can only be erased because the client asked for it (they are ending their
  support and want the record gone). Any other reason waits until the case is closed, so a
  case someone is working on never disappears by a retention or housekeeping decision.

Carrying it out: the case's keys are deleted first (crypto-shredding: every copy of its
ciphertext, including in backups, becomes unreadable), then every row of the case is hard
deleted with its files, the case row is blanked to a tombstone (reference, service, dates,
status "erased") and a ledger row records that it happened, by whom, with no content.

A backup restored from before an erasure brings the case back: :func:`replay_ledger` erases
it again. The ledger can also be exported to a file kept with the master keys, since a
restored database holds only the ledger as it was when the backup was taken.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.casework import keys
from accord.casework.access import audit
from accord.casework.documents import TEMP_PREFIX
from accord.casework.models import Case, CaseKey, Document, Erasure, ErasureRequest
from accord.casework.rotation import file_path, sealed_models
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import Status
from accord.policy.rules import can

Grounds = ErasureRequest.Grounds
Decision = ErasureRequest.Decision

HOLD_MESSAGE = (
    "This case is under a legal hold, so it cannot be erased. A supervisor must lift the hold "
    "first, and only if it no longer applies."
)
OPEN_CASE_MESSAGE = (
    "This case is still open. Close it first, unless the client has asked us to erase their record."
)


class ErasureError(CaseworkError):
    """An erasure was refused; the message says why, in plain words."""


def _require_supervisor(user: User, case: Case) -> None:
    if not (can(user, "casework.supervise") and can(user, "casework.view_case", case)):
        raise ErasureError("Only a supervisor of this service can do this.")


def _refuse_if_blocked(case: Case, grounds: str) -> None:
    if case.status == Status.ERASED:
        raise ErasureError("This case has already been erased.")
    if case.legal_hold:
        raise ErasureError(HOLD_MESSAGE)
    if case.is_open and grounds != Grounds.CLIENT_REQUEST:
        raise ErasureError(OPEN_CASE_MESSAGE)


@transaction.atomic
def request_erasure(
    request: HttpRequest | None, case: Case, *, grounds: str, note: str, by: User
) -> ErasureRequest:
    """Record a supervisor's request; nothing is erased until another supervisor agrees."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _require_supervisor(by, locked)
    if grounds not in Grounds.values:
        raise ErasureError("Choose why the case should be erased.")
    _refuse_if_blocked(locked, grounds)
    if locked.erasure_requests.filter(decision=Decision.PENDING).exists():
        raise ErasureError(
            "There is already a request to erase this case. A second supervisor must decide "
            "on it first."
        )
    pending = ErasureRequest(case=locked, grounds=grounds, requested_by=by)
    pending.note = note
    pending.save()
    audit(request, "erasure.request", locked, actor=by)
    return pending


def _locked_pending(erasure_request: ErasureRequest) -> ErasureRequest:
    locked = (
        ErasureRequest.objects.select_for_update().select_related("case").get(pk=erasure_request.pk)
    )
    if not locked.pending:
        raise ErasureError("This request has already been decided.")
    return locked


@transaction.atomic
def withdraw(request: HttpRequest | None, erasure_request: ErasureRequest, *, by: User) -> None:
    """The supervisor who asked takes the request back."""
    locked = _locked_pending(erasure_request)
    if locked.requested_by_id != by.pk:
        raise ErasureError("Only the supervisor who asked can withdraw this request.")
    locked.decision = Decision.WITHDRAWN
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["decision", "decided_by", "decided_at"])
    audit(request, "erasure.withdraw", locked.case, actor=by)


@transaction.atomic
def decide(
    request: HttpRequest | None, erasure_request: ErasureRequest, *, approve: bool, by: User
) -> ErasureRequest:
    """A second supervisor refuses the request, or agrees and the case is erased at once."""
    locked = _locked_pending(erasure_request)
    case = Case.objects.select_for_update().get(pk=locked.case_id)
    _require_supervisor(by, case)
    if locked.requested_by_id == by.pk:
        raise ErasureError(
            "A different supervisor must decide: you asked for this erasure. "
            "You can withdraw it instead."
        )
    locked.decided_by = by
    locked.decided_at = timezone.now()
    if not approve:
        locked.decision = Decision.REFUSED
        locked.save(update_fields=["decision", "decided_by", "decided_at"])
        audit(request, "erasure.refuse", case, actor=by)
        return locked
    _refuse_if_blocked(case, locked.grounds)
    locked.decision = Decision.APPROVED
    locked.save(update_fields=["decision", "decided_by", "decided_at"])
    audit(request, "erasure.approve", case, actor=by)
    entry = Erasure.objects.create(
        case_uid=case.uid,
        reference=case.reference,
        organisation_id=case.organisation_id,
        requested_by_id=locked.requested_by_id,
        approved_by=by,
        grounds=locked.get_grounds_display()[:200],
    )
    _purge(case)
    audit(request, "case.erase", case, actor=by)
    _append_to_ledger_file(entry)
    return locked


# --- Carrying out an erasure --------------------------------------------------------------


def _reverse_relations() -> list[tuple[type[models.Model], str]]:
    """Every model (any app) with a foreign key or one-to-one key to Case, including hidden
    (``+``) ones. One-to-one relations are reverse relations too (the equality answers)."""
    found: list[tuple[type[models.Model], str]] = []
    for relation in Case._meta.get_fields(include_hidden=True):
        model = relation.related_model
        pointing_here = relation.one_to_many or relation.one_to_one
        if relation.auto_created and not relation.concrete and pointing_here and model:
            found.append((model, relation.field.name))  # type: ignore[union-attr]
    return found


def _kept(model: type[models.Model]) -> bool:
    """Rows kept after erasure: the requests (who asked, who agreed), blanked of content."""
    return model is ErasureRequest


def _blank_columns(model: type[models.Model]) -> dict[str, str]:
    for sealed in sealed_models():
        if sealed.model is model:
            return dict.fromkeys(sealed.columns, "")
    return {}


def _purge(case: Case) -> None:
    """Destroy the keys, then the rows and files; leave a tombstone. In the caller's
    transaction, with the files last: a failure before them rolls everything back and loses
    nothing; a failure after them leaves a case that was being erased anyway, and running
    the erasure (or the ledger replay) again finishes it."""
    files: list[Path] = []
    for document in Document.objects.filter(case_id=case.pk):
        path = file_path(document)
        files.append(path)
        files.extend(path.parent.glob(f"{TEMP_PREFIX}rotate-*-{path.name}"))
    CaseKey.objects.filter(case_id=case.pk).delete()
    keys.forget(case)
    for model, field_name in _reverse_relations():
        if model is CaseKey:
            continue
        rows = model._default_manager.filter(**{field_name: case.pk})
        if _kept(model):
            blank = _blank_columns(model)
            if blank:
                rows.update(**blank)
            continue
        rows.delete()
    Case.objects.filter(pk=case.pk).update(
        **_blank_columns(Case),
        status=Status.ERASED,
        erased_at=case.erased_at or timezone.now(),
        advocate=None,
        closed_by=None,
        closure_reason="",
        conflict_of_interest=False,
        restricted=False,
        legal_hold=False,
        next_review_on=None,
        retention_review_on=None,
    )
    case.refresh_from_db()
    for path in files:
        path.unlink(missing_ok=True)


def leftovers(case: Case) -> list[str]:
    """What of an erased case is still here (after a restore): keys, rows or content."""
    found: list[str] = []
    if case.status != Status.ERASED:
        found.append("status")
    if CaseKey.objects.filter(case_id=case.pk).exists():
        found.append("keys")
    for model, field_name in _reverse_relations():
        if model is CaseKey:
            continue
        rows = model._default_manager.filter(**{field_name: case.pk})
        blank = _blank_columns(model)
        if _kept(model):
            if blank and rows.exclude(**blank).exists():
                found.append(f"{model.__name__} content")
        elif rows.exists():
            found.append(model.__name__)
    if any(getattr(case, column) for column in _blank_columns(Case)):
        found.append("Case content")
    return found


# --- The ledger -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerEntry:
    """One erasure as written to the ledger file: identifiers and people, never content."""

    case_uid: str
    reference: str
    organisation_id: int
    requested_by_id: int
    approved_by_id: int
    grounds: str
    erased_at: str

    @classmethod
    def of(cls, entry: Erasure) -> LedgerEntry:
        return cls(
            case_uid=str(entry.case_uid),
            reference=entry.reference,
            organisation_id=int(entry.organisation_id),
            requested_by_id=int(entry.requested_by_id),
            approved_by_id=int(entry.approved_by_id),
            grounds=entry.grounds,
            erased_at=entry.erased_at.isoformat(),
        )


def _ledger_file() -> Path | None:
    configured = getattr(settings, "ACCORD_ERASURE_LEDGER", "")
    return Path(configured) if configured else None


def _append_to_ledger_file(entry: Erasure) -> None:
    """Also write the entry to the ledger file, if one is configured, once committed."""
    path = _ledger_file()
    if path is None:
        return
    line = json.dumps(asdict(LedgerEntry.of(entry)), sort_keys=True)

    def append() -> None:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    transaction.on_commit(append)


def export_ledger(path: Path) -> int:
    """Write the whole ledger as JSON lines, for safe keeping outside the database."""
    entries = [LedgerEntry.of(e) for e in Erasure.objects.order_by("erased_at", "pk")]
    with open(path, "w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(asdict(entry), sort_keys=True) + "\n")
    return len(entries)


def read_ledger(path: Path) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entries.append(LedgerEntry(**json.loads(line)))
            except (TypeError, ValueError) as error:
                raise ErasureError(
                    f"{path}, line {number}: not a ledger entry ({error})."
                ) from None
    return entries


def _restore_entry(entry: LedgerEntry) -> None:
    """Put back a ledger row that a restore lost, when its people and service still exist."""
    if Erasure.objects.filter(case_uid=entry.case_uid).exists():
        return
    people = User.objects.filter(pk__in={entry.requested_by_id, entry.approved_by_id}).count()
    wanted = len({entry.requested_by_id, entry.approved_by_id})
    if people != wanted or not Organisation.objects.filter(pk=entry.organisation_id).exists():
        return
    created = Erasure.objects.create(
        case_uid=entry.case_uid,
        reference=entry.reference,
        organisation_id=entry.organisation_id,
        requested_by_id=entry.requested_by_id,
        approved_by_id=entry.approved_by_id,
        grounds=entry.grounds,
    )
    Erasure.objects.filter(pk=created.pk).update(
        erased_at=dt.datetime.fromisoformat(entry.erased_at)
    )


def replay_ledger(extra: Iterable[LedgerEntry] = ()) -> list[str]:
    """Erase again every case the ledger says was erased but which a restore brought back.

    Runs after every restore (and is harmless any other time). A legal hold in the restored
    data does not stop it: the erasure was decided when the hold was no longer there.
    Returns the references erased again.
    """
    entries: dict[str, LedgerEntry] = {
        str(e.case_uid): LedgerEntry.of(e) for e in Erasure.objects.order_by("pk")
    }
    for entry in extra:
        entries.setdefault(entry.case_uid, entry)
        _restore_entry(entry)
    erased_again: list[str] = []
    for case_uid, entry in entries.items():
        case = Case.objects.filter(uid=case_uid).first()
        if case is None or not leftovers(case):
            continue
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            _purge(locked)
            audit(None, "case.erase.replay", locked)
        erased_again.append(entry.reference)
    return erased_again


def pending_request(case: Case) -> ErasureRequest | None:
    return case.erasure_requests.filter(decision=Decision.PENDING).first()
