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
figure can be worked out from the totals (secondary). The two case tables share their
grand total, so if either must hide it both do. A measure (days in a stage) is shown only
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

from accord.casework.models import Case, OutcomeMeasure, Party
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
        labels: list[str] = []
        day = self.start
        while day <= self.end:
            label = quarter(day)
            if label not in labels:
                labels.append(label)
            day += dt.timedelta(days=1)
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


def case_tables(organisation: Any, period: Period) -> list[dict[str, Any]]:
    """New cases by quarter and route in; the police connection of the officer involved."""
    cases = list(
        counted_cases(organisation).filter(
            created_at__date__gte=period.start, created_at__date__lte=period.end
        )
    )
    first_officer: dict[int, str] = {}
    parties = Party.objects.filter(
        case__in=[case.pk for case in cases], role=Party.Role.PERPETRATOR
    ).order_by("pk")
    for party in parties.only("pk", "case_id", "officer_status"):
        first_officer.setdefault(party.case_id, party.officer_status)
    status_label = dict(OfficerStatus.choices)
    source_label = dict(Source.choices)
    routes = [source_label[source] for source in Source.values]
    connections = [*(status_label[s] for s in OfficerStatus.values), NOT_RECORDED]

    by_quarter = _counts(
        (
            (quarter(timezone.localdate(case.created_at)), source_label[case.source])
            for case in cases
        ),
        [period.quarters(), routes],
        ("quarter", "came_by"),
        "cases",
    )
    by_connection = _counts(
        ((status_label.get(first_officer.get(case.pk, ""), NOT_RECORDED),) for case in cases),
        [connections],
        ("connection",),
        "cases",
    )
    # Both tables publish the number of cases: if either hides it, both must.
    force: list[dict[str, Any]] = (
        [{}]
        if _grand_total_hidden(by_quarter, ("quarter", "came_by"), "cases")
        or _grand_total_hidden(by_connection, ("connection",), "cases")
        else []
    )
    return [
        {
            "id": "cases_by_quarter",
            "title": "New cases by quarter and how they came to us",
            "kind": "counts",
            "columns": ["quarter", "came_by"],
            "value": "cases",
            "rows": _rows(
                _suppressed(by_quarter, ("quarter", "came_by"), "cases", force),
                ("quarter", "came_by"),
                "cases",
                [period.quarters(), routes],
            ),
        },
        {
            "id": "police_connection",
            "title": "New cases by the police connection of the person who harmed them",
            "kind": "counts",
            "columns": ["connection"],
            "value": "cases",
            "note": "Where a case names more than one person, the first one recorded is counted.",
            "rows": _rows(
                _suppressed(by_connection, ("connection",), "cases", force),
                ("connection",),
                "cases",
                [connections],
            ),
        },
    ]


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
        "(secondary suppression; the two case tables hide the same grand total). Days in a "
        f"stage are shown only where at least {THRESHOLD} complaints left that stage."
    )


def all_tables(organisation: Any, period: Period) -> list[dict[str, Any]]:
    return [
        *case_tables(organisation, period),
        *complaint_tables(organisation, period),
        *trust_table(organisation, period),
    ]
