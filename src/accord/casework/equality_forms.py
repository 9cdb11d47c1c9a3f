"""The equality monitoring form: one optional question per field of ``EqualityAnswers``."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.casework.equality_questions import (
    NOT_ASKED,
    PREFER_NOT,
    PREFER_NOT_LABEL,
    QUESTIONS,
    Ethnicity,
    Question,
)

Choices = list[tuple[str, Any]]


def _ethnic_groups() -> Choices:
    """The 19 groups under their 5 broad headings, as Census 2021 shows them."""
    grouped: dict[str, Choices] = {}
    for value, label in Ethnicity.choices:
        if value == PREFER_NOT:
            continue
        heading, _, name = str(label).partition(": ")
        grouped.setdefault(heading, []).append((value, name[:1].upper() + name[1:]))
    return [*grouped.items(), (PREFER_NOT, PREFER_NOT_LABEL)]


def _field(question: Question) -> forms.ChoiceField:
    if question.choices is Ethnicity:
        return forms.ChoiceField(
            label=question.asked,
            help_text=question.hint,
            choices=[("", NOT_ASKED), *_ethnic_groups()],
            required=False,
        )
    return forms.ChoiceField(
        label=question.asked,
        help_text=question.hint,
        choices=[*question.choices.choices, ("", NOT_ASKED)],
        required=False,
        widget=forms.RadioSelect,
    )


class EqualityForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.field] = _field(question)

    def answers(self) -> dict[str, str]:
        return {q.field: self.cleaned_data.get(q.field) or "" for q in QUESTIONS}
