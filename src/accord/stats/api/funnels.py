"""Funnel plot data: each unit (borough, force) against the overall rate or proportion."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np
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
from accord.stats.suppression import Cell

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
    total_published: bool = False,
) -> pd.DataFrame:
    """Funnel plot data comparing units (e.g. boroughs) with the overall value.

    With ``population``: rates per ``per`` residents (Poisson limits). Without it,
    give ``success``: the proportion of each unit's events meeting it (binomial
    limits). Units outside the 99.8% limits are flagged in ``outlier``.

    Disclosure control treats the units as one list (however many columns name them).
    Give ``total_published=True`` when the units' total is released in another table
    (the searches of the group the funnel is about): a small unit is then protected by
    hiding another unit, since hiding the total would not protect it. Where a unit is
    hidden, the overdispersion is estimated from the units shown.
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
        count = "events"
        shape: dict[str, object] = {"per": per}
    else:
        if success is None:
            raise StatsInputError("Give a population (for rates) or a success condition.")
        with loaded(events, None, units, date=None, recode=recode, backend=backend) as inputs:
            frame = agg.proportion_table(inputs.events, units, success, where=where)
        notes = missing_group_note(frame, units, disclosure)
        count = "successes"
        shape = {"events": "successes", "size": "trials", "kind": "proportion"}
    hidden = None
    overall_hidden = False
    if disclosure is not None:
        hidden, overall_hidden = _hidden_units(frame, units, count, disclosure, total_published)
        frame = frame.assign(**{UNPUBLISHED: hidden["hidden"].to_numpy()})
    result = funnel_measure(
        frame,
        units,
        target=target,
        overdispersion=overdispersion,
        conf_level=conf_level,
        unpublished=UNPUBLISHED if hidden is not None else None,
        **shape,  # type: ignore[arg-type]
    )
    if hidden is not None:
        result = _without_flags(hide(result, hidden, units))
        if overall_hidden:
            result = _without_overall(result)
            notes.append(OVERALL_HIDDEN)
    return finish(result, notes)


def _without_flags(result: pd.DataFrame) -> pd.DataFrame:
    """Hidden units without their flags: "above 99.8%" says the count is above the
    limit, at a size (population) that is public."""
    out = result.copy()
    hidden = out["suppressed"].astype(bool).to_numpy()
    for column in ("beyond_95", "outlier"):
        if column in out.columns and hidden.any():
            out[column] = out[column].astype(object)
            out.loc[hidden, column] = None
    return out


#: The column marking the units disclosure control hides (see ``funnel_measure``).
UNPUBLISHED = "_unpublished"


def _hidden_units(
    frame: pd.DataFrame,
    units: list[str],
    count: str,
    disclosure: Disclosure,
    total_published: bool,
) -> tuple[pd.DataFrame, bool]:
    """Which units are hidden (``units`` and ``hidden``, in ``frame``'s row order), and
    whether the overall total is.

    The units are one list however many columns name them (a code and its name): as a
    code x name table, whose other cells are all zero, the cheapest protection of a small
    unit was always the total. With ``total_published`` (the total is released in
    another table) a hidden unit is protected by hiding more units, the smallest first,
    never by the total.
    """
    keyed = frame[[*units, count]].reset_index(drop=True)
    keyed[UNIT_KEY] = _unit_labels(frame, units).to_numpy()
    force = _unit_cells(keyed, units, disclosure.hide)
    while True:
        rule = replace(disclosure, hide=tuple(force))
        cells = hidden_cells(keyed, [UNIT_KEY], count, rule)
        overall = total_hidden(keyed, [UNIT_KEY], count, rule)
        if not (total_published and overall) or {} in force:
            break
        sizes = pd.to_numeric(keyed[count]).to_numpy(dtype=np.float64)
        shown = ~cells["hidden"].to_numpy(dtype=bool) & (sizes > 0)
        if not shown.any():
            break
        smallest = int(np.argmin(np.where(shown, sizes, np.inf)))
        force.append({UNIT_KEY: str(keyed[UNIT_KEY].iloc[smallest])})
    out = frame[units].reset_index(drop=True)
    out["hidden"] = cells["hidden"].to_numpy()
    return out, overall


#: The one column the units are suppressed by (their columns' values joined).
UNIT_KEY = "_unit"


def _unit_labels(frame: pd.DataFrame, units: list[str]) -> pd.Series:
    return frame[units].astype(str).agg("\x1f".join, axis=1)


def _unit_cells(keyed: pd.DataFrame, units: list[str], cells: Sequence[Cell]) -> list[Cell]:
    """``Disclosure.hide`` cells as cells of the one-key table: the grand total stays, a
    cell naming unit columns stands for every unit it matches, others are not this
    table's."""
    out: list[Cell] = []
    for cell in cells:
        if not cell:
            out.append({})
            continue
        if any(column not in units for column in cell):
            continue
        match = np.ones(len(keyed), dtype=bool)
        for column, value in cell.items():
            match &= (keyed[column] == value).to_numpy(dtype=bool)
        out += [{UNIT_KEY: label} for label in keyed.loc[match, UNIT_KEY]]
    return out


def _without_overall(result: pd.DataFrame) -> pd.DataFrame:
    """Blank what comes from the overall value, when its total is hidden.

    The total is hidden when it is small, or when a table released alongside hides it
    (``Disclosure.hide``, e.g. the searches of the group the funnel is about). Each
    unit's own count stays under the usual rule: secondary suppression around the hidden
    total keeps the total from being added back up from them.
    """
    out = result.copy()
    # The overdispersion, worked out around the hidden overall value, would narrow it.
    for column in ("method", "overdispersion"):
        if column in out.columns:
            out[column] = out[column].astype(str).map(_without_dispersion_values)
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


def _without_dispersion_values(text: str) -> str:
    """A method's words without the dispersion's value (phi, tau^2)."""
    text = re.sub(r" \(phi = [^)]*\)", "", text)
    text = re.sub(r", phi = [^,;]*,", "", text)
    return re.sub(r" tau\^2 = [^ ;,]*", "", text)
