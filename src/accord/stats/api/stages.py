"""The relative rate index across the stages of a process (population, stop, arrest)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from accord.stats import aggregate as agg
from accord.stats.aggregate import Predicate
from accord.stats.api.disclosure import BLANKED, DEFAULT_DISCLOSURE, Disclosure, hidden_cells
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
        counted = [s for s, _ in stages]
        for name in counted:
            hidden = hidden_cells(frame, keys, name, disclosure)
            at_stage = result["stage"] == name
            previous = result["previous_stage"] == name
            rows = result.loc[at_stage | previous, keys].merge(hidden, on=keys, how="left")
            mask = np.zeros(len(result), dtype=bool)
            mask[np.flatnonzero(at_stage | previous)] = rows["hidden"].fillna(False).to_numpy()
            result = blank_measures(result, mask, columns=BLANKED)
    return finish(result, notes)
