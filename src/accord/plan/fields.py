"""Form fields shared by the plan and assessment forms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model

if TYPE_CHECKING:  # generic only in the type stubs, not at run time
    _Records = forms.ModelMultipleChoiceField[Model]
else:
    _Records = forms.ModelMultipleChoiceField

#: The largest key the database can look up (a signed 64-bit integer).
LARGEST_KEY = 2**63 - 1


def _beyond_range(value: Any) -> bool:
    try:
        return abs(int(str(value))) > LARGEST_KEY
    except ValueError:
        return False


class RecordsField(_Records):
    """Tick boxes of records that refuse a number the database cannot look up.

    Django checks each ticked value by querying for it, and SQLite raises OverflowError for
    an integer beyond 64 bits, which ended as a server error. Such a value is simply not one
    of the boxes, so it gets the same message as any other value that is not on the list.
    """

    def clean(self, value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else ():
            if _beyond_range(item):
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item},
                )
        return super().clean(value)
