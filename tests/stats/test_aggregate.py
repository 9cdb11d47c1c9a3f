"""Counting, summing and joining in the engine (DuckDB here; other engines in test_engines)."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.stats.aggregate import (
    collect,
    event_counts,
    population_table,
    proportion_table,
    rate_table,
    recode,
    reuse_counts,
    stage_table,
    with_period,
)
from accord.stats.errors import StatsInputError
from accord.stats.inputs import open_duckdb, read, read_all
from tests.duckdb_queries import count_queries
from tests.stats._data import CENSUS_SUBSET, STOPS_SUBSET

RNG = np.random.default_rng(20240601)
N = 2_000
EVENTS = pd.DataFrame(
    {
        "area": RNG.choice(["North", "South", "East"], N, p=[0.5, 0.3, 0.2]),
        "eth": RNG.choice(["Black", "White", "Asian", None], N, p=[0.3, 0.5, 0.15, 0.05]),
        "outcome": RNG.choice(["Arrest", "None", "Caution", None], N, p=[0.2, 0.6, 0.1, 0.1]),
        "date": pd.Timestamp("2021-11-15") + pd.to_timedelta(RNG.integers(0, 500, N), unit="D"),
    }
)
POPULATION = pd.DataFrame(
    [
        {"area": area, "eth": eth, "population": int(pop)}
        for area in ["North", "South", "East", "West"]
        for eth, pop in zip(["Black", "White", "Asian"], RNG.integers(500, 5000, 3), strict=True)
    ]
)


_CON = open_duckdb()


def _events() -> ibis.Table:
    return read(EVENTS)


def test_event_counts_match_pandas() -> None:
    got = collect(event_counts(_events(), ["area", "eth"]))
    expected = EVENTS.groupby(["area", "eth"], dropna=False).size().rename("events").reset_index()
    expected = expected.sort_values(["area", "eth"], na_position="last").reset_index(drop=True)
    assert got["events"].dtype == np.int64
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


@pytest.mark.parametrize(
    "where",
    [
        {"outcome": "Arrest"},
        {"outcome": ["Arrest"]},
        ibis._.outcome == "Arrest",
        lambda t: t.outcome == "Arrest",
    ],
    ids=["mapping-value", "mapping-list", "deferred", "callable"],
)
def test_filters_in_every_form(where: object) -> None:
    got = collect(event_counts(_events(), "area", where=where))  # type: ignore[arg-type]
    expected = EVENTS.loc[EVENTS.outcome == "Arrest"].groupby("area").size()
    assert dict(zip(got.area, got.events, strict=True)) == expected.to_dict()


def test_filter_on_unknown_column_lists_columns() -> None:
    with pytest.raises(StatsInputError, match=r"Unknown column 'result'.*area, eth, outcome"):
        event_counts(_events(), "area", where={"result": "Arrest"})
    with pytest.raises(StatsInputError, match="Available columns: area, eth, outcome, date"):
        event_counts(_events(), "area", where=ibis._.result == "Arrest")
    with pytest.raises(StatsInputError, match="Unknown column 'borough'"):
        event_counts(_events(), ["borough"])


@pytest.mark.parametrize(("period", "freq"), [("month", "M"), ("quarter", "Q"), ("year", "Y")])
def test_period_buckets_match_pandas_periods(period: str, freq: str) -> None:
    got = collect(event_counts(_events(), [], period=period, date="date"))  # type: ignore[arg-type]
    starts = EVENTS["date"].dt.to_period(freq).dt.start_time
    expected = starts.value_counts().sort_index()
    assert got["period"].tolist() == list(expected.index)
    assert got["events"].tolist() == expected.tolist()


def test_period_needs_a_date_column_and_a_known_unit() -> None:
    with pytest.raises(StatsInputError, match="Name the date column"):
        event_counts(_events(), "area", period="month")
    with pytest.raises(StatsInputError, match="Unknown period 'week'"):
        with_period(_events(), "date", "week")  # type: ignore[arg-type]


def test_rate_table_joins_keeps_zero_cells_and_drops_missing_groups() -> None:
    events, population = read_all([EVENTS, POPULATION])
    frame = rate_table(events, population, ["area", "eth"])
    # Every population cell appears, including West which has no events at all.
    assert len(frame) == len(POPULATION)
    west = frame.loc[frame.area == "West"]
    assert (west.events == 0).all() and len(west) == 3
    merged = frame.merge(POPULATION, on=["area", "eth"], suffixes=("", "_expected"))
    assert (merged.population == merged.population_expected).all()
    known = EVENTS.dropna(subset=["eth"]).groupby(["area", "eth"]).size()
    for (area, eth), count in known.items():
        assert frame.set_index(["area", "eth"]).loc[(area, eth), "events"] == count
    assert frame.attrs["missing_group"] == EVENTS.eth.isna().sum()
    assert frame.events.dtype == np.int64 and frame.population.dtype == np.int64


def test_rate_table_by_period_crosses_population_with_every_period() -> None:
    events, population = read_all([EVENTS, POPULATION])
    frame = rate_table(events, population, ["eth"], period="quarter", date="date")
    n_quarters = EVENTS.date.dt.to_period("Q").nunique()
    assert len(frame) == 3 * n_quarters
    per_group = POPULATION.groupby("eth").population.sum()
    for eth, pop in per_group.items():
        assert (frame.loc[frame.eth == eth, "population"] == pop).all()
    assert frame.events.sum() == EVENTS.eth.notna().sum()


def test_population_missing_for_a_group_is_named() -> None:
    events, population = read_all([EVENTS, POPULATION.loc[POPULATION.area != "South"]])
    with pytest.raises(StatsInputError) as error:
        rate_table(events, population, ["area", "eth"])
    message = str(error.value)
    assert "Population missing for 3 group(s)" in message
    assert "area=South, eth=Asian" in message and "area=South, eth=White" in message
    dropped = rate_table(events, population, ["area", "eth"], unmatched="drop")
    assert "South" not in set(dropped.area)
    assert dropped.attrs["unmatched"] == ((EVENTS.area == "South") & EVENTS.eth.notna()).sum()


def test_empty_after_filter_is_an_error() -> None:
    events, population = read_all([EVENTS, POPULATION])
    with pytest.raises(StatsInputError, match="No events to count"):
        rate_table(events, population, ["eth"], where={"outcome": "Nothing like this"})


def test_population_table_unpivots_wide_census_and_renames() -> None:
    table = population_table(
        read(CENSUS_SUBSET),
        ["la_code", "eth"],
        wide=["Asian", "Black", "Mixed", "Other", "White"],
        wide_name="eth",
        rename={"la_code": "LAD_code"},
    )
    got = collect(table)
    raw = pd.read_csv(CENSUS_SUBSET)
    assert len(got) == 5 * len(raw)
    brent = got.loc[got.la_code == "E09000005"].set_index("eth").population
    assert brent.to_dict() == raw.loc[raw.LAD_code == "E09000005"].iloc[0, 2:].to_dict()


def test_collect_refuses_fractional_population() -> None:
    table = read(pd.DataFrame({"g": ["a", "b"], "population": [10.0, 2.5]}))
    with pytest.raises(StatsInputError, match=r"(?s)whole numbers.*\nb\s+2\.5"):
        collect(table)


def test_proportion_table_counts_null_outcome_as_not_a_success() -> None:
    frame = proportion_table(_events(), "eth", {"outcome": "Arrest"})
    known = EVENTS.dropna(subset=["eth"])
    expected_trials = known.groupby("eth").size()
    expected_successes = known.assign(hit=known.outcome == "Arrest").groupby("eth").hit.sum()
    assert dict(zip(frame.eth, frame.trials, strict=True)) == expected_trials.to_dict()
    assert dict(zip(frame.eth, frame.successes, strict=True)) == expected_successes.to_dict()
    assert frame.attrs["missing_group"] == EVENTS.eth.isna().sum()


def test_stage_table_with_population_first() -> None:
    by_group = POPULATION.groupby("eth").population.sum().reset_index()
    events, population = read_all([EVENTS, by_group])
    frame = stage_table(
        events,
        "eth",
        [("searches", None), ("arrests", {"outcome": "Arrest"})],
        population=population,
    )
    assert list(frame.columns) == ["eth", "population", "searches", "arrests"]
    known = EVENTS.dropna(subset=["eth"])
    searches = known.groupby("eth").size()
    assert dict(zip(frame.eth, frame.searches, strict=True)) == searches.to_dict()
    arrests = known.loc[known.outcome == "Arrest"].groupby("eth").size()
    assert dict(zip(frame.eth, frame.arrests, strict=True)) == arrests.to_dict()


def test_recode_maps_values_in_the_engine() -> None:
    table = recode(_events(), {"eth": {"Black": "B", "White": "W"}})
    got = collect(event_counts(table, "eth")).dropna()
    assert set(got.eth) == {"B", "W", "Asian"}


def test_recode_gives_missing_values_a_name_when_asked() -> None:
    table = recode(_events(), {"eth": {None: "Not recorded", "Asian": "Not recorded"}})
    got = collect(event_counts(table, "eth")).set_index("eth")["events"].to_dict()
    raw = EVENTS["eth"]
    assert got["Not recorded"] == int(raw.isna().sum() + (raw == "Asian").sum())
    assert sum(got.values()) == len(EVENTS)  # no row without a value left
    assert None not in got and not any(pd.isna(key) for key in got)


def test_real_subset_counts_by_borough_and_month() -> None:
    stops = read(STOPS_SUBSET)
    got = collect(event_counts(stops, ["la_name"], period="month", date="date"))
    raw = pd.read_csv(STOPS_SUBSET, usecols=["la_name", "date"], parse_dates=["date"])
    expected = raw.groupby(["la_name", raw.date.dt.to_period("M").dt.start_time]).size()
    assert got.set_index(["la_name", "period"]).events.to_dict() == expected.to_dict()


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.sampled_from(["x", "y"]),
            st.dates(dt.date(2020, 1, 1), dt.date(2022, 12, 31)),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_counts_by_month_equal_a_python_count(rows: list[tuple[str, str, dt.date]]) -> None:
    frame = pd.DataFrame(rows, columns=["g", "h", "date"])
    got = collect(event_counts(read(frame, backend=_CON), ["g", "h"], period="month", date="date"))
    expected: dict[tuple[str, str, pd.Timestamp], int] = {}
    for g, h, day in rows:
        key = (g, h, pd.Timestamp(day.replace(day=1)))
        expected[key] = expected.get(key, 0) + 1
    assert got.set_index(["g", "h", "period"]).events.to_dict() == expected


def test_reuse_counts_runs_a_query_once_within_its_block_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran = count_queries(monkeypatch)
    stops = read(pd.DataFrame({"group": ["a", "a", "b"], "outcome": ["x", "y", "x"]}))
    with reuse_counts():
        first = collect(event_counts(stops, ["group"]))
        first.loc[0, "events"] = 99  # a caller's change does not reach the next answer
        again = collect(event_counts(stops, ["group"]))
        only_x = collect(event_counts(stops, ["group"], where={"outcome": "x"}))
    assert len(ran) == 2  # the same query once, the filtered one once
    assert again["events"].tolist() == [2, 1]
    assert only_x["events"].tolist() == [1, 1]
    collect(event_counts(stops, ["group"]))
    collect(event_counts(stops, ["group"]))
    assert len(ran) == 4  # outside the block, every query runs
