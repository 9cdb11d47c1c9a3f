"""Funnel plot data: each unit (borough, force) against the overall rate or proportion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd
from ibis.backends import BaseBackend

from accord.stats import aggregate as agg
from accord.stats.aggregate import Predicate
from accord.stats.api.disclosure import (
    DEFAULT_DISCLOSURE,
    Disclosure,
    hidden_cells,
    hide,
    total_hidden,
)
from accord.stats.api.loading import (
    Population,
    column_list,
    finish,
    loaded,
    missing_group_note,
    rate_cells,
)
from accord.stats.errors import StatsInputError
from accord.stats.funnel import Overdispersion
from accord.stats.funnel import funnel as funnel_measure
from accord.stats.inputs import Source

__all__ = ["funnel"]

#: What a funnel derives from the overall value: with the units' populations public,
#: the overall rate gives the total count back, and the limits and flags give the rate.
OVERALL = (
    "target",
    "z_score",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "beyond_95",
    "outlier",
    "phi",
    "tau2",
)
OVERALL_HIDDEN = (
    "The overall figure is hidden to protect small numbers, so the areas are not compared with it."
)


def funnel(
    events: Source,
    population: Source | Population | None = None,
    *,
    unit: str | Sequence[str],
    success: Predicate | None = None,
    where: Predicate | None = None,
    per: float = 1000.0,
    target: float | None = None,
    overdispersion: Overdispersion = "none",
    conf_level: float = 0.95,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure | None = DEFAULT_DISCLOSURE,
    unmatched: Literal["error", "drop"] = "error",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Funnel plot data comparing units (e.g. boroughs) with the overall value.

    With ``population``: rates per ``per`` residents (Poisson limits). Without it,
    give ``success``: the proportion of each unit's events meeting it (binomial
    limits). Units outside the 99.8% limits are flagged in ``outlier``.
    """
    units = column_list(unit, name="unit")
    if not units:
        raise StatsInputError("Name the unit column to compare, e.g. unit='la_name'.")
    if population is not None:
        frame, notes = rate_cells(
            events,
            population,
            units,
            where=where,
            period=None,
            date=None,
            recode=recode,
            unmatched=unmatched,
            backend=backend,
            disclosure=disclosure,
        )
        result = funnel_measure(
            frame,
            units,
            per=per,
            target=target,
            overdispersion=overdispersion,
            conf_level=conf_level,
        )
        count = "events"
    else:
        if success is None:
            raise StatsInputError("Give a population (for rates) or a success condition.")
        with loaded(events, None, units, date=None, recode=recode, backend=backend) as inputs:
            frame = agg.proportion_table(inputs.events, units, success, where=where)
        notes = missing_group_note(frame, units, disclosure)
        result = funnel_measure(
            frame,
            units,
            events="successes",
            size="trials",
            kind="proportion",
            target=target,
            overdispersion=overdispersion,
            conf_level=conf_level,
        )
        count = "successes"
    if disclosure is not None:
        result = hide(result, hidden_cells(frame, units, count, disclosure), units)
        if total_hidden(frame, units, count, disclosure):
            result = _without_overall(result)
            notes.append(OVERALL_HIDDEN)
    return finish(result, notes)


def _without_overall(result: pd.DataFrame) -> pd.DataFrame:
    """Blank what comes from the overall value, when its total is hidden.

    The total is hidden when it is small, or when a table released alongside hides it
    (``Disclosure.hide``, e.g. the searches of the group the funnel is about). Each
    unit's own count stays under the usual rule: secondary suppression around the hidden
    total keeps the total from being added back up from them.
    """
    out = result.copy()
    for column in OVERALL:
        if column not in out.columns:
            continue
        if pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(
            out[column]
        ):
            out[column] = pd.to_numeric(out[column]).astype("Float64")
            out[column] = pd.NA
        else:
            out[column] = None
    return out
