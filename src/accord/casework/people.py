"""The people in a case and what the client agreed to: consent, safe contact, the alleged
perpetrator's police connection, and the supervisor's reviews.

Every change runs in one transaction with its audit event. Child records are always reached
through their case, so a record from another case can never be changed by guessing its id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import services
from accord.casework.access import audit
from accord.casework.models import Case, Consent, Party
from accord.casework.services import CaseworkError, SafeContact
from accord.casework.vocabularies import (
    ConsentMethod,
    ConsentPurpose,
    DutyStatus,
    Force,
    OfficerStatus,
    RankBand,
    YesNoUnknown,
)
from accord.policy.rules import can

# How far ahead a supervisor may book the next review: far enough for a settled case, near
# enough that a mistyped year is caught.
LONGEST_REVIEW_INTERVAL = dt.timedelta(days=366)

WHAT_WITHDRAWAL_STOPS: dict[str, str] = {
    ConsentPurpose.KEEP_RECORD: (
        "We can no longer keep a record for this client. The case must be closed, and a "
        "supervisor must consider erasing it. Some records may have to be kept for a while "
        "(for example for a legal claim): the supervisor decides and tells the client."
    ),
    ConsentPurpose.CONTACT: (
        "We stop contacting the client. They can still contact us. Record how they want to "
        "hear from us if they change their mind."
    ),
    ConsentPurpose.SHARE_IDVA_ISVA: (
        "We stop sharing anything new with IDVA or ISVA services, and we cannot make new "
        "referrals to them. What was already shared stays with them: tell them the client "
        "has withdrawn consent."
    ),
    ConsentPurpose.SHARE_MARAC: (
        "We stop sharing anything new with the MARAC, and we cannot refer to it unless the "
        "risk is high and a safeguarding reason is recorded. What was already shared stays "
        "with the MARAC: tell the MARAC coordinator."
    ),
    ConsentPurpose.COMPLAINT: (
        "We stop acting for the client in the police complaint: Accord no longer lets us add "
        "a complaint for them, record a step we take for them, or save a letter for them. We "
        "can still note what the force or the IOPC does. Tell the force's professional "
        "standards department that we no longer represent them."
    ),
    ConsentPurpose.SHARE_IOPC: (
        "We stop sharing anything new with the IOPC: we cannot make new referrals to it, add "
        "a complaint made to it, or save a letter to it. What was already shared stays with "
        "the IOPC: tell them the client has withdrawn consent."
    ),
    ConsentPurpose.ANONYMOUS_STATISTICS: (
        "The case is left out of anonymous statistics from the next time they are produced. "
        "Figures already published cannot be changed, but they never identify anyone."
    ),
}


def require_editable(case: Case) -> None:
    """The views already refuse read-only cases; this holds the rule for every caller."""
    if case.restricted:
        raise CaseworkError(
            "Processing of this case is restricted at the client's request, so it cannot "
            "be changed."
        )
    if not case.is_open:
        raise CaseworkError("This case is closed, so it cannot be changed. Reopen it first.")


def _not_in_future(day: dt.date, what: str) -> None:
    if day > timezone.localdate():
        raise CaseworkError(f"The date {what} cannot be in the future.")


def purpose_label(purpose: str) -> str:
    return str(ConsentPurpose(purpose).label)


# --- Consent -------------------------------------------------------------------------------


def active_consent(case: Case, purpose: str) -> Consent | None:
    """The consent in force for ``purpose``, if the client has given it and not withdrawn it."""
    return case.consents.filter(purpose=purpose, withdrawn_on__isnull=True).first()


class ConsentMissing(CaseworkError):
    """Something needs a consent the client has not given, or has withdrawn.

    ``purpose`` names the consent, so a page can show the refusal beside the right field and
    point the advocate at recording it. The referral gate (``referrals``) and the complaint
    gate (``accord.complaints.consent``) both raise it (or a subclass).
    """

    def __init__(self, message: str, *, purpose: str) -> None:
        super().__init__(message)
        self.purpose = purpose


def consent_not_in_force(case: Case, purpose: str) -> str:
    """One sentence saying why ``purpose`` is not in force: withdrawn (and when), or never
    given. The start of every consent refusal, so they all read the same."""
    withdrawn = (
        case.consents.filter(purpose=purpose, withdrawn_on__isnull=False)
        .order_by("-withdrawn_on")
        .first()
    )
    what = f"“{purpose_label(purpose)}”"
    if withdrawn is not None and withdrawn.withdrawn_on is not None:
        return f"The client withdrew consent to {what} on {withdrawn.withdrawn_on:%-d %B %Y}."
    return f"The client has not given consent to {what}."


@transaction.atomic
def add_consent(
    request: HttpRequest | None,
    case: Case,
    *,
    purpose: str,
    given_on: dt.date,
    method: str,
    note: str = "",
    by: User,
) -> Consent:
    """Record one more thing the client agreed to. A purpose already in force is refused,
    so the table never shows two live agreements for the same thing."""
    require_editable(case)
    purpose = ConsentPurpose(purpose)
    method = ConsentMethod(method)
    _not_in_future(given_on, "the client agreed")
    if active_consent(case, purpose) is not None:
        raise CaseworkError(
            f"The client's consent to “{purpose_label(purpose)}” is already recorded and in force."
        )
    consent = Consent(case=case, purpose=purpose, given_on=given_on, method=method, created_by=by)
    consent.note = note
    consent.save()
    audit(request, "consent.add", case, actor=by)
    return consent


@transaction.atomic
def withdraw_consent(
    request: HttpRequest | None,
    case: Case,
    consent: Consent,
    *,
    withdrawn_on: dt.date,
    note: str = "",
    by: User,
) -> str:
    """Mark a consent withdrawn, and say what that stops (the message to show the advocate).

    The record of the consent stays: what was agreed, and when it ended, is itself evidence
    of lawful sharing.
    """
    require_editable(case)
    if consent.case_id != case.pk:
        raise CaseworkError("This consent belongs to another case.")
    if not consent.active:
        raise CaseworkError(
            f"The client's consent to “{purpose_label(consent.purpose)}” was already "
            f"withdrawn on {consent.withdrawn_on:%-d %B %Y}."
        )
    _not_in_future(withdrawn_on, "the client withdrew consent")
    if withdrawn_on < consent.given_on:
        raise CaseworkError(
            f"The client cannot withdraw consent before they gave it "
            f"({consent.given_on:%-d %B %Y}). Check the date."
        )
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_recorded_by = by
    if note:
        earlier = consent.note
        entry = f"Withdrawn {withdrawn_on:%-d %B %Y}: {note}"
        consent.note = f"{earlier}\n\n{entry}" if earlier else entry
    consent.save(update_fields=["withdrawn_on", "withdrawal_recorded_by", "sealed_note"])
    audit(request, "consent.withdraw", case, actor=by)
    if consent.purpose == ConsentPurpose.KEEP_RECORD:
        audit(request, "consent.keep_record_withdrawn", case, actor=by)
    return WHAT_WITHDRAWAL_STOPS[consent.purpose]


# --- Safe contact ----------------------------------------------------------------------------


@transaction.atomic
def update_safe_contact(
    request: HttpRequest | None, case: Case, contact: SafeContact, *, by: User
) -> None:
    """Change how it is safe to reach the client, sealed and audited in one step."""
    require_editable(case)
    services.update_client_contact(request, case, contact, by=by)


# --- The alleged perpetrator's police connection -------------------------------------------


def recompute_conflict_of_interest(request: HttpRequest | None, case: Case, *, by: User) -> bool:
    """The case's conflict-of-interest flag follows the people in it: set when any alleged
    perpetrator's colleagues could handle the case or a complaint. Audited when it changes,
    because the flag decides who should be asked about the investigation."""
    conflicted = case.parties.filter(
        role=Party.Role.PERPETRATOR, local_team_involved=YesNoUnknown.YES
    ).exists()
    if conflicted != case.conflict_of_interest:
        case.conflict_of_interest = conflicted
        case.save(update_fields=["conflict_of_interest", "updated_at"])
        audit(
            request,
            "case.conflict_of_interest.set" if conflicted else "case.conflict_of_interest.clear",
            case,
            actor=by,
        )
    return conflicted


@transaction.atomic
def save_police_connection(
    request: HttpRequest | None,
    case: Case,
    party: Party | None,
    *,
    name: str,
    force: str,
    officer_status: str,
    rank_band: str,
    unit: str,
    local_team_involved: str,
    by: User,
    firearms_access: str = YesNoUnknown.NOT_KNOWN,
    duty_status: str = DutyStatus.NOT_KNOWN,
    force_answer: str = "",
) -> Party:
    """Add an alleged perpetrator (``party`` None) or change one, then recompute the flag.

    Firearms, duties and what the force said about vetting (CASEWORK.md: an officer's access
    to police systems and to firearms adds risk) are kept in the party's sealed details.
    """
    require_editable(case)
    if party is None:
        party = Party(case=case, role=Party.Role.PERPETRATOR, created_by=by)
        action = "perpetrator.add"
    else:
        if party.case_id != case.pk or party.role != Party.Role.PERPETRATOR:
            raise CaseworkError("This person is not an alleged perpetrator in this case.")
        action = "perpetrator.update"
    party.force = Force(force)
    party.officer_status = OfficerStatus(officer_status)
    party.rank_band = RankBand(rank_band)
    party.local_team_involved = YesNoUnknown(local_team_involved)
    party.name = name
    party.unit = unit
    party.details = {
        **(party.details or {}),
        "police": {
            "firearms_access": YesNoUnknown(firearms_access).value,
            "duty_status": DutyStatus(duty_status).value,
            "force_answer": force_answer.strip(),
        },
    }
    party.save()
    audit(request, action, case, actor=by)
    recompute_conflict_of_interest(request, case, by=by)
    return party


# --- Supervisor reviews ------------------------------------------------------------------------


@transaction.atomic
def record_review(
    request: HttpRequest | None, case: Case, *, next_review_on: dt.date, by: User
) -> Case:
    """A supervisor has reviewed the case today and books the next review.

    The review itself is the audit event (who and when); the case keeps only the next date,
    which drives the "reviews due" list.
    """
    if not can(by, "casework.supervise"):
        raise CaseworkError("Only a supervisor can record a case review.")
    require_editable(case)
    today = timezone.localdate()
    if next_review_on <= today:
        raise CaseworkError("The next review must be after today.")
    if next_review_on > today + LONGEST_REVIEW_INTERVAL:
        raise CaseworkError("The next review must be within the next 12 months. Check the year.")
    case.next_review_on = next_review_on
    case.save(update_fields=["next_review_on", "updated_at"])
    audit(request, "case.review", case, actor=by)
    return case


@dataclass(frozen=True)
class PastReview:
    on: dt.datetime
    by: str


def past_reviews(case: Case, *, limit: int = 10) -> list[PastReview]:
    """The reviews recorded on this case, newest first, read back from the audit log (the
    review is its audit event; nothing else is stored)."""
    events = list(
        AuditEvent.objects.filter(
            action="casework.case.review", object_type="case", object_id=case.reference
        ).order_by("-id")[:limit]
    )
    ids = {int(e.actor_id) for e in events if e.actor_id.isdigit()}
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "display_name"))
    return [
        PastReview(
            on=e.occurred_at,
            by=names.get(int(e.actor_id), "Unknown") if e.actor_id.isdigit() else "Unknown",
        )
        for e in events
    ]
