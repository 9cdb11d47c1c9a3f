"""Authorization matrix rows for the complaints navigator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ROWS: dict[str, Any] = {}
KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
