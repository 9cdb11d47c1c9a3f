"""Rates per head of population, and their ratios against a reference group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import pandas as pd
from ibis.backends import BaseBackend

from accord.stats.aggregate import Period, Predicate
from accord.stats.api.disclosure import (
    DEFAULT_DISCLOSURE,
    Disclosure,
    hidden_cells,
    hide,
    hide_with_reference,
)
from accord.stats.api.loading import (
    Population,
    finish,
    group_columns,
    rate_cells,
    strata_columns,
)
from accord.stats.api.strata import overall_reference, per_stratum
from accord.stats.inputs import Source
from accord.stats.rates import rates as rate_measure
from accord.stats.ratios import RatioForm, rate_ratios

__all__ = ["rates", "ratios"]


def rates(
    events: Source,
    population: Source | Population,
    *,
    group: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
    per: float = 1000.0,
    conf_level: float = 0.95,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure | None = DEFAULT_DISCLOSURE,
    unmatched: Literal["error", "drop"] = "error",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Events per ``per`` people in each group (and stratum), exact Poisson intervals.

    Args:
        events: One row per event.
        population: Population per group (a source with a ``population`` column and
            the same group columns, or a :class:`Population` describing its layout).
        group: Column(s) compared, e.g. ``"officer_defined_ethnicity"``.
        by: Strata, e.g. ``"la_name"``; ``None`` for the whole data.
        where: Filter on the events.
        period: ``"month"``, ``"quarter"`` or ``"year"`` to give a rate per period
            (from the ``date`` column; the population is the same in every period).
        date: The events' date column, for ``period``.
        per: Rate base (1,000 as in gov.uk stop and search statistics).
        conf_level: Confidence level of the intervals.
        recode: Value mappings applied to event columns first, e.g. officer-defined
            ethnicity onto Census groups.
        disclosure: Suppression settings; ``None`` turns disclosure control off (for
            internal analysis only, never for publication).
        unmatched: ``"error"`` (default) when events fall in a group with no
            population; ``"drop"`` leaves them out, with a note.
        backend: Engine to count in (default: a hardened in-process DuckDB).

    Raises:
        StatsInputError: unknown column, population missing or zero for a group
            with events, no events at all.
    """
    keys = [*strata_columns(by, period), *group_columns(group)]
    frame, notes = rate_cells(
        events,
        population,
        [k for k in keys if k != "period"],
        where=where,
        period=period,
        date=date,
        recode=recode,
        unmatched=unmatched,
        backend=backend,
        disclosure=disclosure,
    )
    result = rate_measure(frame, keys, per=per, conf_level=conf_level)
    if disclosure is not None:
        result = hide(result, hidden_cells(frame, keys, "events", disclosure), keys)
    return finish(result, notes)


def ratios(
    events: Source,
    population: Source | Population,
    *,
    group: str | Sequence[str],
    by: str | Sequence[str] | None = None,
    reference: object = None,
    form: RatioForm = "poisson",
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
    conf_level: float = 0.95,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure | None = DEFAULT_DISCLOSURE,
    unmatched: Literal["error", "drop"] = "error",
    stratum_errors: Literal["raise", "note"] = "raise",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Each group's rate against a reference group's, within each stratum.

    ``form`` is ``"poisson"`` (rate ratio, Katz and exact intervals), ``"risk"``
    (binomial risk ratio, as epitools ``riskratio(method="wald")``) or ``"odds"``.
    The reference defaults to the group with the largest population overall, and is
    the same in every stratum. A row is suppressed when its own count or its
    reference group's count is hidden. With ``stratum_errors="note"`` a stratum where
    the ratio cannot be computed (e.g. the binomial form where events outnumber
    residents) gets blank estimates with the reason in ``note``, instead of an error.
    Other arguments as for :func:`rates`.

    Raises:
        StatsInputError: as :func:`rates`, and when the reference group is absent (or
            has no events) in the data or in a stratum, which is named.
    """
    strata = strata_columns(by, period)
    groups = group_columns(group)
    keys = [*strata, *groups]
    frame, notes = rate_cells(
        events,
        population,
        [k for k in keys if k != "period"],
        where=where,
        period=period,
        date=date,
        recode=recode,
        unmatched=unmatched,
        backend=backend,
        disclosure=disclosure,
    )
    chosen = overall_reference(frame, groups, "population", reference)
    result = per_stratum(
        frame,
        strata,
        groups,
        lambda part: rate_ratios(part, groups, reference=chosen, form=form, conf_level=conf_level),
        stratum_errors,
    )
    if disclosure is not None:
        hidden = hidden_cells(frame, keys, "events", disclosure)
        result = hide(result, hidden, keys)
        result = hide_with_reference(result, hidden, strata, groups)
    return finish(result, notes)
