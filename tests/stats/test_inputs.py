"""Reading sources into ibis tables, and the hardened DuckDB connection."""

from __future__ import annotations

import doctest
import gzip
import importlib
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.stats.errors import StatsInputError
from accord.stats.inputs import open_duckdb, read, read_all, require_columns
from tests.stats._data import CENSUS_SUBSET, STOPS_SUBSET

FRAME = pd.DataFrame({"group": ["a", "b", "b"], "events": [1, 2, 3]})


def _sum_by_group(table: ibis.Table) -> dict[str, int]:
    result = table.group_by("group").aggregate(total=table.events.sum()).execute()
    return dict(zip(result["group"], result["total"].astype(int), strict=True))


@pytest.mark.parametrize(
    "source",
    [
        FRAME,
        pa.Table.from_pandas(FRAME),
        pl.from_pandas(FRAME),
        ibis.memtable(FRAME),
    ],
    ids=["pandas", "arrow", "polars", "ibis-memtable"],
)
def test_in_memory_sources_read_the_same(source: object) -> None:
    assert _sum_by_group(read(source)) == {"a": 1, "b": 5}  # type: ignore[arg-type]


def test_csv_gz_parquet_tsv_and_parquet_directory(tmp_path: Path) -> None:
    FRAME.to_csv(tmp_path / "t.csv", index=False)
    with gzip.open(tmp_path / "t.csv.gz", "wt") as handle:
        FRAME.to_csv(handle, index=False)
    FRAME.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    pq.write_table(pa.Table.from_pandas(FRAME), tmp_path / "t.parquet")
    (tmp_path / "parts").mkdir()
    pq.write_table(pa.Table.from_pandas(FRAME.iloc[:1]), tmp_path / "parts" / "a.parquet")
    pq.write_table(pa.Table.from_pandas(FRAME.iloc[1:]), tmp_path / "parts" / "b.parquet")
    for name in ["t.csv", "t.csv.gz", "t.tsv", "t.parquet", "parts"]:
        assert _sum_by_group(read(tmp_path / name)) == {"a": 1, "b": 5}, name


def test_real_subset_reads_with_types() -> None:
    table = read(STOPS_SUBSET)
    assert table.count().execute() == 1970 + 948 + 1508
    assert table.schema()["date"].is_date()
    assert "officer_defined_ethnicity" in table.columns


def test_ibis_table_stays_on_its_backend() -> None:
    con = open_duckdb()
    table = read(FRAME, backend=con)
    assert read(table) is table
    assert read(table, backend=con) is table
    other = read(table, backend=open_duckdb())
    assert other is not table
    assert _sum_by_group(other) == {"a": 1, "b": 5}


def test_read_all_puts_files_and_frames_on_one_backend() -> None:
    stops, frame, nothing = read_all([STOPS_SUBSET, FRAME, None])
    assert nothing is None
    assert stops is not None and frame is not None
    assert stops._find_backend() is frame._find_backend()


def test_hardened_duckdb_reads_only_the_given_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("x\n1\n")
    table = read(CENSUS_SUBSET)
    assert table.count().execute() == 33
    raw = table._find_backend().con
    refused = [
        f"SELECT * FROM read_csv('{secret}')",  # noqa: S608 - the attack under test
        f"SELECT * FROM read_csv('{tmp_path}/*.csv')",  # noqa: S608
        f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
        f"ATTACH '{tmp_path / 'other.db'}'",
        "INSTALL httpfs",
        "SET enable_external_access = true",
        "SET allowed_paths = ['/']",
    ]
    for statement in refused:
        with pytest.raises((duckdb.PermissionException, duckdb.InvalidInputException)):
            raw.execute(statement)
    assert not (tmp_path / "out.csv").exists()


def test_hardened_duckdb_settings() -> None:
    raw = open_duckdb(threads=1, memory_limit="512MB").con
    settings = dict(
        raw.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ("
            "'enable_external_access', 'autoinstall_known_extensions', "
            "'autoload_known_extensions', 'allow_community_extensions', "
            "'lock_configuration', 'threads')"
        ).fetchall()
    )
    assert settings == {
        "enable_external_access": "false",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
        "allow_community_extensions": "false",
        "lock_configuration": "true",
        "threads": "1",
    }


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("/no/such/file.csv", "File not found: /no/such/file.csv"),
        (__file__, "must end with one of"),
        (42, "Cannot read a int"),
    ],
)
def test_bad_sources_are_named(source: object, message: str) -> None:
    with pytest.raises(StatsInputError, match=message):
        read(source)  # type: ignore[arg-type]


def test_empty_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StatsInputError, match=r"holds no \.parquet files"):
        read(tmp_path)


def test_require_columns_names_missing_and_lists_available() -> None:
    table = read(FRAME)
    require_columns(table, ["group", "events"])
    with pytest.raises(StatsInputError) as error:
        require_columns(table, ["group", "ethnicity", "borough"], what="events")
    assert str(error.value) == (
        "Unknown columns 'ethnicity', 'borough' in the events. Available columns: group, events."
    )


@pytest.mark.parametrize(
    "name",
    [
        "accord.stats.inputs",
        "accord.stats.sessions",
        "accord.stats.aggregate",
        "accord.stats.suppression",
        "accord.stats.api",
        "accord.stats.api.loading",
        "accord.stats.cli",
    ],
)
def test_data_layer_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False)
    assert result.failed == 0
    if name != "accord.stats.cli":
        assert result.attempted > 0, f"{name} has no examples"
