"""Complaints navigator URLs (inside a case)."""

from typing import Any

urlpatterns: list[Any] = []
