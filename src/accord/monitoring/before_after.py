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

import numpy as np
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
from accord.stats.gap_before_after import GapBeforeAfter
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
    reference: str = ""
    first: str = ""
    last: str = ""

    @property
    def gap(self) -> bool:
        """Whether the question is about the gap between two groups, not one rate."""
        return bool(self.group and self.focus and self.reference)


@dataclass
class Answer:
    question: Question
    result: BeforeAfter | GapBeforeAfter
    names: dict[str, str]
    months: list[str]
    left_out: list[str]
    notes: list[str] = field(default_factory=list)


#: What the summary says when small counts hide the comparison.
HIDDEN = (
    "Some of these counts are small, so the comparison is hidden to protect the people in "
    "them. Choose more boroughs, a longer period or everyone searched."
)
#: The same, for the gap between two groups (which needs both groups).
GAP_HIDDEN = (
    "Some of these counts are small, so the comparison is hidden to protect the people in "
    "them. Choose more boroughs or a longer period."
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
    result = _gap(question, months, names) if question.gap else _rate(question, months, names)
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


def _rate(question: Question, months: list[str], names: dict[str, str]) -> BeforeAfter:
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
    return api.before_after(
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


def _gap(question: Question, months: list[str], names: dict[str, str]) -> GapBeforeAfter:
    """Only the two groups' searches are counted: a search of anyone else (or with no
    ethnicity recorded) is in neither side of the gap."""
    pair = [question.focus, question.reference]
    population = api.Population(
        str(question.population),
        value="population",
        columns={AREA_CODE: AREA_CODE, question.group: POPULATION_GROUP},
        where={AREA_CODE: sorted(names), POPULATION_GROUP: pair},
    )
    return api.gap_before_after(
        str(question.events),
        population,
        area=AREA_CODE,
        group=question.group,
        focus=question.focus,
        reference=question.reference,
        treated=question.treated,
        comparison=question.comparison or None,
        start=question.start,
        date=DATE,
        where={MONTH: months, question.group: pair},
        unmatched="drop",
    )


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
    gap = answer.question.gap
    if bool(effect["suppressed"]):
        return [GAP_HIDDEN if gap else HIDDEN]
    lines = _gap_levels(answer) if gap else _rate_changes(answer)
    estimate = effect["estimate"]
    if pd.isna(estimate):
        lines.append(f"No comparison can be made: {effect['note']}.")
        return lines
    if pd.notna(effect["lower"]):
        interval = f"(95% CI: from {_bound(effect['lower'])} to {_bound(effect['upper'])})"
        sure = effect["lower"] > 1 or effect["upper"] < 1
    else:
        interval, sure = f"({effect['note']})", False
    question = answer.question
    what = (
        f"how many times as often {question.focus} people were searched as "
        f"{question.reference} people"
        if gap
        else "the rate"
    )
    opening = f"Allowing for the change in the comparison boroughs, {what} where the initiative ran"
    if round(100 * (estimate - 1)) != 0:
        direction = "lower" if estimate < 1 else "higher"
        lines.append(f"{opening} was {_percent(estimate)} {direction} than expected {interval}.")
    else:
        lines.append(f"{opening} was as expected {interval}.")
    if gap:
        lines.append(_gap_meaning(answer))
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
    lines.append(_before_the_start(answer))
    return lines


def _rate_changes(answer: Answer) -> list[str]:
    summary = answer.result.summary.set_index("set")
    changes = dict(
        zip(map(str, summary.index), summary["estimate"].to_numpy(dtype=float), strict=True)
    )
    with_change, without_change = changes[INITIATIVE], changes[COMPARISON]
    if math.isnan(with_change) or math.isnan(without_change):
        return []
    return [
        f"Where the initiative ran, the rate of {who(answer.question)} "
        f"{_change(with_change)} from before to after. In the comparison boroughs it "
        f"{_change(without_change)} over the same months."
    ]


def times(ratio: float) -> str:
    """A rate ratio in words: "3.1 times as often"."""
    return f"{ratio:,.1f} times as often"


def _gap_levels(answer: Answer) -> list[str]:
    question = answer.question
    summary = answer.result.summary.set_index("set")
    gaps = summary[["ratio_before", "ratio_after"]].to_numpy(dtype=float)
    if not np.isfinite(gaps).all():
        return []
    (with_before, with_after), (without_before, without_after) = gaps
    return [
        f"Where the initiative ran, {question.focus} people were searched "
        f"{times(with_before)} as {question.reference} people (per head) before the start, "
        f"and {times(with_after)} after. In the comparison boroughs: {times(without_before)} "
        f"before and {times(without_after)} after."
    ]


def _gap_meaning(answer: Answer) -> str:
    """Which way is narrower: a lower ratio narrows the gap only where it is above 1."""
    question = answer.question
    summary = answer.result.summary
    before = summary.loc[summary["set"] == INITIATIVE, "ratio_before"].to_numpy(dtype=float)
    if before.size and before[0] < 1:  # NaN (hidden or none) is not
        return (
            f"Here {question.focus} people were searched less often than {question.reference} "
            "people per head, so lower means the gap between them widened, and higher that "
            "it narrowed."
        )
    return "Lower means the gap between them narrowed, and higher that it widened."


def trend_words(answer: Answer) -> str:
    """How differently the two sets were moving before the start, in words ("" if unknown).

    The same words as the main result ("25% lower a year (95% CI: from 92% lower to 7.3
    times as high)"), not signed percentages.
    """
    trend = answer.result.pre_trend.iloc[0]
    if pd.isna(trend["estimate"]):
        return ""
    centre, lower, upper = (1.0 + trend[end] / 100.0 for end in ("estimate", "lower", "upper"))
    what = "ratio" if answer.question.gap else "rate"
    return (
        f"Difference in the {what}'s yearly trend before the start, where the initiative ran "
        f"against elsewhere: {_bound(centre)} a year (95% CI: from {_bound(lower)} to "
        f"{_bound(upper)}), over {trend['periods']} months"
    )


def _before_the_start(answer: Answer) -> str:
    trend = answer.result.pre_trend.iloc[0]
    what = (
        "the gap was moving alike in both sets of boroughs"
        if answer.question.gap
        else "both sets of boroughs were moving alike"
    )
    if pd.isna(trend["parallel"]):
        return f"Before the start: {trend['note']}."
    if bool(trend["parallel"]):
        return (
            f"Before the start, {what} (no difference in trend beyond chance), which the "
            "comparison needs."
        )
    already = (
        "the gap was already moving differently in the two sets of boroughs"
        if answer.question.gap
        else "the two sets of boroughs were already moving differently"
    )
    return (
        f"Warning: before the start, {already}, so part of this difference may have "
        "happened anyway. Read the chart before relying on it."
    )


def per_thousand(rate: float) -> float:
    """Events per head a month as per 1,000 residents a month."""
    return rate * PER
