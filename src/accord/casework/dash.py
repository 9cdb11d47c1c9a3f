"""The DASH risk identification checklist: its structure, and the arithmetic of the decision.

Why a data file and not code: the checklist's question wording belongs to its publisher, and
each service uses the version it is licensed to use. Accord ships the *structure* (numbered
questions, answers yes / no / not known, the high-risk count, the other routes to MARAC) and
a default file of neutral topic labels (see ``data/PROVENANCE.md``). A service points the
``ACCORD_DASH_CHECKLIST_PATH`` setting at its own file to load its licensed wording.

Every function below the loader is pure, so the rule that sends a case to MARAC can be read,
tested and explained without a database.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "dash_checklist.json"
SETTING = "ACCORD_DASH_CHECKLIST_PATH"

YES = "yes"
NO = "no"
NOT_KNOWN = "not_known"
ANSWERS: tuple[tuple[str, str], ...] = ((YES, "Yes"), (NO, "No"), (NOT_KNOWN, "Not known"))
ANSWER_VALUES = frozenset(value for value, _ in ANSWERS)

# RiskAssessment.checklist_version is a CharField(max_length=40).
MAX_KEY_LENGTH = 40


class ChecklistError(ValueError):
    """The checklist file cannot be used; the message names the file and what to fix."""


class AnswersError(ValueError):
    """Answers that do not fit the checklist: missing, unknown or impossible values."""


@dataclass(frozen=True)
class Question:
    number: int
    topic: str
    text: str

    @property
    def key(self) -> str:
        """How the answer is keyed in the stored answers (JSON object keys are strings)."""
        return str(self.number)


@dataclass(frozen=True)
class EscalationRule:
    """'Potential escalation', the third route to MARAC. Services set their own threshold
    (SafeLives suggests starting from a number of police call-outs in 12 months and reviewing
    it against local volumes), so the file says what the rule is and that it is local."""

    description: str
    confirm_locally: bool


@dataclass(frozen=True)
class Checklist:
    id: str
    version: str
    title: str
    source: str
    licence: str
    wording: str
    threshold: int
    questions: tuple[Question, ...]
    escalation: EscalationRule

    @property
    def key(self) -> str:
        """What each assessment records, so old answers are always read against their list."""
        return f"{self.id}@{self.version}"

    @property
    def size(self) -> int:
        return len(self.questions)

    @property
    def is_licensed_wording(self) -> bool:
        return self.wording == "licensed"

    def question(self, number: int) -> Question | None:
        for question in self.questions:
            if question.number == number:
                return question
        return None


def _require(data: Mapping[str, Any], name: str, kind: type, where: str) -> Any:
    if name not in data:
        raise ChecklistError(f"{where}: '{name}' is missing.")
    value = data[name]
    if kind is int and isinstance(value, bool):
        raise ChecklistError(f"{where}: '{name}' must be a whole number.")
    if not isinstance(value, kind):
        raise ChecklistError(f"{where}: '{name}' must be {_kind_name(kind)}.")
    if isinstance(value, str) and not value.strip():
        raise ChecklistError(f"{where}: '{name}' is empty.")
    return value


def _kind_name(kind: type) -> str:
    return {
        str: "text",
        int: "a whole number",
        list: "a list",
        dict: "an object",
        bool: "true or false",
    }[kind]


def parse_checklist(data: Any, *, source: str = "the checklist file") -> Checklist:
    """Check a checklist definition and build it. Every problem is named, with where it is.

    >>> parse_checklist({"id": "x"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    accord.casework.dash.ChecklistError: the checklist file: 'version' is missing.
    """
    if not isinstance(data, dict):
        raise ChecklistError(f"{source}: the file must hold one JSON object.")
    checklist_id = _require(data, "id", str, source)
    version = _require(data, "version", str, source)
    key = f"{checklist_id}@{version}"
    if len(key) > MAX_KEY_LENGTH:
        raise ChecklistError(
            f"{source}: 'id' and 'version' together ({key!r}) must be at most "
            f"{MAX_KEY_LENGTH - 1} characters."
        )
    wording = _require(data, "wording", str, source)
    if wording not in {"licensed", "topic_labels"}:
        raise ChecklistError(f"{source}: 'wording' must be 'licensed' or 'topic_labels'.")
    raw_questions = _require(data, "questions", list, source)
    if not raw_questions:
        raise ChecklistError(f"{source}: 'questions' is empty.")
    questions: list[Question] = []
    for index, raw in enumerate(raw_questions, start=1):
        where = f"{source}: question {index} in the list"
        if not isinstance(raw, dict):
            raise ChecklistError(f"{where} must be an object.")
        number = _require(raw, "number", int, where)
        if number != index:
            raise ChecklistError(
                f"{where} has number {number}; questions must be numbered 1, 2, 3… in order."
            )
        questions.append(
            Question(
                number=number,
                topic=_require(raw, "topic", str, where).strip(),
                text=_require(raw, "text", str, where).strip(),
            )
        )
    threshold = _require(data, "high_risk_threshold", int, source)
    if not 1 <= threshold <= len(questions):
        raise ChecklistError(
            f"{source}: 'high_risk_threshold' is {threshold}; it must be between 1 and the "
            f"number of questions ({len(questions)})."
        )
    raw_escalation = _require(data, "escalation", dict, source)
    escalation = EscalationRule(
        description=_require(raw_escalation, "description", str, f"{source}: escalation").strip(),
        confirm_locally=_require(raw_escalation, "confirm_locally", bool, f"{source}: escalation"),
    )
    return Checklist(
        id=checklist_id,
        version=version,
        title=_require(data, "title", str, source).strip(),
        source=_require(data, "source", str, source).strip(),
        licence=_require(data, "licence", str, source).strip(),
        wording=wording,
        threshold=threshold,
        questions=tuple(questions),
        escalation=escalation,
    )


def configured_path() -> Path:
    return Path(getattr(settings, SETTING, None) or DEFAULT_PATH)


@lru_cache(maxsize=8)
def _load(path: str, modified_ns: int) -> Checklist:
    # The modification time is part of the cache key, so a replaced file is read again.
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ChecklistError(
            f"{path}: cannot read the checklist file ({error.strerror})."
        ) from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ChecklistError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from error
    return parse_checklist(data, source=path)


def load_checklist(path: Path | str | None = None) -> Checklist:
    """The checklist at ``path``, or the configured one (the setting, else the default file)."""
    chosen = Path(path) if path is not None else configured_path()
    try:
        modified_ns = chosen.stat().st_mtime_ns
    except OSError as error:
        raise ChecklistError(
            f"{chosen}: the checklist file does not exist or cannot be read ({error.strerror}). "
            f"Check the {SETTING} setting."
        ) from error
    return _load(str(chosen), modified_ns)


# --- The arithmetic -----------------------------------------------------------------------


def validate_answers(checklist: Checklist, answers: Mapping[str, str]) -> dict[str, str]:
    """Exactly one answer per question, each yes / no / not known; a clean copy comes back."""
    expected = [question.key for question in checklist.questions]
    unknown = sorted(set(answers) - set(expected), key=lambda key: (len(key), key))
    if unknown:
        raise AnswersError(
            f"These are not questions on the checklist: {', '.join(unknown)}. "
            "Start the checklist again."
        )
    missing = [key for key in expected if not answers.get(key)]
    if missing:
        raise AnswersError(
            f"Answer every question. Not answered: {', '.join(missing)}. "
            "Choose 'Not known' if the client does not know or did not want to say."
        )
    wrong = [key for key in expected if answers[key] not in ANSWER_VALUES]
    if wrong:
        raise AnswersError(
            f"Questions {', '.join(wrong)} have an answer that is not Yes, No or Not known."
        )
    return {key: answers[key] for key in expected}


@dataclass(frozen=True)
class Counts:
    yes: int
    no: int
    not_known: int


def count_answers(answers: Mapping[str, str]) -> Counts:
    """How many of each answer.

    >>> count_answers({"1": "yes", "2": "no", "3": "not_known", "4": "yes"})
    Counts(yes=2, no=1, not_known=1)
    """
    tally = Counter(answers.values())
    return Counts(yes=tally[YES], no=tally[NO], not_known=tally[NOT_KNOWN])


def high_risk_by_count(yes_count: int, threshold: int) -> bool:
    """'Visible high risk': the number of 'yes' answers reaches the threshold.

    >>> high_risk_by_count(13, 14), high_risk_by_count(14, 14)
    (False, True)
    """
    return yes_count >= threshold


@dataclass(frozen=True)
class MaracPrompt:
    """Whether the checklist points to a MARAC referral, and by which routes."""

    by_count: bool
    professional_judgement: bool
    potential_escalation: bool

    @property
    def refer(self) -> bool:
        return self.by_count or self.professional_judgement or self.potential_escalation

    @property
    def routes(self) -> list[str]:
        named = [
            (self.by_count, "the number of 'yes' answers"),
            (self.professional_judgement, "professional judgement"),
            (self.potential_escalation, "potential escalation"),
        ]
        return [label for on, label in named if on]


def marac_prompt(
    yes_count: int, *, threshold: int, professional_judgement: bool, potential_escalation: bool
) -> MaracPrompt:
    """Refer to MARAC when any route applies: the count, professional judgement, escalation.

    >>> marac_prompt(3, threshold=14, professional_judgement=True,
    ...              potential_escalation=False).refer
    True
    >>> marac_prompt(13, threshold=14, professional_judgement=False,
    ...              potential_escalation=False).refer
    False
    """
    return MaracPrompt(
        by_count=high_risk_by_count(yes_count, threshold),
        professional_judgement=professional_judgement,
        potential_escalation=potential_escalation,
    )
