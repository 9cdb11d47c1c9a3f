"""The high-level API: from files or tables to published, suppressed measures.

Each function takes the raw events (one row per stop, search, report, ...) as a file
path, a data frame or an ibis table, counts them inside the engine (DuckDB by
default; PySpark or PostgreSQL with ``backend=``), computes the measure with its
interval, and applies disclosure control before returning a tidy pandas frame. Every
row carries ``estimate``, ``lower``, ``upper``, ``method``, ``n`` and ``suppressed``.

Words used throughout:

* ``group``: the column(s) being compared, e.g. ``"officer_defined_ethnicity"``, or
  ``["ethnicity", "sex"]`` for intersectional groups;
* ``by``: strata the comparison is repeated in, e.g. ``"la_name"`` for every borough
  (``None`` for the whole data);
* ``where``: a filter on the events (``{"outcome": "Arrest"}`` or
  ``ibis._.type == "Person search"``).

Notes about the data (events left out for a missing group, the residential
population caveat) are in ``result.attrs["notes"]``.

Example:
    >>> import pandas as pd
    >>> stops = pd.DataFrame({"eth": ["Black"] * 30 + ["White"] * 45})
    >>> people = pd.DataFrame({"eth": ["Black", "White"], "population": [1_000, 9_000]})
    >>> result = ratios(stops, people, group="eth", reference="White")
    >>> result[["group", "estimate", "suppressed"]].values.tolist()
    [['Black', 6.0, False], ['White', 1.0, False]]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import ibis.expr.types as ir
import numpy as np
import pandas as pd
from ibis.backends import BaseBackend

from accord.stats import aggregate as agg
from accord.stats.aggregate import Period, Predicate
from accord.stats.errors import StatsInputError
from accord.stats.frames import group_labels
from accord.stats.funnel import Overdispersion
from accord.stats.funnel import funnel as funnel_measure
from accord.stats.inputs import Source, read_all, require_columns
from accord.stats.intervals import ProportionMethod
from accord.stats.proportions import (
    proportion_differences,
    proportion_ratios,
)
from accord.stats.proportions import (
    proportions as proportion_measure,
)
from accord.stats.rates import rates as rate_measure
from accord.stats.ratios import RatioForm, rate_ratios
from accord.stats.rri import relative_rate_index
from accord.stats.suppression import blank_measures, interior_cells, suppress
from accord.stats.trend import poisson_trend

__all__ = [
    "RESIDENTIAL_CAVEAT",
    "Disclosure",
    "Population",
    "funnel",
    "proportions",
    "rates",
    "ratios",
    "rri",
    "tabulate",
    "trend",
]

#: Shown with every rate (docs/STATISTICS.md).
RESIDENTIAL_CAVEAT = (
    "Rates use the residential population, not the people present in an area: areas "
    "with many visitors or commuters (such as Westminster or the City of London) "
    "have rates that overstate."
)

# Columns blanked in a suppressed row: the counts and anything a count could be
# worked back from. Populations are public (the Census) and stay.
_BLANKED = (
    "events",
    "successes",
    "trials",
    "count",
    "previous_count",
    "reference_events",
    "n",
    "estimate",
    "lower",
    "upper",
    "exact_lower",
    "exact_upper",
    "rate",
    "proportion",
    "reference_proportion",
    "reference_rate",
    "z_score",
)
_PERIOD_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}


@dataclass(frozen=True)
class Population:
    """A population source and how its layout maps onto the events.

    Attributes:
        source: Path, frame or ibis table.
        value: Column holding the head counts (long layout).
        wide: Columns holding one group each (the Census layout ``Asian, Black, ...``),
            unpivoted into the column ``names_to``.
        names_to: The events column the ``wide`` column names are values of.
        columns: Events column -> population column, where the names differ
            (``{"la_code": "LAD_code"}``).
        where: Filter on the population rows (in the population's own column names),
            e.g. ``{"LAD_code": london_codes}``.

    Example:
        >>> census = Population(
        ...     "census2021_ethnic_group_5cat_by_lad.csv",
        ...     wide=["Asian", "Black", "Mixed", "Other", "White"],
        ...     names_to="officer_defined_ethnicity",
        ...     columns={"la_code": "LAD_code"},
        ... )
    """

    source: Source
    value: str = "population"
    wide: Sequence[str] | None = None
    names_to: str | None = None
    columns: Mapping[str, str] | None = None
    where: Predicate | None = None


@dataclass(frozen=True)
class Disclosure:
    """Disclosure control settings (see :mod:`accord.stats.suppression`).

    Attributes:
        threshold: Counts from 1 to ``threshold - 1`` are hidden.
        show_zeros: Whether zero counts are shown.
        margins: Whether totals are published alongside (then secondary suppression
            protects the hidden cells against subtraction from the totals).
        rounding: Round published counts to this base (in :func:`tabulate`).
    """

    threshold: int = 10
    show_zeros: bool = True
    margins: bool = True
    rounding: int | None = None


_DEFAULT_DISCLOSURE = Disclosure()


@dataclass
class _Inputs:
    events: ir.Table
    population: ir.Table | None
    notes: list[str] = field(default_factory=list)


def _keys(columns: str | Sequence[str] | None, *, name: str) -> list[str]:
    if columns is None:
        return []
    keys = [columns] if isinstance(columns, str) else list(columns)
    if any(not isinstance(k, str) or not k for k in keys):
        raise StatsInputError(f"The {name} columns must be non-empty column names.")
    return keys


def _group_keys(group: str | Sequence[str]) -> list[str]:
    keys = _keys(group, name="group")
    if not keys:
        raise StatsInputError("Name at least one group column to compare, e.g. group='ethnicity'.")
    return keys


def _as_population(population: Source | Population) -> Population:
    return population if isinstance(population, Population) else Population(population)


def _load(
    events: Source,
    population: Source | Population | None,
    keys: Sequence[str],
    *,
    date: str | None,
    recode: Mapping[str, Mapping[object, object]] | None,
    backend: BaseBackend | None,
) -> _Inputs:
    spec = None if population is None else _as_population(population)
    events_table, population_raw = read_all(
        [events, None if spec is None else spec.source], backend=backend
    )
    if events_table is None:
        raise StatsInputError("Give the events to count.")
    require_columns(events_table, [*keys, *([date] if date else [])], what="events")
    if recode:
        events_table = agg.recode(events_table, recode, what="events")
    population_table = None
    if spec is not None and population_raw is not None:
        table = agg.filter_rows(population_raw, spec.where, what="population")
        population_keys = [k for k in keys if k != "period"]
        population_table = agg.population_table(
            table,
            population_keys,
            value=spec.value,
            wide=spec.wide,
            wide_name=spec.names_to,
            rename=spec.columns,
            totals=False,
        )
    return _Inputs(events_table, population_table)


def _missing_group_note(frame: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    missing = int(frame.attrs.get("missing_group", 0))
    if not missing:
        return []
    return [f"{missing:,} events with no value for {', '.join(keys)} were left out."]


def _check_population(frame: pd.DataFrame, keys: Sequence[str]) -> None:
    bad = frame.loc[(frame["population"] <= 0) & (frame["events"] > 0)]
    if len(bad):
        cells = "; ".join(
            ", ".join(f"{k}={row[k]}" for k in keys) + f" ({row['events']} events)"
            for _, row in bad.head(20).iterrows()
        )
        raise StatsInputError(
            f"Population is zero for {len(bad)} group(s) that have events: {cells}."
        )


def _hidden_cells(
    frame: pd.DataFrame,
    keys: Sequence[str],
    count: str,
    disclosure: Disclosure,
) -> pd.DataFrame:
    """The cells of ``frame`` (keys + ``hidden``) after disclosure control on ``count``."""
    table = suppress(
        frame[[*keys, count]],
        keys,
        count,
        threshold=disclosure.threshold,
        show_zeros=disclosure.show_zeros,
        margins=disclosure.margins,
    )
    table = interior_cells(table, keys, like=frame)
    cells = frame[list(keys)].merge(table, on=list(keys), how="left")
    cells["hidden"] = cells[f"{count}_flag"].fillna("") != ""
    return cells[[*keys, "hidden"]]


def _hide(
    measures: pd.DataFrame,
    hidden: pd.DataFrame,
    keys: Sequence[str],
) -> pd.DataFrame:
    """Blank the measure rows whose cell is hidden (matched on ``keys``)."""
    mask = measures[list(keys)].merge(hidden, on=list(keys), how="left")["hidden"]
    return blank_measures(measures, mask.fillna(False).to_numpy(dtype=bool), columns=_BLANKED)


def _finish(result: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    result = result.reset_index(drop=True)
    result.attrs = {"notes": notes}
    return result


def _rate_cells(
    events: Source,
    population: Source | Population,
    keys: list[str],
    *,
    where: Predicate | None,
    period: Period | None,
    date: str | None,
    recode: Mapping[str, Mapping[object, object]] | None,
    unmatched: Literal["error", "drop"],
    backend: BaseBackend | None,
) -> tuple[pd.DataFrame, list[str]]:
    inputs = _load(events, population, keys, date=date, recode=recode, backend=backend)
    if inputs.population is None:
        raise StatsInputError("Give the population the rates are per head of.")
    frame = agg.rate_table(
        inputs.events,
        inputs.population,
        keys,
        where=where,
        period=period,
        date=date,
        unmatched=unmatched,
    )
    _check_population(frame, keys)
    notes = _missing_group_note(frame, keys)
    if frame.attrs.get("unmatched"):
        notes.append(
            f"{frame.attrs['unmatched']:,} events in groups with no population were left out."
        )
    notes.append(RESIDENTIAL_CAVEAT)
    return frame, notes


def _strata(by: str | Sequence[str] | None, period: Period | None) -> list[str]:
    strata = _keys(by, name="by")
    return [*strata, "period"] if period else strata


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
    disclosure: Disclosure | None = _DEFAULT_DISCLOSURE,
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
    keys = [*_strata(by, period), *_group_keys(group)]
    frame, notes = _rate_cells(
        events,
        population,
        [k for k in keys if k != "period"],
        where=where,
        period=period,
        date=date,
        recode=recode,
        unmatched=unmatched,
        backend=backend,
    )
    result = rate_measure(frame, keys, per=per, conf_level=conf_level)
    if disclosure is not None:
        result = _hide(result, _hidden_cells(frame, keys, "events", disclosure), keys)
    return _finish(result, notes)


def _overall_reference(
    frame: pd.DataFrame, groups: Sequence[str], size: str, reference: object
) -> object:
    if reference is not None:
        return reference
    totals = frame.groupby(list(groups), sort=False, dropna=False)[size].sum()
    best = totals.idxmax()
    return best


def _per_stratum(
    frame: pd.DataFrame,
    strata: Sequence[str],
    groups: Sequence[str],
    measure: Callable[[pd.DataFrame], pd.DataFrame],
    stratum_errors: Literal["raise", "note"],
) -> pd.DataFrame:
    """Apply ``measure`` to each stratum; name the stratum in any error.

    With ``stratum_errors="note"`` a stratum the measure cannot handle (say, a
    reference group with no events there) gets rows with no estimate and the reason in
    ``note`` instead of stopping the whole table.
    """
    if not strata:
        return measure(frame)
    parts = []
    for name, part in frame.groupby(list(strata), sort=True, dropna=False):
        label = ", ".join(f"{k}={v}" for k, v in zip(strata, name, strict=True))
        try:
            result = measure(part.reset_index(drop=True))
        except StatsInputError as error:
            if stratum_errors == "raise":
                raise StatsInputError(f"In {label}: {error}") from error
            result = part[list(groups)].reset_index(drop=True)
            result["group"] = group_labels(result, list(groups))
            result["estimate"] = np.nan
            result["lower"] = np.nan
            result["upper"] = np.nan
            result["is_reference"] = False
            result["suppressed"] = False
            result["note"] = str(error)
        for key, value in zip(strata, name, strict=True):
            result[key] = cast("Any", value)
        parts.append(result)
    combined = pd.concat(parts, ignore_index=True)
    return combined[[*strata, *[c for c in combined.columns if c not in strata]]]


def _reference_hidden(
    result: pd.DataFrame, hidden: pd.DataFrame, strata: Sequence[str], groups: Sequence[str]
) -> pd.DataFrame:
    """Hide every row of a stratum whose reference cell is hidden."""
    is_ref = result["is_reference"].astype(bool)
    ref_rows = result.loc[is_ref, [*strata, *groups]].merge(
        hidden, on=[*strata, *groups], how="left"
    )
    ref_rows["hidden"] = ref_rows["hidden"].fillna(False).astype(bool)
    if strata:
        ref_hidden = ref_rows[[*strata, "hidden"]]
        mask = result[list(strata)].merge(ref_hidden, on=list(strata), how="left")["hidden"]
        mask = mask.fillna(False).astype(bool)
    else:
        mask = pd.Series(bool(ref_rows["hidden"].any()), index=result.index)
    return blank_measures(result, mask.to_numpy(dtype=bool), columns=_BLANKED)


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
    disclosure: Disclosure | None = _DEFAULT_DISCLOSURE,
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
    strata = _strata(by, period)
    groups = _group_keys(group)
    keys = [*strata, *groups]
    frame, notes = _rate_cells(
        events,
        population,
        [k for k in keys if k != "period"],
        where=where,
        period=period,
        date=date,
        recode=recode,
        unmatched=unmatched,
        backend=backend,
    )
    chosen = _overall_reference(frame, groups, "population", reference)
    result = _per_stratum(
        frame,
        strata,
        groups,
        lambda part: rate_ratios(part, groups, reference=chosen, form=form, conf_level=conf_level),
        stratum_errors,
    )
    if disclosure is not None:
        hidden = _hidden_cells(frame, keys, "events", disclosure)
        result = _hide(result, hidden, keys)
        result = _reference_hidden(result, hidden, strata, groups)
    return _finish(result, notes)


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
    disclosure: Disclosure | None = _DEFAULT_DISCLOSURE,
    stratum_errors: Literal["raise", "note"] = "raise",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Share of events meeting ``success`` (e.g. searches ending in arrest) per group.

    ``where`` chooses the events counted as trials. With ``compare`` each group is
    compared with the reference group (largest number of trials overall by default)
    as a ratio (Katz) or a difference (Newcombe). A row is suppressed when its
    successes or its trials are hidden (or, for comparisons, the reference's).

    Raises:
        StatsInputError: unknown column, no events, reference group absent.
    """
    strata = _strata(by, period)
    groups = _group_keys(group)
    keys = [*strata, *groups]
    inputs = _load(
        events,
        None,
        [k for k in keys if k != "period"],
        date=date,
        recode=recode,
        backend=backend,
    )
    frame = agg.proportion_table(
        inputs.events,
        [k for k in keys if k != "period"],
        success,
        where=where,
        period=period,
        date=date,
    )
    notes = _missing_group_note(frame, keys)
    if compare is None:
        result = proportion_measure(frame, keys, method=method, conf_level=conf_level)
    else:
        chosen = _overall_reference(frame, groups, "trials", reference)
        compare_with = proportion_ratios if compare == "ratio" else proportion_differences
        result = _per_stratum(
            frame,
            strata,
            groups,
            lambda part: compare_with(part, groups, reference=chosen, conf_level=conf_level),
            stratum_errors,
        )
    if disclosure is not None:
        hidden = _hidden_cells(frame, keys, "successes", disclosure)
        trials_hidden = _hidden_cells(frame, keys, "trials", disclosure)
        hidden["hidden"] = hidden["hidden"].to_numpy() | trials_hidden["hidden"].to_numpy()
        result = _hide(result, hidden, keys)
        if compare is not None:
            result = _reference_hidden(result, hidden, strata, groups)
    return _finish(result, notes)


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
    disclosure: Disclosure | None = _DEFAULT_DISCLOSURE,
    unmatched: Literal["error", "drop"] = "error",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Funnel plot data comparing units (e.g. boroughs) with the overall value.

    With ``population``: rates per ``per`` residents (Poisson limits). Without it,
    give ``success``: the proportion of each unit's events meeting it (binomial
    limits). Units outside the 99.8% limits are flagged in ``outlier``.
    """
    units = _keys(unit, name="unit")
    if not units:
        raise StatsInputError("Name the unit column to compare, e.g. unit='la_name'.")
    if population is not None:
        frame, notes = _rate_cells(
            events,
            population,
            units,
            where=where,
            period=None,
            date=None,
            recode=recode,
            unmatched=unmatched,
            backend=backend,
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
        inputs = _load(events, None, units, date=None, recode=recode, backend=backend)
        frame = agg.proportion_table(inputs.events, units, success, where=where)
        notes = _missing_group_note(frame, units)
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
        result = _hide(result, _hidden_cells(frame, units, count, disclosure), units)
    return _finish(result, notes)


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
    disclosure: Disclosure | None = _DEFAULT_DISCLOSURE,
    unmatched: Literal["error", "drop"] = "error",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Annual percentage change in events (or, with a population, in the rate).

    Counts per ``period`` are fitted by Poisson regression on time (quasi-Poisson
    when overdispersed). A group's trend is suppressed when its total count over
    all periods is hidden (the monthly counts themselves are not published here).
    """
    groups = _keys(group, name="group")
    if population is not None:
        frame, notes = _rate_cells(
            events,
            population,
            groups,
            where=where,
            period=period,
            date=date,
            recode=recode,
            unmatched=unmatched,
            backend=backend,
        )
    else:
        inputs = _load(events, None, groups, date=date, recode=recode, backend=backend)
        frame = agg.collect(
            agg.event_counts(inputs.events, groups, where=where, period=period, date=date)
        )
        if groups:
            null_key = frame[groups].isna().any(axis=1)
            frame.attrs["missing_group"] = int(frame.loc[null_key, "events"].sum())
            frame = frame.loc[~null_key].reset_index(drop=True)
        if frame.empty:
            raise StatsInputError("No events to count: the data (after any filter) is empty.")
        notes = _missing_group_note(frame, groups)
    frame["period"] = pd.to_datetime(frame["period"]).dt.to_period(_PERIOD_FREQ[period])
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
        result = blank_measures(result, small, columns=_BLANKED)
    return _finish(result, notes)


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
    disclosure: Disclosure | None = _DEFAULT_DISCLOSURE,
    stratum_errors: Literal["raise", "note"] = "raise",
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """Relative rate index at each stage of a process (OJJDP method).

    ``stages`` lists ``(name, condition)`` in order, e.g.
    ``[("searches", None), ("arrests", {"outcome": "Arrest"})]``; with a
    ``population`` the first step is from the residential population.
    """
    strata = _keys(by, name="by")
    groups = _group_keys(group)
    keys = [*strata, *groups]
    inputs = _load(events, population, keys, date=None, recode=recode, backend=backend)
    frame = agg.stage_table(inputs.events, keys, stages, population=inputs.population, where=where)
    steps = [*(["population"] if population is not None else []), *[s for s, _ in stages]]
    reference_sizes = frame.rename(columns={steps[0]: "_size"})
    chosen = _overall_reference(reference_sizes, groups, "_size", reference)
    result = _per_stratum(
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
            hidden = _hidden_cells(frame, keys, name, disclosure)
            at_stage = result["stage"] == name
            previous = result["previous_stage"] == name
            rows = result.loc[at_stage | previous, keys].merge(hidden, on=keys, how="left")
            mask = np.zeros(len(result), dtype=bool)
            mask[np.flatnonzero(at_stage | previous)] = rows["hidden"].fillna(False).to_numpy()
            result = blank_measures(result, mask, columns=_BLANKED)
    return _finish(result, notes)


def tabulate(
    events: Source,
    *,
    by: str | Sequence[str],
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure = _DEFAULT_DISCLOSURE,
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """A count table ready to publish: counts per cell with totals, suppressed.

    Rows with ``Total`` in a column are the margins. ``events`` is ``<NA>`` where
    hidden and ``events_flag`` says why (``primary``/``secondary``).
    """
    keys = _keys(by, name="by")
    if not keys and not period:
        raise StatsInputError("Name at least one column to count by.")
    inputs = _load(events, None, keys, date=date, recode=recode, backend=backend)
    frame = agg.collect(
        agg.event_counts(inputs.events, keys, where=where, period=period, date=date)
    )
    all_keys = [*keys, *(["period"] if period else [])]
    null_key = frame[all_keys].isna().any(axis=1)
    notes: list[str] = []
    missing = int(frame.loc[null_key, "events"].sum())
    if missing:
        notes.append(f"{missing:,} events with no value for {', '.join(all_keys)} were left out.")
    frame = frame.loc[~null_key].reset_index(drop=True)
    if frame.empty:
        raise StatsInputError("No events to count: the data (after any filter) is empty.")
    table = suppress(
        frame,
        all_keys,
        "events",
        threshold=disclosure.threshold,
        show_zeros=disclosure.show_zeros,
        margins=disclosure.margins,
        rounding=disclosure.rounding,
    )
    return _finish(table, notes)
