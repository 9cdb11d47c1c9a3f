"""Forms for the risk checklist and the safety plan.

The checklist form is built from the loaded checklist (one radio group per question), so a
service that loads its licensed wording gets it on the page without code changes. Every
question must be answered: 'Not known' is an answer, a blank is not.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone

from accord.casework import dash
from accord.casework.forms import NO_AUTOFILL, _area
from accord.casework.risk import MAX_ACTION_TEXT, MAX_NARRATIVE, MAX_PLAN_NOTES
from accord.casework.vocabularies import MaracDecision, PlanActionOwner


def _date(
    label: str, help_text: str = "", *, required: bool = True, missing: str = "Enter a date."
) -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, like 2026-03-27.", "required": missing},
    )


def question_field_name(question: dash.Question) -> str:
    return f"q{question.number}"


class RiskAssessmentForm(forms.Form):
    completed_on = _date(
        "Date the checklist was completed",
        "Today, unless you are recording a checklist completed earlier.",
        missing="Enter the date the checklist was completed.",
    )
    professional_judgement = forms.BooleanField(
        label="Risk is high on my professional judgement",
        required=False,
        help_text="Tick this, whatever the number of 'yes' answers, if you are seriously "
        "worried about the client's safety. Say why in the notes.",
    )
    potential_escalation = forms.BooleanField(label="There is potential escalation", required=False)
    marac_decision = forms.ChoiceField(
        label="MARAC decision",
        choices=MaracDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a MARAC decision."},
    )
    narrative = _area(
        "Notes and professional judgement",
        "What the client said in their own words, why you judged the risk as you did, and the "
        "reason for the MARAC decision. Needed if you tick professional judgement, or if you do "
        "not refer when risk is high.",
        max_length=MAX_NARRATIVE,
    )

    def __init__(self, *args: Any, checklist: dash.Checklist, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.fields["completed_on"].initial = timezone.localdate
        self.fields["potential_escalation"].help_text = checklist.escalation.description
        questions: dict[str, forms.Field] = {}
        for question in checklist.questions:
            questions[question_field_name(question)] = forms.ChoiceField(
                label=f"{question.number}. {question.topic}",
                help_text=question.text,
                choices=dash.ANSWERS,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Answer question {question.number} ({question.topic}): "
                    "choose Yes, No or Not known.",
                    "invalid_choice": f"Answer question {question.number} with Yes, No or "
                    "Not known.",
                },
            )
        # The questions come first, in their numbered order; the decision follows them.
        self.fields = {**questions, **self.fields}

    def clean_completed_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["completed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(
                "The date the checklist was completed cannot be in the future."
            )
        return day

    def question_fields(self) -> list[BoundField]:
        return [self[question_field_name(q)] for q in self.checklist.questions]

    def decision_fields(self) -> list[BoundField]:
        return [
            self[name]
            for name in (
                "completed_on",
                "professional_judgement",
                "potential_escalation",
                "marac_decision",
                "narrative",
            )
        ]

    def answers(self) -> dict[str, str]:
        return {
            question.key: self.cleaned_data[question_field_name(question)]
            for question in self.checklist.questions
        }


class PlanReviewForm(forms.Form):
    review_on = _date(
        "When will you review this plan with the client?",
        "Review it sooner if anything changes, such as a separation, a court date or a new "
        "incident.",
        missing="Enter the date you will review the plan.",
    )

    def clean_review_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["review_on"]
        if day < timezone.localdate():
            raise forms.ValidationError("The review date must be today or later.")
        return day


class SafetyPlanForm(PlanReviewForm):
    notes = _area(
        "The plan in the client's words (optional)",
        "For example: where they would go, who they would call, what they keep ready.",
        max_length=MAX_PLAN_NOTES,
    )
    carry_over = forms.BooleanField(
        label="Copy the actions that are not done yet into the new plan",
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, replacing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not replacing:  # nothing to copy from
            del self.fields["carry_over"]


class SafetyActionForm(forms.Form):
    text = forms.CharField(
        label="What needs to be done?",
        help_text="One step, in plain words. For example: keep a charged phone in the car.",
        max_length=MAX_ACTION_TEXT,
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 3}),
        error_messages={"required": "Say what needs to be done."},
    )
    owner = forms.ChoiceField(
        label="Who will do it?",
        choices=PlanActionOwner.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who will do this."},
    )
    due_on = _date("By when? (optional)", required=False)

    def clean_due_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("due_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError("The date it is due must be today or later.")
        return day
