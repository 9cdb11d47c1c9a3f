"""How long complaints spend in each stage, and how they end: figures for trust, no identities.

Why: whether the complaints system treats these complainants fairly shows in how long each
stage takes and how complaints end. These rows are the raw material for the
disclosure-controlled releases that come later (small-number suppression happens there, not
here), so they carry nothing that identifies a case or a person:

- no case id, reference, uid or name: each complaint gets a random row id, new on every
  run, so two exports cannot be joined to each other or back to Accord;
- rows come out in random order (not in the order cases were opened);
- the date the complaint was made is coarsened to its month; the force and who the
  complaint was made to are plain categories; every other figure is a whole number of days.

Only stage ids and dates from the complaint's stored engine state are used, never sealed
text. A case is counted only while the client's consent to "count your case in anonymous
statistics" is in force, and never when it is restricted or erased.

How a stage's time is measured: from the date of the step into it to the date of the step
out of it. A step's date is the first date it records (for example the date the complaint
was recorded, or the date printed on the outcome letter); a step that records no date is
dated by the day it was entered in Accord, except the first step of a complaint made
directly to the force, which happens the day the complaint was made. Steps that record
something without moving the complaint (an update, a delay letter) do not split a stage.
The stage a complaint is still in is counted up to ``as_of``; a complaint in a final stage
(closed, withdrawn) stops counting when it got there. So each complaint's days add up to
the days from when it was made to when it ended (or to ``as_of``).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accord.casework.models import Case
from accord.complaints.models import Complaint
from accord.complaints.process import ComplaintState, Process, Step, process_for_version

logger = logging.getLogger(__name__)

#: The columns of :func:`stage_times`, in order.
COLUMNS = (
    "row",
    "process_version",
    "force",
    "made_to",
    "made_month",
    "outcome",
    "finished",
    "stage",
    "days",
)


class AggregateError(ValueError):
    """Some complaints could not be read, so the figures would be incomplete."""


@dataclass(frozen=True)
class Journey:
    """One complaint's time per stage (in the order first reached) and how it ended."""

    made_on: dt.date
    ended_on: dt.date
    days: dict[str, int]
    outcome: str
    finished: bool

    @property
    def total_days(self) -> int:
        return sum(self.days.values())


def _step_date(process: Process, step: Step, made_on: dt.date) -> dt.date:
    recorded = dict(step.recorded)
    transition = process.transitions.get(step.transition)
    if transition is not None:
        for name in transition.records:
            if name in recorded:
                return recorded[name]
    if recorded:
        return min(recorded.values())
    if step.from_stage == process.initial_stage:
        return made_on  # made directly to the force: it reached the force the day it was made
    return step.on


def journey(process: Process, state: ComplaintState, as_of: dt.date) -> Journey:
    """The time in each stage of one complaint up to ``as_of``, from its stored state alone."""
    made_on = state.dates[process.anchor_date]
    days: dict[str, int] = {}
    stage = process.initial_stage
    since = made_on
    for step in state.history:
        if step.from_stage == step.to_stage:
            continue
        # Dates are kept in order: a step entered with an earlier date than the last one
        # (a correction, a backdated entry) closes the stage on the day it opened.
        day = max(_step_date(process, step, made_on), since)
        if day > as_of:
            break  # figures as they stood on ``as_of``: later steps had not happened yet
        days[step.from_stage] = days.get(step.from_stage, 0) + (day - since).days
        stage, since = step.to_stage, day
    finished = process.stage(stage).terminal
    ended_on = since if finished else max(as_of, since)
    if not finished:
        days[stage] = days.get(stage, 0) + (ended_on - since).days
    return Journey(made_on, ended_on, days, stage, finished)


def _counted(organisation: Any = None) -> QuerySet[Complaint]:
    cases = Case.objects.counted_in_statistics()
    if organisation is not None:
        cases = cases.filter(organisation=organisation)
    return Complaint.objects.filter(case__in=cases).only(
        "pk", "uid", "process_version", "state", "made_to", "force"
    )


def _journeys(complaints: Iterable[Complaint], as_of: dt.date) -> list[tuple[Complaint, Journey]]:
    found: list[tuple[Complaint, Journey]] = []
    failed = 0
    for complaint in complaints:
        try:
            process = process_for_version(complaint.process_version)
            found.append(
                (complaint, journey(process, ComplaintState.from_data(complaint.state), as_of))
            )
        except (ValueError, KeyError, TypeError) as error:
            failed += 1
            logger.error(
                "complaint aggregates: complaint %s could not be read (%s)",
                complaint.uid,
                type(error).__name__,
            )
    if failed:
        raise AggregateError(
            f"{failed} complaints could not be read, so the figures would be incomplete. "
            "The error log names each one by its random id; fix them and run this again."
        )
    return found


def counted_journeys(
    *, as_of: dt.date | None = None, organisation: Any = None
) -> list[tuple[Complaint, Journey]]:
    """Each counted complaint (consent in force, not restricted or erased) with its journey,
    for figures that need the complaint's categories and its dates together (releases)."""
    return _journeys(_counted(organisation), as_of or timezone.localdate())


def stage_times(*, as_of: dt.date | None = None, organisation: Any = None) -> list[dict[str, Any]]:
    """A tidy table: one row per complaint per stage it spent time in (see ``COLUMNS``).

    ``row`` is random and new on every call; the rows of one complaint share it. Rows come
    in random order of complaint, and in the order the stages were reached within one.
    """
    as_of = as_of or timezone.localdate()
    rows: list[tuple[str, int, dict[str, Any]]] = []
    for complaint, path in _journeys(_counted(organisation), as_of):
        row_id = secrets.token_hex(8)
        common = {
            "row": row_id,
            "process_version": complaint.process_version,
            "force": complaint.force,
            "made_to": complaint.made_to,
            "made_month": f"{path.made_on:%Y-%m}",
            "outcome": path.outcome,
            "finished": path.finished,
        }
        for order, (stage, days) in enumerate(path.days.items()):
            rows.append((row_id, order, {**common, "stage": stage, "days": days}))
    rows.sort(key=lambda entry: (entry[0], entry[1]))
    return [row for _, _, row in rows]


def outcomes(*, as_of: dt.date | None = None, organisation: Any = None) -> list[dict[str, Any]]:
    """One row per complaint: its categories, how it ended (or where it is) and its total days."""
    as_of = as_of or timezone.localdate()
    rows: list[dict[str, Any]] = [
        {
            "row": secrets.token_hex(8),
            "process_version": complaint.process_version,
            "force": complaint.force,
            "made_to": complaint.made_to,
            "made_month": f"{path.made_on:%Y-%m}",
            "outcome": path.outcome,
            "finished": path.finished,
            "total_days": path.total_days,
        }
        for complaint, path in _journeys(_counted(organisation), as_of)
    ]
    rows.sort(key=lambda row: row["row"])
    return rows
