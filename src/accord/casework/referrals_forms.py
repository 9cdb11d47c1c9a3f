"""Forms for referrals, consent, the police connection and supervisor reviews.

Each form lists exactly the fields it may change; status, flags and who-did-what are set by
the services, never taken from a request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from accord.casework.forms import NO_AUTOFILL, StaffIntakeForm, _area, _text
from accord.casework.vocabularies import (
    ConsentMethod,
    ConsentPurpose,
    DutyStatus,
    ReferralTo,
    YesNoUnknown,
)


def _date(label: str, help_text: str = "", *, initial_today: bool = True) -> Any:
    """A single date box (the browser's date picker); ISO dates are what it sends."""
    return forms.DateField(
        label=label,
        help_text=help_text,
        initial=timezone.localdate if initial_today else None,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "required": f"Enter {label[0].lower()}{label[1:]}",
            "invalid": "Enter a real date, for example 27/03/2026",
        },
        widget=forms.DateInput(attrs={**NO_AUTOFILL, "type": "date"}, format="%Y-%m-%d"),
    )


class ReferralForm(forms.Form):
    to = forms.ChoiceField(
        label="Who are you referring the client to?",
        choices=ReferralTo.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who you are referring the client to"},
    )
    made_on = _date("The date the referral was made")
    note = _area(
        "Note (optional)",
        "Who you spoke to and what you shared. Share only what the other service needs.",
    )
    override_reason = _area(
        "Safeguarding reason, for a MARAC referral without consent",
        "Leave this blank unless the client has not agreed and the risk is high. Say why "
        "the referral must go ahead without their consent, and whether they have been told.",
        max_length=3000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("override_reason") and data.get("to") not in {None, ReferralTo.MARAC}:
            self.add_error(
                "override_reason",
                "A safeguarding reason is only for a MARAC referral. For any other referral, "
                "ask the client for consent.",
            )
        return data


class ReferralOutcomeForm(forms.Form):
    def __init__(self, *args: Any, statuses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"] = forms.ChoiceField(
            label="What has happened?",
            choices=statuses,
            widget=forms.RadioSelect,
            error_messages={"required": "Choose what has happened to the referral"},
        )
        self.fields["outcome_on"] = _date("The date it happened")
        self.fields["outcome"] = _area(
            "What was the outcome? (optional)",
            "For example: allocated to an IDVA, or the reason it was declined.",
            max_length=3000,
        )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What has the client agreed to?",
        choices=ConsentPurpose.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the client has agreed to"},
    )
    given_on = _date("The date they agreed")
    method = forms.ChoiceField(
        label="How did they agree?",
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        initial=ConsentMethod.VERBAL,
        error_messages={"required": "Choose how the client agreed"},
    )
    note = _area(
        "Note (optional)",
        "Anything the client asked for, for example that only their address is shared.",
        max_length=2000,
    )


class WithdrawConsentForm(forms.Form):
    withdrawn_on = _date("The date the client withdrew consent")
    note = _area("How did they tell you? (optional)", max_length=2000)


class PoliceConnectionForm(forms.Form):
    """The intake questions about the alleged perpetrator, asked again when they change."""

    name = StaffIntakeForm.base_fields["perpetrator_name"]
    officer_status = StaffIntakeForm.base_fields["officer_status"]
    force = StaffIntakeForm.base_fields["force"]
    rank_band = StaffIntakeForm.base_fields["rank_band"]
    unit = _text("Unit or team (optional)", "For example: a borough's response team.")
    local_team_involved = StaffIntakeForm.base_fields["local_team_involved"]
    firearms_access = forms.ChoiceField(
        label="Can they get a firearm?",
        help_text="For example, as an authorised firearms officer, or with a firearm or "
        "shotgun certificate. 'Yes' or 'Not known' shows a warning on the case.",
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        initial=YesNoUnknown.NOT_KNOWN,
    )
    duty_status = forms.ChoiceField(
        label="What duties are they on now?",
        help_text="Ask the force's professional standards department. An officer on full "
        "duties can still use police systems, which could be used to find the client.",
        choices=DutyStatus.choices,
        widget=forms.RadioSelect,
        initial=DutyStatus.NOT_KNOWN,
    )
    force_answer = _area(
        "What the force has said about their vetting, firearms and use of police systems "
        "(optional)",
        "Who you asked, when, and what they said. Ask again if there is no answer.",
        max_length=3000,
    )


class ReviewForm(forms.Form):
    next_review_on = _date(
        "The date of the next review",
        "A date after today, within the next 12 months.",
        initial_today=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "next_review_on" not in self.initial:
            # Four weeks: the usual rhythm of supervision for an open case.
            self.initial["next_review_on"] = timezone.localdate() + dt.timedelta(days=28)
