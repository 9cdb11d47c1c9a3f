"""The police complaints process as data, and a small engine that moves a complaint through it.

The rules live in a versioned TOML file (``data/process-england-wales-2020.toml``), not in
code, so that when the regulations or the IOPC's guidance change an advocate-facing change is
an edit to one cited file, and every rule can show where it comes from. ``load_process`` reads
that file and refuses it, with a message naming the problem, if anything does not fit
together: a step into a stage that does not exist, a rule with no source, a stage nothing
leads to.

The engine is pure: it never touches a database or the clock. A complaint's position is a
``ComplaintState`` (its stage, the dates recorded so far and its history); ``Process.apply``
returns a new state or raises ``ProcessError`` with a sentence an advocate can act on, and
``Process.deadlines`` works out what is due, by whom, and how urgently.

>>> import datetime as dt
>>> process = load_process()
>>> state = process.start(dt.date(2025, 3, 3), on=dt.date(2025, 3, 3))
>>> state = process.apply(state, "made_to_force", {}, on=dt.date(2025, 3, 3))
>>> process.stage(state.stage).label
'Force deciding how to handle it'
"""

from __future__ import annotations

import datetime as dt
import string
import tomllib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from accord.complaints.workdays import (
    BankHolidayCalendar,
    add_calendar_days,
    add_months,
    default_calendar,
)

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_PROCESS_FILE = DATA_DIR / "process-england-wales-2020.toml"

UNITS = ("working_days", "calendar_days", "months")
COUNTINGS = ("day_after", "same_day")
DUE_SOON_WORKING_DAYS = 5

# Prompts the engine itself fills in, so every definition file must have them.
LATE_LETTER_PROMPT = "late_letter"
NON_WORKING_DAY_PROMPT = "due_on_non_working_day"
_PROMPT_FIELDS = frozenset({"days", "due", "weekday"})

Status = Literal["upcoming", "due_soon", "overdue", "met"]

_ONE_DAY = dt.timedelta(days=1)


class ProcessDefinitionError(ValueError):
    """The definition file is wrong; the message says which entry and what to fix."""


class ProcessError(ValueError):
    """A step was refused; the message says why in words an advocate can act on."""


@dataclass(frozen=True)
class Source:
    """A law, regulation or guidance document that rules cite."""

    id: str
    title: str
    short: str
    url: str


@dataclass(frozen=True)
class Citation:
    """Where exactly a rule comes from: a source and a pinpoint within it."""

    source: Source
    pinpoint: str

    def __str__(self) -> str:
        return f"{self.source.short}, {self.pinpoint}"


@dataclass(frozen=True)
class Actor:
    """Someone who acts in the process."""

    id: str
    label: str
    description: str


@dataclass(frozen=True)
class DateField:
    """A date the process records, such as the date printed on the outcome letter."""

    id: str
    label: str


@dataclass(frozen=True)
class DateOrder:
    """Two dates that cannot be the wrong way round, and what to say if they are."""

    earlier: str
    later: str
    message: str


@dataclass(frozen=True)
class Stage:
    """Where a complaint can be."""

    id: str
    label: str
    actor: str
    description: str
    citation: Citation
    terminal: bool
    verify: bool
    verify_note: str


@dataclass(frozen=True)
class Transition:
    """A step from some stages to another (``to``), staying put (``stay``) or back (``go_back``)."""

    id: str
    label: str
    from_stages: tuple[str, ...]
    to: str | None
    stay: bool
    go_back: bool
    actor: str
    records: tuple[str, ...]
    optional_records: tuple[str, ...]
    evidence: bool
    evidence_note: str
    citation: Citation
    verify: bool
    verify_note: str


@dataclass(frozen=True)
class DeadlineRule:
    """A time limit: who must act, by when, counted how, and what happens if they do not."""

    id: str
    label: str
    description: str
    stages: tuple[str, ...]
    starts_from: tuple[str, ...]
    amount: int
    unit: str
    counting: str
    repeat_every: int | None
    actor: str
    met_by: tuple[str, ...]
    received_from: str | None
    prompt: str | None
    if_missed: str
    citation: Citation
    verify: bool
    verify_note: str

    def first_due(self, start: dt.date, calendar: BankHolidayCalendar) -> dt.date:
        """The last day of the period that begins at ``start``.

        "Beginning with the day after" (``day_after``) leaves the start date out, so 28 days
        from a letter dated 1 April end on 29 April. ``same_day`` makes the start date day
        one, so 12 months from 15 March end on 14 March the next year.
        """
        base = start if self.counting == "day_after" else start - _ONE_DAY
        return self.add(base, self.amount, calendar)

    def add(self, day: dt.date, amount: int, calendar: BankHolidayCalendar) -> dt.date:
        """``day`` moved on by ``amount`` of this rule's unit."""
        if self.unit == "working_days":
            return calendar.add_working_days(day, amount)
        if self.unit == "calendar_days":
            return add_calendar_days(day, amount)
        return add_months(day, amount)


@dataclass(frozen=True)
class Criterion:
    """One item in a checklist prompt, such as a mandatory referral category."""

    id: str
    text: str
    citation: Citation
    verify: bool
    verify_note: str


@dataclass(frozen=True)
class Prompt:
    """Guidance shown to an advocate at the right moment, with its source."""

    id: str
    label: str
    text: str
    citation: Citation
    verify: bool
    verify_note: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class LinkedMatterKind:
    """A separate process that can run alongside a complaint, such as a civil claim."""

    id: str
    label: str
    description: str
    citation: Citation
    verify: bool
    verify_note: str


@dataclass(frozen=True)
class VerifyPoint:
    """Something in the definition that has not been checked against the primary text."""

    kind: str
    id: str
    label: str
    citation: str
    note: str


@dataclass(frozen=True)
class Step:
    """One entry in a complaint's history."""

    transition: str
    from_stage: str
    to_stage: str
    on: dt.date
    recorded: tuple[tuple[str, dt.date], ...]


@dataclass(frozen=True)
class ComplaintState:
    """Where one complaint is: its stage, the latest value of each date, and how it got there.

    ``version`` is the process version the complaint started under; it keeps that version
    even after a newer definition file is shipped.
    """

    version: str
    stage: str
    dates: Mapping[str, dt.date]
    history: tuple[Step, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "dates", MappingProxyType(dict(self.dates)))

    def to_data(self) -> dict[str, Any]:
        """A JSON-ready copy, for storing in a database field."""
        return {
            "version": self.version,
            "stage": self.stage,
            "dates": {name: day.isoformat() for name, day in self.dates.items()},
            "history": [
                {
                    "transition": step.transition,
                    "from": step.from_stage,
                    "to": step.to_stage,
                    "on": step.on.isoformat(),
                    "recorded": {name: day.isoformat() for name, day in step.recorded},
                }
                for step in self.history
            ],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ComplaintState:
        """The inverse of ``to_data``."""
        return cls(
            version=str(data["version"]),
            stage=str(data["stage"]),
            dates={name: dt.date.fromisoformat(day) for name, day in data["dates"].items()},
            history=tuple(
                Step(
                    transition=str(step["transition"]),
                    from_stage=str(step["from"]),
                    to_stage=str(step["to"]),
                    on=dt.date.fromisoformat(step["on"]),
                    recorded=tuple(
                        (name, dt.date.fromisoformat(day)) for name, day in step["recorded"].items()
                    ),
                )
                for step in data["history"]
            ),
        )


@dataclass(frozen=True)
class Deadline:
    """A worked-out time limit for one complaint, ready to show."""

    rule_id: str
    label: str
    due: dt.date
    status: Status
    actor: Actor
    citation: str
    start: dt.date
    starts_from: str
    met_on: dt.date | None
    verify: bool
    verify_note: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Process:
    """One version of the complaints process, loaded and checked."""

    version: str
    title: str
    description: str
    applies_from: dt.date
    initial_stage: str
    anchor_date: str
    sources: Mapping[str, Source]
    actors: Mapping[str, Actor]
    dates: Mapping[str, DateField]
    date_order: tuple[DateOrder, ...]
    stages: Mapping[str, Stage]
    transitions: Mapping[str, Transition]
    deadline_rules: Mapping[str, DeadlineRule]
    prompts: Mapping[str, Prompt]
    linked_matters: Mapping[str, LinkedMatterKind]

    def stage(self, stage_id: str) -> Stage:
        """The stage with this id."""
        try:
            return self.stages[stage_id]
        except KeyError:
            raise ProcessError(f"There is no stage called '{stage_id}'.") from None

    def transition(self, transition_id: str) -> Transition:
        """The step with this id."""
        try:
            return self.transitions[transition_id]
        except KeyError:
            raise ProcessError(f"There is no step called '{transition_id}'.") from None

    def available(self, stage_id: str) -> list[Transition]:
        """The steps that can happen next from this stage, in the order of the file."""
        self.stage(stage_id)
        return [t for t in self.transitions.values() if stage_id in t.from_stages]

    def start(self, complaint_made: dt.date, on: dt.date) -> ComplaintState:
        """A new complaint, made on ``complaint_made`` and entered in Accord on ``on``."""
        if complaint_made > on:
            raise ProcessError(
                f"The complaint cannot have been made on {_day(complaint_made)}: "
                f"that is after today ({_day(on)})."
            )
        if complaint_made < self.applies_from:
            raise ProcessError(
                f"This process covers complaints made on or after {_day(self.applies_from)}. "
                f"A complaint made on {_day(complaint_made)} follows the earlier rules, "
                "which Accord does not cover."
            )
        return ComplaintState(self.version, self.initial_stage, {self.anchor_date: complaint_made})

    def apply(
        self,
        state: ComplaintState,
        transition_id: str,
        recorded: Mapping[str, dt.date],
        on: dt.date,
    ) -> ComplaintState:
        """The complaint after this step, recorded on ``on`` with the dates it records.

        Refused with ``ProcessError`` when the step cannot happen from the current stage, a
        date it needs is missing or is not one it records, a date is in the future or before
        the complaint was made, or two dates are the wrong way round (for example an outcome
        letter that arrived before the date printed on it).
        """
        self._check_version(state)
        step = self.transition(transition_id)
        if state.stage not in step.from_stages:
            options = "; ".join(t.label for t in self.available(state.stage))
            raise ProcessError(
                f"'{step.label}' cannot happen while the complaint is at "
                f"'{self.stage(state.stage).label}'. "
                + (f"Possible next steps: {options}." if options else "The complaint has ended.")
            )
        self._check_dates(state, step, recorded, on)
        dates = dict(state.dates)
        for name in step.optional_records:
            # An optional date left out belongs to this step, not to an earlier round of it.
            dates.pop(name, None)
        dates.update(recorded)
        for order in self.date_order:
            touched = order.earlier in recorded or order.later in recorded
            both = order.earlier in dates and order.later in dates
            if touched and both and dates[order.later] < dates[order.earlier]:
                raise ProcessError(
                    f"{order.message} ({self._date_label(order.earlier)}: "
                    f"{_day(dates[order.earlier])}; {self._date_label(order.later)}: "
                    f"{_day(dates[order.later])}.)"
                )
        # A step that stays has no 'to'; load_process makes sure every other step has one.
        next_stage = self._previous_stage(state) if step.go_back else step.to or state.stage
        entry = Step(step.id, state.stage, next_stage, on, tuple(sorted(recorded.items())))
        return ComplaintState(self.version, next_stage, dates, (*state.history, entry))

    def deadlines(
        self,
        state: ComplaintState,
        today: dt.date,
        calendar: BankHolidayCalendar | None = None,
    ) -> list[Deadline]:
        """The time limits that matter now, soonest first.

        A rule is shown while the complaint is in one of its stages, and also just after the
        step that met it (so the advocate sees it ticked off). A rule whose start date has not
        been recorded is left out: Accord does not guess dates.
        """
        self._check_version(state)
        calendar = calendar or default_calendar()
        just_recorded = self._recorded_since_stage_entered(state)
        found = []
        for rule in self.deadline_rules.values():
            starts = [(state.dates[name], name) for name in rule.starts_from if name in state.dates]
            if not starts:
                continue
            start, start_name = max(starts)
            met_dates = [
                state.dates[name]
                for name in rule.met_by
                if name in state.dates and state.dates[name] >= start
            ]
            met_on = max(met_dates) if met_dates else None
            just_met = met_on is not None and any(name in just_recorded for name in rule.met_by)
            if state.stage in rule.stages or just_met:
                found.append(
                    self._deadline(rule, state, start, start_name, met_on, today, calendar)
                )
        return sorted(found, key=lambda deadline: (deadline.due, deadline.rule_id))

    def verify_points(self) -> list[VerifyPoint]:
        """Everything marked ``verify``, for the documentation and the UI."""
        points: list[VerifyPoint] = []
        tagged: list[
            tuple[str, Stage | Transition | DeadlineRule | Prompt | Criterion | LinkedMatterKind]
        ] = [
            *(("stage", s) for s in self.stages.values()),
            *(("transition", t) for t in self.transitions.values()),
            *(("deadline", r) for r in self.deadline_rules.values()),
            *(("prompt", p) for p in self.prompts.values()),
            *(("criterion", c) for p in self.prompts.values() for c in p.criteria),
            *(("linked_matter", m) for m in self.linked_matters.values()),
        ]
        for kind, item in tagged:
            if item.verify:
                label = item.text if isinstance(item, Criterion) else item.label
                points.append(
                    VerifyPoint(kind, item.id, label, str(item.citation), item.verify_note)
                )
        return points

    def _check_version(self, state: ComplaintState) -> None:
        if state.version != self.version:
            raise ProcessError(
                f"This complaint follows version '{state.version}' of the process, not "
                f"'{self.version}'. Use process_for_version('{state.version}')."
            )

    def _date_label(self, name: str) -> str:
        field = self.dates.get(name)
        return field.label if field else name

    def _check_dates(
        self,
        state: ComplaintState,
        step: Transition,
        recorded: Mapping[str, dt.date],
        on: dt.date,
    ) -> None:
        allowed = (*step.records, *step.optional_records)
        for name in recorded:
            if name not in allowed:
                raise ProcessError(
                    f"'{step.label}' does not record '{self._date_label(name)}'. "
                    "It records: "
                    + ("; ".join(self._date_label(n) for n in allowed) or "no dates")
                    + "."
                )
        for name in step.records:
            if name not in recorded:
                raise ProcessError(f"'{step.label}' needs this date: {self._date_label(name)}.")
        made = state.dates[self.anchor_date]
        for name, day in recorded.items():
            if day > on:
                raise ProcessError(
                    f"{self._date_label(name)} ({_day(day)}) is in the future. "
                    "Record it on or after that day."
                )
            if day < made:
                raise ProcessError(
                    f"{self._date_label(name)} ({_day(day)}) is before the complaint was made "
                    f"({_day(made)}). Check the date."
                )

    def _previous_stage(self, state: ComplaintState) -> str:
        for entry in reversed(state.history):
            if entry.to_stage == state.stage and entry.from_stage != state.stage:
                return entry.from_stage
        raise ProcessError(
            f"There is no earlier stage to go back to from '{self.stage(state.stage).label}'."
        )

    @staticmethod
    def _recorded_since_stage_entered(state: ComplaintState) -> set[str]:
        names: set[str] = set()
        for entry in reversed(state.history):
            names.update(name for name, _ in entry.recorded)
            if entry.from_stage != entry.to_stage:
                break
        return names

    def _deadline(
        self,
        rule: DeadlineRule,
        state: ComplaintState,
        start: dt.date,
        start_name: str,
        met_on: dt.date | None,
        today: dt.date,
        calendar: BankHolidayCalendar,
    ) -> Deadline:
        due = rule.first_due(start, calendar)
        notes: list[str] = []
        status: Status
        if rule.repeat_every is not None:
            # Each later period starts the day after the last one ended. A period is dealt
            # with once something meeting the rule is dated on or after its last day.
            while today > due and met_on is not None and met_on >= due:
                due = rule.add(due, rule.repeat_every, calendar)
            status = "overdue" if today > due else _timing(today, due, calendar)
        elif met_on is not None:
            status = "met"
            if met_on > due:
                late = (met_on - due).days
                notes.append(f"Done {late} day{'s' if late != 1 else ''} after the time limit.")
        else:
            status = "overdue" if today > due else _timing(today, due, calendar)
        if status == "overdue":
            notes.append(rule.if_missed)
            if rule.prompt:
                notes.append(self.prompts[rule.prompt].text)
        if rule.received_from and rule.received_from in state.dates:
            lost = (state.dates[rule.received_from] - start).days
            if lost > 0:
                notes.append(self._fill(LATE_LETTER_PROMPT, days=lost, due=due))
        if status != "met" and calendar.covers(due) and not calendar.is_working_day(due):
            notes.append(self._fill(NON_WORKING_DAY_PROMPT, days=0, due=due))
        return Deadline(
            rule_id=rule.id,
            label=rule.label,
            due=due,
            status=status,
            actor=self.actors[rule.actor],
            citation=str(rule.citation),
            start=start,
            starts_from=start_name,
            met_on=met_on,
            verify=rule.verify,
            verify_note=rule.verify_note,
            notes=tuple(notes),
        )

    def _fill(self, prompt_id: str, *, days: int, due: dt.date) -> str:
        return self.prompts[prompt_id].text.format(days=days, due=_day(due), weekday=f"{due:%A}")


def _timing(today: dt.date, due: dt.date, calendar: BankHolidayCalendar) -> Status:
    """``due_soon`` within five working days of the due date, otherwise ``upcoming``."""
    if calendar.covers(today) and calendar.covers(due):
        soon = calendar.working_days_between(today, due) <= DUE_SOON_WORKING_DAYS
    else:
        # Beyond the bank-holiday file a week of calendar days is the nearest safe measure.
        soon = (due - today).days <= 7
    return "due_soon" if soon else "upcoming"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


# ----------------------------------------------------------------------------------------
# Loading and checking a definition file
# ----------------------------------------------------------------------------------------


def load_process(path: Path | None = None) -> Process:
    """Read and check a definition file (by default the one shipped for 2020 onwards)."""
    path = path or DEFAULT_PROCESS_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ProcessDefinitionError(f"{path.name} is not valid TOML: {error}") from error
    return _Builder(raw, path.name).build()


@cache
def process_for_version(version: str) -> Process:
    """The shipped process with this version, for a complaint that started under it."""
    found = {}
    for path in sorted(DATA_DIR.glob("process-*.toml")):
        process = load_process(path)
        found[process.version] = process
    if version not in found:
        raise ProcessDefinitionError(
            f"No shipped process has version '{version}'. Shipped: {', '.join(sorted(found))}."
        )
    return found[version]


class _Table:
    """One table from the file, read with messages that say which entry is wrong."""

    def __init__(self, raw: Any, where: str) -> None:
        if not isinstance(raw, dict):
            raise ProcessDefinitionError(f"{where} should be a table.")
        self.raw: dict[str, Any] = raw
        self.where = where

    def text(self, key: str) -> str:
        value = self.raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ProcessDefinitionError(f"{self.where} has no {key}.")
        return value

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            raise ProcessDefinitionError(f"{self.where}: {key} must be true or false.")
        return value

    def names(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.raw.get(key, [] if not required else None)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ProcessDefinitionError(f"{self.where} has no {key} list.")
        return tuple(value)

    def number(self, key: str) -> int:
        value = self.raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ProcessDefinitionError(f"{self.where}: {key} must be a whole number above 0.")
        return value

    def optional_number(self, key: str) -> int | None:
        return None if self.raw.get(key) is None else self.number(key)

    def day(self, key: str) -> dt.date:
        value = self.raw.get(key)
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise ProcessDefinitionError(f"{self.where}: {key} must be a date (YYYY-MM-DD).")
        return value


class _Builder:
    """Turns the parsed TOML into a ``Process``, checking every cross-reference on the way."""

    def __init__(self, raw: dict[str, Any], filename: str) -> None:
        self.top = _Table(raw, filename)
        self.filename = filename
        self.sources: dict[str, Source] = {}

    def tables(self, key: str) -> list[_Table]:
        entries = self.top.raw.get(key, [])
        if not isinstance(entries, list):
            raise ProcessDefinitionError(f"{self.filename}: [[{key}]] should be a list of tables.")
        tables = []
        seen: set[str] = set()
        for number, entry in enumerate(entries, start=1):
            table = _Table(entry, f"[[{key}]] entry {number}")
            entry_id = table.text("id")
            if entry_id in seen:
                raise ProcessDefinitionError(f"Duplicate id '{entry_id}' in [[{key}]].")
            seen.add(entry_id)
            table.where = f"[[{key}]] '{entry_id}'"
            tables.append(table)
        return tables

    def citation(self, table: _Table) -> Citation:
        source_id = table.raw.get("source")
        if not isinstance(source_id, str) or not source_id:
            raise ProcessDefinitionError(f"{table.where} has no source.")
        if source_id not in self.sources:
            raise ProcessDefinitionError(
                f"{table.where} cites source '{source_id}', which is not in [[sources]]."
            )
        return Citation(self.sources[source_id], table.text("pinpoint"))

    @staticmethod
    def verify(table: _Table) -> tuple[bool, str]:
        verify = table.flag("verify")
        note = table.raw.get("verify_note", "")
        if verify and not (isinstance(note, str) and note.strip()):
            raise ProcessDefinitionError(
                f"{table.where} is marked verify but has no verify_note saying what to check."
            )
        return verify, str(note)

    @staticmethod
    def known(table: _Table, key: str, names: tuple[str, ...], known: Mapping[str, Any]) -> None:
        for name in names:
            if name not in known:
                raise ProcessDefinitionError(f"{table.where}: {key} names unknown '{name}'.")

    def build(self) -> Process:
        top = self.top
        for table in self.tables("sources"):
            self.sources[table.text("id")] = Source(
                table.text("id"), table.text("title"), table.text("short"), table.text("url")
            )
        actors = {
            t.text("id"): Actor(t.text("id"), t.text("label"), t.text("description"))
            for t in self.tables("actors")
        }
        dates = {
            t.text("id"): DateField(t.text("id"), t.text("label")) for t in self.tables("dates")
        }
        date_order = []
        for number, entry in enumerate(top.raw.get("date_order", []), start=1):
            table = _Table(entry, f"[[date_order]] entry {number}")
            order = DateOrder(table.text("earlier"), table.text("later"), table.text("message"))
            self.known(table, "earlier/later", (order.earlier, order.later), dates)
            date_order.append(order)
        stages = {}
        for table in self.tables("stages"):
            self.known(table, "actor", (table.text("actor"),), actors)
            stages[table.text("id")] = Stage(
                table.text("id"),
                table.text("label"),
                table.text("actor"),
                table.text("description"),
                self.citation(table),
                table.flag("terminal"),
                *self.verify(table),
            )
        prompts = self.build_prompts()
        transitions = self.build_transitions(stages, actors, dates)
        rules = self.build_rules(stages, actors, dates, prompts)
        linked = {
            t.text("id"): LinkedMatterKind(
                t.text("id"),
                t.text("label"),
                t.text("description"),
                self.citation(t),
                *self.verify(t),
            )
            for t in self.tables("linked_matters")
        }
        initial_stage = top.text("initial_stage")
        anchor_date = top.text("anchor_date")
        self.known(top, "initial_stage", (initial_stage,), stages)
        self.known(top, "anchor_date", (anchor_date,), dates)
        self.check_graph(stages, transitions, initial_stage)
        return Process(
            version=top.text("version"),
            title=top.text("title"),
            description=top.text("description"),
            applies_from=top.day("applies_from"),
            initial_stage=initial_stage,
            anchor_date=anchor_date,
            sources=MappingProxyType(self.sources),
            actors=MappingProxyType(actors),
            dates=MappingProxyType(dates),
            date_order=tuple(date_order),
            stages=MappingProxyType(stages),
            transitions=MappingProxyType(transitions),
            deadline_rules=MappingProxyType(rules),
            prompts=MappingProxyType(prompts),
            linked_matters=MappingProxyType(linked),
        )

    def build_prompts(self) -> dict[str, Prompt]:
        prompts = {}
        for table in self.tables("prompts"):
            text = table.text("text")
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            if used - _PROMPT_FIELDS:
                raise ProcessDefinitionError(
                    f"{table.where} uses {{{sorted(used - _PROMPT_FIELDS)[0]}}}, which Accord "
                    f"does not fill in (it fills in {', '.join(sorted(_PROMPT_FIELDS))})."
                )
            criteria = []
            seen: set[str] = set()
            for number, entry in enumerate(table.raw.get("criteria", []), start=1):
                item = _Table(entry, f"{table.where} criterion {number}")
                if item.text("id") in seen:
                    raise ProcessDefinitionError(
                        f"Duplicate id '{item.text('id')}' in {table.where}."
                    )
                seen.add(item.text("id"))
                criteria.append(
                    Criterion(
                        item.text("id"), item.text("text"), self.citation(item), *self.verify(item)
                    )
                )
            prompts[table.text("id")] = Prompt(
                table.text("id"),
                table.text("label"),
                text,
                self.citation(table),
                *self.verify(table),
                tuple(criteria),
            )
        for needed in (LATE_LETTER_PROMPT, NON_WORKING_DAY_PROMPT):
            if needed not in prompts:
                raise ProcessDefinitionError(
                    f"{self.filename} has no prompt '{needed}', which Accord shows with deadlines."
                )
        return prompts

    def build_transitions(
        self, stages: dict[str, Stage], actors: dict[str, Actor], dates: dict[str, DateField]
    ) -> dict[str, Transition]:
        transitions = {}
        for table in self.tables("transitions"):
            from_stages = table.names("from")
            if not from_stages:
                raise ProcessDefinitionError(f"{table.where} has an empty from list.")
            for stage_id in from_stages:
                if stage_id not in stages:
                    raise ProcessDefinitionError(
                        f"{table.where} starts from unknown stage '{stage_id}'."
                    )
            to = table.raw.get("to")
            stay, go_back = table.flag("stay"), table.flag("go_back")
            if [to is not None, stay, go_back].count(True) != 1:
                raise ProcessDefinitionError(
                    f"{table.where} needs exactly one of: to = a stage, stay = true, "
                    "go_back = true."
                )
            if to is not None and to not in stages:
                raise ProcessDefinitionError(f"{table.where} goes to unknown stage '{to}'.")
            self.known(table, "actor", (table.text("actor"),), actors)
            records = table.names("records")
            optional = table.names("optional_records", required=False)
            self.known(table, "records", records + optional, dates)
            verify, verify_note = self.verify(table)
            if set(records) & set(optional):
                raise ProcessDefinitionError(
                    f"{table.where} lists a date as both required and optional."
                )
            transitions[table.text("id")] = Transition(
                id=table.text("id"),
                label=table.text("label"),
                from_stages=from_stages,
                to=to,
                stay=stay,
                go_back=go_back,
                actor=table.text("actor"),
                records=records,
                optional_records=optional,
                evidence=table.flag("evidence"),
                evidence_note=str(table.raw.get("evidence_note", "")),
                citation=self.citation(table),
                verify=verify,
                verify_note=verify_note,
            )
        return transitions

    def build_rules(
        self,
        stages: dict[str, Stage],
        actors: dict[str, Actor],
        dates: dict[str, DateField],
        prompts: dict[str, Prompt],
    ) -> dict[str, DeadlineRule]:
        rules = {}
        for table in self.tables("deadlines"):
            unit, counting = table.text("unit"), table.text("counting")
            if unit not in UNITS:
                raise ProcessDefinitionError(
                    f"{table.where} has unit '{unit}'; use one of {', '.join(UNITS)}."
                )
            if counting not in COUNTINGS:
                raise ProcessDefinitionError(
                    f"{table.where} has counting '{counting}'; use one of {', '.join(COUNTINGS)}."
                )
            rule_stages = table.names("stages")
            self.known(table, "stages", rule_stages, stages)
            starts_from = table.names("starts_from")
            if not starts_from:
                raise ProcessDefinitionError(f"{table.where} has an empty starts_from list.")
            met_by = table.names("met_by", required=False)
            received = table.raw.get("received_from")
            self.known(
                table, "dates", starts_from + met_by + ((received,) if received else ()), dates
            )
            self.known(table, "actor", (table.text("actor"),), actors)
            prompt = table.raw.get("prompt")
            if prompt is not None:
                self.known(table, "prompt", (prompt,), prompts)
            verify, verify_note = self.verify(table)
            rules[table.text("id")] = DeadlineRule(
                id=table.text("id"),
                label=table.text("label"),
                description=table.text("description"),
                stages=rule_stages,
                starts_from=starts_from,
                amount=table.number("amount"),
                unit=unit,
                counting=counting,
                repeat_every=table.optional_number("repeat_every"),
                actor=table.text("actor"),
                met_by=met_by,
                received_from=received,
                prompt=prompt,
                if_missed=table.text("if_missed"),
                citation=self.citation(table),
                verify=verify,
                verify_note=verify_note,
            )
        return rules

    @staticmethod
    def check_graph(
        stages: dict[str, Stage], transitions: dict[str, Transition], initial: str
    ) -> None:
        """Every stage reachable, terminal stages final, no dead ends, go_back has a way back."""
        moves: dict[str, set[str]] = {stage_id: set() for stage_id in stages}
        exits: set[str] = set()
        for t in transitions.values():
            for stage_id in t.from_stages:
                if stages[stage_id].terminal:
                    raise ProcessDefinitionError(
                        f"Stage '{stage_id}' is terminal but step '{t.id}' leaves it."
                    )
                if t.to is not None:
                    moves[stage_id].add(t.to)
                if t.to is not None or t.go_back:
                    exits.add(stage_id)
        arrivals = {target for targets in moves.values() for target in targets}
        for t in transitions.values():
            if t.go_back:
                for stage_id in t.from_stages:
                    if stage_id not in arrivals:
                        raise ProcessDefinitionError(
                            f"Step '{t.id}' goes back from '{stage_id}', but no step leads "
                            "into that stage, so there is nowhere to go back to."
                        )
        for stage_id, stage in stages.items():
            if not stage.terminal and stage_id not in exits:
                raise ProcessDefinitionError(
                    f"Stage '{stage_id}' is not terminal but no step leads out of it."
                )
        if stages[initial].terminal:
            raise ProcessDefinitionError(f"The initial stage '{initial}' is terminal.")
        reached = {initial}
        queue = deque([initial])
        while queue:
            for target in moves[queue.popleft()]:
                if target not in reached:
                    reached.add(target)
                    queue.append(target)
        unreachable = [stage_id for stage_id in stages if stage_id not in reached]
        if unreachable:
            raise ProcessDefinitionError(
                f"Stage '{unreachable[0]}' cannot be reached from the initial stage '{initial}'."
            )
