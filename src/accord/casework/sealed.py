"""Encrypted model attributes: ``narrative = SealedText()`` over a ``sealed_narrative`` column.

Why a descriptor and not a custom model field: decryption needs the case's key, which a
field's ``from_db_value`` cannot reach, and a field that quietly fails open is exactly the
bug SECURITY.md found in the off-the-shelf packages. Reading decrypts with the owning case's
key bound to the model, field and row (a token copied into another row does not decrypt);
writing encrypts at once, so plaintext never sits in a column, a queryset or a dump.
"""

from __future__ import annotations

import json
from typing import Any

from accord.casework.keys import open_sealed, seal


def _case_of(instance: Any) -> Any:
    return instance if instance._meta.model_name == "case" else instance.case


def _context(instance: Any, name: str) -> str:
    meta = instance._meta
    return f"{meta.app_label}.{meta.model_name}.{name}:{instance.uid}"


class SealedText:
    """A text attribute stored encrypted in ``sealed_<name>``; the empty string is stored as ''."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.column = f"sealed_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        token = getattr(instance, self.column)
        if not token:
            return ""
        return open_sealed(_case_of(instance), token, _context(instance, self.name))

    def __set__(self, instance: Any, value: str) -> None:
        text = "" if value is None else str(value)
        token = seal(_case_of(instance), text, _context(instance, self.name)) if text else ""
        setattr(instance, self.column, token)


class SealedJSON(SealedText):
    """A JSON object stored encrypted; reads give a dict (empty when nothing is stored)."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        text = super().__get__(instance, owner)
        return json.loads(text) if text else {}

    def __set__(self, instance: Any, value: Any) -> None:
        super().__set__(instance, json.dumps(value, sort_keys=True) if value else "")
