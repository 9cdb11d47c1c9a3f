"""Casework forms. Every question says why it is asked; sensitive fields never autocomplete."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.casework.services import Intake, SafeContact
from accord.casework.vocabularies import (
    ClosureReason,
    ConsentMethod,
    ConsentPurpose,
    ContactMethod,
    Force,
    OfficerStatus,
    RankBand,
    YesNoUnknown,
)

NO_AUTOFILL = {"autocomplete": "off", "spellcheck": "false"}
RATING_CHOICES = [
    ("", "Not asked or did not want to say"),
    ("1", "1 – not at all"),
    ("2", "2"),
    ("3", "3"),
    ("4", "4"),
    ("5", "5 – completely"),
]


def _text(label: str, help_text: str = "", *, required: bool = False, max_length: int = 200) -> Any:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=max_length,
        widget=forms.TextInput(attrs=NO_AUTOFILL),
    )


def _area(label: str, help_text: str = "", *, max_length: int = 5000) -> Any:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=max_length,
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 5}),
    )


class SafeContactForm(forms.Form):
    method = forms.ChoiceField(
        label="How is it safe to contact you?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        help_text="We will only use the way you choose.",
    )
    phone = _text("Phone number", "Only if you chose a phone call or a text.", max_length=40)
    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="Only if you chose email. Use an address only you can read.",
        widget=forms.EmailInput(attrs=NO_AUTOFILL),
    )
    trusted_person = _text(
        "The person we should contact, and how",
        "Only if you chose someone you trust. For example: my sister Sam, 07700 900123.",
    )
    times = _text("When is it safe?", "For example: weekdays between 10am and 2pm.")
    voicemail_safe = forms.ChoiceField(
        label="Is it safe to leave a voicemail or message?",
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        initial=YesNoUnknown.NOT_KNOWN,
    )
    code_word = _text(
        "A code word (optional)",
        "If you give one, we will say it so you know it is us, and you can say it if you "
        "cannot talk.",
        max_length=60,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method = data.get("method")
        needed = {
            ContactMethod.PHONE: ("phone", "Enter a phone number, or choose another way"),
            ContactMethod.TEXT: ("phone", "Enter a mobile number for texts, or choose another way"),
            ContactMethod.EMAIL: ("email", "Enter an email address, or choose another way"),
            ContactMethod.TRUSTED_PERSON: (
                "trusted_person",
                "Tell us who to contact and how, or choose another way",
            ),
        }
        if method in needed:
            name, message = needed[ContactMethod(method)]
            if not data.get(name):
                self.add_error(name, message)
        return data

    def safe_contact(self) -> SafeContact:
        data = self.cleaned_data
        return SafeContact(
            method=data["method"],
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            trusted_person=data.get("trusted_person", ""),
            times=data.get("times", ""),
            voicemail_safe=data.get("voicemail_safe") or YesNoUnknown.NOT_KNOWN,
            code_word=data.get("code_word", ""),
        )


class SelfReferralForm(SafeContactForm):
    """The public form. Short, plain, and nothing asked that we do not need to call back."""

    field_order = [
        "name",
        "method",
        "phone",
        "email",
        "trusted_person",
        "times",
        "voicemail_safe",
        "code_word",
        "officer_status",
        "force",
        "summary",
        "agree",
    ]
    name = _text(
        "What should we call you?",
        "Any name you like. It does not have to be your real name.",
        required=True,
        max_length=100,
    )
    officer_status = forms.ChoiceField(
        label="Is the person who hurt you in the police?",
        choices=OfficerStatus.choices,
        widget=forms.RadioSelect,
        initial=OfficerStatus.NOT_KNOWN,
        help_text="This service is for people harmed by someone who works, or worked, for "
        "the police.",
    )
    force = forms.ChoiceField(
        label="Which police force? (if you know)",
        choices=Force.choices,
        initial=Force.NOT_KNOWN,
    )
    summary = _area(
        "Anything you want us to know before we call (optional)",
        "You do not have to tell us anything now. Only our advocates can read this.",
        max_length=3000,
    )
    agree = forms.BooleanField(
        label="I agree that the service keeps what I write here so that an advocate can "
        "contact me in the way I chose.",
        error_messages={
            "required": "Tick the box so that we can keep your details and contact you"
        },
    )

    def intake(self) -> Intake:
        data = self.cleaned_data
        return Intake(
            client_name=data["name"],
            contact=self.safe_contact(),
            summary=data.get("summary", ""),
            force=data["force"],
            officer_status=data["officer_status"],
            consents=[ConsentPurpose.KEEP_RECORD, ConsentPurpose.CONTACT],
            consent_method=ConsentMethod.ONLINE,
        )


class StaffIntakeForm(SafeContactForm):
    """A referral taken by an advocate (by phone, in person, or from another agency)."""

    field_order = [
        "name",
        "method",
        "phone",
        "email",
        "trusted_person",
        "times",
        "voicemail_safe",
        "code_word",
        "summary",
        "perpetrator_name",
        "officer_status",
        "force",
        "rank_band",
        "unit",
        "local_team_involved",
        "consents",
        "consent_method",
        "feels_safe",
        "trusts_complaints_process",
    ]
    name = _text(
        "Client's name, or the name they want to be called by",
        "Record only what the client wants recorded.",
        required=True,
        max_length=100,
    )
    summary = _area("Reason for referral", "A short summary. Details go on the timeline.")
    perpetrator_name = _text(
        "Alleged perpetrator's name (optional)",
        "Needed later for a complaint. Leave blank if the client does not want it recorded.",
        max_length=100,
    )
    officer_status = forms.ChoiceField(
        label="Their connection to the police",
        choices=OfficerStatus.choices,
        initial=OfficerStatus.NOT_KNOWN,
    )
    force = forms.ChoiceField(label="Force", choices=Force.choices, initial=Force.NOT_KNOWN)
    rank_band = forms.ChoiceField(
        label="Rank", choices=RankBand.choices, initial=RankBand.NOT_KNOWN
    )
    unit = _text("Unit or team (optional)", "For example: a borough's response team.")
    local_team_involved = forms.ChoiceField(
        label="Could their colleagues handle this case or a complaint about it?",
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        initial=YesNoUnknown.NOT_KNOWN,
        help_text="'Yes' marks the case with a conflict-of-interest warning.",
    )
    consents = forms.MultipleChoiceField(
        label="What has the client agreed to?",
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ask about each one. Record only what they agreed to; they can withdraw "
        "any of it later.",
    )
    consent_method = forms.ChoiceField(
        label="How did they agree?",
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        initial=ConsentMethod.VERBAL,
    )
    feels_safe = forms.TypedChoiceField(
        label="How safe does the client feel now?",
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Their own rating, asked again at closure.",
    )
    trusts_complaints_process = forms.TypedChoiceField(
        label="How much does the client trust the police complaints process?",
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        help_text="Their own rating, asked again at closure.",
    )

    def clean_consents(self) -> list[str]:
        chosen = list(self.cleaned_data.get("consents") or [])
        if ConsentPurpose.KEEP_RECORD not in chosen:
            raise forms.ValidationError(
                "We can only open a case if the client agrees that we keep a record. "
                "If they do not, give advice without opening a case."
            )
        return chosen

    def intake(self) -> Intake:
        data = self.cleaned_data
        return Intake(
            client_name=data["name"],
            contact=self.safe_contact(),
            summary=data.get("summary", ""),
            perpetrator_name=data.get("perpetrator_name", ""),
            force=data["force"],
            officer_status=data["officer_status"],
            rank_band=data["rank_band"],
            unit=data.get("unit", ""),
            local_team_involved=data["local_team_involved"],
            consents=data["consents"],
            consent_method=data["consent_method"],
            feels_safe=data.get("feels_safe"),
            trusts_complaints_process=data.get("trusts_complaints_process"),
        )


class AssignForm(forms.Form):
    def __init__(self, *args: Any, advocates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["advocate"] = forms.TypedChoiceField(
            label="Advocate", choices=advocates, coerce=int
        )


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why is the case closing?", choices=ClosureReason.choices, widget=forms.RadioSelect
    )
    note = _area("Closing note (optional)")
    feels_safe = StaffIntakeForm.base_fields["feels_safe"]
    trusts_complaints_process = StaffIntakeForm.base_fields["trusts_complaints_process"]
