"""What works: did searches change more in the boroughs that tried something new?

Solace asked that what already works in some boroughs be learnt from and made consistent
across London. Before anyone copies a borough's practice, the question is whether its
figures really changed more than London's did anyway. This module asks it of a
stop-and-search dataset: the boroughs where an initiative ran, the month it started, and
optionally one group of people (searches of Black people per 1,000 Black residents, say).
:func:`accord.stats.api.before_after` does the counting and the statistics (difference in
differences with its placebo and parallel-trend checks); nothing here is Django, so the
page's numbers are the library's (a test compares them).

Months in which the source has far fewer records than usual (the real London file has
almost none for June and November 2022) are left out, as on the analysis page: they are
missing data, not a fall in searches, and the page says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from accord.monitoring.analysis import (
    AREA_CODE,
    DATE,
    MONTH,
    POPULATION_GROUP,
    areas_and_months,
    months_between,
    thin,
)
from accord.stats import api
from accord.stats.before_after import COMPARISON, INITIATIVE, BeforeAfter
from accord.stats.inputs import read

#: Per 1,000 residents a month: the analysis page's rates are per 1,000 residents too.
PER = 1_000

#: Months are "thin" below this share of the median month (as on the analysis page).
THIN_SHARE = 0.2


@dataclass(frozen=True)
class Question:
    """What the person asked. Paths point at immutable Parquet files."""

    events: Path
    population: Path
    treated: tuple[str, ...]
    start: str
    comparison: tuple[str, ...] = ()
    group: str = ""
    focus: str = ""
    first: str = ""
    last: str = ""


@dataclass
class Answer:
    question: Question
    result: BeforeAfter
    names: dict[str, str]
    months: list[str]
    left_out: list[str]
    notes: list[str] = field(default_factory=list)


#: What the summary says when small counts hide the comparison.
HIDDEN = (
    "Some of these counts are small, so the comparison is hidden to protect the people in "
    "them. Choose more boroughs, a longer period or everyone searched."
)


def month_counts(events: Path) -> pd.Series:
    """Records per month (``YYYY-MM``) across the whole file, in order."""
    table = read(str(events))
    counts = table.group_by(MONTH).aggregate(records=table.count()).to_pandas().dropna()
    series: pd.Series = counts.set_index(MONTH)["records"].sort_index()
    return series


def thin_months(counts: pd.Series) -> list[str]:
    """Months with under a fifth of the median month's records: the source is incomplete."""
    return [str(month) for month in counts.index[thin(counts, THIN_SHARE)]]


def borough_names(events: Path) -> dict[str, str]:
    """Borough names by code, from the same cached facts as the form's choices."""
    return dict(areas_and_months(str(events))[0])


def compare(question: Question) -> Answer:
    """The before/after comparison, with thin months left out and every note in words."""
    counts = month_counts(question.events)
    window = months_between(question.first or None, question.last or None) or [
        str(m) for m in counts.index
    ]
    in_data = [m for m in window if m in counts.index]
    thin = set(thin_months(counts))
    months = [m for m in in_data if m not in thin]
    left_out = [m for m in in_data if m in thin]
    names = borough_names(question.events)
    where: dict[str, object] = {MONTH: months}
    population_where: dict[str, object] = {AREA_CODE: sorted(names)}
    if question.group and question.focus:
        where[question.group] = question.focus
        population_where[POPULATION_GROUP] = question.focus
    population = api.Population(
        str(question.population),
        value="population",
        columns={AREA_CODE: AREA_CODE},
        where=population_where,
    )
    result = api.before_after(
        str(question.events),
        population,
        area=AREA_CODE,
        treated=question.treated,
        comparison=question.comparison or None,
        start=question.start,
        date=DATE,
        where=where,
        unmatched="drop",
    )
    answer = Answer(question, result, names, months, left_out)
    if left_out:
        answer.notes.append(left_out_note(left_out))
    for note in result.effect.attrs.get("notes", []):
        if note not in answer.notes:
            answer.notes.append(note)
    effect = result.effect.iloc[0]
    if effect["note"] and pd.notna(effect["lower"]):
        answer.notes.append(f"{str(effect['note'])[0].upper()}{str(effect['note'])[1:]}.")
    return answer


def _month_name(month: str) -> str:
    return pd.Timestamp(f"{month}-01").strftime("%B %Y")


def left_out_note(months: list[str]) -> str:
    names = ", ".join(_month_name(m) for m in months)
    return (
        f"Some months have far fewer records than usual ({names}). The published data for "
        "those months is probably incomplete, so they are left out of the comparison."
    )


def _percent(ratio: float) -> str:
    change = 100.0 * (ratio - 1.0)
    return f"{abs(change):.0f}%"


def _change(ratio: float) -> str:
    if round(100.0 * (ratio - 1.0)) == 0:
        return "stayed about the same"
    return f"{'rose' if ratio > 1 else 'fell'} by {_percent(ratio)}"


def _bound(ratio: float) -> str:
    """One end of an interval in words.

    Percentages read well for modest changes but not for the huge upper ends that
    few boroughs give ("+153,693%"), so large ratios are said as "N times as high".
    """
    change = round(100.0 * (ratio - 1.0))
    if change == 0:
        return "no change"
    if ratio < 1:
        return f"{'nearly ' if change == -100 else ''}{-change}% lower"
    if ratio < 3:
        return f"{change}% higher"
    return f"{ratio:,.{0 if ratio >= 10 else 1}f} times as high"


def who(question: Question) -> str:
    """Whose searches, in words: "searches" or "searches of Black people"."""
    if question.focus:
        return f"searches of {question.focus} people"
    return "searches"


def sentences(answer: Answer) -> list[str]:
    """The result in plain words, with its uncertainty and its checks."""
    effect = answer.result.effect.iloc[0]
    summary = answer.result.summary.set_index("set")
    subject = who(answer.question)
    lines: list[str] = []
    if bool(effect["suppressed"]):
        return [HIDDEN]
    changes = dict(
        zip(map(str, summary.index), summary["estimate"].to_numpy(dtype=float), strict=True)
    )
    with_change, without_change = changes[INITIATIVE], changes[COMPARISON]
    if not (math.isnan(with_change) or math.isnan(without_change)):
        lines.append(
            f"Where the initiative ran, the rate of {subject} {_change(with_change)} "
            f"from before to after. In the comparison boroughs it "
            f"{_change(without_change)} over the same months."
        )
    estimate = effect["estimate"]
    if pd.isna(estimate):
        lines.append(f"No comparison can be made: {effect['note']}.")
        return lines
    if pd.notna(effect["lower"]):
        interval = f"(95% CI: from {_bound(effect['lower'])} to {_bound(effect['upper'])})"
        sure = effect["lower"] > 1 or effect["upper"] < 1
    else:
        interval, sure = f"({effect['note']})", False
    direction = "lower" if estimate < 1 else "higher"
    lines.append(
        f"Allowing for the change in the comparison boroughs, the rate where the initiative "
        f"ran was {_percent(estimate)} {direction} than expected {interval}."
        if round(100 * (estimate - 1)) != 0
        else "Allowing for the change in the comparison boroughs, the rate where the "
        f"initiative ran was as expected {interval}."
    )
    lines.append(
        "The interval leaves out no change at all, so chance alone is an unlikely explanation."
        if sure
        else "The interval includes no change at all: the difference could be chance."
    )
    if effect["placebo_sets"]:
        lines.append(
            f"Placebo check: of {effect['placebo_sets']} comparison "
            f"{'boroughs' if len(answer.question.treated) == 1 else 'sets of boroughs'} "
            f"treated as if they had had the initiative, {effect['placebo_as_large']} changed "
            f"at least as much by themselves."
        )
    trend = answer.result.pre_trend.iloc[0]
    if pd.isna(trend["parallel"]):
        lines.append(f"Before the start: {trend['note']}.")
    elif bool(trend["parallel"]):
        lines.append(
            "Before the start, both sets of boroughs were moving alike (no difference in "
            "trend beyond chance), which the comparison needs."
        )
    else:
        lines.append(
            "Warning: before the start, the two sets of boroughs were already moving "
            "differently, so part of this difference may have happened anyway. Read the "
            "chart before relying on it."
        )
    return lines


def per_thousand(rate: float) -> float:
    """Events per head a month as per 1,000 residents a month."""
    return rate * PER
