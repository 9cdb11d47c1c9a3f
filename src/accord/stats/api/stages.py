"""The relative rate index across the stages of a process (population, stop, arrest)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from ibis.backends import BaseBackend

from accord.stats import aggregate as agg
from accord.stats.aggregate import Predicate
from accord.stats.api.disclosure import (
    BLANKED,
    DEFAULT_DISCLOSURE,
    Disclosure,
    hidden_cells,
    reference_hidden,
)
from accord.stats.api.loading import (
    RESIDENTIAL_CAVEAT,
    Population,
    column_list,
    finish,
    group_columns,
    loaded,
)
from accord.stats.api.strata import overall_reference, per_stratum
from accord.stats.inputs import Source
from accord.stats.rri import relative_rate_index
from accord.stats.suppression import blank_measures

__all__ = ["rri"]

BoolArray = npt.NDArray[np.bool_]


def rri(
    events: Source,
    population: Source | Population | None = None,
    *,
    group: str | Sequence[str],
    stages: Sequence[tuple[str, Predicate | None]],
    by: str | Sequence[str] | None = None,
    where: Predicate | None = None,
    reference: object = None,
    conf_level: float = 0.95,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure | None = DEFAULT_DISCLOSURE,
    stratum_errors: Literal["raise", "note"] = "raise",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Relative rate index at each stage of a process (OJJDP method).

    ``stages`` lists ``(name, condition)`` in order, e.g.
    ``[("searches", None), ("arrests", {"outcome": "Arrest"})]``; with a
    ``population`` the first step is from the residential population.
    """
    strata = column_list(by, name="by")
    groups = group_columns(group)
    keys = [*strata, *groups]
    with loaded(events, population, keys, date=None, recode=recode, backend=backend) as inputs:
        frame = agg.stage_table(
            inputs.events, keys, stages, population=inputs.population, where=where
        )
    steps = [*(["population"] if population is not None else []), *[s for s, _ in stages]]
    reference_sizes = frame.rename(columns={steps[0]: "_size"})
    chosen = overall_reference(reference_sizes, groups, "_size", reference)
    result = per_stratum(
        frame,
        strata,
        groups,
        lambda part: relative_rate_index(
            part,
            groups,
            steps,
            reference=chosen,
            first_stage_is_population=population is not None,
            conf_level=conf_level,
        ),
        stratum_errors,
    )
    notes = [RESIDENTIAL_CAVEAT] if population is not None else []
    if disclosure is not None:
        result = _hide_stages(result, frame, strata, groups, [s for s, _ in stages], disclosure)
    return finish(result, notes)


def _hide_stages(
    result: pd.DataFrame,
    frame: pd.DataFrame,
    strata: Sequence[str],
    groups: Sequence[str],
    counted: Sequence[str],
    disclosure: Disclosure,
) -> pd.DataFrame:
    """Blank every index that depends on a hidden count.

    A row's index at a stage uses four counts: its group's and the reference group's, at
    that stage and the one before. Hiding the row's own cells is not enough: a row left
    showing its rate and index beside a hidden reference cell gives the reference's rate
    back (rate / index), and with it the hidden count (EIA-ANCHORS §2.5, "a ratio inherits
    suppression from either rate"). So a hidden reference cell at a stage blanks every row
    of its stratum that uses that stage's count, as :func:`rates.ratios` does.
    """
    keys = [*strata, *groups]
    mask = np.zeros(len(result), dtype=bool)
    for name in counted:
        hidden = hidden_cells(frame, keys, name, disclosure)
        for column in ("stage", "previous_stage"):
            # One row per group and stratum here, so one reference row per stratum.
            rows = np.flatnonzero((result[column] == name).to_numpy())
            if not len(rows):
                continue
            part = result.iloc[rows]
            own = _row_hidden(part, hidden, keys)
            mask[rows] |= own | reference_hidden(part, hidden, strata, groups)
    return blank_measures(result, mask, columns=BLANKED)


def _row_hidden(rows: pd.DataFrame, hidden: pd.DataFrame, keys: Sequence[str]) -> BoolArray:
    looked_up = rows[list(keys)].merge(hidden, on=list(keys), how="left")["hidden"]
    return np.asarray(looked_up.fillna(False).astype(bool).to_numpy(), dtype=bool)
