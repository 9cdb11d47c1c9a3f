"""The analysis form: which data, which groups, where and when."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.datasets.models import Dataset, Kind
from accord.monitoring.analysis import (
    NOT_RECORDED_BY_OFFICERS,
    OFFICER_DEFINED,
    areas_and_months,
    not_recorded_by_officers,
)


def form_problems(form: forms.Form) -> list[str]:
    """Every error on a bound form, each with its field's label: a CSV address that asks
    for something wrong gets them as plain text, since there is no page to show them on."""
    return [str(e) for e in form.non_field_errors()] + [
        f"{form.fields[name].label}: {error}"
        for name, errors in form.errors.items()
        if name != "__all__"
        for error in errors
    ]


GROUP_COLUMNS = [
    ("officer_defined_ethnicity_broad", "Ethnicity as recorded by the officer"),
    ("self_defined_ethnicity_broad", "Ethnicity as the person described it"),
]
BROAD_GROUPS = ["Asian", "Black", "Mixed", "Other", "White"]
SPLIT_CHOICES = [
    ("", "No, not split"),
    ("gender", "Sex: women, and men with the few others"),
    ("age_band", "Age group: under 18, 18 to 24, 25 to 34, over 34"),
]
OVERDISPERSION = [
    ("additive", "Allow for real differences between areas (recommended)"),
    ("multiplicative", "Widen the limits by the spread between areas"),
    ("none", "Pure chance only"),
]


def dataset_facts(dataset: Dataset) -> tuple[list[tuple[str, str]], list[str]]:
    return areas_and_months(str(dataset.path))


#: Dataset names run long: at its own width a select is capped by the column and cuts them off.
FULL_WIDTH = "govuk-!-width-full"


def chosen_dataset(form: forms.Form, events: Any) -> Dataset | None:
    """The events dataset the bound form names, or the first one offered.

    The form's borough and month choices come from it, so a page's lists match the
    dataset picked (or the one shown first when nothing is picked yet).
    """
    raw = form.data.get("events") if form.is_bound else None
    if raw:
        try:
            found: Dataset | None = events.filter(pk=raw).first()
        except (ValueError, forms.ValidationError):
            found = None
        if found is not None:
            return found
    first: Dataset | None = events.first()
    return first


class DatasetChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Names a dataset as people know it, adding the version only once there is a newer one.

    "(version 1)" on every first import made the longest names too wide to read whole.
    """

    def label_from_instance(self, obj: Any) -> str:
        return obj.name if obj.version == 1 else f"{obj.name} (version {obj.version})"


class AnalysisForm(forms.Form):
    events = DatasetChoiceField(
        queryset=Dataset.objects.none(),
        label="Stop and search data",
        empty_label=None,
        widget=forms.Select(attrs={"class": FULL_WIDTH}),
    )
    population = DatasetChoiceField(
        queryset=Dataset.objects.none(),
        label="Population",
        empty_label=None,
        widget=forms.Select(attrs={"class": FULL_WIDTH}),
    )
    group = forms.ChoiceField(label="Compare groups by", choices=GROUP_COLUMNS)
    reference = forms.ChoiceField(
        label="Compare each group with",
        choices=[(g, g) for g in BROAD_GROUPS],
        initial="White",
        help_text="Each group's rate is divided by this group's rate: 2 means twice as often.",
    )
    focus = forms.ChoiceField(
        label="Group to compare areas for",
        choices=[(g, g) for g in BROAD_GROUPS],
        initial="Black",
        help_text=(
            "Officers' records have no Mixed group, so with ethnicity as recorded by the "
            "officer, choose another group."
        ),
    )
    outcome = forms.ChoiceField(
        label="Compare how often searches ended in",
        choices=[
            ("Arrest", "Arrest"),
            ("A no further action disposal", "No further action (nothing found that needed it)"),
        ],
        initial="Arrest",
        required=False,  # links made before this choice existed mean arrest
        help_text=(
            "Searches that end with no further action more often for one group can mean "
            "that group is searched on weaker grounds."
        ),
    )
    split = forms.ChoiceField(
        label="Also compare outcomes within each sex or age group",
        choices=SPLIT_CHOICES,
        required=False,
        help_text=(
            "Shows, for example, whether Black women's searches ended in arrest more or "
            "less often than White women's."
        ),
    )
    area = forms.ChoiceField(label="Area", required=False)
    start = forms.ChoiceField(label="From", required=False)
    end = forms.ChoiceField(label="To", required=False)
    overdispersion = forms.ChoiceField(
        label="When comparing areas",
        choices=OVERDISPERSION,
        initial="additive",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, events: Any, populations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["events"].queryset = events  # type: ignore[attr-defined]
        self.fields["population"].queryset = populations  # type: ignore[attr-defined]
        chosen = chosen_dataset(self, events)
        areas, months = dataset_facts(chosen) if chosen is not None else ([], [])
        self.fields["area"].choices = [("", "All areas in the data"), *areas]  # type: ignore[attr-defined]
        month_choices = [(m, m) for m in months]
        self.fields["start"].choices = [("", "The first month in the data"), *month_choices]  # type: ignore[attr-defined]
        self.fields["end"].choices = [("", "The last month in the data"), *month_choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end month must be the same as or after the start month.")
        # Officers' records have no Mixed group (docs/decisions/0023): there is nothing to
        # compare with Mixed residents, area by area or as the reference.
        if data.get("group") == OFFICER_DEFINED:
            for name in ("focus", "reference"):
                if data.get(name) in NOT_RECORDED_BY_OFFICERS:
                    self.add_error(name, not_recorded_by_officers(data[name]))
        return data

    def params(self) -> dict[str, Any]:
        """The question, as stored with its run. ``split`` and ``outcome`` are only there
        when they differ from what the page always did (no split, arrest), so such a
        question keeps the key (and the stored run) it always had."""
        data = self.cleaned_data
        params = {
            "group": data["group"],
            "reference": data["reference"],
            "focus": data["focus"],
            "area": data.get("area") or "",
            "start": data.get("start") or "",
            "end": data.get("end") or "",
            "overdispersion": data["overdispersion"],
        }
        if data.get("split"):
            params["split"] = data["split"]
        if data.get("outcome") not in (None, "", "Arrest"):
            params["outcome"] = data["outcome"]
        return params


def event_datasets(user: Any) -> Any:
    return Dataset.objects.visible_to(user).current().filter(kind=Kind.STOP_AND_SEARCH)


def population_datasets(user: Any) -> Any:
    return Dataset.objects.visible_to(user).current().filter(kind=Kind.POPULATION)


class ReleaseUploadForm(forms.Form):
    # An empty file is allowed through so that the release checks can say what is wrong.
    file = forms.FileField(
        label="Release file",
        help_text="The .json file the advisory service sent you. Up to 1 MB.",
        allow_empty_file=True,
        error_messages={"required": "Choose the release file to receive"},
    )
