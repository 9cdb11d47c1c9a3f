"""The checks Accord puts in front of an advocate on a complaint's page, at the right moment.

Each prompt comes from the definition file (its words, its source and, where the source is
not yet checked, what to confirm), so a change in the guidance is an edit to that file. This
module only decides *when* each one shows:

* the mandatory referral criteria, until the advocate has recorded which apply and, if any
  do, the force has been recorded as referring the complaint to the IOPC;
* a possible conflict of interest, when the officer serves in the unit handling the complaint
  or the case itself is marked with one;
* a deadline's own prompt (an update that is overdue, say) while that deadline is overdue;
* the late outcome letter, while the review window it shortened is still open;
* who carries out a review, while a review can be applied for;
* what to confirm about the current stage, when its source is marked verify.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from accord.casework.models import Case
from accord.casework.vocabularies import YesNoUnknown
from accord.complaints.models import Complaint
from accord.complaints.process import LATE_LETTER_PROMPT, Deadline, Process, Prompt
from accord.complaints.services import (
    NO_CRITERIA,
    REFERRAL_PROMPT,
    deadlines_for,
    process_of,
    state_of,
)

CONFLICT_PROMPT = "conflict_of_interest"
REVIEW_BODY_PROMPT = "review_body"
#: The date the force (or the IOPC) records when the complaint goes to the IOPC.
REFERRED_DATE = "referred_to_iopc"
#: The date recorded when a review is applied for.
REVIEW_DATE = "review_applied"


@dataclass(frozen=True)
class CriterionCheck:
    """One mandatory referral criterion and whether the advocate recorded that it applies."""

    id: str
    text: str
    citation: str
    verify: bool
    verify_note: str
    applies: bool


@dataclass(frozen=True)
class AdvocatePrompt:
    """A prompt ready to show: its words, source, what to confirm, and why it shows now."""

    id: str
    label: str
    text: str
    citation: str
    verify: bool
    verify_note: str
    urgent: bool = False
    details: tuple[str, ...] = ()
    criteria: tuple[CriterionCheck, ...] = ()


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _from(
    prompt: Prompt,
    *,
    text: str | None = None,
    urgent: bool = False,
    details: tuple[str, ...] = (),
    criteria: tuple[CriterionCheck, ...] = (),
) -> AdvocatePrompt:
    return AdvocatePrompt(
        id=prompt.id,
        label=prompt.label,
        text=prompt.text if text is None else text,
        citation=str(prompt.citation),
        verify=prompt.verify,
        verify_note=prompt.verify_note,
        urgent=urgent,
        details=details,
        criteria=criteria,
    )


def _referral(process: Process, complaint: Complaint, dates: set[str]) -> AdvocatePrompt | None:
    prompt = process.prompts.get(REFERRAL_PROMPT)
    if prompt is None:
        return None
    ticked = set(complaint.referral_criteria)
    none_apply = ticked == {NO_CRITERIA}
    referred = REFERRED_DATE in dates
    if ticked and (none_apply or referred):
        return None
    if not ticked:
        details = ("You have not recorded yet whether any of these apply.",)
    else:
        details = (
            "You recorded that the complaint meets these criteria, but the force has not been "
            "recorded as referring it to the IOPC. Ask the force to confirm in writing that "
            "it has, then record the step 'Referred to the IOPC' with the date.",
        )
    criteria = tuple(
        CriterionCheck(
            c.id, c.text, str(c.citation), c.verify, c.verify_note, applies=c.id in ticked
        )
        for c in prompt.criteria
    )
    return _from(prompt, urgent=bool(ticked), details=details, criteria=criteria)


def _conflict(process: Process, complaint: Complaint, case: Case) -> AdvocatePrompt | None:
    prompt = process.prompts.get(CONFLICT_PROMPT)
    if prompt is None:
        return None
    reasons = []
    if complaint.officer_in_handling_unit == YesNoUnknown.YES:
        reasons.append("You recorded that the officer serves in the unit handling the complaint.")
    if case.conflict_of_interest:
        reasons.append("The case is marked with a conflict of interest.")
    if not reasons:
        return None
    return _from(prompt, urgent=True, details=tuple(reasons))


def _overdue(process: Process, deadlines: list[Deadline]) -> list[AdvocatePrompt]:
    found: dict[str, AdvocatePrompt] = {}
    for deadline in deadlines:
        rule = process.deadline_rules[deadline.rule_id]
        if deadline.status != "overdue" or not rule.prompt or rule.prompt in found:
            continue
        found[rule.prompt] = _from(
            process.prompts[rule.prompt],
            urgent=True,
            details=(f"{deadline.label}: due {_day(deadline.due)}.",),
        )
    return list(found.values())


def _late_letter(
    process: Process, deadlines: list[Deadline], dates: dict[str, dt.date]
) -> AdvocatePrompt | None:
    prompt = process.prompts[LATE_LETTER_PROMPT]
    for deadline in deadlines:
        rule = process.deadline_rules[deadline.rule_id]
        received = dates.get(rule.received_from or "")
        if deadline.status == "met" or received is None:
            continue
        days = (received - deadline.start).days
        if days > 0:
            text = prompt.text.format(
                days=days, due=_day(deadline.due), weekday=f"{deadline.due:%A}"
            )
            return _from(
                prompt,
                text=text,
                urgent=True,
                details=(f"{deadline.label}: due {_day(deadline.due)}.",),
            )
    return None


def prompts_for(
    complaint: Complaint,
    case: Case,
    today: dt.date,
    *,
    deadlines: list[Deadline] | None = None,
) -> list[AdvocatePrompt]:
    """What the advocate should check now, most pressing first. Nothing once it has ended."""
    process = process_of(complaint)
    state = state_of(complaint)
    stage = process.stage(state.stage)
    if stage.terminal:
        return []
    if deadlines is None:
        deadlines = deadlines_for(complaint, today)
    dates = dict(state.dates)
    found: list[AdvocatePrompt | None] = [
        *_overdue(process, deadlines),
        _late_letter(process, deadlines, dates),
        _conflict(process, complaint, case),
        _referral(process, complaint, set(dates)),
    ]
    review_body = process.prompts.get(REVIEW_BODY_PROMPT)
    if review_body is not None and any(
        REVIEW_DATE in step.records for step in process.available(stage.id)
    ):
        found.append(_from(review_body))
    if stage.verify:
        found.append(
            AdvocatePrompt(
                id="verify_stage",
                label=f"Confirm what happens at this stage: {stage.label}",
                text="Accord's description of this stage has not yet been checked against the "
                "law or guidance it cites. Confirm it before relying on it.",
                citation=str(stage.citation),
                verify=True,
                verify_note=stage.verify_note,
            )
        )
    prompts = [p for p in found if p is not None]
    return sorted(prompts, key=lambda p: not p.urgent)
