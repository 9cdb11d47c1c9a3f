"""Forms for data rights: reasons, retention dates, erasure and subject access requests.

Each form carries only the fields its action needs (no model forms): status, hold and
restriction flags are changed by the services, never by a posted field.
"""

from __future__ import annotations

from typing import Any

from django import forms

from accord.casework.forms import NO_AUTOFILL
from accord.casework.models import ErasureRequest

DATE_WIDGET = forms.DateInput(attrs={**NO_AUTOFILL, "type": "date"}, format="%Y-%m-%d")


def _reason_field(label: str, help_text: str) -> Any:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=2000,
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 4}),
        error_messages={"required": "Give the reason for this decision."},
    )


class ReasonForm(forms.Form):
    """A decision that needs only its reason (restriction, legal hold)."""

    reason = _reason_field(
        "Why?",
        "Kept with the case and seen only by supervisors. Do not copy case notes in here.",
    )

    def __init__(self, *args: Any, label: str = "", help_text: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        if help_text:
            self.fields["reason"].help_text = help_text


class KeepForm(forms.Form):
    until = forms.DateField(
        label="Keep the case until",
        help_text="The case comes back for review on this date.",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Enter the date the case should next be reviewed.",
            "invalid": "Enter a real date, for example 2027-03-27.",
        },
    )
    reason = _reason_field(
        "Why does the service still need this record?",
        "For example: the complaint review is still running.",
    )


class ErasureRequestForm(forms.Form):
    grounds = forms.ChoiceField(
        label="Why should this case be erased?",
        choices=ErasureRequest.Grounds.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the case should be erased."},
    )
    note = forms.CharField(
        label="Anything the second supervisor should know (optional)",
        help_text="For example, how the client asked. This note is erased with the case.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 4}),
    )


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Erase the case now. This cannot be undone."),
            ("refuse", "Refuse: keep the case"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to erase the case or keep it."},
    )


class PersonSearchForm(forms.Form):
    name = forms.CharField(
        label="The name of the person asking",
        help_text="As they gave it. Every word must be in the name we recorded, in any order.",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the name of the person asking."},
    )


class SarRequestForm(forms.Form):
    party = forms.ChoiceField(
        label="Who is asking for their information?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who is asking."},
    )
    received_on = forms.DateField(
        label="When did the request reach us?",
        help_text="We must reply within one calendar month of this date.",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Enter the date the request reached us.",
            "invalid": "Enter a real date, for example 2026-11-03.",
        },
    )
    identity_checked = forms.BooleanField(
        label="We have checked that the person asking is who they say they are",
        error_messages={
            "required": "Check who is asking before you go on: we only give people their own "
            "information."
        },
    )

    def __init__(self, *args: Any, parties: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = parties  # type: ignore[attr-defined]


class SarReviewForm(forms.Form):
    """The reviewer's choice of items. The page renders each item with its content; the
    form only checks the choice against the items that exist."""

    included = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(
        label="Why is it right to release items that are withheld by default?",
        help_text="Only needed if you ticked an item marked 'withheld by default'. For example: "
        "the person it is about agreed in writing.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 3}),
    )
    confirm = forms.BooleanField(
        label="I have read every item and checked what is released",
        error_messages={"required": "Confirm that you have read every item."},
    )

    def __init__(self, *args: Any, keys: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["included"].choices = [(key, key) for key in keys]  # type: ignore[attr-defined]
        self.fields["included"].error_messages["invalid_choice"] = (
            "The record changed while you were reviewing it. Check the list again and save."
        )
