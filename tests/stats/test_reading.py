"""Kept connections (``sessions.reading``) and what Accord's DuckDB backend remembers.

The high-level API reuses one hardened DuckDB per thread and set of files, its views
over unchanged files, and the SQL it compiled. These tests pin what must not change
for that speed: the allow-list stays exact, a changed file is read afresh, in-memory
tables do not outlive their call, threads and forked children never share a
connection, and results equal ibis's own.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ibis.backends.duckdb import Backend as IbisDuckDB

from accord.stats import aggregate as agg
from accord.stats import api, inputs, sessions
from accord.stats.inputs import open_duckdb
from accord.stats.sessions import reading

FRAME = pd.DataFrame({"group": ["a", "b", "b"], "events": [1, 2, 3]})
PEOPLE = pd.DataFrame({"group": ["a", "b"], "population": [10, 20]})


def _parquet(path: Path, frame: pd.DataFrame) -> Path:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return path


def _backend(table: ibis.Table | None) -> object:
    assert table is not None
    return table._find_backend()


def test_same_files_in_the_same_thread_reuse_the_connection_and_views(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "a.parquet", FRAME)
    with reading([path]) as (first,):
        pass
    with reading([path]) as (second,):
        assert second is first
        assert int(second.count().execute()) == 3
    other = _parquet(tmp_path / "b.parquet", FRAME)
    with reading([path, other]) as (third, _):
        assert _backend(third) is not _backend(first)


def test_the_api_opens_no_new_database_for_a_repeated_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _parquet(tmp_path / "events.parquet", FRAME)
    people = _parquet(tmp_path / "people.parquet", PEOPLE)
    first = api.rates(events, people, group="group", disclosure=None)
    opened: list[object] = []
    real = sessions.open_duckdb
    monkeypatch.setattr(sessions, "open_duckdb", lambda *a, **k: opened.append(a) or real(*a, **k))
    second = api.rates(events, people, group="group", disclosure=None)
    assert opened == []
    pd.testing.assert_frame_equal(first, second)


def test_a_kept_connection_still_reads_only_its_own_files(tmp_path: Path) -> None:
    allowed = _parquet(tmp_path / "allowed.parquet", FRAME)
    secret = _parquet(tmp_path / "secret.parquet", FRAME)
    for _ in range(2):  # a new connection, then the kept one
        with reading([allowed]) as (table,):
            raw = _backend(table).con  # type: ignore[attr-defined]
            with pytest.raises(duckdb.PermissionException):
                raw.execute(f"SELECT * FROM read_parquet('{secret}')")  # noqa: S608


def test_a_changed_file_is_read_afresh(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "events.parquet", FRAME)
    with reading([path]) as (before,):
        assert before is not None
        assert before.columns == ("group", "events")
    _parquet(path, FRAME.assign(extra=1, events=[5, 5, 5]))
    with reading([path]) as (after,):
        assert after is not None
        assert after.columns == ("group", "events", "extra")
        assert int(after.events.sum().execute()) == 15


def test_in_memory_sources_are_dropped_after_the_block() -> None:
    with reading([FRAME]) as (table,):
        assert table is not None
        name = table.get_name()
        raw = _backend(table).con  # type: ignore[attr-defined]
        assert raw.execute(f'SELECT count(*) FROM "{name}"').fetchall() == [(3,)]  # noqa: S608
    with pytest.raises(duckdb.CatalogException):
        raw.execute(f'SELECT count(*) FROM "{name}"').fetchall()  # noqa: S608


def test_threads_get_their_own_connection(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "a.parquet", FRAME)
    with reading([path]) as (mine,):
        pass
    seen: list[object] = []

    def other_thread() -> None:
        with reading([path]) as (theirs,):
            seen.append(_backend(theirs))

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert seen and seen[0] is not _backend(mine)


def test_a_forked_child_starts_with_no_kept_connection(tmp_path: Path) -> None:
    path = _parquet(tmp_path / "a.parquet", FRAME)
    kept_here = sessions._Sessions()  # a private set, so the process-wide one is untouched
    kept = kept_here.get([path])
    assert kept_here.get([path]) is kept
    kept_here.after_fork_in_child()  # what os.register_at_fork runs in a child
    assert kept_here.get([path]) is not kept


def test_the_same_join_is_built_and_compiled_once(tmp_path: Path) -> None:
    events = _parquet(tmp_path / "events.parquet", FRAME)
    people = _parquet(tmp_path / "people.parquet", PEOPLE)
    built = []
    for _ in range(2):
        with reading([events, people]) as (e, p):
            assert e is not None and p is not None
            joined = agg.join_population(
                agg.event_counts(e, ["group"]), agg.population_totals(p, ["group"]), ["group"]
            )
            built.append(joined)
    assert built[0] is built[1]
    backend = _backend(built[0])
    compiled, _ = backend.accord_memo  # type: ignore[attr-defined]
    assert backend.compile(built[0]) is backend.compile(built[1])  # type: ignore[attr-defined]
    assert len(compiled._items) == 1


def test_execute_matches_ibis_and_gives_integer_sums_as_int64() -> None:
    backend = open_duckdb()
    frame = pd.DataFrame(
        {
            "group": ["a", None, "b", "b"],
            "events": [1, 2, 3, 4],
            "date": pd.to_datetime(["2022-01-03"] * 4),
        }
    )
    table = inputs.read(frame, backend=backend)
    expr = table.group_by("group").aggregate(
        total=table.events.sum(), month=table.date.cast("date").truncate("M").max()
    )
    ours = expr.execute().sort_values("total").reset_index(drop=True)
    theirs = IbisDuckDB.execute(backend, expr).sort_values("total").reset_index(drop=True)
    assert str(ours["total"].dtype) == "int64"
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)
    assert ours.dtypes.drop("total").equals(theirs.dtypes.drop("total"))


def test_a_new_frame_of_the_same_columns_gives_its_own_result() -> None:
    # Frames are registered under reused names, so the query (and its compiled SQL) is
    # the same each time; the data must still be each call's own.
    first = api.tabulate(FRAME, by="group", disclosure=api.Disclosure(threshold=1))
    other = pd.DataFrame({"group": ["c", "c", "d"], "events": [0, 0, 0]})
    second = api.tabulate(other, by="group", disclosure=api.Disclosure(threshold=1))
    assert first.set_index("group").events.to_dict() == {"a": 1, "b": 2, "Total": 3}
    assert second.set_index("group").events.to_dict() == {"c": 2, "d": 1, "Total": 3}


def test_frames_in_nested_blocks_do_not_share_a_name() -> None:
    with reading([FRAME]) as (outer,), reading([FRAME.assign(events=9)]) as (inner,):
        assert outer is not None and inner is not None
        assert outer.get_name() != inner.get_name()
        assert int(outer.events.sum().execute()) == 6
        assert int(inner.events.sum().execute()) == 27
