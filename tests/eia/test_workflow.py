"""Partner review, two-person sign-off and publication of an assessment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.eia import services
from accord.eia.models import Assessment
from accord.eia.services import EiaError
from accord.eia.vocabularies import AssessmentStatus
from accord.policy.roles import OrgKind, Role
from tests.eia.factories import assessment_in_review
from tests.factories import person
from tests.plan.factories import make_commitment, make_plan, people

pytestmark = pytest.mark.django_db


def test_review_sign_off_by_two_people_and_publication() -> None:
    who = people()
    assessment = assessment_in_review(who)
    second_owner = person(OrgKind.POLICE, Role.PLAN_OWNER)
    with pytest.raises(EiaError, match="Only VAWG partners"):
        services.review_comment(None, assessment, section="aims", text="x", by=who.owner)
    comment = services.review_comment(
        None,
        assessment,
        section="data_gaps",
        text="Say there is no data on immigration status.",
        by=who.partner,
    )
    with pytest.raises(EiaError, match="1 partner comment still waits for a response"):
        services.approve(None, assessment, by=who.owner)
    with pytest.raises(EiaError, match="Say what changed"):
        services.respond_review(None, comment, outcome="changed", reason="Agreed.", by=who.analyst)
    services.respond_review(
        None,
        comment,
        outcome="changed",
        reason="Agreed.",
        change_made="The gap is recorded and monitored.",
        by=who.analyst,
    )
    with pytest.raises(EiaError, match="Only police plan owners sign"):
        services.approve(None, assessment, by=who.analyst)
    services.approve(None, assessment, by=who.owner)
    with pytest.raises(EiaError, match="needs someone else"):
        services.approve(None, assessment, by=who.owner)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.IN_REVIEW
    with pytest.raises(EiaError, match="Only an approved assessment"):
        services.publish(None, assessment, by=who.owner)
    services.approve(None, assessment, by=second_owner)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED
    services.publish(None, assessment, by=who.owner)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.PUBLISHED and assessment.published_at

    page = Client().get(reverse("public_assessment", args=[assessment.uid]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Say there is no data on immigration status." in body
    assert "The gap is recorded and monitored." in body
    assert who.partner.membership.organisation.name in body
    assert who.partner.display_name not in body and who.owner.display_name not in body


def test_only_published_assessments_are_public_and_commitments_link_published_ones() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    initiative = services.create_initiative(
        None, title="T", description="D", kind="new", commitments=[commitment], by=who.analyst
    )
    draft = services.start_assessment(None, initiative, by=who.analyst)
    assert Client().get(reverse("public_assessment", args=[draft.uid])).status_code == 404
    Assessment.objects.filter(pk=draft.pk).update(status=AssessmentStatus.PUBLISHED)
    page = Client().get(reverse("public_assessment", args=[draft.uid])).content.decode()
    assert reverse("public_commitment", args=[plan.slug, commitment.uid]) in page


def test_mitigations_become_milestones_of_the_commitments_the_initiative_serves() -> None:
    import datetime as dt

    from django.utils import timezone

    who = people()
    plan = make_plan(who.owner)
    served = make_commitment(plan, who.owner, "1")
    other = make_commitment(plan, who.owner, "2")
    initiative = services.create_initiative(
        None, title="T", description="D", kind="new", commitments=[served], by=who.analyst
    )
    draft = services.start_assessment(None, initiative, by=who.analyst)
    due = timezone.localdate() + dt.timedelta(days=30)
    values = {
        "kind": "mitigation",
        "text": "Supervisors review every search of a Black Londoner",
        "owner_title": "Superintendent, Professionalism",
        "due_on": due,
        "group": "race",
    }
    with pytest.raises(EiaError, match="Choose a commitment this initiative serves"):
        services.add_plan_action(None, draft, commitment=other, by=who.analyst, **values)
    with pytest.raises(EiaError, match="Only police plan owners and analysts"):
        services.add_plan_action(None, draft, commitment=served, by=who.partner, **values)
    action = services.add_plan_action(None, draft, commitment=served, by=who.analyst, **values)
    milestone = served.milestones.get()
    assert action.milestone == milestone and milestone.due_on == due
    assert milestone.title.startswith("Equality mitigation: Supervisors review")
    assert "Superintendent, Professionalism" in milestone.title
    client = Client()
    client.force_login(who.partner, backend="allauth.account.auth_backends.AuthenticationBackend")
    page = client.get(reverse("commitment_detail", args=[plan.slug, served.uid])).content.decode()
    assert "Equality mitigation: Supervisors review" in page


def test_the_changes_between_versions_and_the_review_state() -> None:
    import datetime as dt

    from accord.eia import versions

    who = people()
    initiative = services.create_initiative(
        None, title="T", description="D", kind="new", by=who.analyst
    )
    first = services.start_assessment(None, initiative, by=who.analyst)
    services.save_sections(None, first, aims="Fewer searches without grounds.", by=who.analyst)
    Assessment.objects.filter(pk=first.pk).update(status=AssessmentStatus.PUBLISHED)
    first.refresh_from_db()
    second = services.start_assessment(None, initiative, by=who.analyst)
    services.save_sections(
        None, second, aims="Fewer searches without lawful grounds.", by=who.analyst
    )
    services.rate_impact(
        None, second, group="age", impact="neutral", reasoning="Adults only.", by=who.analyst
    )
    found = {c.label: c for c in versions.changes(first, second)}
    assert set(found) == {"Aims", "Impact on age"}
    added = [p.text for p in found["Aims"].pieces if p.kind == "added"]
    assert added == ["lawful "] or "".join(added).strip() == "lawful"
    client = Client()
    client.force_login(who.partner, backend="allauth.account.auth_backends.AuthenticationBackend")
    page = client.get(reverse("assessment_diff", args=[second.uid])).content.decode()
    assert "<ins>" in page and "lawful" in page
    assert client.get(reverse("assessment_diff", args=[first.uid])).status_code == 404

    today = dt.date(2027, 1, 10)
    first.review_on = dt.date(2027, 1, 9)
    assert versions.review_state(first, today) == "overdue"
    first.review_on = dt.date(2027, 2, 1)
    assert versions.review_state(first, today) == "due"
    first.review_on = dt.date(2027, 6, 1)
    assert versions.review_state(first, today) == ""
