"""Casework URLs for risk (see the module of the same area)."""

from typing import Any

urlpatterns: list[Any] = []
