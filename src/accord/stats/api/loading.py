"""Reading the events (and population) for one measure and counting them in the engine.

The measures in this package open their inputs with :func:`loaded`, which reads them
through :func:`accord.stats.sessions.reading` (a hardened DuckDB reused within the thread,
unless a ``backend`` is given), applies any recoding and shapes the population; the
counting then runs inside the ``with`` block.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from accord.stats import aggregate as agg
from accord.stats.aggregate import Period, Predicate
from accord.stats.api.disclosure import Disclosure
from accord.stats.errors import StatsInputError
from accord.stats.inputs import Source, require_columns
from accord.stats.sessions import reading

__all__ = [
    "RESIDENTIAL_CAVEAT",
    "Inputs",
    "Population",
    "check_population",
    "column_list",
    "count_in_note",
    "finish",
    "group_columns",
    "loaded",
    "missing_group_note",
    "rate_cells",
    "strata_columns",
]

#: Shown with every rate (docs/STATISTICS.md).
RESIDENTIAL_CAVEAT = (
    "Rates use the residential population, not the people present in an area: areas "
    "with many visitors or commuters (such as Westminster or the City of London) "
    "have rates that overstate."
)


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
        >>> census.value
        'population'
    """

    source: Source
    value: str = "population"
    wide: Sequence[str] | None = None
    names_to: str | None = None
    columns: Mapping[str, str] | None = None
    where: Predicate | None = None


@dataclass
class Inputs:
    """The events and the shaped population (one row per group), as ibis tables."""

    events: ir.Table
    population: ir.Table | None
    notes: list[str] = field(default_factory=list)


def column_list(columns: str | Sequence[str] | None, *, name: str) -> list[str]:
    """``columns`` as a list (empty for ``None``), refusing blank names."""
    if columns is None:
        return []
    keys = [columns] if isinstance(columns, str) else list(columns)
    if any(not isinstance(k, str) or not k for k in keys):
        raise StatsInputError(f"The {name} columns must be non-empty column names.")
    return keys


def group_columns(group: str | Sequence[str]) -> list[str]:
    """The group columns, at least one."""
    keys = column_list(group, name="group")
    if not keys:
        raise StatsInputError("Name at least one group column to compare, e.g. group='ethnicity'.")
    return keys


def strata_columns(by: str | Sequence[str] | None, period: Period | None) -> list[str]:
    """The strata: the ``by`` columns, then ``period`` when counting per period."""
    strata = column_list(by, name="by")
    return [*strata, "period"] if period else strata


def _as_population(population: Source | Population) -> Population:
    return population if isinstance(population, Population) else Population(population)


@contextmanager
def loaded(
    events: Source,
    population: Source | Population | None,
    keys: Sequence[str],
    *,
    date: str | None,
    recode: Mapping[str, Mapping[object, object]] | None,
    backend: BaseBackend | None,
) -> Iterator[Inputs]:
    """The inputs as ibis tables on one engine, for the length of a ``with`` block."""
    spec = None if population is None else _as_population(population)
    sources = [events, None if spec is None else spec.source]
    with reading(sources, backend=backend, keys=keys) as (events_table, population_raw):
        if events_table is None:
            raise StatsInputError("Give the events to count.")
        require_columns(events_table, [*keys, *([date] if date else [])], what="events")
        if recode:
            events_table = agg.recode(events_table, recode, what="events")
        population_table = None
        if spec is not None and population_raw is not None:
            table = agg.filter_rows(population_raw, spec.where, what="population")
            population_table = agg.population_table(
                table,
                [k for k in keys if k != "period"],
                value=spec.value,
                wide=spec.wide,
                wide_name=spec.names_to,
                rename=spec.columns,
                totals=False,
            )
        yield Inputs(events_table, population_table)


def count_in_note(count: int, disclosure: Disclosure | None) -> str:
    """A count as a published note may say it, to start a sentence.

    A note goes out with the table, so it follows the table's disclosure rule: a count
    the table would hide is never written out. Otherwise the note would show what the
    suppression took away (five Mixed searches hidden in the table, "5 events in groups
    with no population were left out" below it). Rounded tables give rounded counts.

    Example:
        >>> rule = Disclosure(threshold=10)
        >>> count_in_note(5, rule), count_in_note(3436, rule), count_in_note(5, None)
        ('Fewer than 10', '3,436', '5')
        >>> count_in_note(3436, Disclosure(rounding=5))
        'About 3,435'
    """
    if disclosure is None or count == 0:
        return f"{count:,}"
    if count < disclosure.threshold:
        return f"Fewer than {disclosure.threshold:,}"
    if disclosure.rounding:
        base = disclosure.rounding
        return f"About {base * round(count / base):,}"
    return f"{count:,}"


def missing_group_note(
    frame: pd.DataFrame, keys: Sequence[str], disclosure: Disclosure | None
) -> list[str]:
    """The note on events left out for a missing group value, if any were."""
    missing = int(frame.attrs.get("missing_group", 0))
    if not missing:
        return []
    return [
        f"{count_in_note(missing, disclosure)} events with no value for "
        f"{', '.join(keys)} were left out."
    ]


def check_population(frame: pd.DataFrame, keys: Sequence[str]) -> None:
    """Refuse groups with events but no people, naming them."""
    bad = frame.loc[(frame["population"] <= 0) & (frame["events"] > 0)]
    if len(bad):
        cells = "; ".join(
            ", ".join(f"{k}={row[k]}" for k in keys) + f" ({row['events']} events)"
            for _, row in bad.head(20).iterrows()
        )
        raise StatsInputError(
            f"Population is zero for {len(bad)} group(s) that have events: {cells}."
        )


def finish(result: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """The result as returned: a fresh index and the notes in ``attrs["notes"]``."""
    result = result.reset_index(drop=True)
    result.attrs = {"notes": notes}
    return result


def rate_cells(
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
    disclosure: Disclosure | None,
) -> tuple[pd.DataFrame, list[str]]:
    """Events and population per cell (see :func:`accord.stats.aggregate.rate_table`),
    and the notes on what was left out (counts in them under ``disclosure``)."""
    with loaded(events, population, keys, date=date, recode=recode, backend=backend) as inputs:
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
    check_population(frame, keys)
    notes = missing_group_note(frame, keys, disclosure)
    if frame.attrs.get("unmatched"):
        notes.append(
            f"{count_in_note(frame.attrs['unmatched'], disclosure)} events in groups with no "
            "population were left out."
        )
    notes.append(RESIDENTIAL_CAVEAT)
    return frame, notes


#: Pandas period frequencies for the engine's period names.
PERIOD_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}


def period_cells(
    events: Source,
    population: Source | Population | None,
    groups: list[str],
    *,
    where: Predicate | None,
    period: Period,
    date: str,
    recode: Mapping[str, Mapping[object, object]] | None,
    unmatched: Literal["error", "drop"],
    backend: BaseBackend | None,
    disclosure: Disclosure | None,
) -> tuple[pd.DataFrame, list[str]]:
    """Events per group and period (with the population when given), periods as pandas
    periods, and the notes on what was left out.

    Shared by the measures over time so that, with or without a population, events with
    no group value are left out the same way and said so, never dropped silently.
    """
    if population is not None:
        frame, notes = rate_cells(
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
    else:
        with loaded(events, None, groups, date=date, recode=recode, backend=backend) as inputs:
            frame = agg.collect(
                agg.event_counts(inputs.events, groups, where=where, period=period, date=date)
            )
        if groups:
            null_key = frame[groups].isna().any(axis=1)
            frame.attrs["missing_group"] = int(frame.loc[null_key, "events"].sum())
            frame = frame.loc[~null_key].reset_index(drop=True)
        if frame.empty:
            raise StatsInputError("No events to count: the data (after any filter) is empty.")
        notes = missing_group_note(frame, groups, disclosure)
    frame["period"] = pd.to_datetime(frame["period"]).dt.to_period(PERIOD_FREQ[period])
    return frame, notes
