"""The same comment said again on purpose is kept; only a resend of the form is not.

A double click or a resend after a slow page sends the same comment from the same person
moments apart: it is recorded once (``RESENT_WITHIN``). Before, any comment with the same
words was taken for a resend, whoever wrote it and however long after: a colleague's
"Agreed." or a partner's "Still no start date." a month later was dropped, and the page
said it was recorded.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.eia.models import ReviewComment
from accord.plan.models import Comment, Plan
from accord.plan.services import RESENT_WITHIN
from accord.policy.roles import OrgKind, Role
from tests.eia.factories import assessment_in_review
from tests.factories import person
from tests.plan.factories import make_commitment, make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

LATER = RESENT_WITHIN + dt.timedelta(minutes=1)


def test_a_plan_comment_said_again_later_or_by_a_colleague_is_kept() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    url = reverse("comment_new", args=[plan.slug, commitment.uid])
    form = {"section": "wording", "text": "Still no start date."}
    partner = client_for("x", {"x": who.partner})
    assert partner.post(url, form).status_code == 302
    Comment.objects.update(created_at=timezone.now() - LATER)
    assert partner.post(url, form).status_code == 302
    colleague = person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)
    assert client_for("y", {"y": colleague}).post(url, form).status_code == 302
    assert Comment.objects.filter(commitment=commitment).count() == 3


def test_a_review_comment_said_again_later_or_by_a_colleague_is_kept() -> None:
    who = people()
    assessment = assessment_in_review(who)
    url = reverse("review_comment_new", args=[assessment.uid])
    form = {"section": "evidence", "text": "Agreed."}
    partner = client_for("x", {"x": who.partner})
    assert partner.post(url, form).status_code == 302
    ReviewComment.objects.update(created_at=timezone.now() - LATER)
    assert partner.post(url, form).status_code == 302
    colleague = person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)
    assert client_for("y", {"y": colleague}).post(url, form).status_code == 302
    assert ReviewComment.objects.filter(assessment=assessment).count() == 3


def test_a_new_plan_sent_twice_is_made_once_and_the_second_send_goes_to_it() -> None:
    """Before: the second send said "A plan already has this short name. Choose another.",
    and choosing another made a second plan."""
    who = people()
    url = reverse("plan_new")
    form = {"title": "VAWG plan 2027", "slug": "vawg-2027", "summary": "Draft."}
    owner = client_for("x", {"x": who.owner})
    first, second = owner.post(url, form), owner.post(url, form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("plan_detail", args=["vawg-2027"])
    assert Plan.objects.filter(slug="vawg-2027").count() == 1
    # Another person, or the same person with other words, still needs another name.
    colleague = client_for("y", {"y": person(OrgKind.POLICE, Role.PLAN_OWNER)})
    assert "A plan already has this short name" in colleague.post(url, form).content.decode()
    other = {**form, "title": "Another plan"}
    assert "A plan already has this short name" in owner.post(url, other).content.decode()
