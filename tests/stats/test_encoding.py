"""Large in-memory tables reach DuckDB with their grouping text dictionary-encoded.

The encoding is a speed-up only (see ``accord.stats.encoding``): these tests pin that it
happens for the columns grouped by, and that every result is the one the plain table
gives, nulls, several chunks and pieces included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from accord.stats import api, encoding
from accord.stats.encoding import MIN_ROWS, PIECE_ROWS, encode_keys
from accord.stats.sessions import reading

GROUPS = np.array(["Asian", "Black", "Mixed", "Other", "White"], dtype=object)
OUTCOMES = np.array(["Arrest", "A no further action disposal", "Community resolution"])


def _events(rows: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    group = GROUPS[rng.integers(0, len(GROUPS), rows)]
    group[rng.random(rows) < 0.02] = None  # "not stated" rows are left out and counted
    borough = np.array([f"E0900{k:04d}" for k in range(33)])[rng.integers(0, 33, rows)]
    return pa.table(
        {
            "eth": pa.array(group, pa.large_string()),
            "la_code": pa.array(borough, pa.string()),
            "outcome": pa.array(OUTCOMES[rng.integers(0, 3, rows)]),
            "age": pa.array(rng.integers(10, 80, rows)),
        }
    )


def _chunked(table: pa.Table, rows: int) -> pa.Table:
    return pa.Table.from_batches(table.to_batches(max_chunksize=rows))


def test_keys_are_encoded_and_values_kept() -> None:
    table = _chunked(_events(MIN_ROWS + 5), PIECE_ROWS + 3)  # pieces cut across chunks
    encoded = encode_keys(table, ["eth", "la_code", "age", "absent", "eth"])
    assert pa.types.is_dictionary(encoded.schema.field("eth").type)
    assert pa.types.is_dictionary(encoded.schema.field("la_code").type)
    assert encoded.schema.field("eth").type.value_type == pa.large_string()
    assert encoded.schema.field("outcome").type == pa.string()  # not a key
    assert encoded.schema.field("age").type == pa.int64()  # not text
    assert encoded.column_names == table.column_names
    for name in ("eth", "la_code"):
        assert encoded[name].cast(table[name].type).equals(table[name])
        assert encoded[name].null_count == table[name].null_count


def test_small_tables_are_left_alone() -> None:
    table = _events(MIN_ROWS - 1)
    assert encode_keys(table, ["eth"]) is table


def test_the_engine_receives_the_encoded_column(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[pa.DataType] = []
    real = encoding.encode_keys

    def spy(table: pa.Table, keys: list[str]) -> pa.Table:
        result = real(table, keys)
        seen.append(result.schema.field("eth").type)
        return result

    monkeypatch.setattr("accord.stats.sessions.encode_keys", spy)
    with reading([_events(MIN_ROWS)], keys=["eth"]) as (table,):
        assert table is not None
        assert int(table.count().execute()) == MIN_ROWS
    assert len(seen) == 1 and pa.types.is_dictionary(seen[0])


@pytest.mark.parametrize("as_pandas", [False, True])
def test_results_equal_the_plain_tables(as_pandas: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _chunked(_events(MIN_ROWS + 1000), 300_000)
    source = table.to_pandas() if as_pandas else table

    def both() -> list[pd.DataFrame]:
        return [
            api.proportions(
                source,
                success={"outcome": "Arrest"},
                group="eth",
                by="la_code",
                compare="ratio",
                reference="White",
            ),
            api.proportions(source, success={"outcome": "Arrest"}, group="eth"),
        ]

    encoded = both()
    monkeypatch.setattr("accord.stats.sessions.encode_keys", lambda table, keys: table)
    plain = both()
    for mine, theirs in zip(encoded, plain, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
        assert mine.attrs == theirs.attrs
    assert "left out" in " ".join(encoded[1].attrs["notes"])  # the null groups were counted
