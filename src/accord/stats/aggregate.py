"""Count events, sum populations and join them, inside the engine.

Every function here builds an ibis expression; nothing is computed until
:func:`collect` (or one of the ``*_table`` functions, which call it) runs the
expression on the table's backend and returns a small pandas frame with one row per
cell: the grouping columns and integer count columns (``events`` and
``population``, ``successes`` and ``trials``, or one column per stage). The same
expression runs unchanged on DuckDB, PySpark and PostgreSQL.

Filters (*predicates*) may be given as

* an ibis deferred expression: ``ibis._.outcome == "Arrest"``;
* a mapping of column to allowed value(s): ``{"outcome": ["Arrest", "Summons"]}``;
* a function of the table returning a boolean column.

Example:
    >>> import pandas as pd
    >>> from accord.stats.inputs import read
    >>> stops = read(pd.DataFrame({"group": ["a", "a", "b"], "outcome": ["x", "y", "x"]}))
    >>> collect(event_counts(stops, ["group"], where={"outcome": "x"}))
      group  events
    0     a       1
    1     b       1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.common.deferred import Deferred
from ibis.common.exceptions import IbisError

from accord.stats.duckdb_backend import remembered
from accord.stats.errors import StatsInputError
from accord.stats.inputs import require_columns

__all__ = [
    "COUNT_COLUMNS",
    "PERIODS",
    "Period",
    "Predicate",
    "collect",
    "event_counts",
    "filter_rows",
    "join_population",
    "population_table",
    "population_totals",
    "proportion_counts",
    "proportion_table",
    "rate_table",
    "recode",
    "reuse_counts",
    "stage_counts",
    "stage_table",
    "unpivot",
    "with_period",
]

type Predicate = (
    Deferred | ir.BooleanValue | Mapping[str, object] | Callable[[ir.Table], ir.BooleanValue]
)
Period = Literal["month", "quarter", "year"]

#: ibis truncation unit for each period.
PERIODS: dict[str, Literal["M", "Q", "Y"]] = {"month": "M", "quarter": "Q", "year": "Y"}
#: Columns :func:`collect` turns into integers.
COUNT_COLUMNS = ("events", "population", "successes", "trials")

_IN_POPULATION = "_accord_in_population"

#: The counts already run in the current :func:`reuse_counts` block (None outside one).
_REUSED: ContextVar[dict[Hashable, pd.DataFrame] | None] = ContextVar(
    "accord_reused_counts", default=None
)


@contextmanager
def reuse_counts() -> Iterator[None]:
    """Within this block, a count query already run returns its first answer (a copy)
    instead of running again.

    Why a block, and not always: only the caller knows that the data cannot change
    meanwhile. Accord's datasets are immutable files, and an analysis run counts the same
    tables twice: once, with no disclosure control, to decide which cells every table
    hides, then once per measure. Queries are matched by their ibis expression, which
    compares by value (and names its backend's tables), so the same call on the same
    files matches, and nothing else does.

    Example:
        >>> import pandas as pd
        >>> from accord.stats.inputs import read
        >>> stops = read(pd.DataFrame({"group": ["a", "a", "b"]}))
        >>> with reuse_counts():
        ...     first = collect(event_counts(stops, ["group"]))
        ...     again = collect(event_counts(stops, ["group"]))
        >>> again["events"].tolist(), again is first
        ([2, 1], False)
    """
    token = _REUSED.set({})
    try:
        yield
    finally:
        _REUSED.reset(token)


def _as_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def _literal(table: ir.Table, column: str, value: object) -> object:
    """Convert a text value (from the command line) to the column's type."""
    if not isinstance(value, str):
        return value
    dtype = table[column].type()
    try:
        if dtype.is_boolean():
            flags = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
            return flags[value.strip().lower()]
        if dtype.is_integer():
            return int(value)
        if dtype.is_floating() or dtype.is_decimal():
            return float(value)
        if dtype.is_date():
            return dt.date.fromisoformat(value)
        if dtype.is_timestamp():
            return dt.datetime.fromisoformat(value)
    except (KeyError, ValueError) as error:
        raise StatsInputError(
            f"Value {value!r} does not fit column {column!r}, which holds {dtype}."
        ) from error
    return value


def _resolve(table: ir.Table, predicate: Predicate, *, what: str) -> ir.BooleanValue:
    if isinstance(predicate, Mapping):
        require_columns(table, predicate, what=what)
        clauses: list[ir.BooleanValue] = []
        for column, allowed in predicate.items():
            if isinstance(allowed, Iterable) and not isinstance(allowed, str | bytes):
                values = [_literal(table, column, v) for v in allowed]
                clauses.append(table[column].isin(values))
            else:
                clauses.append(table[column] == _literal(table, column, allowed))
        return ibis.and_(*clauses)
    try:
        if isinstance(predicate, Deferred):
            value = predicate.resolve(table)
        elif isinstance(predicate, ir.BooleanValue):
            value = predicate
        else:
            value = predicate(table)
    except (AttributeError, IbisError) as error:
        raise StatsInputError(
            f"The filter on the {what} does not fit the data ({error}). "
            f"Available columns: {', '.join(table.columns)}."
        ) from error
    if not isinstance(value, ir.BooleanValue):
        raise StatsInputError(f"The filter on the {what} must be a true/false condition.")
    return value


def filter_rows(table: ir.Table, where: Predicate | None, *, what: str = "data") -> ir.Table:
    """Keep the rows where ``where`` holds (all rows when it is ``None``)."""
    if where is None:
        return table
    return table.filter(_resolve(table, where, what=what))


def recode(
    table: ir.Table, mapping: Mapping[str, Mapping[object, object]], *, what: str = "data"
) -> ir.Table:
    """Replace values of columns, e.g. officer-defined ethnicity to Census groups.

    Values not in a column's mapping are kept as they are. A ``None`` key names what a
    missing value becomes: a table split by sex then counts the searches with no sex
    recorded in a row of their own, so its totals are the same as a table not split by
    sex (disclosure control relies on tables released together adding up alike).
    """
    require_columns(table, mapping, what=what)
    return table.mutate(
        **{column: _recoded(table[column], values) for column, values in mapping.items()}
    )


def _recoded(column: ir.Column, values: Mapping[object, object]) -> ir.Column:
    present = {key: value for key, value in values.items() if key is not None}
    if None in values:
        column = column.fill_null(values[None])
    return column.substitute(present, else_=column) if present else column


def with_period(
    table: ir.Table, date: str, period: Period, *, name: str = "period", what: str = "data"
) -> ir.Table:
    """Add a column ``name`` holding the first day of the month, quarter or year of ``date``."""
    require_columns(table, [date], what=what)
    if period not in PERIODS:
        raise StatsInputError(f"Unknown period {period!r}: use month, quarter or year.")
    return table.mutate(**{name: table[date].cast("date").truncate(PERIODS[period])})


def _prepare(
    table: ir.Table,
    by: list[str],
    *,
    where: Predicate | None,
    period: Period | None,
    date: str | None,
    what: str,
) -> tuple[ir.Table, list[str]]:
    table = filter_rows(table, where, what=what)
    if period is not None:
        if date is None:
            raise StatsInputError("Name the date column to count by period.")
        table = with_period(table, date, period, what=what)
        by = [*by, "period"]
    require_columns(table, by, what=what)
    return table, by


def event_counts(
    table: ir.Table,
    by: str | Sequence[str],
    *,
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
    name: str = "events",
) -> ir.Table:
    """Number of rows per combination of the ``by`` columns (and per period).

    Rows whose grouping value is missing form their own (null) group.
    """
    keys = _as_list(by)
    prepared, keys = _prepare(table, keys, where=where, period=period, date=date, what="events")
    return prepared.group_by(keys).aggregate(**{name: prepared.count()})


def unpivot(
    table: ir.Table, columns: Sequence[str], *, names_to: str, values_to: str = "population"
) -> ir.Table:
    """Turn one column per group (the Census "wide" layout) into one row per group."""
    require_columns(table, columns, what="population")
    wide = list(columns)
    if not wide:
        raise StatsInputError("Name the wide population columns to unpivot.")
    # A union of one select per column rather than ``pivot_longer``, which ibis 12
    # compiles wrongly for PostgreSQL (the names come back quoted).
    types = {table[c].type() for c in wide}
    value_type = types.pop() if len(types) == 1 else "float64"
    keep = [c for c in table.columns if c not in wide]
    parts = [
        table.select(
            *keep,
            **{names_to: ibis.literal(column), values_to: table[column].cast(value_type)},
        )
        for column in wide
    ]
    return ibis.union(*parts, distinct=False)


def population_totals(
    table: ir.Table, by: str | Sequence[str], *, value: str = "population"
) -> ir.Table:
    """Sum the ``value`` column per combination of ``by``; rows with a missing key dropped."""
    keys = _as_list(by)
    require_columns(table, [*keys, value], what="population")
    present = table.filter(*[table[k].notnull() for k in keys])
    return present.group_by(keys).aggregate(population=present[value].sum())


def join_population(events: ir.Table, population: ir.Table, on: Sequence[str]) -> ir.Table:
    """Full outer join of event counts to population totals on the ``on`` columns.

    Columns the events have beyond ``on`` (such as ``period``) are crossed with every
    population row, so a group with no events in a period still gets a row with
    ``events = 0``. A marker column records whether the population had the cell, so
    that :func:`rate_table` can name the events with no population.
    """
    key = ("join_population", events.op(), population.op(), tuple(on))
    return remembered(events, key, lambda: _join_population(events, population, on))


def _join_population(events: ir.Table, population: ir.Table, on: Sequence[str]) -> ir.Table:
    keys = list(on)
    extra = [c for c in events.columns if c not in keys and c != "events"]
    pop = population.mutate(**{_IN_POPULATION: ibis.literal(1)})
    if extra:
        pop = pop.cross_join(events.select(extra).distinct())
    keys = [*keys, *extra]
    joined = pop.outer_join(events, [pop[k] == events[k] for k in keys])
    return joined.select(
        **{k: ibis.coalesce(pop[k], events[k]) for k in keys},
        events=events["events"].fill_null(0),
        # Zero (not null) where the population lacks the cell, so that the column has
        # no gaps and converts quickly; rate_table drops those rows by the marker.
        population=ibis.ifelse(pop[_IN_POPULATION].notnull(), pop["population"], 0),
        **{_IN_POPULATION: pop[_IN_POPULATION].notnull()},
    )


def proportion_counts(
    table: ir.Table,
    by: str | Sequence[str],
    success: Predicate,
    *,
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
) -> ir.Table:
    """``successes`` (rows where ``success`` holds) and ``trials`` (all rows) per group.

    ``where`` chooses the trials (e.g. searches of people); a row whose success
    condition is unknown (null) counts as a trial without success.
    """
    keys = _as_list(by)
    prepared, keys = _prepare(table, keys, where=where, period=period, date=date, what="events")
    hit = _resolve(prepared, success, what="events")
    # COUNT(*) FILTER (WHERE ...): rows whose condition is null are not counted.
    return prepared.group_by(keys).aggregate(
        successes=prepared.count(where=hit), trials=prepared.count()
    )


def stage_counts(
    table: ir.Table,
    by: str | Sequence[str],
    stages: Sequence[tuple[str, Predicate | None]],
    *,
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
) -> ir.Table:
    """One count column per stage of a process, for a relative rate index.

    ``stages`` lists ``(name, condition)`` in process order; ``None`` counts every row.
    Example: ``[("searches", None), ("arrests", {"outcome": "Arrest"})]``.
    """
    if not stages:
        raise StatsInputError("Give at least one stage.")
    keys = _as_list(by)
    prepared, keys = _prepare(table, keys, where=where, period=period, date=date, what="events")
    metrics: dict[str, ir.Value] = {}
    for name, condition in stages:
        if condition is None:
            metrics[name] = prepared.count()
        else:
            metrics[name] = prepared.count(where=_resolve(prepared, condition, what="events"))
    return prepared.group_by(keys).aggregate(**metrics)


def collect(expr: ir.Table, *, counts: Sequence[str] = ()) -> pd.DataFrame:
    """Run ``expr`` on its backend; return a pandas frame sorted by its key columns.

    Count columns (``events``, ``population``, ``successes``, ``trials`` and any named
    in ``counts``) become ``int64``; a ``period`` column becomes a datetime. Inside a
    :func:`reuse_counts` block, a query already run there is not run again.

    Raises:
        StatsInputError: a population total is not a whole number.
    """
    reused = _REUSED.get()
    if reused is None:
        return _collect(expr, counts)
    key = (expr.op(), tuple(counts))
    if key not in reused:
        reused[key] = _collect(expr, counts)
    return reused[key].copy()


def _collect(expr: ir.Table, counts: Sequence[str]) -> pd.DataFrame:
    frame: pd.DataFrame = expr.execute()
    count_columns = [c for c in frame.columns if c in (*COUNT_COLUMNS, *counts)]
    for column in count_columns:
        if frame[column].dtype == "int64":
            continue  # already whole numbers with none missing
        values = pd.to_numeric(frame[column])
        present = values.dropna()
        if not (present.round() == present).all():
            bad = frame.loc[present.index[present.round() != present]]
            raise StatsInputError(
                f"Column {column!r} must hold whole numbers; these rows do not:\n"
                f"{bad.head(10).to_string(index=False)}"
            )
        frame[column] = values.round().astype("Int64" if values.isna().any() else "int64")
    if "period" in frame.columns and not pd.api.types.is_datetime64_dtype(frame["period"]):
        frame["period"] = pd.to_datetime(frame["period"])
    keys = [c for c in frame.columns if c not in count_columns and not c.startswith("_")]
    if keys:
        frame = frame.sort_values(keys, kind="stable", na_position="last")
    return frame.reset_index(drop=True)


def _describe(rows: pd.DataFrame, keys: Sequence[str]) -> str:
    shown = rows[list(keys)].drop_duplicates().head(20)
    lines = [", ".join(f"{k}={row[k]}" for k in keys) for _, row in shown.iterrows()]
    more = len(rows) - len(shown)
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")


def population_table(
    population: ir.Table,
    by: Sequence[str],
    *,
    value: str = "population",
    wide: Sequence[str] | None = None,
    wide_name: str | None = None,
    rename: Mapping[str, str] | None = None,
    totals: bool = True,
) -> ir.Table:
    """Shape a population source into one ``population`` total per group.

    Args:
        population: The population table.
        by: Grouping columns, named as in the events.
        value: Column holding the counts (long layout).
        wide: Columns holding one group each (the Census layout: ``Asian, Black, ...``);
            they are unpivoted into a column called ``wide_name``.
        wide_name: Name for the unpivoted group column (an events column); without
            it the wide columns are summed.
        rename: Events column name -> population column name, where they differ
            (e.g. ``{"la_code": "LAD_code"}``).
        totals: Sum per group here; with ``False`` the rows are only reshaped (the
            head counts renamed ``population``), for a caller that sums them later.
    """
    table = population
    if rename:
        require_columns(table, rename.values(), what="population")
        table = table.rename({events_name: pop for events_name, pop in rename.items()})
    if wide:
        # Without a group column to unpivot into, the wide columns are simply added up.
        names_to = wide_name or "_accord_wide_group"
        table = unpivot(table, wide, names_to=names_to, values_to=value)
    if totals:
        return population_totals(table, by, value=value)
    require_columns(table, [*by, value], what="population")
    return table.select(*by, population=table[value])


def rate_table(
    events: ir.Table,
    population: ir.Table,
    by: str | Sequence[str],
    *,
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
    unmatched: Literal["error", "drop"] = "error",
) -> pd.DataFrame:
    """Events and population per group, counted and joined in the engine.

    ``population`` needs the ``by`` columns and a ``population`` column (see
    :func:`population_table` for other layouts); it is summed per group. Events
    whose group value is missing (null) are left out and their number is kept in
    ``frame.attrs["missing_group"]``. Events in
    a group the population lacks raise an error naming those groups, or are dropped
    (and counted in ``frame.attrs["unmatched"]``) with ``unmatched="drop"``.

    Raises:
        StatsInputError: population missing for some groups, a column missing, or no
            events at all.
    """
    keys = _as_list(by)
    totals = population_totals(population, keys)
    counts = event_counts(events, keys, where=where, period=period, date=date)
    frame = collect(join_population(counts, totals, keys))
    in_population = frame.pop(_IN_POPULATION).astype(bool)
    null_key = frame[keys].isna().any(axis=1)
    missing_group = frame.loc[null_key & ~in_population, "events"]
    lost = frame.loc[~null_key & ~in_population]
    if len(lost) and unmatched == "error":
        raise StatsInputError(
            f"Population missing for {len(lost)} group(s) that have events: "
            f"{_describe(lost, keys)}. Add them to the population, or filter them out."
        )
    frame = frame.loc[in_population].reset_index(drop=True)
    frame["population"] = frame["population"].astype("int64")
    frame.attrs["missing_group"] = int(missing_group.sum())
    frame.attrs["unmatched"] = int(lost["events"].sum())
    if frame["events"].sum() == 0 and not len(lost):
        raise StatsInputError("No events to count: the data (after any filter) is empty.")
    return frame


def proportion_table(
    events: ir.Table,
    by: str | Sequence[str],
    success: Predicate,
    *,
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
) -> pd.DataFrame:
    """``successes`` and ``trials`` per group, as a pandas frame.

    Rows with a missing group value are left out and counted in
    ``frame.attrs["missing_group"]``.
    """
    keys = _as_list(by)
    frame = collect(proportion_counts(events, keys, success, where=where, period=period, date=date))
    null_key = frame[keys].isna().any(axis=1) if keys else pd.Series(False, index=frame.index)
    frame.attrs["missing_group"] = int(frame.loc[null_key, "trials"].sum())
    frame = frame.loc[~null_key].reset_index(drop=True)
    if frame.empty or frame["trials"].sum() == 0:
        raise StatsInputError("No events to count: the data (after any filter) is empty.")
    return frame


def stage_table(
    events: ir.Table,
    by: str | Sequence[str],
    stages: Sequence[tuple[str, Predicate | None]],
    *,
    population: ir.Table | None = None,
    where: Predicate | None = None,
) -> pd.DataFrame:
    """Stage counts per group, optionally preceded by a ``population`` stage.

    Raises:
        StatsInputError: population missing for a group that has events.
    """
    keys = _as_list(by)
    names = [name for name, _ in stages]
    frame = collect(stage_counts(events, keys, stages, where=where), counts=names)
    frame = frame.dropna(subset=keys).reset_index(drop=True)
    if population is not None:
        require_columns(population, [*keys, "population"], what="population")
        pop = collect(population_totals(population, keys))
        merged = pop.merge(frame, on=keys, how="outer", indicator=True)
        lost = merged.loc[merged["_merge"] == "right_only"]
        if len(lost):
            raise StatsInputError(
                f"Population missing for {len(lost)} group(s) that have events: "
                f"{_describe(lost, keys)}."
            )
        merged = merged.drop(columns="_merge")
        for name in names:
            merged[name] = merged[name].fillna(0).astype("int64")
        merged["population"] = merged["population"].astype("int64")
        frame = merged[[*keys, "population", *names]]
    if frame.empty:
        raise StatsInputError("No events to count: the data (after any filter) is empty.")
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)
