"""Keeping cases no longer than needed (UK GDPR Art 5(1)(e)), legal holds, and restriction.

A closed case gets a retention review date (``services.close``). When it passes, the case is
listed for a supervisor, who decides: keep it until a later date (with a reason), put it on
legal hold, or ask for it to be erased (``accord.casework.erasure``, which needs a second
supervisor). A legal hold blocks erasure everywhere until it is lifted.

Restriction (Art 18) makes a case read-only and hides it from the everyday lists, while a
complaint about accuracy or lawfulness is looked at. Every decision is recorded with its
reason (sealed with the case key) and audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.casework.access import audit
from accord.casework.models import Case, DataRightsDecision, ErasureRequest
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import Status
from accord.policy.rules import can

Kind = DataRightsDecision.Kind


class RetentionError(CaseworkError):
    """A retention, hold or restriction decision was refused; the message says why."""


def due_for_review(
    organisation: Organisation | None = None,
    *,
    today: dt.date | None = None,
    among: QuerySet[Case] | None = None,
) -> QuerySet[Case]:
    """Closed cases whose retention review date has come, oldest first; ``among`` the cases
    a person may see (``Case.objects.visible_to``) when a page lists them."""
    cases = (Case.objects.all() if among is None else among).filter(
        status=Status.CLOSED,
        retention_review_on__isnull=False,
        retention_review_on__lte=today or timezone.localdate(),
    )
    if organisation is not None:
        cases = cases.filter(organisation=organisation)
    return cases.order_by("retention_review_on", "pk")


@dataclass(frozen=True)
class DueCase:
    """One line of the retention list: nothing but what a decision needs, never content."""

    reference: str
    closed_on: dt.date | None
    review_on: dt.date
    legal_hold: bool
    restricted: bool
    erasure_pending: bool


def due_list(
    organisation: Organisation | None = None,
    *,
    today: dt.date | None = None,
    among: QuerySet[Case] | None = None,
) -> list[DueCase]:
    pending = set(
        ErasureRequest.objects.filter(decision=ErasureRequest.Decision.PENDING).values_list(
            "case_id", flat=True
        )
    )
    return [
        DueCase(
            reference=case.reference,
            closed_on=timezone.localdate(case.closed_at) if case.closed_at else None,
            review_on=case.retention_review_on,  # type: ignore[arg-type]
            legal_hold=case.legal_hold,
            restricted=case.restricted,
            erasure_pending=case.pk in pending,
        )
        for case in due_for_review(organisation, today=today, among=among)
    ]


def _locked(case: Case, by: User) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not (can(by, "casework.supervise") and can(by, "casework.view_case", locked)):
        raise RetentionError("Only a supervisor of this service can do this.")
    if locked.status == Status.ERASED:
        raise RetentionError("This case has been erased.")
    return locked


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise RetentionError("Give the reason for this decision.")
    return text


def _decision(case: Case, kind: str, reason: str, by: User, **fields: object) -> None:
    decision = DataRightsDecision(case=case, kind=kind, decided_by=by, **fields)
    decision.reason = reason
    decision.save()


def latest_keep_date(today: dt.date | None = None) -> dt.date:
    """No case is kept further ahead than one full retention period from today."""
    return (today or timezone.localdate()) + dt.timedelta(
        days=int(settings.ACCORD_CASE_RETENTION_DAYS)
    )


@transaction.atomic
def keep_until(
    request: HttpRequest | None, case: Case, *, until: dt.date, reason: str, by: User
) -> Case:
    """Keep a closed case for longer: its next retention review moves to ``until``."""
    locked = _locked(case, by)
    text = _reason(reason)
    if locked.status != Status.CLOSED:
        raise RetentionError("Only a closed case has a retention review date to move.")
    today = timezone.localdate()
    if until <= today:
        raise RetentionError("The new review date must be in the future.")
    if until > latest_keep_date(today):
        raise RetentionError(
            f"Choose a date no later than {latest_keep_date(today):%-d %B %Y}. "
            "Review the case again then if it is still needed."
        )
    locked.retention_review_on = until
    locked.save(update_fields=["retention_review_on", "updated_at"])
    _decision(locked, Kind.KEEP, text, by, keep_until=until)
    audit(request, "retention.keep", locked, actor=by)
    return locked


@transaction.atomic
def place_hold(request: HttpRequest | None, case: Case, *, reason: str, by: User) -> Case:
    """Legal hold (for example, legal claims, Art 17(3)(e)): nothing erases the case."""
    locked = _locked(case, by)
    text = _reason(reason)
    if locked.legal_hold:
        raise RetentionError("This case is already under a legal hold.")
    locked.legal_hold = True
    locked.legal_hold_reason = text
    locked.save(update_fields=["legal_hold", "sealed_legal_hold_reason", "updated_at"])
    _decision(locked, Kind.HOLD, text, by)
    audit(request, "legal_hold.place", locked, actor=by)
    return locked


@transaction.atomic
def lift_hold(request: HttpRequest | None, case: Case, *, reason: str, by: User) -> Case:
    locked = _locked(case, by)
    text = _reason(reason)
    if not locked.legal_hold:
        raise RetentionError("This case is not under a legal hold.")
    locked.legal_hold = False
    locked.legal_hold_reason = ""
    locked.save(update_fields=["legal_hold", "sealed_legal_hold_reason", "updated_at"])
    _decision(locked, Kind.LIFT_HOLD, text, by)
    audit(request, "legal_hold.lift", locked, actor=by)
    return locked


@transaction.atomic
def restrict(request: HttpRequest | None, case: Case, *, reason: str, by: User) -> Case:
    """Art 18: the case becomes read-only and leaves the everyday lists."""
    locked = _locked(case, by)
    text = _reason(reason)
    if locked.restricted:
        raise RetentionError("Processing of this case is already restricted.")
    locked.restricted = True
    locked.save(update_fields=["restricted", "updated_at"])
    _decision(locked, Kind.RESTRICT, text, by)
    audit(request, "case.restrict", locked, actor=by)
    return locked


@transaction.atomic
def unrestrict(request: HttpRequest | None, case: Case, *, reason: str, by: User) -> Case:
    locked = _locked(case, by)
    text = _reason(reason)
    if not locked.restricted:
        raise RetentionError("Processing of this case is not restricted.")
    locked.restricted = False
    locked.save(update_fields=["restricted", "updated_at"])
    _decision(locked, Kind.UNRESTRICT, text, by)
    audit(request, "case.unrestrict", locked, actor=by)
    return locked
