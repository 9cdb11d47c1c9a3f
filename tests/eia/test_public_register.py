"""The public can find every published assessment, and only published ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.eia import published, services
from accord.eia.models import Assessment, AttachedAnalysis
from accord.eia.vocabularies import AssessmentStatus
from accord.monitoring.services import start_analysis
from accord.policy.roles import OrgKind, Role
from tests.eia.factories import assessment_in_review, published_assessment
from tests.factories import person
from tests.monitoring.data import PARAMS, import_london
from tests.plan.factories import make_commitment, make_plan, people

pytestmark = pytest.mark.django_db


def test_the_register_lists_published_versions_only_latest_first() -> None:
    who = people()
    second = person(OrgKind.POLICE, Role.PLAN_OWNER)
    first = published_assessment(who, second, title="Arrests")
    replaced = published_assessment(who, second, initiative=first.initiative)
    services.start_assessment(None, first.initiative, by=who.analyst)  # version 3, a draft
    assessment_in_review(who, title="Under review")
    approved = assessment_in_review(who, title="Approved only")
    services.approve(None, approved, by=who.owner)
    services.approve(None, approved, by=second)
    assert Assessment.objects.get(pk=approved.pk).status == AssessmentStatus.APPROVED

    entries = published.register(timezone.localdate())
    assert [e.initiative.title for e in entries] == ["Arrests"]
    assert entries[0].latest == replaced and replaced.version == 2
    assert entries[0].earlier == [first]

    page = Client().get(reverse("public_eia_register")).content.decode()
    assert reverse("public_assessment", args=[replaced.uid]) in page
    assert reverse("public_assessment", args=[first.uid]) in page
    assert "Under review" not in page and "Approved only" not in page


def test_a_replaced_version_says_so_and_links_to_the_new_one() -> None:
    who = people()
    second = person(OrgKind.POLICE, Role.PLAN_OWNER)
    first = published_assessment(who, second)
    old_page = Client().get(reverse("public_assessment", args=[first.uid])).content.decode()
    assert "This version has been replaced" not in old_page
    newer = published_assessment(who, second, initiative=first.initiative)
    old_page = Client().get(reverse("public_assessment", args=[first.uid])).content.decode()
    assert "This version has been replaced" in old_page
    assert reverse("public_assessment", args=[newer.uid]) in old_page
    new_page = Client().get(reverse("public_assessment", args=[newer.uid])).content.decode()
    assert "This version has been replaced" not in new_page


def test_the_register_says_what_was_found_and_whether_review_is_overdue() -> None:
    who = people()
    second = person(OrgKind.POLICE, Role.PLAN_OWNER)
    assessment = published_assessment(who, second)
    assessment.impacts.filter(group__in=["race", "immigration"]).update(impact="negative")
    events, population = import_london(who.analyst)
    run = start_analysis(None, who.analyst, events, population, dict(PARAMS))
    flags = [{"group": "Black"}, {"group": "Other"}]
    AttachedAnalysis.objects.create(
        assessment=assessment, run=run, group="race", reference="White", flagged=flags
    )
    today = timezone.localdate()
    Assessment.objects.filter(pk=assessment.pk).update(review_on=today - dt.timedelta(days=1))

    (entry,) = published.register(today)
    assert entry.harmed == ["Race", "Immigration status"]
    assert entry.disparities == 2
    assert entry.review_overdue
    page = Client().get(reverse("public_eia_register")).content.decode()
    assert "Harm found for: Race, Immigration status." in page
    assert "2 significant disparities in the data." in page
    assert "Review overdue" in page


def test_home_and_commitment_pages_lead_to_published_assessments() -> None:
    who = people()
    second = person(OrgKind.POLICE, Role.PLAN_OWNER)
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    commitment.published = True
    commitment.save()
    home = Client().get("/").content.decode()
    assert reverse("public_eia_register") not in home
    commitment_url = reverse("public_commitment", args=[plan.slug, commitment.uid])
    assert "has been published yet" in Client().get(commitment_url).content.decode()

    assessment = published_assessment(who, second)
    assessment.initiative.commitments.add(commitment)
    assert reverse("public_eia_register") in Client().get("/").content.decode()
    page = Client().get(commitment_url).content.decode()
    assert reverse("public_assessment", args=[assessment.uid]) in page
