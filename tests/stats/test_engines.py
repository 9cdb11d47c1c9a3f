"""The same aggregation expressions give the same answers on DuckDB, PySpark and PostgreSQL.

PostgreSQL: ``DATABASE_URL`` when it is a postgres URL, else the local test server
(``postgresql://postgres@127.0.0.1:5432/test``). If it cannot be reached the tests
fail, unless ``ACCORD_NO_POSTGRES=1`` says to skip them.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Iterator

import ibis
import pandas as pd
import pytest
from ibis.backends import BaseBackend

from accord.stats import api
from accord.stats.aggregate import (
    collect,
    event_counts,
    population_table,
    proportion_counts,
    rate_table,
    stage_counts,
)
from accord.stats.inputs import open_duckdb, read
from tests.stats._data import CENSUS_SUBSET, STOPS_SUBSET, SUBSET_CODES

GROUPS = ["Asian", "Black", "Mixed", "Other", "White"]
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else LOCAL_POSTGRES


@pytest.fixture(scope="module")
def duckdb_backend() -> BaseBackend:
    return open_duckdb([STOPS_SUBSET, CENSUS_SUBSET])


@pytest.fixture(scope="module")
def spark_backend() -> Iterator[BaseBackend]:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("accord-test-engines")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    # py4j logs at INFO when its connections are garbage-collected after pytest has
    # closed its capture streams; keep that noise out of the run.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    yield ibis.pyspark.connect(session)
    session.stop()


@pytest.fixture(scope="module")
def postgres_backend() -> Iterator[BaseBackend]:
    url = _postgres_url()
    try:
        backend = ibis.connect(url.replace("postgresql://", "postgres://", 1))
    except Exception as error:  # any driver error means "not reachable"
        if os.environ.get("ACCORD_NO_POSTGRES") == "1":
            pytest.skip(f"PostgreSQL not reachable at {url} and ACCORD_NO_POSTGRES=1: {error}")
        pytest.fail(
            f"PostgreSQL is not reachable at {url} ({error}). Start it, point DATABASE_URL "
            "at one, or set ACCORD_NO_POSTGRES=1 to skip these tests.",
            pytrace=False,
        )
    yield backend
    backend.disconnect()


class _Tables:
    """The test data loaded on one backend, under unique names dropped afterwards."""

    def __init__(self, backend: BaseBackend) -> None:
        self.backend = backend
        self.names: list[str] = []
        self.stops = self._load(STOPS_SUBSET)
        self.census = self._load(CENSUS_SUBSET)

    def _load(self, path: object) -> ibis.Table:
        name = f"accord_test_{secrets.token_hex(4)}"
        self.names.append(name)
        return read(path, backend=self.backend, name=name)  # type: ignore[arg-type]

    def drop(self) -> None:
        for name in self.names:
            if self.backend.name == "pyspark":
                self.backend._session.catalog.dropTempView(name)  # type: ignore[attr-defined]
            elif self.backend.name == "postgres":
                # ibis 12's drop_table loses the name with this sqlglot; the name is ours.
                self.backend.raw_sql(f'DROP TABLE IF EXISTS "{name}"')  # type: ignore[attr-defined]


def _loaded(backend: BaseBackend) -> Iterator[_Tables]:
    tables = _Tables(backend)
    yield tables
    tables.drop()


@pytest.fixture(scope="module")
def on_duckdb(duckdb_backend: BaseBackend) -> Iterator[_Tables]:
    yield from _loaded(duckdb_backend)


@pytest.fixture(scope="module")
def on_spark(spark_backend: BaseBackend) -> Iterator[_Tables]:
    yield from _loaded(spark_backend)


@pytest.fixture(scope="module")
def on_postgres(postgres_backend: BaseBackend) -> Iterator[_Tables]:
    yield from _loaded(postgres_backend)


def _census(tables: _Tables) -> ibis.Table:
    return population_table(
        tables.census,
        ["la_code", "officer_defined_ethnicity"],
        wide=GROUPS,
        wide_name="officer_defined_ethnicity",
        rename={"la_code": "LAD_code"},
    )


Query = Callable[[_Tables], pd.DataFrame]


def _before_after(tables: _Tables) -> pd.DataFrame:
    """Monthly counts per set, and the ratio and its interval made from them."""
    result = api.before_after(
        tables.stops,
        None,
        area="la_code",
        treated=["E09000027"],
        start="2022-05",
        date="date",
        backend=tables.backend,
        disclosure=None,
    )
    effect = result.effect.iloc[0]
    return result.series.assign(
        ratio=effect["estimate"], lower=effect["lower"], upper=effect["upper"]
    )


def _gap_before_after(tables: _Tables) -> pd.DataFrame:
    """Monthly counts of both groups per set, and the ratio and its interval made from them."""
    result = api.gap_before_after(
        tables.stops,
        api.Population(
            tables.census,
            wide=GROUPS,
            names_to="officer_defined_ethnicity",
            columns={"la_code": "LAD_code"},
            where={"LAD_code": list(SUBSET_CODES)},
        ),
        area="la_code",
        group="officer_defined_ethnicity",
        focus="Black",
        reference="White",
        treated=["E09000027"],
        start="2022-05",
        date="date",
        backend=tables.backend,
        disclosure=None,
        unmatched="drop",
    )
    effect = result.effect.iloc[0]
    return result.series.assign(
        effect=effect["estimate"], lower=effect["lower"], upper=effect["upper"]
    )


QUERIES: dict[str, Query] = {
    "counts-by-borough-ethnicity": lambda t: collect(
        event_counts(t.stops, ["la_code", "officer_defined_ethnicity"])
    ),
    "counts-filtered": lambda t: collect(
        event_counts(
            t.stops, ["gender", "age_range"], where={"outcome": ["Arrest", "Community resolution"]}
        )
    ),
    "counts-deferred-filter": lambda t: collect(
        event_counts(t.stops, "la_name", where=ibis._.involved_person == True)  # noqa: E712
    ),
    "monthly": lambda t: collect(event_counts(t.stops, ["la_name"], period="month", date="date")),
    "quarterly": lambda t: collect(event_counts(t.stops, [], period="quarter", date="date")),
    "yearly": lambda t: collect(
        event_counts(t.stops, ["officer_defined_ethnicity"], period="year", date="date")
    ),
    "population-unpivot": lambda t: collect(_census(t)),
    "rates-join": lambda t: rate_table(
        t.stops, _census(t), ["la_code", "officer_defined_ethnicity"], unmatched="error"
    ),
    "rates-join-by-quarter": lambda t: rate_table(
        t.stops, _census(t), ["officer_defined_ethnicity"], period="quarter", date="date"
    ),
    "proportions": lambda t: collect(
        proportion_counts(t.stops, ["officer_defined_ethnicity"], {"outcome": "Arrest"})
    ),
    "stages": lambda t: collect(
        stage_counts(
            t.stops,
            ["la_code"],
            [("searches", None), ("arrests", {"outcome": "Arrest"})],
        ),
        counts=["searches", "arrests"],
    ),
    "api-before-after": _before_after,
    "api-gap-before-after": _gap_before_after,
    "api-ratios": lambda t: api.ratios(
        t.stops,
        api.Population(
            t.census,
            wide=GROUPS,
            names_to="officer_defined_ethnicity",
            columns={"la_code": "LAD_code"},
            where={"LAD_code": list(SUBSET_CODES)},
        ),
        group="officer_defined_ethnicity",
        by="la_code",
        backend=t.backend,
    ),
}


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out.reset_index(drop=True)


def _check_same(reference: pd.DataFrame, other: pd.DataFrame) -> None:
    # DuckDB is the reference; test_aggregate checks it against pandas.
    assert len(reference) > 0
    pd.testing.assert_frame_equal(
        _normalise(reference), _normalise(other), check_dtype=False, check_exact=False
    )


@pytest.mark.spark
@pytest.mark.parametrize("query", list(QUERIES), ids=list(QUERIES))
def test_pyspark_gives_the_same(query: str, on_duckdb: _Tables, on_spark: _Tables) -> None:
    _check_same(QUERIES[query](on_duckdb), QUERIES[query](on_spark))


@pytest.mark.parametrize("query", list(QUERIES), ids=list(QUERIES))
def test_postgres_gives_the_same(query: str, on_duckdb: _Tables, on_postgres: _Tables) -> None:
    _check_same(QUERIES[query](on_duckdb), QUERIES[query](on_postgres))
