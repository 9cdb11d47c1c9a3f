"""Probe: a form sent twice (a double click, a resend after a slow page) records one thing.

Both answers say it is done: the person sees success, and the police do not get the same
comment to answer twice, nor the public page the same update twice.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.eia import services as eia_services
from accord.eia.models import PlanAction, ReviewComment
from accord.plan import services as plan_services
from accord.plan.models import Comment, Milestone, ProgressUpdate
from tests.eia.factories import assessment_in_review
from tests.plan.factories import make_commitment, make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    return client_for("x", {"x": user})


def _twice(client: Client, url: str, form: dict[str, str]) -> list[int]:
    return [client.post(url, form).status_code for _ in range(2)]


def test_a_partner_comment_sent_twice_is_kept_once() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    url = reverse("comment_new", args=[plan.slug, commitment.uid])
    form = {"section": "wording", "text": "Say when it starts."}
    assert _twice(_client(who.partner), url, form) == [302, 302]
    assert Comment.objects.filter(commitment=commitment).count() == 1


def test_a_progress_update_sent_twice_is_kept_once() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    url = reverse("progress_new", args=[plan.slug, commitment.uid])
    form = {
        "on": timezone.localdate().isoformat(),
        "status": "on_track",
        "progress": "30",
        "text": "Funding agreed in principle.",
    }
    assert _twice(_client(who.owner), url, form) == [302, 302]
    assert ProgressUpdate.objects.filter(commitment=commitment).count() == 1


def test_a_review_comment_sent_twice_is_kept_once() -> None:
    who = people()
    assessment = assessment_in_review(who)
    url = reverse("review_comment_new", args=[assessment.uid])
    form = {"section": "evidence", "text": "Which years do the figures cover?"}
    assert _twice(_client(who.partner), url, form) == [302, 302]
    assert ReviewComment.objects.filter(assessment=assessment).count() == 1


def test_a_milestone_sent_twice_is_kept_once() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    url = reverse("milestone_new", args=[plan.slug, commitment.uid])
    form = {"title": "Contract signed", "due_on": "2027-03-31"}
    assert _twice(_client(who.owner), url, form) == [302, 302]
    assert Milestone.objects.filter(commitment=commitment).count() == 1


def test_an_assessment_action_sent_twice_is_added_once() -> None:
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
    url = reverse("plan_action_new", args=[draft.uid])
    form = {
        "kind": "monitoring",
        "text": "Count arrests by ethnicity each quarter",
        "owner_title": "Head of Analysis",
        "due_on": "2027-03-31",
        "commitment": str(commitment.pk),
    }
    assert _twice(_client(who.analyst), url, form) == [302, 302]
    assert PlanAction.objects.filter(assessment=draft).count() == 1
    assert Milestone.objects.filter(commitment=commitment).count() == 1


def test_a_milestone_marked_done_again_keeps_the_day_it_was_done() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    milestone = plan_services.add_milestone(
        None, commitment, title="Contract signed", due_on=dt.date(2027, 3, 31), by=who.owner
    )
    done_on = timezone.localdate() - dt.timedelta(days=3)
    plan_services.complete_milestone(None, milestone, done_on=done_on, by=who.owner)
    url = reverse("milestone_done", args=[plan.slug, commitment.uid, milestone.uid])
    assert _client(who.owner).post(url).status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == done_on
