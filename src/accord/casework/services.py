"""Opening, assigning, closing and keeping cases: the business rules, audited.

Every write of case data goes through a function here (or in a sibling service module), in
one transaction with its audit event, so a case never exists without its key or its trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.casework.access import audit
from accord.casework.keys import new_wrapped_key
from accord.casework.models import Case, CaseKey, Consent, OutcomeMeasure, Party
from accord.casework.vocabularies import (
    ConsentMethod,
    ConsentPurpose,
    MeasureStage,
    Source,
    Status,
    YesNoUnknown,
)


class CaseworkError(ValueError):
    """A rule of casework refused the change; the message says which, in plain words."""


@dataclass
class SafeContact:
    """How, and when, it is safe to get in touch. Asked, recorded and obeyed every time."""

    method: str
    phone: str = ""
    email: str = ""
    trusted_person: str = ""
    times: str = ""
    voicemail_safe: str = YesNoUnknown.NOT_KNOWN
    code_word: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class Intake:
    """What a referral brings, from staff or from the public form."""

    client_name: str
    contact: SafeContact
    summary: str = ""
    perpetrator_name: str = ""
    force: str = ""
    officer_status: str = ""
    rank_band: str = ""
    unit: str = ""
    local_team_involved: str = ""
    consents: list[str] = field(default_factory=list)
    consent_method: str = ConsentMethod.VERBAL
    feels_safe: int | None = None
    trusts_complaints_process: int | None = None


def advisory_service_for_self_referrals() -> Organisation | None:
    """One deployment serves one advisory service (ARCHITECTURE.md); the oldest one here."""
    return (
        Organisation.objects.filter(kind="advisory_service", is_active=True).order_by("pk").first()
    )


@transaction.atomic
def open_case(
    request: HttpRequest | None,
    intake: Intake,
    *,
    organisation: Organisation,
    source: str,
    by: User | None,
    advocate: User | None = None,
) -> Case:
    """Create a case with its own key, its people, consents and first outcome measures."""
    now = timezone.now()
    case = Case(
        organisation=organisation,
        source=source,
        status=Status.OPEN if advocate is not None else Status.NEW,
        advocate=advocate,
        opened_at=now if advocate is not None else None,
    )
    wrapped, _ = new_wrapped_key(str(case.uid))
    case.save()
    CaseKey.objects.create(case=case, generation=1, wrapped=wrapped)
    case.summary = intake.summary
    case.conflict_of_interest = intake.local_team_involved == YesNoUnknown.YES
    case.save(update_fields=["sealed_summary", "conflict_of_interest"])

    client = Party(case=case, role=Party.Role.CLIENT, created_by=by)
    client.name = intake.client_name
    client.details = {"contact": intake.contact.as_dict()}
    client.save()
    if intake.perpetrator_name or intake.force or intake.officer_status:
        perpetrator = Party(
            case=case,
            role=Party.Role.PERPETRATOR,
            created_by=by,
            force=intake.force,
            officer_status=intake.officer_status,
            rank_band=intake.rank_band,
            local_team_involved=intake.local_team_involved,
        )
        perpetrator.name = intake.perpetrator_name
        perpetrator.unit = intake.unit
        perpetrator.save()
    today = timezone.localdate()
    for purpose in intake.consents:
        Consent.objects.create(
            case=case,
            purpose=ConsentPurpose(purpose),
            given_on=today,
            method=intake.consent_method,
            created_by=by,
        )
    if intake.feels_safe is not None or intake.trusts_complaints_process is not None:
        OutcomeMeasure.objects.create(
            case=case,
            stage=MeasureStage.INTAKE,
            recorded_on=today,
            feels_safe=intake.feels_safe,
            trusts_complaints_process=intake.trusts_complaints_process,
            created_by=by,
        )
    audit(request, "case.open" if source == Source.STAFF else "case.self_referral", case, actor=by)
    return case


@transaction.atomic
def assign(request: HttpRequest | None, case: Case, advocate: User, *, by: User) -> Case:
    """Give a case to an advocate of the same service; a new case opens on assignment."""
    membership = advocate.active_membership
    if membership is None or membership.organisation_id != case.organisation_id:
        raise CaseworkError("Cases can only be given to advocates in the same service.")
    if membership.role not in {"advocate", "supervisor"}:
        raise CaseworkError("Cases can only be given to advocates or supervisors.")
    if not case.is_open:
        raise CaseworkError("This case is closed. Reopen it before assigning it.")
    case.advocate = advocate
    fields = ["advocate", "updated_at"]
    if case.status == Status.NEW:
        case.status = Status.OPEN
        case.opened_at = timezone.now()
        fields += ["status", "opened_at"]
    case.save(update_fields=fields)
    audit(request, "case.assign", case, actor=by)
    return case


def retention_review_date(closed_on: dt.date) -> dt.date:
    return closed_on + dt.timedelta(days=int(settings.ACCORD_CASE_RETENTION_DAYS))


@transaction.atomic
def close(
    request: HttpRequest | None,
    case: Case,
    *,
    reason: str,
    note: str,
    feels_safe: int | None,
    trusts_complaints_process: int | None,
    by: User,
) -> Case:
    """Close a case, with the client's own closing ratings when they gave them."""
    if case.status != Status.OPEN:
        raise CaseworkError("Only an open case can be closed.")
    now = timezone.now()
    case.status = Status.CLOSED
    case.closed_at = now
    case.closed_by = by
    case.closure_reason = reason
    case.closure_note = note
    case.retention_review_on = retention_review_date(timezone.localdate())
    case.save()
    if feels_safe is not None or trusts_complaints_process is not None:
        OutcomeMeasure.objects.update_or_create(
            case=case,
            stage=MeasureStage.CLOSURE,
            defaults={
                "recorded_on": timezone.localdate(),
                "feels_safe": feels_safe,
                "trusts_complaints_process": trusts_complaints_process,
                "created_by": by,
            },
        )
    audit(request, "case.close", case, actor=by)
    return case


@transaction.atomic
def reopen(request: HttpRequest | None, case: Case, *, by: User) -> Case:
    if case.status != Status.CLOSED:
        raise CaseworkError("Only a closed case can be reopened.")
    case.status = Status.OPEN
    case.closed_at = None
    case.retention_review_on = None
    case.save(update_fields=["status", "closed_at", "retention_review_on", "updated_at"])
    audit(request, "case.reopen", case, actor=by)
    return case


def update_client_contact(
    request: HttpRequest | None, case: Case, contact: SafeContact, *, by: User
) -> None:
    client = case.client
    if client is None:
        raise CaseworkError("This case has no client record.")
    details: dict[str, Any] = client.details
    details["contact"] = contact.as_dict()
    client.details = details
    client.save(update_fields=["sealed_details"])
    audit(request, "client.contact.update", case, actor=by)
