"""Adding a complaint to a case and moving it through the process: the rules, audited.

The engine (``accord.complaints.process``) decides what may happen and refuses, in words an
advocate can act on, what may not. This module stores what it decided: the new state, the
step with who recorded it and its evidence, and the soonest open deadline, in one
transaction with the audit event, so the state, the history and the trail never disagree.

A complaint always moves under the version of the process it started under
(``process_for_version``), even after a newer definition file ships.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import User
from accord.casework.access import audit
from accord.casework.models import Case, Document
from accord.casework.people import ConsentMissing
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import Force, YesNoUnknown
from accord.complaints import consent
from accord.complaints.models import Complaint, ComplaintStep, LinkedMatter, MadeTo
from accord.complaints.process import (
    ComplaintState,
    Deadline,
    Process,
    ProcessError,
    load_process,
    process_for_version,
)
from accord.complaints.workdays import CalendarRangeError

#: The transition id of the first history entry: the complaint being added to the case. It is
#: not a step of the process (the engine's own history starts after it).
OPENED = "opened"
#: Stored in ``Complaint.referral_criteria`` when the advocate checked and none apply, so
#: "checked, none apply" differs from "not checked yet" (an empty list).
NO_CRITERIA = "none"
#: The prompt in the definition file that lists the mandatory referral criteria.
REFERRAL_PROMPT = "mandatory_referral"


class ComplaintError(CaseworkError):
    """The complaints process (or a rule of casework) refused the change; the message says why."""


class ComplaintConsentMissing(ComplaintError, ConsentMissing):
    """The client has not agreed (or no longer agrees) to what the change would do for them.

    ``purpose`` says which consent: acting in the complaint, or sharing with the IOPC.
    """


@cache
def current_process() -> Process:
    """The process a new complaint starts under: the one shipped for complaints made now."""
    return process_for_version(load_process().version)


def process_of(complaint: Complaint) -> Process:
    """The process this complaint started under."""
    return process_for_version(complaint.process_version)


def state_of(complaint: Complaint) -> ComplaintState:
    return ComplaintState.from_data(complaint.state)


def _check_writable(case: Case) -> None:
    if case.restricted:
        raise ComplaintError(
            "Processing of this case is restricted at the client's request, so its complaints "
            "cannot change."
        )
    if not case.is_open:
        raise ComplaintError("This case is closed. Reopen it before changing its complaints.")


def _deadlines(process: Process, state: ComplaintState, today: dt.date) -> list[Deadline]:
    try:
        return process.deadlines(state, today)
    except CalendarRangeError as error:
        raise ComplaintError(
            f"Accord cannot work out this complaint's deadlines: {error} Until then, check "
            "the dates by hand."
        ) from error


def _next_due(
    process: Process, state: ComplaintState, today: dt.date
) -> tuple[dt.date | None, str]:
    pending = [d for d in _deadlines(process, state, today) if d.status != "met"]
    if not pending:
        return None, ""
    soonest = min(pending, key=lambda deadline: (deadline.due, deadline.rule_id))
    return soonest.due, soonest.rule_id


def refresh_next_due(complaint: Complaint, today: dt.date | None = None) -> bool:
    """Copy the soonest open deadline onto the row (for the home page and reminders, which
    read it without decrypting anything or running the engine). True if it changed.

    A repeating deadline (an explanation of delay every six months) moves on with time, not
    only with steps, so the reminder task calls this daily as well.
    """
    due, rule = _next_due(process_of(complaint), state_of(complaint), today or timezone.localdate())
    if (due, rule) == (complaint.next_due_on, complaint.next_due_rule):
        return False
    complaint.next_due_on, complaint.next_due_rule = due, rule
    Complaint.objects.filter(pk=complaint.pk).update(next_due_on=due, next_due_rule=rule)
    return True


def _dates_as_data(dates: Mapping[str, dt.date]) -> dict[str, str]:
    return {name: day.isoformat() for name, day in sorted(dates.items())}


@transaction.atomic
def open_complaint(
    request: HttpRequest | None,
    case: Case,
    *,
    made_on: dt.date,
    made_to: str,
    force: str,
    summary: str,
    handler: str,
    officer_in_handling_unit: str,
    by: User,
) -> Complaint:
    """Add a complaint to the case, at the first stage of the current process.

    Following a complaint is acting for the client in it, so it needs their consent to that;
    a complaint made to the IOPC needs their consent to share with the IOPC too
    (``accord.complaints.consent``). Refused with ``ComplaintConsentMissing`` otherwise.
    """
    _check_writable(case)
    if made_to not in MadeTo.values:
        raise ComplaintError("Choose who the complaint was made to.")
    consent.require(
        case,
        cannot="Without it, we cannot add a complaint for them.",
        to_iopc=made_to == MadeTo.IOPC,
        to_iopc_cannot="A complaint made to the IOPC shares their information with the IOPC, "
        "so it cannot be added without that consent.",
        error=ComplaintConsentMissing,
    )
    if force not in Force.values:
        raise ComplaintError("Choose the force the complaint is about.")
    if officer_in_handling_unit not in YesNoUnknown.values:
        raise ComplaintError("Say whether the officer serves in the unit handling the complaint.")
    process = current_process()
    today = timezone.localdate()
    try:
        state = process.start(made_on, on=today)
    except ProcessError as error:
        raise ComplaintError(str(error)) from error
    complaint = Complaint(
        case=case,
        created_by=by,
        process_version=process.version,
        stage=state.stage,
        state=state.to_data(),
        made_to=made_to,
        force=force,
        officer_in_handling_unit=officer_in_handling_unit,
    )
    complaint.next_due_on, complaint.next_due_rule = _next_due(process, state, today)
    complaint.summary = summary
    complaint.handler = handler
    complaint.save()
    ComplaintStep.objects.create(
        complaint=complaint,
        case=case,
        transition=OPENED,
        from_stage="",
        to_stage=state.stage,
        on=today,
        recorded=_dates_as_data(state.dates),
        created_by=by,
    )
    audit(request, "complaint.open", case, actor=by)
    return complaint


def record_step(
    request: HttpRequest | None,
    complaint: Complaint,
    transition_id: str,
    recorded_dates: Mapping[str, dt.date | None],
    on: dt.date,
    note: str,
    evidence_document: Document | None,
    by: User,
) -> ComplaintStep:
    """Record one step of the process, with the dates it records and the evidence for it.

    Dates left empty (an optional date nobody knows) are dropped before the engine sees them.
    Refused with ``ComplaintError`` carrying the engine's own message (a step that cannot
    happen now, a missing or impossible date); nothing is saved then.

    A step that acts for the client (``consent.acts_for_client``: one the complainant or the
    advocate takes, other than ending the complaint) needs the client's consent to our acting
    in the complaint, and is refused with ``ComplaintConsentMissing`` without it. Steps that
    note what the force, the IOPC or others did are always allowed, so the record and its
    deadlines stay true after the client withdraws that consent.
    """
    case = complaint.case
    _check_writable(case)
    process = process_of(complaint)
    transition = process.transitions.get(transition_id)
    if transition is not None and consent.acts_for_client(process, transition):
        consent.require(
            case,
            cannot=f"Without it, we cannot record “{transition.label}”: that is something "
            "done for them in the complaint. You can still record what the force, the IOPC "
            "or others do.",
            error=ComplaintConsentMissing,
        )
    if evidence_document is not None and evidence_document.case_id != case.pk:
        raise ComplaintError("That document is not part of this case. Choose one of its own.")
    dates = {name: day for name, day in recorded_dates.items() if day is not None}
    with transaction.atomic():
        # Lock the row so two people recording at once cannot lose one of the steps.
        locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
        process = process_of(locked)
        state = state_of(locked)
        try:
            after = process.apply(state, transition_id, dates, on=on)
        except ProcessError as error:
            raise ComplaintError(str(error)) from error
        due, rule = _next_due(process, after, on)
        Complaint.objects.filter(pk=locked.pk).update(
            stage=after.stage, state=after.to_data(), next_due_on=due, next_due_rule=rule
        )
        step = ComplaintStep(
            complaint=locked,
            case=case,
            transition=transition_id,
            from_stage=state.stage,
            to_stage=after.stage,
            on=on,
            recorded=_dates_as_data(dates),
            evidence=evidence_document,
            created_by=by,
        )
        step.note = note
        step.save()
        audit(request, "complaint.step", case, actor=by)
    complaint.stage, complaint.state = after.stage, after.to_data()
    complaint.next_due_on, complaint.next_due_rule = due, rule
    return step


@transaction.atomic
def note_linked_matter(
    request: HttpRequest | None,
    complaint: Complaint,
    *,
    kind: str,
    noted_on: dt.date,
    note: str,
    by: User,
) -> LinkedMatter:
    """Note a separate process running alongside the complaint (a civil claim, say)."""
    case = complaint.case
    _check_writable(case)
    kinds = process_of(complaint).linked_matters
    if kind not in kinds:
        raise ComplaintError("Choose one of: " + "; ".join(k.label for k in kinds.values()) + ".")
    if noted_on > timezone.localdate():
        raise ComplaintError("The date cannot be in the future.")
    matter = LinkedMatter(
        complaint=complaint, case=case, kind=kind, noted_on=noted_on, created_by=by
    )
    matter.note = note
    matter.save()
    audit(request, "complaint.linked_matter", case, actor=by)
    return matter


def referral_criteria(process: Process) -> dict[str, str]:
    """The mandatory referral criteria of a process: id -> text."""
    prompt = process.prompts.get(REFERRAL_PROMPT)
    return {} if prompt is None else {c.id: c.text for c in prompt.criteria}


@transaction.atomic
def set_referral_criteria(
    request: HttpRequest | None,
    complaint: Complaint,
    criteria: Iterable[str],
    *,
    by: User,
) -> Complaint:
    """Record which mandatory referral criteria the advocate thinks apply (or none).

    ``criteria`` holds criterion ids, or only ``NO_CRITERIA``. Whether the force has referred
    the complaint is not a tick here: it is the step "Referred to the IOPC" with its date.
    """
    case = complaint.case
    _check_writable(case)
    chosen = list(dict.fromkeys(criteria))
    known = referral_criteria(process_of(complaint))
    if not chosen:
        raise ComplaintError("Choose the criteria that apply, or 'None of these apply'.")
    if NO_CRITERIA in chosen and len(chosen) > 1:
        raise ComplaintError(
            "You chose 'None of these apply' and some criteria too. Choose one or the other."
        )
    unknown = [c for c in chosen if c != NO_CRITERIA and c not in known]
    if unknown:
        raise ComplaintError(f"'{unknown[0]}' is not one of the referral criteria.")
    complaint.referral_criteria = chosen
    complaint.save(update_fields=["referral_criteria"])
    audit(request, "complaint.referral_criteria", case, actor=by)
    return complaint


@transaction.atomic
def update_details(
    request: HttpRequest | None,
    complaint: Complaint,
    *,
    handler: str,
    officer_in_handling_unit: str,
    summary: str,
    by: User,
) -> Complaint:
    """Change who is handling the complaint, whether the officer serves in that unit, and
    the advocate's summary: all three change as a complaint moves (a new investigator, the
    IOPC taking it over, an answer to a conflict-of-interest concern).

    These are the advocate's own notes, not an act for the client, so no consent is checked.
    How the complaint moved is recorded as steps, never here.
    """
    _check_writable(complaint.case)
    if officer_in_handling_unit not in YesNoUnknown.values:
        raise ComplaintError("Say whether the officer serves in the unit handling the complaint.")
    complaint.handler = handler.strip()
    complaint.summary = summary.strip()
    complaint.officer_in_handling_unit = officer_in_handling_unit
    complaint.save(update_fields=["sealed_handler", "sealed_summary", "officer_in_handling_unit"])
    audit(request, "complaint.details", complaint.case, actor=by)
    return complaint


def deadlines_for(complaint: Complaint, today: dt.date) -> list[Deadline]:
    """The time limits that matter now for this complaint, soonest first."""
    return _deadlines(process_of(complaint), state_of(complaint), today)
