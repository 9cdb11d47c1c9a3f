"""Forms for the register and the assessment; ``services`` decides what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.datasets.boroughs import LOCAL_AUTHORITIES
from accord.eia.vocabularies import Decision, Impact, InitiativeKind
from accord.plan.conflicts import NoticesConflicts
from accord.plan.fields import RecordsField
from accord.plan.models import Commitment


def london_boroughs() -> list[str]:
    """The City of London and the 32 boroughs (local-authority codes E09...), by name."""
    import csv

    with LOCAL_AUTHORITIES.open(encoding="utf-8") as handle:
        return sorted(
            row["name"] for row in csv.DictReader(handle) if row["code"].startswith("E09")
        )


class InitiativeForm(NoticesConflicts):
    title = forms.CharField(label="Name of the initiative", max_length=200)
    description = forms.CharField(label="What it does", widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(
        label="Is it new or already running?",
        choices=InitiativeKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it is new or already running"},
    )
    lead_title = forms.CharField(label="Lead (post, not name)", max_length=200, required=False)
    commitments = RecordsField(
        label="Action-plan commitments it serves",
        queryset=Commitment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    boroughs = forms.MultipleChoiceField(
        label="Boroughs where it runs",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Leave all unticked if it runs across London.",
    )
    starts_on = forms.DateField(
        label="Start date (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["boroughs"].choices = [(b, b) for b in london_boroughs()]  # type: ignore[attr-defined]
        self.fields["commitments"].queryset = Commitment.objects.select_related(  # type: ignore[attr-defined]
            "plan"
        ).order_by("plan__title", "number")
        self.fields["commitments"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.plan.title}: {c.number} {c.title}"
        )


def _text(label: str, help_text: str = "", rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        required=False,
    )


class SectionsForm(NoticesConflicts):
    aims = _text("Aims of the initiative")
    affected = _text("Who it affects, where and when")
    evidence = _text(
        "Evidence", "Figures (with their intervals) and what people and organisations have said."
    )
    data_gaps = _text(
        "Gaps in the data",
        "Say plainly what the data cannot show, for example no data on sexual orientation or "
        "immigration status. Each gap becomes a monitoring action.",
    )
    engagement = _text(
        "Engagement",
        "Which VAWG and 'by and for' organisations were consulted, what they said, and what "
        "changed as a result.",
    )
    mitigations = _text("Mitigations", "Actions with an owner and a date.")
    monitoring = _text("Monitoring plan", "Which measures are watched, how often, by whom.")
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("", "Not decided yet"), *Decision.choices],
        required=False,
    )
    decision_reasons = _text("Reasons for the decision", rows=3)
    review_on = forms.DateField(
        label="Review the assessment by",
        help_text="Needed before it goes to partners. For example, a year from now.",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a real date"},
    )


class ImpactForm(NoticesConflicts):
    impact = forms.ChoiceField(
        label="Impact",
        choices=Impact.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the impact"},
    )
    reasoning = forms.CharField(
        label="Evidence and reasoning", widget=forms.Textarea(attrs={"rows": 5})
    )
    response = forms.CharField(
        label="Mitigation or justification",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Needed for a negative impact: what will reduce it, or why the aim is "
        "legitimate and the means proportionate.",
    )


class ReviewCommentForm(forms.Form):
    section = forms.ChoiceField(
        label="What are you commenting on?",
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the section you comment on"},
    )
    text = forms.CharField(label="Your comment", widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from accord.eia.services import REVIEW_SECTIONS

        super().__init__(*args, **kwargs)
        self.fields["section"].choices = list(REVIEW_SECTIONS.items())  # type: ignore[attr-defined]


class ReviewResponseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What did you do with this comment?",
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an answer"},
    )
    reason = forms.CharField(
        label="Reasons",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Published with the comment.",
    )
    change_made = forms.CharField(
        label="What changed because of it",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Leave empty if you declined it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from accord.eia.services import OUTCOMES

        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = list(OUTCOMES.items())  # type: ignore[attr-defined]


class PlanActionForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of action?",
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of action it is"},
    )
    group = forms.ChoiceField(label="For which group? (optional)", choices=[], required=False)
    text = forms.CharField(label="What will be done", max_length=250)
    owner_title = forms.CharField(label="Who will do it (a post, not a name)", max_length=200)
    due_on = forms.DateField(
        label="Due date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the due date", "invalid": "Enter a real date"},
    )
    commitment = forms.ModelChoiceField(
        label="Which commitment of the action plan does it belong to?",
        queryset=Commitment.objects.none(),
        empty_label=None,
        error_messages={"required": "Choose a commitment"},
    )

    def __init__(self, *args: Any, initiative: Any, **kwargs: Any) -> None:
        from accord.eia.models import ActionKind
        from accord.eia.vocabularies import Group

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ActionKind.choices  # type: ignore[attr-defined]
        self.fields["group"].choices = [("", "All groups"), *Group.choices]  # type: ignore[attr-defined]
        self.fields["commitment"].queryset = initiative.commitments.select_related("plan")  # type: ignore[attr-defined]
        self.fields["commitment"].label_from_instance = (  # type: ignore[attr-defined]
            lambda c: f"{c.plan.title}: {c.number} {c.title}"
        )
