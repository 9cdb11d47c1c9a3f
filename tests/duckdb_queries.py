"""Counting the queries Accord's DuckDB backend runs, for tests of work not done twice."""

from __future__ import annotations

from typing import Any

import pytest

from accord.stats.duckdb_backend import RememberingDuckDB


def count_queries(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every expression run from now on (until the test ends) is appended to the list."""
    ran: list[object] = []
    original = RememberingDuckDB.execute

    def execute(self: RememberingDuckDB, expr: Any, /, **kwargs: Any) -> Any:
        ran.append(expr)
        return original(self, expr, **kwargs)

    monkeypatch.setattr(RememberingDuckDB, "execute", execute)
    return ran
