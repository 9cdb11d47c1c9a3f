"""Before and after against comparison areas, from the raw events (what works)."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from accord.stats.aggregate import Period, Predicate
from accord.stats.api.disclosure import DEFAULT_DISCLOSURE, Disclosure
from accord.stats.api.loading import PERIOD_FREQ, Population, period_cells
from accord.stats.before_after import BeforeAfter
from accord.stats.before_after import before_after as before_after_measure
from accord.stats.errors import StatsInputError
from accord.stats.inputs import Source
from accord.stats.suppression import BoolArray, hidden_at, hidden_cells

__all__ = [
    "HIDDEN_NOTE",
    "MONTHS_HIDDEN_NOTE",
    "before_after",
    "blank_sets",
    "hidden_months",
    "start_period",
]

_EXAMPLE = {"month": "2022-05", "quarter": "2022Q2", "year": "2022"}

#: Blanked in a set's summary row, and in the result, when small counts are hidden:
#: with public populations, each of these gives a count (or, with the set's total,
#: its split before and after) back.
_SUMMARY_BLANKED = (
    "events_before",
    "events_after",
    "rate_before",
    "rate_after",
    "estimate",
    "lower",
    "upper",
    "n",
)
_SUMMARY_COUNTS = frozenset({"events_before", "events_after", "n"})
_EFFECT_BLANKED = ("estimate", "lower", "upper", "percent", "n")

HIDDEN_NOTE = (
    "Some counts are small, so the before and after figures and the ratio are hidden to "
    "protect the people in them."
)
MONTHS_HIDDEN_NOTE = (
    "Some months' counts are small, so they are hidden to protect the people in them."
)


def before_after(
    events: Source,
    population: Source | Population | None = None,
    *,
    area: str,
    treated: Collection[Hashable],
    start: str,
    date: str,
    comparison: Collection[Hashable] | None = None,
    period: Period = "month",
    where: Predicate | None = None,
    conf_level: float = 0.95,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure | None = DEFAULT_DISCLOSURE,
    unmatched: Literal["error", "drop"] = "error",
    backend: BaseBackend | None = None,
) -> BeforeAfter:
    """Did the rate change more where an initiative ran (``treated``) from ``start``?

    Counts events per ``area`` and ``period`` inside the engine (with a population, per
    head of it: one population per area), then :func:`accord.stats.before_after`. Under
    ``disclosure``, each set's counts per period before the start, and after it, are
    suppressed as a table with its total (the before and after figures); when such a
    total is itself hidden, the set's figures and the ratio are blanked too. Notes are in
    ``result.effect.attrs["notes"]``.
    """
    first = start_period(start, period)
    frame, notes = period_cells(
        events,
        population,
        [area],
        where=where,
        period=period,
        date=date,
        recode=recode,
        unmatched=unmatched,
        backend=backend,
        disclosure=disclosure,
    )
    if frame.empty:
        raise StatsInputError("No events to count: the data (after any filter) is empty.")
    result = before_after_measure(
        frame,
        area=area,
        time="period",
        treated=treated,
        start=first,
        population="population" if population is not None else None,
        comparison=comparison,
        conf_level=conf_level,
    )
    if disclosure is not None:
        result, blanked = _protect(result, disclosure)
        if blanked:
            notes.append(HIDDEN_NOTE)
        elif result.series["suppressed"].any():
            notes.append(MONTHS_HIDDEN_NOTE)
    result.effect.attrs["notes"] = notes
    return result


def start_period(start: str, period: Period) -> pd.Period:
    """The start as a pandas period, refused unless written exactly as one."""
    refusal = f"The start {start!r} is not a {period}: write it like {_EXAMPLE[period]}."
    try:
        first = pd.Period(start, freq=PERIOD_FREQ[period])
    except (ValueError, TypeError) as error:
        raise StatsInputError(refusal) from error
    if str(first) != start:  # pandas would read "May" as May of year 1
        raise StatsInputError(refusal)
    return first


def hidden_months(part: pd.DataFrame, count: str, disclosure: Disclosure) -> tuple[BoolArray, bool]:
    """One set's months of one phase, suppressed as a table with its total: which months are
    hidden, and whether the total is."""
    threshold, zeros = disclosure.threshold, disclosure.show_zeros
    months = hidden_cells(part, ["period"], count, threshold=threshold, show_zeros=zeros)
    total = hidden_at(part, ["period"], [{}], count, threshold=threshold, show_zeros=zeros)[0]
    return months, total


def blank_sets(
    summary: pd.DataFrame,
    effect: pd.DataFrame,
    blanked: Collection[str],
    columns: Collection[str],
    counts: Collection[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary with the ``blanked`` sets' ``columns`` emptied (``counts`` as missing
    integers), and the effect emptied too when any set is: it is made of their figures."""
    summary, effect = summary.copy(), effect.copy()
    if not blanked:
        return summary, effect
    rows = summary["set"].isin(list(blanked)).to_numpy()
    for column in columns:
        if column in counts:
            summary[column] = summary[column].astype("Int64")
            summary.loc[rows, column] = pd.NA
        else:
            summary.loc[rows, column] = np.nan
    summary["suppressed"] = rows
    for column in _EFFECT_BLANKED:
        if column == "n":
            effect[column] = effect[column].astype("Int64")
            effect.loc[:, column] = pd.NA
        else:
            effect.loc[:, column] = np.nan
    # How much areas vary, and how many placebo sets changed as much, are made of the
    # hidden counts too.
    effect.loc[:, ["dispersion", "placebo_p"]] = np.nan
    effect.loc[:, ["placebo_sets", "placebo_as_large"]] = 0
    effect["suppressed"] = True
    return summary, effect


def blank_trend(pre_trend: pd.DataFrame) -> pd.DataFrame:
    """The check of trends before the start, emptied: it is made of the hidden months."""
    out = pre_trend.copy()
    out.loc[:, ["estimate", "lower", "upper", "p_value"]] = np.nan
    out["parallel"] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["note"] = "hidden with the comparison, to protect small numbers"
    return out


def _protect(result: BeforeAfter, disclosure: Disclosure) -> tuple[BeforeAfter, bool]:
    """Suppress each set's months before and after as tables with their totals.

    Why by phase: the before and after totals are published (and the ratio is made of
    them), so within each phase a hidden month must have a hidden partner, or the total
    gives it back. A phase whose total is itself hidden hides the set's figures and the
    ratio, which would give that total back.
    """
    series = result.series.copy()
    series["suppressed"] = False
    blanked: set[str] = set()
    for (name, _), part in series.groupby(["set", "phase"], sort=False):
        months, total = hidden_months(part, "events", disclosure)
        series.loc[part.index, "suppressed"] = months
        if total:
            blanked.add(str(name))
    hidden = series["suppressed"].to_numpy(dtype=bool)
    series["events"] = series["events"].astype("Int64")
    series.loc[hidden, "events"] = pd.NA
    series.loc[hidden, "rate"] = np.nan
    summary, effect = blank_sets(
        result.summary, result.effect, blanked, _SUMMARY_BLANKED, _SUMMARY_COUNTS
    )
    pre_trend = blank_trend(result.pre_trend) if blanked else result.pre_trend
    protected = replace(result, series=series, summary=summary, effect=effect, pre_trend=pre_trend)
    return protected, bool(blanked)
