"""The DuckDB backend Accord opens: ibis's, remembering the queries it compiled.

Compiling an ibis expression to SQL takes a few milliseconds, a noticeable share of a
query over a few million rows that DuckDB answers in tens of milliseconds. The same call
on the same files builds the same expression, so :class:`RememberingDuckDB` keeps the SQL
of the last few expressions it compiled, and :func:`remembered` keeps queries with joins
(which ibis would otherwise build afresh, with new identities, every time). Results are
converted to pandas as ibis does, a little more directly for text and integer sums.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from ibis.backends.duckdb import Backend as DuckDBBackend
from ibis.common.exceptions import IbisError

__all__ = ["RememberingDuckDB", "remembered"]

#: Queries (built and compiled) each DuckDB backend opened here remembers; the least
#: recently used go first.
_REMEMBERED_PER_BACKEND = 64


class _Memo:
    """A small least-recently-used map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = self._items[key] = make()
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return value


class RememberingDuckDB(DuckDBBackend):  # type: ignore[misc]  # ibis's backend is untyped
    """ibis's DuckDB backend, remembering the SQL it compiled for each expression.

    An ibis expression is an immutable tree compared by value, so the same expression
    always compiles to the same SQL: building the same query again (the same call on the
    same files) finds it here instead of running the compiler. See :func:`remembered`
    for queries with joins.
    """

    @property
    def accord_memo(self) -> tuple[_Memo, _Memo]:
        """(compiled SQL by expression, expressions built by :func:`remembered`)."""
        memo: tuple[_Memo, _Memo] | None = self.__dict__.get("_accord_memo")
        if memo is None:
            memo = self.__dict__["_accord_memo"] = (
                _Memo(_REMEMBERED_PER_BACKEND),
                _Memo(_REMEMBERED_PER_BACKEND),
            )
        return memo

    def compile(
        self,
        expr: ir.Expr,
        /,
        *,
        limit: int | str | None = None,
        params: Mapping[ir.Expr, Any] | None = None,
        pretty: bool = False,
    ) -> str:
        def run() -> str:
            return str(
                super(RememberingDuckDB, self).compile(
                    expr, limit=limit, params=params, pretty=pretty
                )
            )

        if params or pretty:
            return run()
        compiled, _ = self.accord_memo
        # "default" (what ``execute`` passes) means the row limit set in ibis's options.
        default = ibis.options.sql.default_limit if limit == "default" else None
        sql: str = compiled.get((expr.op(), limit, default), run)
        return sql

    def execute(
        self,
        expr: ir.Expr,
        /,
        *,
        params: Mapping[ir.Scalar, Any] | None = None,
        limit: int | str | None = None,
        **kwargs: Any,
    ) -> Any:
        """As ibis's ``execute``, with two kinds of column converted more directly.

        ibis turns every column holding a null into Python objects first (slow for a
        few thousand rows), and DuckDB returns integer sums as 128-bit integers, which
        pyarrow gives as ``Decimal`` objects. Here text columns go straight to pandas
        (nulls and all) and whole-number 128-bit columns of an integer type become
        64-bit integers in Arrow (an overflow raises); the rest is ibis's own conversion.
        """
        from ibis.backends.duckdb.converter import DuckDBPandasData

        schema = expr.as_table().schema()
        table = self._to_duckdb_relation(expr, params=params, limit=limit, **kwargs)
        table = table.to_arrow_table()
        columns: dict[str, Any] = {}
        for name, column in zip(table.column_names, table.columns, strict=True):
            kind = column.type
            if pa.types.is_decimal(kind) and kind.scale == 0 and schema[name].is_integer():
                column = column.cast(pa.int64())
                kind = column.type
            simple = pa.types.is_string(kind) or pa.types.is_large_string(kind)
            if not simple and (
                pa.types.is_nested(kind) or pa.types.is_dictionary(kind) or column.null_count
            ):
                columns[name] = column.to_pylist()
            else:
                columns[name] = column.to_pandas()
        frame = DuckDBPandasData.convert_table(pd.DataFrame(columns), schema)
        if isinstance(expr, ir.Table):
            return frame  # ibis would convert the converted frame a second time
        return expr.__pandas_result__(frame)


def remembered(table: ir.Table, key: Hashable, build: Callable[[], ir.Table]) -> ir.Table:
    """``build()``, kept with ``table``'s backend when it is a DuckDB opened here.

    ibis gives every join a fresh identity when it is built, so two builds of the same
    query never compare equal and would each be compiled afresh. A query built from the
    same inputs (``key`` names them: their expressions and the other arguments) is taken
    from here instead, and its compiled SQL with it.
    """
    try:
        backend = table._find_backend(use_default=False)
    except IbisError:
        backend = None
    if not isinstance(backend, RememberingDuckDB):
        return build()
    _, built = backend.accord_memo
    result: ir.Table = built.get(key, build)
    return result
