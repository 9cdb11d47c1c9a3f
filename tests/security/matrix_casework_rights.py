"""Authorization matrix rows for casework rights pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.security.matrix import Expect

ROWS: dict[str, Expect] = {}
KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
