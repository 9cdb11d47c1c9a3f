"""Forms for complaint letters: the letter text, and who a review application goes to."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.casework.forms import NO_AUTOFILL
from accord.complaints.letters import (
    MAX_LETTER_CHARS,
    REVIEW_BODIES,
    LetterError,
    clean_letter_text,
)


class LetterForm(forms.Form):
    text = forms.CharField(
        label="The letter",
        help_text="Check every line and change anything that is not right. Fill in or delete "
        "every gap marked [FILL IN: ...]. Nothing is sent from here: save the letter, then "
        "download it to send.",
        max_length=MAX_LETTER_CHARS,
        strip=False,
        error_messages={
            "required": "The letter is empty. Write the letter, or go back to the draft.",
            "max_length": f"A letter can be at most {MAX_LETTER_CHARS:,} characters. Shorten "
            "it, or send the detail as a document.",
        },
        widget=forms.Textarea(attrs={**NO_AUTOFILL, "rows": 30}),
    )

    def clean_text(self) -> str:
        try:
            return clean_letter_text(self.cleaned_data["text"])
        except LetterError as error:
            raise forms.ValidationError(str(error)) from error


class ReviewBodyForm(forms.Form):
    """Sent by GET: it only changes the draft shown, never saves anything."""

    to = forms.ChoiceField(
        label="Who does the outcome letter say carries out the review?",
        help_text="The outcome letter must name the review body. If the application goes to "
        "the wrong one it is passed on, and the time that takes does not count.",
        choices=list(REVIEW_BODIES.items()),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose the IOPC or the local policing body"},
    )

    def chosen(self) -> Any:
        return self.cleaned_data["to"] if self.is_valid() else None
