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
from accord.stats.suppression import blank_measures
from accord.stats.trend import poisson_trend

__all__ = ["trend"]

BoolArray = npt.NDArray[np.bool_]


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
    all periods is hidden (the monthly counts themselves are not published here), or
    when ``disclosure.hide`` names its group (hidden in a table released alongside).
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
        result = blank_measures(result, small, columns=BLANKED)
    return finish(result, notes)


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
