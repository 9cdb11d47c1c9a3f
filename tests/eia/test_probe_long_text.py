"""Probe: assessment texts have a length limit, said on the field.

Without one, a 2 MB section was accepted, and the assessment's PDF (public once published)
then took most of a minute to make.
"""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from accord.eia import services
from accord.eia.models import Assessment
from tests.plan.factories import people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

TOO_LONG = "a" * 20_001


def _draft() -> tuple[Assessment, object]:
    who = people()
    initiative = services.create_initiative(
        None, title="Arrests", description="Policy.", kind="new", by=who.analyst
    )
    return services.start_assessment(None, initiative, by=who.analyst), who


def test_a_section_over_the_limit_is_refused_on_its_field() -> None:
    draft, who = _draft()
    client = client_for("x", {"x": who.analyst})  # type: ignore[attr-defined]
    response = client.post(
        reverse("assessment_edit", args=[draft.uid]), {"aims": "Safer.", "evidence": TOO_LONG}
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Keep this under 20,000 characters. It has 20,001." in page
    assert TOO_LONG in page  # what they wrote is still there, to shorten
    draft.refresh_from_db()
    assert (draft.aims, draft.evidence) == ("", "")


def test_an_impact_rating_over_the_limit_is_refused_on_its_field() -> None:
    draft, who = _draft()
    client = client_for("x", {"x": who.analyst})  # type: ignore[attr-defined]
    response = client.post(
        reverse("impact_edit", args=[draft.uid, "sex"]),
        {"impact": "neutral", "reasoning": TOO_LONG},
    )
    assert response.status_code == 200
    assert "Keep this under 20,000 characters. It has 20,001." in response.content.decode()
    assert not draft.impacts.exists()
