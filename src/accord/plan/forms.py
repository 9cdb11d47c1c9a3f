"""Forms for the plan pages: they gather input; ``services`` decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts.models import Organisation
from accord.datasets.models import Dataset
from accord.plan.conflicts import NoticesConflicts
from accord.plan.fields import RecordsField
from accord.plan.models import Commitment, Measure, Theme
from accord.plan.vocabularies import (
    Completion,
    Impact,
    Relevance,
    ResponseOutcome,
    Section,
    Status,
    Verifiability,
)
from accord.policy.roles import OrgKind


def _radios(label: str, choices: Any, required_message: str, help_text: str = "") -> Any:
    return forms.ChoiceField(
        label=label,
        choices=choices.choices,
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={"required": required_message},
    )


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text or "For example, 2026-03-31.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": f"Enter the {label.lower()}", "invalid": "Enter a real date"},
    )


class CommitmentForm(NoticesConflicts):
    number = forms.CharField(
        label="Number", max_length=12, help_text="Its place in the plan, for example 2.1."
    )
    title = forms.CharField(label="Short title", max_length=200)
    statement = forms.CharField(
        label="What the police promise",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="In plain words: what will be done, by when, and how anyone can tell.",
    )
    theme = forms.ModelChoiceField(
        label="Theme", queryset=Theme.objects.none(), required=False, empty_label="No theme"
    )
    parent = forms.ModelChoiceField(
        label="Part of another commitment? (optional)",
        queryset=Commitment.objects.none(),
        required=False,
        empty_label="No: it stands on its own",
        help_text="Choose one if this is a sub-action of a larger commitment.",
    )
    lead_title = forms.CharField(
        label="Police lead (post, not name)",
        max_length=200,
        required=False,
        help_text="For example, Commander, Public Protection.",
    )
    co_owners = RecordsField(
        label="Co-owning partner organisations",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The VAWG organisations that shaped it and share responsibility for it.",
    )
    source_quote = forms.CharField(
        label="Published wording (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Quote the published plan exactly, if this commitment comes from it.",
    )
    source_reference = forms.CharField(
        label="Where the published wording is (optional)", max_length=300, required=False
    )
    published = forms.BooleanField(
        label="Show it on the public page", required=False, initial=False
    )

    def __init__(self, *args: Any, plan: Any, commitment: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = plan.themes.all()  # type: ignore[attr-defined]
        parents = plan.commitments.filter(parent=None)
        if commitment is not None:
            parents = parents.exclude(pk=commitment.pk)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["co_owners"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind=OrgKind.VAWG_PARTNER, is_active=True
        )


class MilestoneForm(forms.Form):
    title = forms.CharField(label="What will be done", max_length=300)
    due_on = _date("Due date")


FILE_AGAIN = "Choose your file ({name}) again: nothing was saved, and the page cannot keep it"


class ProgressForm(forms.Form):
    on = _date("Date of the update")
    status = _radios("Where it stands", Status, "Choose where the commitment stands")
    progress = forms.IntegerField(
        label="How much is done (per cent)",
        min_value=0,
        max_value=100,
        error_messages={
            "required": "Give how much is done, from 0 to 100",
            "min_value": "Give a number from 0 to 100",
            "max_value": "Give a number from 0 to 100",
            "invalid": "Give a whole number from 0 to 100",
        },
    )
    text = forms.CharField(
        label="What has happened",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Evidence, not assertion: what was done, where, and how we know.",
    )
    evidence_title = forms.CharField(label="Evidence link: title (optional)", required=False)
    evidence_url = forms.URLField(
        label="Evidence link: web address (optional)",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address, like https://www.example.org/report"},
    )
    evidence_file = forms.FileField(
        label="Evidence file (optional)",
        required=False,
        help_text="PDF, PNG, JPEG, plain text, Word (.docx) or OpenDocument text, up to 10 MB. "
        "It is published with the update. Hidden details, such as where a photo was taken "
        "and who wrote a document, are removed first; accept tracked changes and remove "
        "comments before you upload.",
    )
    metric = forms.ModelChoiceField(
        label="A figure for one of its measures (optional)",
        queryset=Measure.objects.none(),
        required=False,
        empty_label="No figure",
    )
    metric_value = forms.DecimalField(
        label="The figure",
        required=False,
        max_digits=14,
        decimal_places=4,
        error_messages={"invalid": "Give the figure as a number"},
    )

    def __init__(self, *args: Any, commitment: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].queryset = commitment.measures.all()  # type: ignore[attr-defined]

    def add_error(self, field: str | None, error: Any) -> None:
        """Any refusal, the form's or the service's, also asks for the chosen file again:
        browsers never keep it when the page is shown again, and the update could otherwise
        be sent a second time without its evidence."""
        super().add_error(field, error)
        chosen = self.files.get(self.add_prefix("evidence_file"))
        if chosen and field != "evidence_file" and not self.has_error("evidence_file"):
            super().add_error("evidence_file", FILE_AGAIN.format(name=chosen.name))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("metric") is not None and data.get("metric_value") is None:
            self.add_error("metric_value", "Give the figure for the measure you chose")
        if data.get("metric") is None and data.get("metric_value") is not None:
            self.add_error("metric", "Choose which measure the figure is for")
        return data


class RoundForm(forms.Form):
    title = forms.CharField(label="Name of the round", max_length=200)
    opens_on = _date("Opening date")
    closes_on = _date("Closing date")


class CommentForm(forms.Form):
    section = _radios("What are you commenting on?", Section, "Choose the part you comment on")
    text = forms.CharField(label="Your comment", widget=forms.Textarea(attrs={"rows": 6}))


class ResponseForm(forms.Form):
    outcome = _radios("What did you do with this comment?", ResponseOutcome, "Choose an answer")
    reason = forms.CharField(
        label="Reasons",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Every comment gets reasons, whatever the answer. They are published.",
    )
    change_made = forms.CharField(
        label="What changed because of it",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Leave empty if you declined it.",
    )


class RatingForm(forms.Form):
    verifiability = _radios(
        "Is it specific enough to check?", Verifiability, "Say whether it can be checked"
    )
    relevance = _radios(
        "Is it relevant to women's and girls' safety and trust in the police?",
        Relevance,
        "Say how relevant it is",
    )
    impact = _radios("Potential impact if it is fully done", Impact, "Choose its potential impact")
    completion = _radios("How much of it has been done?", Completion, "Choose how much is done")
    status = _radios(
        "Where does it stand, in your organisation's view?",
        Status,
        "Choose where you think it stands",
        help_text="If this differs from the police's own status, the commitment shows as "
        "contested, with both views side by side.",
    )
    comment = forms.CharField(
        label="Your reasons (optional)", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class PlanForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    slug = forms.SlugField(
        label="Short name for web addresses",
        max_length=80,
        help_text="Lower-case letters, numbers and hyphens, for example vawg-action-plan-2027.",
        error_messages={"invalid": "Use only lower-case letters, numbers and hyphens"},
    )
    summary = forms.CharField(
        label="Summary (optional)", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    source_title = forms.CharField(label="Published as (optional)", max_length=300, required=False)
    source_url = forms.URLField(
        label="Where it is published (optional)",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address, like https://www.example.org/plan"},
    )


class PublishForm(forms.Form):
    """The publish switch. Only a clear yes or no changes the plan: anything else used to
    take it off the public pages."""

    published = forms.ChoiceField(choices=[("yes", "Publish"), ("no", "Take it off")])

    UNCLEAR = "Nothing was changed: choose to publish the plan or to take it off the public pages."

    def chosen(self) -> bool | None:
        """True to publish, False to take it off, None when the answer is not clear."""
        return self.cleaned_data["published"] == "yes" if self.is_valid() else None


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Choose the CSV file",
        help_text="UTF-8 CSV with the columns of the template or of an export. Up to 2 MB.",
        error_messages={"required": "Choose a CSV file to import"},
    )


class MeasureForm(forms.Form):
    name = forms.CharField(label="What is measured", max_length=200)
    definition = forms.CharField(
        label="How it is counted (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    baseline = forms.CharField(label="Starting point (optional)", max_length=100, required=False)
    target = forms.CharField(label="Target (optional)", max_length=100, required=False)
    dataset = forms.ModelChoiceField(
        label="Monitoring dataset it comes from (optional)",
        queryset=Dataset.objects.none(),
        required=False,
        empty_label="None",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = (  # type: ignore[attr-defined]
            Dataset.objects.visible_to(user).current().order_by("name")
        )
