"""One rule for answering partners' comments, in the action plan and in assessments."""

from __future__ import annotations

import doctest

import pytest

from accord.eia import services as eia
from accord.eia.models import ReviewComment
from accord.eia.services import EiaError
from accord.plan import responses
from accord.plan import services as plan
from accord.plan.models import CommentResponse
from accord.plan.responses import AnswerRefused, checked_answer
from accord.plan.services import PlanError
from tests.eia.factories import assessment_in_review
from tests.plan.factories import make_commitment, make_plan, people

pytestmark = pytest.mark.django_db

OUTCOMES = ("accepted", "changed", "declined")
REFUSED = [
    ({"outcome": "maybe", "reason": "No.", "change_made": ""}, "outcome", "Choose what"),
    ({"outcome": "changed", "reason": "  ", "change_made": "x"}, "reason", "Give the reasons"),
    ({"outcome": "changed", "reason": "Fair.", "change_made": " "}, "change_made", "Say what"),
    ({"outcome": "accepted", "reason": "Fair.", "change_made": ""}, "change_made", "Say what"),
    ({"outcome": "declined", "reason": "No.", "change_made": "x"}, "change_made", "changed noth"),
]


@pytest.mark.parametrize(("values", "field", "message"), REFUSED)
def test_the_rule_names_the_field_to_correct(
    values: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(AnswerRefused, match=message) as refused:
        checked_answer(**values, outcomes=OUTCOMES)
    assert refused.value.field == field


def test_the_docstring_example_runs() -> None:
    result = doctest.testmod(responses)
    assert (result.attempted, result.failed) == (1, 0)


def test_an_answer_is_kept_trimmed() -> None:
    answer = checked_answer("changed", " Fair. ", "\tDated.\n", outcomes=OUTCOMES)
    assert (answer.outcome, answer.reason, answer.change_made) == ("changed", "Fair.", "Dated.")


def test_plan_and_assessment_refuse_the_same_answers_with_the_same_words() -> None:
    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    plan_comment = plan.add_comment(
        None, commitment, section="wording", text="Say by when.", by=who.partner
    )
    review_comment = eia.review_comment(
        None, assessment_in_review(who), section="data_gaps", text="Name the gap.", by=who.partner
    )
    for values, field, message in REFUSED:
        with pytest.raises(PlanError, match=message) as in_plan:
            plan.respond(None, plan_comment, by=who.owner, **values)
        with pytest.raises(EiaError, match=message) as in_assessment:
            eia.respond_review(None, review_comment, by=who.analyst, **values)
        assert str(in_plan.value) == str(in_assessment.value)
        assert in_plan.value.field == in_assessment.value.field == field
    assert not CommentResponse.objects.exists()
    review_comment.refresh_from_db()
    assert review_comment.outcome == ""


def test_an_assessment_comment_is_answered_once_even_from_a_stale_copy() -> None:
    who = people()
    comment = eia.review_comment(
        None, assessment_in_review(who), section="data_gaps", text="Name the gap.", by=who.partner
    )
    stale = ReviewComment.objects.get(pk=comment.pk)  # loaded before anyone answered
    eia.respond_review(
        None, comment, outcome="changed", reason="Agreed.", change_made="Named.", by=who.analyst
    )
    with pytest.raises(EiaError, match="already has a response"):
        eia.respond_review(None, stale, outcome="declined", reason="No.", by=who.owner)
    stored = ReviewComment.objects.get(pk=comment.pk)
    assert (stored.outcome, stored.change_made, stored.responded_by) == (
        "changed",
        "Named.",
        who.analyst,
    )
