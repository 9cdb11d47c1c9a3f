"""Casework URLs for rights (see the module of the same area)."""

from typing import Any

urlpatterns: list[Any] = []
