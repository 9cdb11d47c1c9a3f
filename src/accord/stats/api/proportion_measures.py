"""Shares of events meeting a condition (arrests among searches), and their comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd
from ibis.backends import BaseBackend

from accord.stats import aggregate as agg
from accord.stats.aggregate import Period, Predicate
from accord.stats.api.disclosure import (
    DEFAULT_DISCLOSURE,
    Disclosure,
    hidden_cells,
    hide,
    hide_with_reference,
)
from accord.stats.api.loading import (
    finish,
    group_columns,
    loaded,
    missing_group_note,
    strata_columns,
)
from accord.stats.api.strata import overall_reference, per_stratum
from accord.stats.inputs import Source
from accord.stats.intervals import ProportionMethod
from accord.stats.proportions import proportion_differences, proportion_ratios
from accord.stats.proportions import proportions as proportion_measure

__all__ = ["proportions"]


def proportions(
    events: Source,
    *,
    success: Predicate,
    group: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    where: Predicate | None = None,
    compare: Literal["ratio", "difference"] | None = None,
    reference: object = None,
    method: ProportionMethod = "wilson",
    period: Period | None = None,
    date: str | None = None,
    conf_level: float = 0.95,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure | None = DEFAULT_DISCLOSURE,
    stratum_errors: Literal["raise", "note"] = "raise",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Share of events meeting ``success`` (e.g. searches ending in arrest) per group.

    ``where`` chooses the events counted as trials. With ``compare`` each group is
    compared with the reference group (largest number of trials overall by default)
    as a ratio (Katz) or a difference (Newcombe). A row is suppressed when its
    successes, its trials or the trials without success (a count published by
    subtraction: 40 searches of which 35 ended with no further action say 5 ended
    otherwise) are hidden (or, for comparisons, the reference's).

    Raises:
        StatsInputError: unknown column, no events, reference group absent.
    """
    strata = strata_columns(by, period)
    groups = group_columns(group)
    keys = [*strata, *groups]
    counted = [k for k in keys if k != "period"]
    with loaded(events, None, counted, date=date, recode=recode, backend=backend) as inputs:
        frame = agg.proportion_table(
            inputs.events, counted, success, where=where, period=period, date=date
        )
    notes = missing_group_note(frame, keys, disclosure)
    if compare is None:
        result = proportion_measure(frame, keys, method=method, conf_level=conf_level)
    else:
        chosen = overall_reference(frame, groups, "trials", reference)
        compare_with = proportion_ratios if compare == "ratio" else proportion_differences
        result = per_stratum(
            frame,
            strata,
            groups,
            lambda part: compare_with(part, groups, reference=chosen, conf_level=conf_level),
            stratum_errors,
        )
    if disclosure is not None:
        hidden = hidden_cells(frame, keys, "successes", disclosure)
        for count in ("trials", FAILURES):
            also = hidden_cells(with_failures(frame), keys, count, disclosure)
            hidden["hidden"] = hidden["hidden"].to_numpy() | also["hidden"].to_numpy()
        result = hide(result, hidden, keys)
        if compare is not None:
            result = hide_with_reference(result, hidden, strata, groups)
    return finish(result, notes)


#: The trials without success, worked out from a row's published trials and successes.
FAILURES = "failures"


def with_failures(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :data:`FAILURES` (trials minus successes), a count disclosure
    control must see like the others."""
    trials = pd.to_numeric(frame["trials"])
    return frame.assign(**{FAILURES: trials - pd.to_numeric(frame["successes"])})
