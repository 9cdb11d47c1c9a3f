"""Forms for bringing data in."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.datasets.generic import shared_columns
from accord.datasets.models import Kind

UPLOAD_KINDS = [
    (Kind.STOP_AND_SEARCH.value, "Stop and search records from police.uk"),
    (Kind.STREET_CRIME.value, "Street-level crime from police.uk"),
    (Kind.OUTCOMES.value, "Crime outcomes from police.uk"),
    (Kind.POPULATION.value, "Census 2021 population by ethnic group (ONS)"),
    (
        Kind.TRAINING.value,
        "Officer training coverage by borough (one row per borough, course and period)",
    ),
    (Kind.GENERIC.value, "Another table (you will say which column is which)"),
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="CSV (.csv or .csv.gz), a .zip of police.uk monthly CSV files, Excel (.xlsx) "
        "or Parquet.",
    )
    kind = forms.ChoiceField(
        label="What is in the file?", choices=UPLOAD_KINDS, widget=forms.RadioSelect
    )
    name = forms.CharField(
        label="Name for this dataset",
        max_length=200,
        help_text="For example: Metropolitan Police stop and search, 2022.",
    )


class MappingForm(forms.Form):
    """Which column of a generic table plays which part."""

    ROLES = (
        ("group", "Group (for example ethnicity)", True),
        ("area", "Area (local authority code or name, or LSOA)", False),
        ("date", "Date", False),
        ("outcome", "Outcome", False),
    )

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Not in this file"), *[(c, c) for c in columns]]
        for role, label, required in self.ROLES:
            self.fields[role] = forms.ChoiceField(label=label, choices=choices, required=required)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for message in shared_columns({role: cleaned.get(role, "") for role, _, _ in self.ROLES}):
            self.add_error(None, message)
        return cleaned

    def mapping(self) -> dict[str, str]:
        return {role: column for role, column in self.cleaned_data.items() if column}
