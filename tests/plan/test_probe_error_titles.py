"""Probe: a refused form's page title says "Error:" once.

The title is the first thing a screen reader announces. The base template adds "Error: "
when the form has errors, and these pages added it again ("Error: Error: Start a plan").
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.urls import reverse

from accord.accounts.models import User
from tests.eia.factories import assessment_in_review
from tests.plan.factories import make_commitment, make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _plan_pages(who: object) -> dict[str, tuple[User, str]]:
    owner = who.owner  # type: ignore[attr-defined]
    plan = make_plan(owner)
    commitment = make_commitment(plan, owner)
    return {
        "plan_form": (owner, reverse("plan_new")),
        "plan_import": (owner, reverse("plan_import", args=[plan.slug])),
        "commitment_form": (owner, reverse("commitment_new", args=[plan.slug])),
        "plan step_form": (owner, reverse("milestone_new", args=[plan.slug, commitment.uid])),
    }


def _eia_pages(who: object) -> dict[str, tuple[User, str]]:
    assessment = assessment_in_review(who)
    draft = assessment.initiative.assessments.create(version=2)
    analyst, partner = who.analyst, who.partner  # type: ignore[attr-defined]
    return {
        "initiative_form": (analyst, reverse("initiative_new")),
        "impact_form": (analyst, reverse("impact_edit", args=[draft.uid, "sex"])),
        "eia step_form": (partner, reverse("review_comment_new", args=[assessment.uid])),
    }


PAGES: dict[str, Callable[[object], dict[str, tuple[User, str]]]] = {
    "plan": _plan_pages,
    "eia": _eia_pages,
}


@pytest.mark.parametrize("area", sorted(PAGES))
def test_a_refused_form_says_error_once_in_the_title(area: str) -> None:
    for template, (user, url) in PAGES[area](people()).items():
        # What a browser sends for a form left empty: the token and nothing else.
        response = client_for("x", {"x": user}).post(url, {"csrfmiddlewaretoken": "x"})
        assert response.status_code == 200, template
        found = re.search(r"<title>(.*?)</title>", response.content.decode())
        assert found is not None, template
        title = html.unescape(found.group(1))
        assert title.startswith("Error: ") and "Error: Error:" not in title, (template, title)
