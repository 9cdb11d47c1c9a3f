"""The one rule for answering a partner's comment, in the action plan and in assessments.

Partners co-produce the plan and its equality impact assessments. An answer with no
reasons, or one marked "accepted" that changed nothing, is the box-ticking partners said
they distrust. So both places check an answer with :func:`checked_answer`, and cannot drift
apart. Each keeps its own labels for the outcomes ("Accepted with changes",
"Changed the assessment"); the rule is on the values.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

#: An outcome that says nothing changed. Every other outcome must say what did.
DECLINED = "declined"


class AnswerRefused(ValueError):
    """An answer that breaks the rule; ``field`` names the form field to correct."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Answer:
    """An answer as it will be stored: outcome, reasons and what changed, trimmed."""

    outcome: str
    reason: str
    change_made: str


#: As long as a plan's texts may be; the answers are published beside the comments.
MAX_ANSWER = 10_000


def checked_answer(
    outcome: str, reason: str, change_made: str, *, outcomes: Collection[str]
) -> Answer:
    """The answer, trimmed, if it follows the rule.

    Every answer gives reasons. An accepted or changed comment says what changed. A declined
    one changed nothing, so it says nothing changed by leaving "what changed" empty.

    >>> checked_answer("declined", " Out of scope. ", "", outcomes={"declined"})
    Answer(outcome='declined', reason='Out of scope.', change_made='')

    Raises:
        AnswerRefused: with the first problem found, in the order the form asks.
    """
    if outcome not in outcomes:
        raise AnswerRefused("Choose what you did with the comment.", field="outcome")
    reason, change_made = reason.strip(), change_made.strip()
    if not reason:
        raise AnswerRefused("Give the reasons: every comment gets them.", field="reason")
    for name, text in (("reason", reason), ("change_made", change_made)):
        if len(text) > MAX_ANSWER:
            raise AnswerRefused(f"Keep this under {MAX_ANSWER:,} characters.", field=name)
    if outcome != DECLINED and not change_made:
        raise AnswerRefused("Say what changed because of this comment.", field="change_made")
    if outcome == DECLINED and change_made:
        raise AnswerRefused(
            "A declined comment changed nothing: leave 'what changed' empty.", field="change_made"
        )
    return Answer(outcome, reason, change_made)


__all__ = ["DECLINED", "Answer", "AnswerRefused", "checked_answer"]
