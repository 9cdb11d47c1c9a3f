"""What the complaint pages show, worked out from the stored state and the process definition.

The pages show labels, not ids: a stage, a step, a date or a deadline rule is named the way
the definition file names it, under the version of the process the complaint follows.
Reading a note or an evidence file name decrypts it with the case's key, so every record is
pointed at the case object the page already holds (one key unwrap per page, not per row).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accord.casework.models import Case
from accord.complaints.models import Complaint, ComplaintStep, LinkedMatter
from accord.complaints.process import Actor, Deadline, Process, Transition
from accord.complaints.services import OPENED, process_of

#: Deadlines this close (or overdue) show on the advocate's home page and the case page.
DUE_WINDOW_DAYS = 7


def date_label(process: Process, name: str) -> str:
    field = process.dates.get(name)
    return field.label if field is not None else name


def in_sentence(label: str) -> str:
    """A label as it reads mid-sentence ("date the IOPC ..."): only its first letter lowered."""
    return label[:1].lower() + label[1:]


@dataclass(frozen=True)
class HistoryEntry:
    step: ComplaintStep
    label: str
    to_label: str
    moved: bool
    dates: tuple[tuple[str, dt.date], ...]


def history(complaint: Complaint, process: Process, case: Case) -> list[HistoryEntry]:
    """Every recorded step, oldest first, with the dates it recorded and who recorded it."""
    steps = complaint.steps.select_related("created_by", "evidence").order_by(
        "on", "created_at", "pk"
    )
    entries = []
    for step in steps:
        step.case = case
        if step.evidence is not None:
            step.evidence.case = case
        if step.transition == OPENED:
            label = "Complaint added to the case"
        else:
            transition = process.transitions.get(step.transition)
            label = transition.label if transition is not None else step.transition
        stage = process.stages.get(step.to_stage)
        entries.append(
            HistoryEntry(
                step=step,
                label=label,
                to_label=stage.label if stage is not None else step.to_stage,
                moved=step.from_stage != step.to_stage,
                dates=tuple(
                    (date_label(process, name), dt.date.fromisoformat(day))
                    for name, day in step.recorded.items()
                ),
            )
        )
    return entries


@dataclass(frozen=True)
class NextStep:
    transition: Transition
    actor: Actor
    dates: tuple[str, ...]
    optional_dates: tuple[str, ...]
    outcome: str


def next_steps(process: Process, stage_id: str) -> list[NextStep]:
    """The steps that can be recorded now, in the order of the definition file."""
    found = []
    for step in process.available(stage_id):
        if step.to is not None:
            outcome = f"Moves the complaint to: {process.stage(step.to).label}."
        elif step.go_back:
            outcome = "The complaint goes back to the stage it was at before."
        else:
            outcome = "The complaint stays at this stage."
        found.append(
            NextStep(
                transition=step,
                actor=process.actors[step.actor],
                dates=tuple(in_sentence(date_label(process, n)) for n in step.records),
                optional_dates=tuple(
                    in_sentence(date_label(process, n)) for n in step.optional_records
                ),
                outcome=outcome,
            )
        )
    return found


@dataclass(frozen=True)
class DeadlineRow:
    deadline: Deadline
    starts_from: str
    notes: tuple[str, ...]


def deadline_rows(
    process: Process, deadlines: list[Deadline], shown_elsewhere: set[str]
) -> list[DeadlineRow]:
    """Deadlines with the name of the date each counts from; notes a prompt already shows
    on the page are left out of the table rather than said twice."""
    return [
        DeadlineRow(
            deadline=deadline,
            starts_from=in_sentence(date_label(process, deadline.starts_from)),
            notes=tuple(note for note in deadline.notes if note not in shown_elsewhere),
        )
        for deadline in deadlines
    ]


def linked_matters(
    complaint: Complaint, process: Process, case: Case
) -> list[tuple[LinkedMatter, str]]:
    found = []
    for matter in complaint.linked_matters.select_related("created_by"):
        matter.case = case
        kind = process.linked_matters.get(matter.kind)
        found.append((matter, kind.label if kind is not None else matter.kind))
    return found


def due_status(due_on: dt.date | None, today: dt.date) -> str:
    """'overdue', 'due_soon' (within a week) or 'upcoming'; '' when nothing is due."""
    if due_on is None:
        return ""
    if due_on < today:
        return "overdue"
    if due_on <= today + dt.timedelta(days=DUE_WINDOW_DAYS):
        return "due_soon"
    return "upcoming"


@dataclass(frozen=True)
class ComplaintSummary:
    """One line of the case page's complaints section: no decryption needed."""

    complaint: Complaint
    made_on: dt.date | None
    stage_label: str
    due_on: dt.date | None
    due_label: str
    status: str
    ended: bool


def summary_of(complaint: Complaint, today: dt.date | None = None) -> ComplaintSummary:
    process = process_of(complaint)
    stage = process.stages.get(complaint.stage)
    rule = process.deadline_rules.get(complaint.next_due_rule)
    made = complaint.state.get("dates", {}).get(process.anchor_date)
    return ComplaintSummary(
        complaint=complaint,
        made_on=dt.date.fromisoformat(made) if made else None,
        stage_label=stage.label if stage is not None else complaint.stage,
        due_on=complaint.next_due_on,
        due_label=rule.label if rule is not None else "",
        status=due_status(complaint.next_due_on, today or timezone.localdate()),
        ended=stage is not None and stage.terminal,
    )
