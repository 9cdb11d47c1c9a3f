"""Probe: plan imports that the commitment form would refuse are refused too, with the row
and column, and nothing is written."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from accord.accounts.models import User
from accord.plan import imports
from accord.plan.imports import ImportRefused
from accord.plan.models import Commitment, Plan
from tests.plan.factories import make_commitment, make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _by(plan: Plan) -> User:
    assert plan.created_by is not None
    return plan.created_by


def _refused(plan: Plan, text: str) -> list[str]:
    with pytest.raises(ImportRefused) as refused:
        imports.import_commitments(None, plan, text.encode(), by=_by(plan))
    return imports.describe(refused.value.problems)


@pytest.fixture
def plan() -> Plan:
    return make_plan(people().owner)


def test_a_null_character_in_a_cell_is_refused(plan: Plan) -> None:
    problems = _refused(plan, "number,title,statement\n1.1,Train\x00staff,All staff.\n")
    assert problems == [
        "Row 2, column 'title': the cell has a null character (an invisible character that "
        "comes from a damaged file). Remove it."
    ]
    assert not Commitment.objects.filter(plan=plan).exists()


def test_two_commitments_that_are_each_part_of_the_other_are_refused(plan: Plan) -> None:
    problems = _refused(plan, "number,title,statement,parent\n1.1,A,Do A.,1.2\n1.2,B,Do B.,1.1\n")
    assert problems == [
        "Row 2, column 'parent': 1.2 is itself part of 1.1. A commitment can only be part "
        "of one that stands on its own.",
        "Row 3, column 'parent': 1.1 is itself part of 1.2. A commitment can only be part "
        "of one that stands on its own.",
    ]
    assert not Commitment.objects.filter(plan=plan).exists()


def test_a_sub_action_of_a_sub_action_is_refused(plan: Plan) -> None:
    parent = make_commitment(plan, _by(plan), "1.1")
    child = make_commitment(plan, _by(plan), "1.2")
    Commitment.objects.filter(pk=child.pk).update(parent=parent)
    problems = _refused(plan, "number,title,statement,parent\n1.3,C,Do C.,1.2\n")
    assert problems == [
        "Row 2, column 'parent': 1.2 is itself part of 1.1. A commitment can only be part "
        "of one that stands on its own."
    ]
    assert not Commitment.objects.filter(plan=plan, number="1.3").exists()


def test_a_commitment_with_sub_actions_cannot_become_a_sub_action(plan: Plan) -> None:
    top = make_commitment(plan, _by(plan), "1.1")
    child = make_commitment(plan, _by(plan), "1.2")
    Commitment.objects.filter(pk=child.pk).update(parent=top)
    make_commitment(plan, _by(plan), "1.3")
    problems = _refused(plan, "number,title,statement,parent\n1.1,A,Do A.,1.3\n")
    assert problems == [
        "Row 2, column 'parent': 1.2 is part of 1.1, so 1.1 cannot be part of another commitment."
    ]
    top.refresh_from_db()
    assert top.parent is None


def test_the_commitment_form_keeps_sub_actions_one_level_deep(plan: Plan) -> None:
    """The form offers only commitments that stand on their own as parents, but a commitment
    that has sub-actions could still be made part of another one."""
    top = make_commitment(plan, _by(plan), "1.1")
    child = make_commitment(plan, _by(plan), "1.2")
    Commitment.objects.filter(pk=child.pk).update(parent=top)
    other = make_commitment(plan, _by(plan), "1.3")
    client = client_for("x", {"x": _by(plan)})
    form = {"number": "1.1", "title": "A", "statement": "Do A.", "parent": str(other.pk)}
    response = client.post(reverse("commitment_edit", args=[plan.slug, top.uid]), form)
    assert response.status_code == 200
    assert "1.2 is part of 1.1, so 1.1 cannot be part of another commitment." in html.unescape(
        response.content.decode()
    )
    top.refresh_from_db()
    assert top.parent is None


def test_a_cell_too_long_to_read_is_named_with_its_own_row(plan: Plan) -> None:
    text = "number,title,statement\n1.1,A,Do A.\n1.2,B," + "s" * 140_000 + "\n"
    assert _refused(plan, text) == [
        "Row 3: a cell has over 131,072 characters. A commitment's texts are at most 10,000."
    ]
    assert not Commitment.objects.filter(plan=plan).exists()
