"""Forms for the timeline and documents. Each lists exactly what it may set; who and when
something was recorded is set by the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from accord.casework.forms import NO_AUTOFILL
from accord.casework.vocabularies import ActivityKind
from accord.web.file_checks import ALLOWED_SUMMARY, KINDS, size_label

TEXT_LIMIT = 20_000


def _now_hhmm() -> dt.time:
    return timezone.localtime().time().replace(second=0, microsecond=0)


def _date(label: str, help_text: str = "", *, required: bool, today: bool) -> Any:
    """A single date box (the browser's date picker sends ISO dates; people type d/m/y)."""
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=required,
        initial=timezone.localdate if today else None,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": f"Enter {label[0].lower()}{label[1:]}",
            "invalid": "Enter a real date, for example 27/03/2026",
        },
        widget=forms.DateInput(attrs={**NO_AUTOFILL, "type": "date"}, format="%Y-%m-%d"),
    )


def _time(label: str, help_text: str = "") -> Any:
    return forms.TimeField(
        label=label,
        help_text=help_text,
        required=False,
        initial=_now_hhmm,
        input_formats=["%H:%M", "%H:%M:%S", "%H.%M"],
        error_messages={"invalid": "Enter a real time, for example 14:30"},
        widget=forms.TimeInput(attrs={**NO_AUTOFILL, "type": "time"}, format="%H:%M"),
    )


def _moment(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of contact or note is it?",
        choices=ActivityKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of contact or note it is"},
    )
    state = forms.ChoiceField(
        label="Has it happened, or is it planned?",
        choices=[
            ("done", "It has happened"),
            ("planned", "It is planned (it goes on the to-do list until it is done)"),
        ],
        widget=forms.RadioSelect,
        initial="done",
        error_messages={"required": "Say whether it has happened or is planned"},
    )
    occurred_on = _date("Date it happened", "Only if it has happened.", required=False, today=True)
    occurred_time = _time("Time it happened", "Only if it has happened. For example: 14:30.")
    due_on = _date(
        "Due date",
        "Only if it is planned. It shows as overdue after this day.",
        required=False,
        today=False,
    )
    text = forms.CharField(
        label="What happened, or what is planned",
        help_text="Write only what the case needs. The client may ask to read it.",
        max_length=TEXT_LIMIT,
        error_messages={"required": "Write what happened, or what is planned"},
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 6}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("state") == "done":
            if not data.get("occurred_on") and "occurred_on" not in self.errors:
                self.add_error("occurred_on", "Enter the date it happened")
            if not data.get("occurred_time") and "occurred_time" not in self.errors:
                self.add_error("occurred_time", "Enter the time it happened, for example 14:30")
        elif (
            data.get("state") == "planned"
            and not data.get("due_on")
            and "due_on" not in self.errors
        ):
            self.add_error("due_on", "Enter the date it is due")
        return data

    def occurred_at(self) -> dt.datetime | None:
        data = self.cleaned_data
        if data["state"] != "done":
            return None
        return _moment(data["occurred_on"], data["occurred_time"])

    def due_on_value(self) -> dt.date | None:
        data = self.cleaned_data
        return data["due_on"] if data["state"] == "planned" else None


class CompleteForm(forms.Form):
    occurred_on = _date("Date it happened", required=True, today=True)
    occurred_time = _time("Time it happened", "For example: 14:30.")
    outcome = forms.CharField(
        label="What happened (optional)",
        help_text="This is added below what was planned.",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 5}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("occurred_time") and "occurred_time" not in self.errors:
            self.add_error("occurred_time", "Enter the time it happened, for example 14:30")
        return data

    def occurred_at(self) -> dt.datetime:
        return _moment(self.cleaned_data["occurred_on"], self.cleaned_data["occurred_time"])


def accept_attribute() -> str:
    """Name endings for the file picker: a convenience only; the server checks contents."""
    return ",".join(ext for kind in KINDS for ext in kind.extensions)


class DocumentForm(forms.Form):
    def __init__(self, *args: Any, limit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"] = forms.FileField(
            label="Choose the file",
            help_text=f"{ALLOWED_SUMMARY}. Up to {size_label(limit)}.",
            allow_empty_file=True,  # the service refuses empty files with its own message
            error_messages={"required": "Choose a file to upload"},
            widget=forms.FileInput(attrs={"accept": accept_attribute()}),
        )
        self.fields["description"] = forms.CharField(
            label="What is it? (optional)",
            help_text="For example: IOPC outcome letter of 3 March. This is kept encrypted.",
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 3}),
        )
