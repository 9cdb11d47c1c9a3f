"""Before and after for the gap between two groups, from the raw events (what works)."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from accord.stats import aggregate as agg
from accord.stats.aggregate import Period, Predicate
from accord.stats.api.before_after import (
    HIDDEN_NOTE,
    blank_sets,
    blank_trend,
    hidden_months,
    start_period,
)
from accord.stats.api.disclosure import DEFAULT_DISCLOSURE, Disclosure
from accord.stats.api.loading import Population, loaded, period_cells
from accord.stats.errors import StatsInputError
from accord.stats.gap_before_after import GapBeforeAfter
from accord.stats.gap_before_after import gap_before_after as gap_measure
from accord.stats.inputs import Source

__all__ = ["GAP_MONTHS_HIDDEN_NOTE", "gap_before_after"]

#: Each gives a hidden count back (with public populations, or with the other group's
#: count), so each is blanked with the set's figures.
_SUMMARY_BLANKED = (
    "focus_before",
    "focus_after",
    "reference_before",
    "reference_after",
    "ratio_before",
    "ratio_after",
    "estimate",
    "lower",
    "upper",
    "n",
)
_COUNTS = frozenset({"focus_before", "focus_after", "reference_before", "reference_after", "n"})

GAP_MONTHS_HIDDEN_NOTE = (
    "Some months' counts are small, so they are hidden, with the gap in those months, to "
    "protect the people in them."
)


def gap_before_after(
    events: Source,
    population: Source | Population | None = None,
    *,
    area: str,
    group: str,
    focus: str,
    reference: str,
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
) -> GapBeforeAfter:
    """Did the gap between ``focus`` and ``reference`` change more where the initiative ran?

    Counts events per ``area``, ``group`` and ``period`` inside the engine (with a
    population, one per area and group), then :func:`accord.stats.gap_before_after`.
    Under ``disclosure``, each set's counts of each group per period before the start,
    and after it, are suppressed as a table with its total; a month's gap is hidden when
    either count is, and a hidden total hides the set's figures and the ratio. Notes are
    in ``result.effect.attrs["notes"]``.
    """
    first = start_period(start, period)
    frame, notes = period_cells(
        events,
        population,
        [area, group],
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
    if population is not None:
        frame = _with_every_population(
            frame,
            events,
            population,
            [area, group],
            (focus, reference),
            date=date,
            recode=recode,
            backend=backend,
        )
    result = gap_measure(
        frame,
        area=area,
        time="period",
        group=group,
        focus=focus,
        reference=reference,
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
        elif result.series[["focus_suppressed", "reference_suppressed"]].any(axis=None):
            notes.append(GAP_MONTHS_HIDDEN_NOTE)
    result.effect.attrs["notes"] = notes
    return result


def _with_every_population(
    frame: pd.DataFrame,
    events: Source,
    population: Source | Population,
    keys: list[str],
    pair: tuple[str, str],
    *,
    date: str,
    recode: Mapping[str, Mapping[object, object]] | None,
    backend: BaseBackend | None,
) -> pd.DataFrame:
    """The counts, with a row of no events for each area and group of the two that had
    none: its population still counts (an area where no one of a group was searched has a
    rate of 0 for them, not no rate)."""
    area, group = keys
    with loaded(events, population, keys, date=date, recode=recode, backend=backend) as inputs:
        if inputs.population is None:  # the counts above already had one
            return frame
        people = agg.collect(inputs.population)
    people = people.loc[people[group].isin(pair) & people[area].isin(frame[area].unique())]
    present = set(zip(frame[area], frame[group], strict=True))
    absent = people.loc[
        [(a, g) not in present for a, g in zip(people[area], people[group], strict=True)]
    ]
    if absent.empty:
        return frame
    filler = absent[[area, group, "population"]].assign(period=frame["period"].min(), events=0)
    return pd.concat([frame, filler[frame.columns]], ignore_index=True)


def _protect(result: GapBeforeAfter, disclosure: Disclosure) -> tuple[GapBeforeAfter, bool]:
    """Suppress each set's months of each group, before and after, as tables with totals.

    The same rule as :func:`accord.stats.api.before_after`, once per group: both groups'
    phase totals are published, so within each a hidden month needs a hidden partner.
    """
    series = result.series.copy()
    blanked: set[str] = set()
    for column in ("focus", "reference"):
        flag = f"{column}_suppressed"
        series[flag] = False
        for (name, _), part in series.groupby(["set", "phase"], sort=False):
            months, total = hidden_months(part, column, disclosure)
            series.loc[part.index, flag] = months
            if total:
                blanked.add(str(name))
        hidden = series[flag].to_numpy(dtype=bool)
        series[column] = series[column].astype("Int64")
        series.loc[hidden, column] = pd.NA
    either = series[["focus_suppressed", "reference_suppressed"]].any(axis=1).to_numpy()
    series.loc[either, "ratio"] = np.nan
    summary, effect = blank_sets(result.summary, result.effect, blanked, _SUMMARY_BLANKED, _COUNTS)
    pre_trend = blank_trend(result.pre_trend) if blanked else result.pre_trend
    protected = replace(result, series=series, summary=summary, effect=effect, pre_trend=pre_trend)
    return protected, bool(blanked)
