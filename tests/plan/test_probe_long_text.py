"""Probe: over-long answers are refused on their field, never cut short in silence.

A partner's rating reasons were cut at 10,000 characters with "Your organisation's rating
is recorded."; a response's reasons had no limit at all.
"""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from accord.eia import services as eia_services
from accord.plan import services
from accord.plan.models import Comment, Milestone, PartnerRating
from tests.plan.factories import make_commitment, make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

TOO_LONG = "a" * 10_001
REFUSED = "Keep this under 10,000 characters."


def test_rating_reasons_over_the_limit_are_refused_not_cut() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    form = {
        "verifiability": "verifiable",
        "relevance": "relevant",
        "impact": "moderate",
        "completion": "limited",
        "status": "on_track",
        "comment": TOO_LONG,
    }
    client = client_for("x", {"x": who.partner})
    response = client.post(reverse("commitment_rate", args=[plan.slug, commitment.uid]), form)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert REFUSED in page
    assert TOO_LONG in page  # kept in the form, to shorten
    assert not PartnerRating.objects.exists()


def test_response_reasons_over_the_limit_are_refused() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    comment = services.add_comment(
        None, commitment, section="wording", text="When?", by=who.partner
    )
    client = client_for("x", {"x": who.owner})
    response = client.post(
        reverse("comment_respond", args=[plan.slug, commitment.uid, comment.uid]),
        {"outcome": "declined", "reason": TOO_LONG},
    )
    assert response.status_code == 200
    assert REFUSED in html.unescape(response.content.decode())
    assert not Comment.objects.filter(pk=comment.pk, response__isnull=False).exists()


def test_an_assessment_action_too_long_for_its_milestone_is_refused_not_cut() -> None:
    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    initiative = eia_services.create_initiative(
        None,
        title="Arrests",
        description="Policy.",
        kind="new",
        commitments=[commitment],
        by=who.analyst,
    )
    draft = eia_services.start_assessment(None, initiative, by=who.analyst)
    form = {
        "kind": "monitoring",
        "text": "t" * 250,
        "owner_title": "o" * 200,
        "due_on": "2027-03-31",
        "commitment": str(commitment.pk),
    }
    client = client_for("x", {"x": who.analyst})
    response = client.post(reverse("plan_action_new", args=[draft.uid]), form)
    assert response.status_code == 200
    assert (
        "Shorten what will be done or who will do it: in the action plan they are one "
        "milestone of at most 300 characters, and these make 481."
    ) in html.unescape(response.content.decode())
    assert not Milestone.objects.filter(commitment=commitment).exists()
