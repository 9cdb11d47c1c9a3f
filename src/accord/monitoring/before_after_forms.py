"""The before-and-after form: which data, which boroughs, from when, and whose searches."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.monitoring.analysis import NOT_RECORDED_BY_OFFICERS, OFFICER_DEFINED
from accord.monitoring.forms import (
    BROAD_GROUPS,
    FULL_WIDTH,
    DatasetChoiceField,
    chosen_dataset,
    dataset_facts,
)

SELF_DEFINED = "self_defined_ethnicity_broad"
#: Separates the column from the group in a ``people`` choice.
SEPARATOR = ":"

PEOPLE = [
    ("", "Everyone searched"),
    *(
        (f"{OFFICER_DEFINED}{SEPARATOR}{g}", f"{g} people (ethnicity as recorded by the officer)")
        for g in BROAD_GROUPS
        if g not in NOT_RECORDED_BY_OFFICERS
    ),
    *(
        (f"{SELF_DEFINED}{SEPARATOR}{g}", f"{g} people (ethnicity as the person described it)")
        for g in BROAD_GROUPS
    ),
]

REFERENCE = [
    ("", "No one: the rate of their searches"),
    *((g, f"{g} people") for g in BROAD_GROUPS),
]


class BeforeAfterForm(forms.Form):
    events = DatasetChoiceField(
        queryset=None,
        label="Stop and search data",
        empty_label=None,
        widget=forms.Select(attrs={"class": FULL_WIDTH}),
    )
    population = DatasetChoiceField(
        queryset=None,
        label="Population",
        empty_label=None,
        widget=forms.Select(attrs={"class": FULL_WIDTH}),
    )
    treated = forms.MultipleChoiceField(
        label="Boroughs where the initiative ran",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one borough where the initiative ran"},
    )
    start = forms.ChoiceField(
        label="Month it started",
        help_text="Searches from this month on count as after.",
        error_messages={"required": "Choose the month the initiative started"},
    )
    people = forms.ChoiceField(label="Whose searches", choices=PEOPLE, required=False)
    reference = forms.ChoiceField(
        label="Compared with (optional)",
        help_text=(
            "Choose a second group to see whether the gap between the two groups changed: "
            "for example Black people compared with White people."
        ),
        choices=REFERENCE,
        required=False,
    )
    excluded = forms.MultipleChoiceField(
        label="Boroughs to leave out of the comparison (optional)",
        help_text=(
            "Every other borough is compared with unless you leave it out: for example "
            "boroughs that started something similar."
        ),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    first = forms.ChoiceField(label="From", required=False)
    last = forms.ChoiceField(label="To", required=False)

    def __init__(self, *args: Any, events: Any, populations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].queryset = events  # type: ignore[attr-defined]
        self.fields["population"].queryset = populations  # type: ignore[attr-defined]
        chosen = chosen_dataset(self, events)
        areas, months = dataset_facts(chosen) if chosen is not None else ([], [])
        self.boroughs = dict(areas)
        self.months = months
        self.fields["treated"].choices = areas  # type: ignore[attr-defined]
        self.fields["excluded"].choices = areas  # type: ignore[attr-defined]
        self.fields["start"].choices = [  # type: ignore[attr-defined]
            ("", "Choose a month"),
            *((m, m) for m in months[1:]),
        ]
        month_choices = [(m, m) for m in months]
        self.fields["first"].choices = [("", "The first month in the data"), *month_choices]  # type: ignore[attr-defined]
        self.fields["last"].choices = [("", "The last month in the data"), *month_choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        treated = set(data.get("treated") or [])
        if both := sorted(treated & set(data.get("excluded") or [])):
            names = ", ".join(self.boroughs.get(code, code) for code in both)
            self.add_error(
                "excluded",
                f"A borough where the initiative ran cannot also be left out: {names}",
            )
        elif treated and not set(self.boroughs) - treated - set(data.get("excluded") or []):
            self.add_error("excluded", "Leave at least one borough to compare with")
        first, last, start = data.get("first"), data.get("last"), data.get("start")
        if first and last and last < first:
            self.add_error("last", "The last month must be the same as or after the first month")
        elif start and first and start <= first:
            self.add_error(
                "start",
                "The start must be after the first month, so there is a month before it",
            )
        elif start and last and start > last:
            self.add_error("start", "The start must be on or before the last month")
        self._check_reference(data)
        return data

    def _check_reference(self, data: dict[str, Any]) -> None:
        reference = data.get("reference")
        if not reference or "people" not in data:
            return
        column, focus = self.whose()
        if not focus:
            self.add_error(
                "reference",
                "Choose whose searches first: a gap is between two groups of people",
            )
        elif reference == focus:
            self.add_error("reference", f"Choose a group other than {focus} people")
        elif column == OFFICER_DEFINED and reference in NOT_RECORDED_BY_OFFICERS:
            self.add_error(
                "reference",
                f"Officers do not record a {reference} group: choose another group, or "
                "ethnicity as the person described it",
            )

    def whose(self) -> tuple[str, str]:
        """The group column and the group ("" and "" for everyone searched)."""
        raw = str(self.cleaned_data.get("people") or "")
        if not raw:
            return "", ""
        column, group = raw.split(SEPARATOR, 1)
        return column, group

    def compared_with(self) -> str:
        """The group the gap is measured against ("" for the rate of one group)."""
        return str(self.cleaned_data.get("reference") or "")

    def comparison(self) -> tuple[str, ...]:
        """The comparison boroughs, or () for every other borough."""
        excluded = set(self.cleaned_data.get("excluded") or [])
        if not excluded:
            return ()
        treated = set(self.cleaned_data["treated"])
        return tuple(sorted(set(self.boroughs) - treated - excluded))
