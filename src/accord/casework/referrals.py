"""Referrals to other services (IDVA/ISVA, MARAC, legal advice, counselling, housing, the
IOPC), gated on the client's consent, and what came of them.

Sharing with another agency without consent is the one thing the client most needs us not
to do, so the gate lives here, beside the write, and not in a form that another page could
skip. The single exception is a MARAC referral at high risk: safeguarding may justify it,
and then the reason is sealed into the referral and the override is audited on its own.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import User
from accord.casework.access import audit
from accord.casework.models import Case, Referral, RiskAssessment
from accord.casework.people import (
    ConsentMissing as ConsentMissing,  # re-exported: the referral pages catch it from here
)
from accord.casework.people import (
    active_consent,
    consent_not_in_force,
    require_editable,
)
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import ConsentPurpose, ReferralStatus, ReferralTo

# Which consent each kind of referral needs. The others (legal advice, counselling,
# housing, other) are made with the client, who contacts or is put in touch with the service.
CONSENT_NEEDED: dict[str, str] = {
    ReferralTo.IDVA: ConsentPurpose.SHARE_IDVA_ISVA,
    ReferralTo.ISVA: ConsentPurpose.SHARE_IDVA_ISVA,
    ReferralTo.MARAC: ConsentPurpose.SHARE_MARAC,
    ReferralTo.IOPC: ConsentPurpose.SHARE_IOPC,
}

# The heading sealed at the top of a referral's note when it was made without consent.
OVERRIDE_HEADING = "Made without the client's consent, on safeguarding grounds. Reason:"

# Where a referral may go next. Declined, completed and withdrawn are final: a new
# referral is a new record, so the history of each stays true.
NEXT_STATUSES: dict[str, frozenset[str]] = {
    ReferralStatus.MADE: frozenset(
        {
            ReferralStatus.ACCEPTED,
            ReferralStatus.DECLINED,
            ReferralStatus.COMPLETED,
            ReferralStatus.WITHDRAWN,
        }
    ),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN}),
}


def consent_needed(to: str) -> str | None:
    return CONSENT_NEEDED.get(to)


def latest_risk_is_high(case: Case) -> bool:
    latest = RiskAssessment.objects.filter(case=case).order_by("-completed_on", "-created_at")
    assessment = latest.first()
    return assessment is not None and assessment.high_risk


def _missing_consent_message(case: Case, to: str, purpose: str) -> str:
    said = consent_not_in_force(case, purpose)
    if to == ReferralTo.MARAC:
        return (
            f"{said} Ask the client and record their consent first. If the risk is high and "
            "you must refer without consent, give the safeguarding reason."
        )
    return f"{said} Ask the client and record their consent before making this referral."


@transaction.atomic
def make_referral(
    request: HttpRequest | None,
    case: Case,
    *,
    to: str,
    made_on: dt.date,
    note: str = "",
    override_reason: str = "",
    by: User,
) -> Referral:
    """Record a referral, refusing one the client has not agreed to.

    ``override_reason`` is read only for a MARAC referral without consent, and only when the
    latest risk assessment shows high risk; it is then sealed at the top of the note.
    """
    require_editable(case)
    to = ReferralTo(to)
    if made_on > timezone.localdate():
        raise CaseworkError("The date the referral was made cannot be in the future.")
    override_reason = override_reason.strip()
    overridden = False
    purpose = consent_needed(to)
    if purpose is not None and active_consent(case, purpose) is None:
        if to != ReferralTo.MARAC or not override_reason:
            raise ConsentMissing(_missing_consent_message(case, to, purpose), purpose=purpose)
        if not latest_risk_is_high(case):
            raise ConsentMissing(
                "A MARAC referral without the client's consent is only allowed when the "
                "latest risk assessment shows high risk. Record the risk assessment first, "
                "or ask the client for consent.",
                purpose=purpose,
            )
        overridden = True
    referral = Referral(case=case, to=to, made_on=made_on, created_by=by)
    note = note.strip()
    if overridden:
        heading = f"{OVERRIDE_HEADING}\n{override_reason}"
        referral.note = f"{heading}\n\n{note}" if note else heading
    else:
        referral.note = note
    referral.save()
    audit(request, "referral.add", case, actor=by)
    if overridden:
        audit(request, "referral.consent_override", case, actor=by)
    return referral


def made_without_consent(referral: Referral) -> bool:
    return bool(referral.note.startswith(OVERRIDE_HEADING))


def next_statuses(referral: Referral) -> list[tuple[str, str]]:
    """The statuses this referral can move to, as (value, label) in the vocabulary's order."""
    allowed = NEXT_STATUSES.get(referral.status, frozenset())
    return [(value, label) for value, label in ReferralStatus.choices if value in allowed]


@transaction.atomic
def record_outcome(
    request: HttpRequest | None,
    case: Case,
    referral: Referral,
    *,
    status: str,
    outcome_on: dt.date,
    outcome: str = "",
    by: User,
) -> Referral:
    """Move a referral on (accepted, declined, completed, withdrawn) with its date and note.

    Each change adds a dated line to the sealed outcome, so an accepted-then-completed
    referral keeps both steps.
    """
    require_editable(case)
    if referral.case_id != case.pk:
        raise CaseworkError("This referral belongs to another case.")
    status = ReferralStatus(status)
    if status not in NEXT_STATUSES.get(referral.status, frozenset()):
        if referral.status not in NEXT_STATUSES:
            raise CaseworkError(
                f"This referral is finished ({referral.get_status_display().lower()}), so "
                "its status cannot change. Make a new referral if the client needs one."
            )
        raise CaseworkError(
            f"A referral that is “{referral.get_status_display().lower()}” cannot become "
            f"“{status.label.lower()}”."
        )
    if outcome_on > timezone.localdate():
        raise CaseworkError("The date of the outcome cannot be in the future.")
    if outcome_on < referral.made_on:
        raise CaseworkError(
            f"The outcome cannot be before the referral was made ({referral.made_on:%-d %B %Y})."
        )
    if referral.outcome_on is not None and outcome_on < referral.outcome_on:
        raise CaseworkError(
            "The outcome cannot be before the last change to this referral "
            f"({referral.outcome_on:%-d %B %Y})."
        )
    entry = f"{outcome_on:%-d %B %Y} – {status.label}"
    outcome = outcome.strip()
    if outcome:
        entry = f"{entry}: {outcome}"
    earlier = referral.outcome
    referral.outcome = f"{earlier}\n{entry}" if earlier else entry
    referral.status = status
    referral.outcome_on = outcome_on
    referral.save(update_fields=["status", "outcome_on", "sealed_outcome"])
    audit(request, f"referral.{status.value}", case, actor=by)
    return referral


def open_referrals_relying_on(case: Case, purpose: str) -> list[Referral]:
    """Referrals still under way that needed ``purpose``: the agencies to tell when the
    client withdraws that consent."""
    kinds = [to for to, needed in CONSENT_NEEDED.items() if needed == purpose]
    if not kinds:
        return []
    return list(
        case.referrals.filter(
            to__in=kinds, status__in=[ReferralStatus.MADE, ReferralStatus.ACCEPTED]
        )
    )
