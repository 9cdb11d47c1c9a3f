"""Recording and reading a client's equality monitoring answers.

The questions and why they are asked are in ``equality_questions``. Answers are changed only
on an open case that is not restricted, in one transaction with their audit event; every
value is checked against its question here, whoever calls, so a crafted request cannot store
an answer the release tables would not know how to count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import User
from accord.casework.access import audit
from accord.casework.equality_questions import FIELDS, QUESTIONS, Question, answer_label
from accord.casework.models import Case, EqualityAnswers
from accord.casework.people import require_editable
from accord.casework.services import CaseworkError


@dataclass(frozen=True)
class Answer:
    question: Question
    value: str

    @property
    def label(self) -> str:
        return answer_label(self.question, self.value)


def current(case: Case) -> EqualityAnswers | None:
    return EqualityAnswers.objects.filter(case=case).first()


def answers(record: EqualityAnswers | None) -> list[Answer]:
    """Every question with its answer ("Not asked" where there is none), in asking order."""
    return [
        Answer(question, getattr(record, question.field, "") if record else "")
        for question in QUESTIONS
    ]


def _checked(values: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise CaseworkError(f"There is no equality question called {unknown[0]!r}.")
    checked: dict[str, str] = {}
    for question in QUESTIONS:
        value = values.get(question.field, "") or ""
        if value and value not in question.choices.values:
            raise CaseworkError(
                f"{value!r} is not an answer to the question about {question.heading.lower()}."
            )
        checked[question.field] = value
    return checked


@transaction.atomic
def record_answers(
    request: HttpRequest | None, case: Case, values: Mapping[str, str], *, by: User
) -> EqualityAnswers:
    """Store the client's answers, replacing earlier ones. A question left out is "Not
    asked": the form always sends every question, so leaving one out clears it."""
    require_editable(case)
    answers = {**_checked(values), "updated_on": timezone.localdate(), "updated_by": by}
    record, _ = EqualityAnswers.objects.update_or_create(
        case=case, defaults=answers, create_defaults={**answers, "created_by": by}
    )
    audit(request, "equality.update", case, actor=by)
    return record


@dataclass(frozen=True)
class Coverage:
    answered: int
    cases: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.cases) if self.cases else 0


def coverage(cases: QuerySet[Case]) -> Coverage:
    """How many of ``cases`` have at least one answer: a supervisor's view of the gap that
    every release by group carries as "Not asked"."""
    any_answer = Q()
    for field in FIELDS:
        any_answer |= ~Q(**{f"equality__{field}": ""})
    answered = cases.filter(equality__isnull=False).filter(any_answer).distinct().count()
    return Coverage(answered=answered, cases=cases.count())
