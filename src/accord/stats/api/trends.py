"""Trends over time: the annual percentage change in counts or rates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from ibis.backends import BaseBackend

from accord.stats.aggregate import Period, Predicate
from accord.stats.api.disclosure import BLANKED, DEFAULT_DISCLOSURE, Disclosure
from accord.stats.api.loading import Population, column_list, finish, period_cells
from accord.stats.inputs import Source
from accord.stats.suppression import Cell, blank_measures, hidden_cells
from accord.stats.trend import poisson_trend

__all__ = ["trend"]

BoolArray = npt.NDArray[np.bool_]

#: What a hidden trend row loses: the counts and estimates (:data:`BLANKED`) and the fit
#: itself. With the group's total, the slope and the dispersion are equations in the
#: period counts (a Poisson fit has sum(t * y) = sum(t * mu)), enough to solve for a
#: hidden month or two; a dispersion of 0 says every period had the same count.
TREND_BLANKED = (*BLANKED, "slope", "slope_se", "dispersion")

#: Why a trend row is hidden when its group total is not small (the row's ``note``).
HIDDEN_PERIOD_NOTE = (
    "hidden because some of the counts it is worked out from are hidden to protect small "
    "numbers, and the change over time would give them back"
)


def trend(
    events: Source,
    population: Source | Population | None = None,
    *,
    date: str,
    period: Period = "month",
    group: str | Sequence[str] | None = None,
    where: Predicate | None = None,
    conf_level: float = 0.95,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure | None = DEFAULT_DISCLOSURE,
    unmatched: Literal["error", "drop"] = "error",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Annual percentage change in events (or, with a population, in the rate).

    Counts per ``period`` are fitted by Poisson regression on time (quasi-Poisson
    when overdispersed). A group's trend is suppressed when its total count over
    all periods is hidden, when ``disclosure.hide`` names its group (hidden in a table
    released alongside), or when any of the group's period counts is hidden: by
    disclosure control of the group x period table (as :func:`tabulate` publishes it),
    or because ``disclosure.hide`` names that cell (``{"eth": "A", "period": "2022-03"}``,
    hidden in a table released alongside). Why: the fit (its slope, dispersion and even
    the rounded estimate, with the group's total) gives hidden period counts back.
    """
    groups = column_list(group, name="group")
    frame, notes = period_cells(
        events,
        population,
        groups,
        where=where,
        period=period,
        date=date,
        recode=recode,
        unmatched=unmatched,
        backend=backend,
        disclosure=disclosure,
    )
    result = poisson_trend(
        frame,
        "period",
        population="population" if population is not None else None,
        by=groups or None,
        conf_level=conf_level,
    )
    if disclosure is not None:
        size = pd.to_numeric(result["n"]).to_numpy(dtype=np.float64)
        small = (size >= 1) & (size < disclosure.threshold)
        if not disclosure.show_zeros:
            small |= size == 0
        small |= _forced(result, groups, disclosure)
        periods = _period_hidden(frame, result, groups, disclosure) & ~small
        result = blank_measures(result, small | periods, columns=TREND_BLANKED)
        result = _without_fit_words(result, small | periods)
        if periods.any():
            result.loc[periods, "note"] = HIDDEN_PERIOD_NOTE
    return finish(result, notes)


def _period_hidden(
    frame: pd.DataFrame, result: pd.DataFrame, groups: Sequence[str], disclosure: Disclosure
) -> BoolArray:
    """Rows of a group with any period count hidden (see :func:`trend`)."""
    keys = [*groups, "period"]
    dtype = frame["period"].dtype
    periods = dtype if isinstance(dtype, pd.PeriodDtype) else None
    force = [_as_period_cell(cell, periods) for cell in disclosure.hide]
    cells = frame[keys].reset_index(drop=True)
    cells["hidden"] = hidden_cells(
        frame[[*keys, "events"]],
        keys,
        "events",
        threshold=disclosure.threshold,
        show_zeros=disclosure.show_zeros,
        margins=disclosure.margins,
        force=force,
    )
    if not groups:
        return np.full(len(result), bool(cells["hidden"].any()))
    by_group = cells.groupby(list(groups), dropna=False, sort=False, as_index=False)["hidden"].any()
    mask = result[list(groups)].merge(by_group, on=list(groups), how="left")["hidden"]
    return np.asarray(mask.fillna(False).astype(bool).to_numpy(), dtype=bool)


def _as_period_cell(cell: Cell, periods: pd.PeriodDtype | None) -> Cell:
    """``cell`` with its period (a date or ``YYYY-MM``) as the trend's own periods."""
    if "period" not in cell or periods is None:
        return cell
    as_period = pd.Series([pd.Timestamp(str(cell["period"]))]).astype(periods).iloc[0]
    return {**cell, "period": as_period}


def _without_fit_words(result: pd.DataFrame, mask: BoolArray) -> pd.DataFrame:
    """Hidden rows' method without the fit's dispersion, which the quasi-Poisson wording
    gives to two decimals, and without saying whether it was above the threshold."""
    if not mask.any() or "method" not in result.columns:
        return result
    out = result.copy()
    plain = (
        out.loc[mask, "method"]
        .astype(str)
        .str.replace(r", quasi-Poisson Wald (.*) CI \(widened .*\)$", r", Wald \1 CI", regex=True)
    )
    out.loc[mask, "method"] = plain
    if "quasi_poisson" in out.columns:
        out["quasi_poisson"] = out["quasi_poisson"].astype(object)
        out.loc[mask, "quasi_poisson"] = None
    return out


def _forced(result: pd.DataFrame, groups: Sequence[str], disclosure: Disclosure) -> BoolArray:
    """Rows of a group whose count a table released alongside hides (``disclosure.hide``).

    A trend row publishes its group's total (``n``); were it shown here while another
    table hides it, subtraction from that table's totals would give the hidden count.
    A cell naming some of the group columns hides every row it would add up.
    """
    mask = np.zeros(len(result), dtype=bool)
    for cell in disclosure.hide:
        if not cell or any(column not in groups for column in cell):
            continue
        rows = np.ones(len(result), dtype=bool)
        for column, value in cell.items():
            rows &= (result[column] == value).to_numpy(dtype=bool)
        mask |= rows
    return mask
