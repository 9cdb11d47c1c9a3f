"""Forms for complaints. A step's form asks exactly the dates that step records, nothing else.

Stage, state and deadlines are never taken from a request: the services work them out.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from accord.casework.forms import NO_AUTOFILL, _area, _text
from accord.casework.models import Case
from accord.casework.vocabularies import Force, YesNoUnknown
from accord.complaints.models import MadeTo
from accord.complaints.process import Process, Transition
from accord.complaints.services import NO_CRITERIA, referral_criteria

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
NO_EVIDENCE = ""


def _date(label: str, help_text: str = "", *, required: bool = True) -> Any:
    """One date box (the browser's date picker sends ISO dates)."""
    if not required:
        # "Date the outcome was decided (if the letter says)" -> "(if the letter says, optional)"
        label = f"{label[:-1]}, optional)" if label.endswith(")") else f"{label} (optional)"
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        input_formats=DATE_FORMATS,
        error_messages={
            "required": f"Enter the {label[0].lower()}{label[1:]}",
            "invalid": "Enter a real date, for example 27/03/2026",
        },
        widget=forms.DateInput(attrs={**NO_AUTOFILL, "type": "date"}, format="%Y-%m-%d"),
    )


class ComplaintForm(forms.Form):
    made_on = _date(
        "Date the complaint was made",
        "The date on the complaint letter or email, or the day it was made by phone.",
    )
    made_to = forms.ChoiceField(
        label="Who was the complaint made to?",
        choices=MadeTo.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who the complaint was made to"},
    )
    force = forms.ChoiceField(
        label="Which force is the complaint about?",
        choices=[("", "Choose a force"), *Force.choices],
        error_messages={"required": "Choose the force the complaint is about"},
    )
    officer_in_handling_unit = forms.ChoiceField(
        label="Does the officer serve in the unit handling the complaint?",
        help_text="For example, the same professional standards department, or a team that "
        "works closely with it.",
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        initial=YesNoUnknown.NOT_KNOWN,
        error_messages={"required": "Say whether the officer serves in the unit handling it"},
    )
    handler = _text(
        "Who is handling the complaint? (optional)",
        "A name, team or reference the force gave, so you know who to ask for updates.",
    )
    summary = _area(
        "What is the complaint about? (optional)",
        "A few words for you and your colleagues. Keep the detail in the complaint itself.",
        max_length=3000,
    )


class ComplaintDetailsForm(forms.Form):
    """What changes while a complaint goes on; when and to whom it was made does not."""

    officer_in_handling_unit = ComplaintForm.base_fields["officer_in_handling_unit"]
    handler = ComplaintForm.base_fields["handler"]
    summary = ComplaintForm.base_fields["summary"]


def _evidence_choices(case: Case) -> list[tuple[str, str]]:
    choices = [(NO_EVIDENCE, "No document")]
    for document in case.documents.all():
        document.case = case
        choices.append(
            (str(document.uid), f"{document.filename} (added {document.created_at:%-d %b %Y})")
        )
    return choices


class StepForm(forms.Form):
    """The dates a step records (required and optional), a note and one piece of evidence."""

    def __init__(self, *args: Any, process: Process, step: Transition, case: Case, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.step = step
        self.date_names = (*step.records, *step.optional_records)
        for name in step.records:
            # No default: today's date is rarely the date printed on a letter.
            self.fields[name] = _date(process.dates[name].label)
        for name in step.optional_records:
            self.fields[name] = _date(process.dates[name].label, required=False)
        self.fields["note"] = _area(
            "Note (optional)",
            "What the letter or call said, in a sentence or two. Who you spoke to.",
            max_length=3000,
        )
        evidence_hint = step.evidence_note or "A letter or email you have uploaded to the case."
        self.fields["evidence"] = forms.ChoiceField(
            label="Evidence (optional)",
            help_text=f"{evidence_hint} Upload it to the case's documents first.",
            choices=_evidence_choices(case),
            required=False,
        )

    def dates(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.date_names}


class ReferralCriteriaForm(forms.Form):
    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [*referral_criteria(process).items(), (NO_CRITERIA, "None of these apply")]
        self.fields["criteria"] = forms.MultipleChoiceField(
            label="Which of these apply to the complaint?",
            help_text="Tick every one that applies, or 'None of these apply'.",
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "Choose the criteria that apply, or 'None of these apply'"},
        )

    def clean_criteria(self) -> list[str]:
        chosen: list[str] = self.cleaned_data["criteria"]
        if NO_CRITERIA in chosen and len(chosen) > 1:
            raise forms.ValidationError(
                "You chose 'None of these apply' and some criteria too. Choose one or the other."
            )
        return chosen


class LinkedMatterForm(forms.Form):
    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label="What is running alongside the complaint?",
            choices=[(k.id, k.label) for k in process.linked_matters.values()],
            widget=forms.RadioSelect,
            error_messages={"required": "Choose what is running alongside the complaint"},
        )
        self.fields["noted_on"] = _date("Date you heard about it")
        self.initial.setdefault("noted_on", timezone.localdate())
        self.fields["note"] = _area(
            "Note (optional)",
            "For example, the solicitor acting, or the court's reference.",
            max_length=3000,
        )
