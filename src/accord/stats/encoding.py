"""Dictionary-encoding the text columns an in-memory table is grouped by.

A Parquet file's text columns reach DuckDB dictionary-encoded, so it groups them by small
integer codes. The same columns from a data frame arrive as plain strings, and DuckDB then
hashes every row's text: for five million searches grouped by ethnicity that is about two
thirds of the whole query. Arrow encodes a column for about 10 ns a row, and the pieces of
a column can be encoded on every core at once, which costs less than it saves. So before
a large in-memory table is handed to the engine, the columns the call groups by are
encoded here; nothing else about the data changes (values, nulls and order are kept).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["MIN_ROWS", "encode_keys"]

#: Rows per piece encoded on one thread.
PIECE_ROWS = 1 << 18
#: Tables smaller than this are left as they are: the engine's hashing is cheap there.
MIN_ROWS = 4 * PIECE_ROWS

_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(
            max_workers=max(os.cpu_count() or 1, 1), thread_name_prefix="accord-encode"
        )
    return _POOL


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _pieces(column: pa.ChunkedArray) -> list[pa.Array]:
    pieces: list[pa.Array] = []
    for chunk in column.chunks:
        for start in range(0, len(chunk), PIECE_ROWS):
            pieces.append(chunk.slice(start, PIECE_ROWS))
    return pieces


def encode_keys(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """``table`` with its plain-text ``keys`` columns dictionary-encoded.

    Columns that are missing, not text, or already encoded are left alone, and so is a
    table under :data:`MIN_ROWS` rows. Each piece of a column keeps its own dictionary
    (Arrow allows that; DuckDB reads it as one column).

    Example:
        >>> table = pa.table({"group": ["a", "b"] * MIN_ROWS, "n": [1, 2] * MIN_ROWS})
        >>> encode_keys(table, ["group", "n", "absent"]).schema.types[:2]
        [DictionaryType(dictionary<values=string, indices=int32, ordered=0>), DataType(int64)]
    """
    if table.num_rows < MIN_ROWS:
        return table
    names = [
        name
        for name in dict.fromkeys(keys)
        if name in table.column_names and _is_text(table.schema.field(name).type)
    ]
    if not names:
        return table
    jobs = [(name, piece) for name in names for piece in _pieces(table[name])]
    encoded = list(_pool().map(lambda job: pc.dictionary_encode(job[1]), jobs))
    for name in names:
        chunks = [array for (owner, _), array in zip(jobs, encoded, strict=True) if owner == name]
        field = table.schema.field(name)
        position = table.schema.get_field_index(name)
        column = pa.chunked_array(chunks, type=pa.dictionary(pa.int32(), field.type))
        table = table.set_column(position, field.with_type(column.type), column)
    return table
