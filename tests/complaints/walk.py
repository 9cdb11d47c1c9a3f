"""Walking a complaint through the shipped process, for the tests.

The paths are found from the definition file itself (breadth-first from the initial stage),
so a new stage or step is exercised by the tests without anyone writing a path for it.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from functools import cache

from accord.complaints.process import ComplaintState, Process, Transition, load_process

START = dt.date(2024, 1, 8)


@cache
def shipped() -> Process:
    return load_process()


def paths(process: Process) -> dict[str, list[str]]:
    """The shortest list of moving steps from the initial stage to each stage."""
    found: dict[str, list[str]] = {process.initial_stage: []}
    queue = deque([process.initial_stage])
    while queue:
        stage = queue.popleft()
        for step in process.available(stage):
            if step.to is not None and step.to not in found:
                found[step.to] = [*found[stage], step.id]
                queue.append(step.to)
    return found


def every_date(step: Transition, day: dt.date) -> dict[str, dt.date]:
    """All the dates a step can record, set to one day (which satisfies every date order)."""
    return {name: day for name in (*step.records, *step.optional_records)}


def reach(process: Process, stage: str, start: dt.date = START) -> tuple[ComplaintState, dt.date]:
    """A complaint at ``stage``, one day per step, and the day of its last step."""
    day = start
    state = process.start(day, on=day)
    for step_id in paths(process)[stage]:
        day += dt.timedelta(days=1)
        state = process.apply(state, step_id, every_date(process.transition(step_id), day), on=day)
    return state, day


def follow(
    process: Process, made: dt.date, *moves: tuple[str, dict[str, dt.date]]
) -> ComplaintState:
    """A complaint made on ``made`` that has taken these steps with these dates."""
    on = max([made, *(day for _, dates in moves for day in dates.values())])
    state = process.start(made, on=on)
    for step_id, dates in moves:
        state = process.apply(state, step_id, dates, on=on)
    return state
