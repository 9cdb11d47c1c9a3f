"""The one form of releases: what to count, over which period, for whom."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.releases.models import Audience

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d")


class DraftForm(forms.Form):
    title = forms.CharField(
        label="Title",
        help_text="For example: Advisory service figures, April 2026 to March 2027.",
        max_length=200,
        error_messages={"required": "Give the release a title."},
    )
    start = forms.DateField(
        label="First day of the period",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Enter the first day of the period.",
            "invalid": "Enter the first day as a date, for example 2026-04-01.",
        },
    )
    end = forms.DateField(
        label="Last day of the period",
        help_text="It must be before today: the figures of a period still running would change.",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Enter the last day of the period.",
            "invalid": "Enter the last day as a date, for example 2027-03-31.",
        },
    )
    audience = forms.ChoiceField(
        label="Who will read it?",
        choices=Audience.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who will read the release."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].widget.attrs["autocomplete"] = "off"


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why is the release withdrawn?",
        help_text=(
            "This is published with the notice, where the figures were. Say what was wrong "
            "in plain words, for example: 'Cases from one month were counted twice.' Never "
            "write anything about a client or a case."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"required": "Say why the release is withdrawn."},
    )
