"""The register of initiatives and the assessment's structure: who writes, what is required."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.eia import services
from accord.eia.models import Assessment, ImpactRating, Initiative
from accord.eia.services import EiaError
from accord.eia.vocabularies import PROTECTED, AssessmentStatus, Group
from tests.plan.factories import make_commitment, make_plan, people

pytestmark = pytest.mark.django_db


def initiative(by: User, **extra: Any) -> Initiative:
    values = {
        "title": "Stop and search review",
        "description": "Review every search.",
        "kind": "existing",
    }
    values.update(extra)
    return services.create_initiative(None, by=by, **values)


def test_the_groups_are_the_nine_protected_characteristics_and_three_more() -> None:
    assert len(PROTECTED) == 9
    added = [g for g in Group if g not in PROTECTED]
    assert added == [Group.IMMIGRATION, Group.SOCIO_ECONOMIC, Group.INTERSECTIONS]


def test_police_author_partners_read() -> None:
    who = people()
    with pytest.raises(EiaError, match="Only police plan owners and analysts"):
        initiative(who.partner)
    with pytest.raises(EiaError, match="Say what the initiative does") as refused:
        initiative(who.analyst, description=" ")
    assert refused.value.field == "description"
    made = initiative(who.analyst, boroughs=["Lambeth", "Lambeth", "Brent"])
    assert made.boroughs == ["Brent", "Lambeth"]
    assert made.owner == who.analyst.membership.organisation


def test_one_draft_at_a_time_and_a_new_version_carries_the_text_forward() -> None:
    who = people()
    found = initiative(who.analyst)
    first = services.start_assessment(None, found, by=who.analyst)
    with pytest.raises(EiaError, match="Version 1 is still being written"):
        services.start_assessment(None, found, by=who.analyst)
    services.save_sections(None, first, aims="Fewer unjustified searches.", by=who.analyst)
    services.rate_impact(
        None,
        first,
        group="race",
        impact="negative",
        reasoning="Black Londoners are searched at 3 times the rate of White Londoners.",
        response="Supervisors review every search.",
        by=who.analyst,
    )
    Assessment.objects.filter(pk=first.pk).update(status=AssessmentStatus.PUBLISHED)
    first.refresh_from_db()
    with pytest.raises(EiaError, match="Only a draft can be changed"):
        services.save_sections(None, first, aims="x", by=who.analyst)
    second = services.start_assessment(None, found, by=who.analyst)
    assert (second.version, second.aims) == (2, "Fewer unjustified searches.")
    assert second.impacts.get().response == "Supervisors review every search."
    assert ImpactRating.objects.count() == 2


def test_a_negative_impact_needs_a_mitigation_or_justification() -> None:
    who = people()
    draft = services.start_assessment(None, initiative(who.analyst), by=who.analyst)
    with pytest.raises(EiaError, match="needs a mitigation") as refused:
        services.rate_impact(
            None,
            draft,
            group="immigration",
            impact="negative",
            reasoning="Fear of reporting.",
            by=who.analyst,
        )
    assert refused.value.field == "response"
    with pytest.raises(EiaError, match="evidence and reasoning"):
        services.rate_impact(
            None, draft, group="immigration", impact="unknown", reasoning="", by=who.analyst
        )
    services.rate_impact(
        None,
        draft,
        group="immigration",
        impact="unknown",
        reasoning="No data on immigration status: a gap to monitor.",
        by=who.analyst,
    )
    assert Group.IMMIGRATION not in services.unrated(draft)
    assert len(services.unrated(draft)) == len(Group) - 1
    with pytest.raises(EiaError, match="Give the reasons for the decision"):
        services.save_sections(None, draft, decision="stop", decision_reasons="", by=who.analyst)


def test_a_commitment_shows_the_initiatives_and_assessments_behind_it() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    found = initiative(who.analyst, commitments=[commitment])
    assessment = services.start_assessment(None, found, by=who.analyst)
    client = Client()
    client.force_login(who.partner, backend="allauth.account.auth_backends.AuthenticationBackend")
    page = client.get(
        reverse("commitment_detail", args=[plan.slug, commitment.uid])
    ).content.decode()
    assert reverse("initiative_detail", args=[found.uid]) in page
    assert reverse("assessment_detail", args=[assessment.uid]) in page
    detail = client.get(reverse("initiative_detail", args=[found.uid])).content.decode()
    assert reverse("commitment_detail", args=[plan.slug, commitment.uid]) in detail
    register = client.get(reverse("eia_register")).content.decode()
    assert "Version 1: Draft" in register


def test_rating_a_group_through_the_pages() -> None:
    who = people()
    draft = services.start_assessment(None, initiative(who.analyst), by=who.analyst)
    client = Client()
    client.force_login(who.analyst, backend="allauth.account.auth_backends.AuthenticationBackend")
    url = reverse("impact_edit", args=[draft.uid, "race"])
    refused = client.post(url, {"impact": "negative", "reasoning": "Searched 3 times as often."})
    assert "needs a mitigation" in refused.content.decode()
    assert not ImpactRating.objects.exists()
    saved = client.post(
        url,
        {"impact": "negative", "reasoning": "Searched 3 times as often.", "response": "Review."},
    )
    assert saved.status_code == 302
    page = client.get(reverse("assessment_detail", args=[draft.uid])).content.decode()
    assert "Searched 3 times as often." in page and "11 groups not rated yet." in page
    assert client.get(reverse("impact_edit", args=[draft.uid, "shoe-size"])).status_code == 404


def test_an_initiative_is_changed_to_serve_a_commitment() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    found = initiative(who.analyst)
    client = Client()
    client.force_login(who.analyst, backend="allauth.account.auth_backends.AuthenticationBackend")
    url = reverse("initiative_edit", args=[found.uid])
    assert "Stop and search review" in client.get(url).content.decode()
    saved = client.post(
        url,
        {
            "title": "Stop and search review",
            "description": "Review every search.",
            "kind": "existing",
            "commitments": [commitment.pk],
            "boroughs": ["Lambeth"],
        },
    )
    assert saved.status_code == 302
    found.refresh_from_db()
    assert list(found.commitments.all()) == [commitment] and found.boroughs == ["Lambeth"]


def test_the_assessment_page_has_its_sections_once_and_a_plain_title() -> None:
    import re

    who = people()
    draft = services.start_assessment(None, initiative(who.analyst), by=who.analyst)
    client = Client()
    client.force_login(who.analyst, backend="allauth.account.auth_backends.AuthenticationBackend")
    page = client.get(reverse("assessment_detail", args=[draft.uid])).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title is not None
    assert " ".join(title.group(1).split()) == "Assessment of Stop and search review – Accord"
    assert page.count('id="actions"') == 1 and page.count('id="submit"') == 1
