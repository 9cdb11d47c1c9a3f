"""The figures a release carries, counted from casework and disclosure-controlled here.

Why these figures: they answer what partners and oversight bodies ask of the advisory
service without touching anyone's story: how many people came to it and how, who the
officers were (serving or former, officer or staff), where their police complaints stand
and how long each stage takes, and whether people's trust and safety changed while they
were supported (Solace's recommendation 3: rebuild trust).

Who is counted: cases of the service whose client's consent to "count your case in
anonymous statistics" is in force, that are not restricted or erased. Only categories,
dates and ratings are read; no sealed text is ever decrypted here.

Every table goes through ``accord.stats.suppression`` before it is stored in a draft:
counts from 1 to 9 are hidden (primary), and enough other cells with them that no hidden
figure can be worked out from the totals (secondary). The tables of new cases share
their grand total, so if any must hide it all do. A measure (days in a stage) is shown only
for a group of at least the threshold.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone

from accord.casework.equality_questions import (
    BROAD_GROUP,
    BROAD_GROUPS,
    FIELDS,
    NOT_ASKED,
    PREFER_NOT,
    PREFER_NOT_LABEL,
    QUESTIONS,
    Ethnicity,
    Question,
    answer_label,
)
from accord.casework.models import Case, EqualityAnswers, OutcomeMeasure, Party
from accord.casework.vocabularies import MeasureStage, OfficerStatus, Source, Status
from accord.complaints.aggregates import counted_journeys
from accord.complaints.process import process_for_version
from accord.stats.suppression import hidden_at, suppress

THRESHOLD = 10
TOTAL = "Total"
NOT_RECORDED = "Not recorded"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def quarters(self) -> list[str]:
        """The quarters the period touches, in order, one step per quarter."""
        labels: list[str] = []
        year, first_month = self.start.year, 3 * ((self.start.month - 1) // 3) + 1
        while dt.date(year, first_month, 1) <= self.end:
            labels.append(quarter(dt.date(year, first_month, 1)))
            year, first_month = (year + 1, 1) if first_month == 10 else (year, first_month + 3)
        return labels


def quarter(day: dt.date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def counted_cases(organisation: Any) -> QuerySet[Case]:
    """The cases whose clients said they may be counted, and may be now."""
    return (
        Case.objects.filter(organisation=organisation)
        .counted_in_statistics()
        .only("pk", "source", "created_at", "closed_at", "status")
    )


def _rows(
    frame: pd.DataFrame,
    columns: Sequence[str],
    value: str,
    levels: Sequence[Sequence[str]] = (),
) -> list[dict[str, Any]]:
    """The suppressed table as rows, in the order of ``levels`` (totals last), not the
    alphabetical order suppression returns, so quarters and scales read in order."""
    rows = []
    for record in frame.to_dict("records"):
        shown = record[value]
        rows.append(
            {
                **{column: str(record[column]) for column in columns},
                value: None if pd.isna(shown) else int(shown),
                "flag": str(record[f"{value}_flag"]),
            }
        )
    if levels:
        places = [{label: n for n, label in enumerate(level)} for level in levels]
        rows.sort(
            key=lambda row: [
                place.get(str(row[column]), len(place))
                for place, column in zip(places, columns, strict=True)
            ]
        )
    return rows


def _counts(
    cells: Iterable[tuple[str, ...]],
    levels: Sequence[Sequence[str]],
    columns: Sequence[str],
    value: str,
) -> pd.DataFrame:
    """Every combination of ``levels`` (zeros included), counted from ``cells``."""
    tally = Counter(cells)
    index = pd.MultiIndex.from_product([list(level) for level in levels], names=list(columns))
    frame = index.to_frame(index=False)
    frame[value] = [tally.get(tuple(key), 0) for key in index]
    return frame


def _suppressed(
    frame: pd.DataFrame, columns: Sequence[str], value: str, force: Sequence[dict[str, Any]] = ()
) -> pd.DataFrame:
    return suppress(frame, list(columns), value, threshold=THRESHOLD, force=force)


def _grand_total_hidden(frame: pd.DataFrame, columns: Sequence[str], value: str) -> bool:
    return bool(hidden_at(frame, list(columns), [{}], value, threshold=THRESHOLD)[0])


def _equality_levels(question: Question) -> list[str]:
    """The rows of a question's table: its answers (the five broad groups for ethnicity),
    then "Prefers not to say" and "Not asked", so gaps in the data are counted, not hidden."""
    if question.choices is Ethnicity:
        answers = list(BROAD_GROUPS)
    else:
        answers = [str(label) for value, label in question.choices.choices if value != PREFER_NOT]
    return [*answers, PREFER_NOT_LABEL, NOT_ASKED]


def _equality_level(question: Question, value: str) -> str:
    if question.choices is Ethnicity and value in BROAD_GROUP:
        return BROAD_GROUP[value]
    return answer_label(question, value)


EQUALITY_COLUMNS = {"ethnicity": "ethnic_group", "no_recourse": "no_recourse_to_public_funds"}
EQUALITY_NOTES = {
    "ethnicity": "The five broad ethnic groups of Census 2021.",
    "immigration_status": "Recorded only when the client raised it, so most cases say 'Not asked'.",
    "no_recourse": "Recorded only when the client raised it, so most cases say 'Not asked'.",
}


@dataclass(frozen=True)
class _CaseTable:
    """A table that counts the period's new cases: all of them share one grand total."""

    id: str
    title: str
    columns: tuple[str, ...]
    levels: list[list[str]]
    frame: pd.DataFrame
    note: str = ""

    def published(self, force: Sequence[dict[str, Any]]) -> dict[str, Any]:
        table: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "kind": "counts",
            "columns": list(self.columns),
            "value": "cases",
        }
        if self.note:
            table["note"] = self.note
        table["rows"] = _rows(
            _suppressed(self.frame, self.columns, "cases", force),
            self.columns,
            "cases",
            self.levels,
        )
        return table


def _equality_tables(cases: QuerySet[Case], pks: Sequence[int]) -> list[_CaseTable]:
    """New cases by each equality question, where any of the period's cases has answers."""
    answered = {
        row["case_id"]: row
        for row in EqualityAnswers.objects.filter(case__in=cases.values("pk")).values(
            "case_id", *FIELDS
        )
    }
    if not answered:
        return []
    tables = []
    for question in QUESTIONS:
        column = EQUALITY_COLUMNS.get(question.field, question.field)
        levels = _equality_levels(question)
        values = [answered.get(pk, {}).get(question.field, "") for pk in pks]
        tables.append(
            _CaseTable(
                id=f"cases_by_{column}",
                title=f"New cases by the client's answer: {question.heading.lower()}",
                columns=(column,),
                levels=[levels],
                frame=_counts(
                    ((_equality_level(question, value),) for value in values),
                    [levels],
                    (column,),
                    "cases",
                ),
                note=" ".join(
                    part
                    for part in (
                        EQUALITY_NOTES.get(question.field, ""),
                        "'Not asked' is a gap in the data, not an answer.",
                    )
                    if part
                ),
            )
        )
    return tables


def case_tables(organisation: Any, period: Period) -> list[dict[str, Any]]:
    """New cases by quarter and route in; the police connection of the officer involved;
    and, where clients answered equality monitoring questions, by each answer."""
    in_period = counted_cases(organisation).filter(
        created_at__date__gte=period.start, created_at__date__lte=period.end
    )
    cases = list(in_period)
    first_officer: dict[int, str] = {}
    parties = Party.objects.filter(
        case__in=in_period.values("pk"), role=Party.Role.PERPETRATOR
    ).order_by("pk")
    for party in parties.only("pk", "case_id", "officer_status"):
        first_officer.setdefault(party.case_id, party.officer_status)
    status_label = dict(OfficerStatus.choices)
    source_label = dict(Source.choices)
    routes = [source_label[source] for source in Source.values]
    connections = [*(status_label[s] for s in OfficerStatus.values), NOT_RECORDED]

    tables = [
        _CaseTable(
            id="cases_by_quarter",
            title="New cases by quarter and how they came to us",
            columns=("quarter", "came_by"),
            levels=[period.quarters(), routes],
            frame=_counts(
                (
                    (quarter(timezone.localdate(case.created_at)), source_label[case.source])
                    for case in cases
                ),
                [period.quarters(), routes],
                ("quarter", "came_by"),
                "cases",
            ),
        ),
        _CaseTable(
            id="police_connection",
            title="New cases by the police connection of the person who harmed them",
            columns=("connection",),
            levels=[connections],
            frame=_counts(
                (
                    (status_label.get(first_officer.get(case.pk, ""), NOT_RECORDED),)
                    for case in cases
                ),
                [connections],
                ("connection",),
                "cases",
            ),
            note="Where a case names more than one person, the first one recorded is counted.",
        ),
        *_equality_tables(in_period, [case.pk for case in cases]),
    ]
    # Every table publishes the number of cases: if any hides it, all must.
    force: list[dict[str, Any]] = (
        [{}]
        if any(_grand_total_hidden(table.frame, table.columns, "cases") for table in tables)
        else []
    )
    return [table.published(force) for table in tables]


def _stage_label(version: str, stage: str) -> str:
    return process_for_version(version).stage(stage).label


def _stage_order(versions: Iterable[str]) -> list[str]:
    """Stage labels in the order the process files list them (the order of a complaint)."""
    labels: list[str] = []
    for version in sorted(set(versions)):
        for stage in process_for_version(version).stages.values():
            if stage.label not in labels:
                labels.append(stage.label)
    return labels


def complaint_tables(organisation: Any, period: Period) -> list[dict[str, Any]]:
    """Where complaints made in the period stood at its end; how long each stage took."""
    journeys = [
        (complaint, path)
        for complaint, path in counted_journeys(as_of=period.end, organisation=organisation)
        if period.start <= path.made_on <= period.end
    ]
    where = Counter(
        _stage_label(complaint.process_version, path.outcome) for complaint, path in journeys
    )
    days_in: dict[str, list[int]] = defaultdict(list)
    for complaint, path in journeys:
        for stage, days in path.days.items():
            if not path.finished and stage == path.outcome:
                continue  # still in it: its length is not known yet
            days_in[_stage_label(complaint.process_version, stage)].append(days)

    order = _stage_order(complaint.process_version for complaint, _ in journeys)
    standing = _counts(
        ((label,) for label in where.elements()),
        [[label for label in order if label in where]],
        ("stage",),
        "complaints",
    )
    tables: list[dict[str, Any]] = []
    if where:
        tables.append(
            {
                "id": "complaint_standing",
                "title": "Police complaints made in the period: where each stood at its end",
                "kind": "counts",
                "columns": ["stage"],
                "value": "complaints",
                "rows": _rows(
                    _suppressed(standing, ("stage",), "complaints"),
                    ("stage",),
                    "complaints",
                    [order],
                ),
            }
        )
    measure_rows = []
    for label in sorted(days_in, key=order.index):
        values = np.asarray(days_in[label], dtype=float)
        small = len(values) < THRESHOLD
        lower, median, upper = np.percentile(values, [25, 50, 75])
        measure_rows.append(
            {
                "stage": label,
                "complaints": None if small else len(values),
                "flag": "primary" if small else "",
                "median_days": None if small else round(float(median)),
                "lower_quartile_days": None if small else round(float(lower)),
                "upper_quartile_days": None if small else round(float(upper)),
            }
        )
    if measure_rows:
        tables.append(
            {
                "id": "complaint_stage_days",
                "title": "Days complaints spent in each stage (stages they had left)",
                "kind": "measures",
                "columns": ["stage"],
                "value": "complaints",
                "measures": ["median_days", "lower_quartile_days", "upper_quartile_days"],
                "note": (
                    "Half of the complaints took fewer days than the median, half more; "
                    "a quarter took fewer than the lower quartile, a quarter more than the upper."
                ),
                "rows": measure_rows,
            }
        )
    return tables


CHANGES = ("Higher at the end", "The same", "Lower at the end")
MEASURES = {
    "feels_safe": "Feels safe",
    "trusts_complaints_process": "Trusts the police complaints process",
}


def _change(before: int | None, after: int | None) -> str | None:
    if before is None or after is None:
        return None
    return CHANGES[0] if after > before else CHANGES[2] if after < before else CHANGES[1]


def trust_table(organisation: Any, period: Period) -> list[dict[str, Any]]:
    """How clients' own ratings changed between the start and the end of support."""
    closed = counted_cases(organisation).filter(
        status=Status.CLOSED, closed_at__date__gte=period.start, closed_at__date__lte=period.end
    )
    ratings: dict[int, dict[str, OutcomeMeasure]] = defaultdict(dict)
    for measure in OutcomeMeasure.objects.filter(case__in=closed.values("pk")).only(
        "case_id", "stage", "feels_safe", "trusts_complaints_process"
    ):
        ratings[measure.case_id][measure.stage] = measure
    cells = []
    for stages in ratings.values():
        start, end = stages.get(MeasureStage.INTAKE), stages.get(MeasureStage.CLOSURE)
        if start is None or end is None:
            continue
        for field, label in MEASURES.items():
            change = _change(getattr(start, field), getattr(end, field))
            if change is not None:
                cells.append((label, change))
    if not cells:
        return []
    frame = _counts(
        cells, [list(MEASURES.values()), list(CHANGES)], ("rating", "change"), "clients"
    )
    return [
        {
            "id": "ratings_change",
            "title": "Clients' own ratings at the start and the end of support",
            "kind": "counts",
            "columns": ["rating", "change"],
            "value": "clients",
            "note": (
                "Clients whose support ended in the period and who gave a rating (1 to 5) both "
                "at the start and at the end. The total row adds up the two ratings, so a "
                "client can be in it twice."
            ),
            "rows": _rows(
                _suppressed(frame, ("rating", "change"), "clients"),
                ("rating", "change"),
                "clients",
                [list(MEASURES.values()), list(CHANGES)],
            ),
        }
    ]


def method_note(period: Period) -> str:
    return (
        f"Cases opened, complaints made and support ended from {period.start:%-d %B %Y} to "
        f"{period.end:%-d %B %Y}, counted only where the client agreed to be counted in "
        "anonymous statistics and that consent was still in force, and never for a case whose "
        f"processing is restricted. Counts from 1 to {THRESHOLD - 1} are hidden, and so are "
        "enough other counts that no hidden figure can be worked out from the totals "
        "(secondary suppression; the tables of new cases hide the same grand total). Days in a "
        f"stage are shown only where at least {THRESHOLD} complaints left that stage."
    )


def all_tables(organisation: Any, period: Period) -> list[dict[str, Any]]:
    return [
        *case_tables(organisation, period),
        *complaint_tables(organisation, period),
        *trust_table(organisation, period),
    ]
