"""Edit conflicts: a form that notices the record changed after the page was opened.

Two authors may have the same assessment or commitment open. Without a check, the one who
saves second silently wipes out the first one's work. Each form page carries a fingerprint
of the values it showed; if the record's values differ when the form comes back, nothing is
saved, the person's own text stays in the form, and they are told what happened. Saving
again (the form now carries the new fingerprint) is a deliberate choice to replace the
other changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import Model
from django.http import QueryDict

CONFLICT = (
    "Someone else saved changes here after you opened this page, so your changes are not "
    "saved yet. They are still in the form below. To see the other changes, open this page "
    "again in a new tab and copy across what you need. To replace them with yours, save again."
)


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: records by their key, lists in a steady order."""
    if isinstance(value, Model):
        return f"{value._meta.label}:{value.pk}"
    if isinstance(value, list | tuple | set):
        return sorted(str(_plain(item)) for item in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def fingerprint(values: Mapping[str, Any]) -> str:
    """A short digest of the values a form was opened with."""
    text = json.dumps({k: _plain(v) for k, v in values.items()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class NoticesConflicts(forms.Form):
    """Mix in before ``forms.Form``; pass the record's current values as ``initial``.

    ``seen`` is absent from ``cleaned_data``: the services never need it.
    """

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = fingerprint({k: v for k, v in self.initial.items() if k != "seen"})
        self.fields["seen"].initial = self.current

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen = data.pop("seen", "")
        if seen and seen != self.current:
            self._carry_current()
            raise forms.ValidationError(CONFLICT, code="conflict")
        return data

    def _carry_current(self) -> None:
        """Show the form again with the new fingerprint, so saving again replaces theirs."""
        fresh: Any = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        fresh[self.add_prefix("seen")] = self.current
        self.data = fresh
