"""Live evidence in an assessment: an attached analysis that flags a disparity blocks
submission until that group's impact is rated with a mitigation or justification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accord.eia import services
from accord.eia.models import Assessment
from accord.eia.services import EiaError
from accord.eia.vocabularies import AssessmentStatus, Group
from accord.monitoring.services import start_analysis
from tests.monitoring.data import PARAMS, import_london
from tests.plan.factories import make_commitment, make_plan, people

pytestmark = pytest.mark.django_db


WRITTEN = {
    "aims": "Lawful searches only.",
    "affected": "Everyone searched in London.",
    "engagement": "Two by-and-for organisations were consulted.",
    "monitoring": "Ratios each quarter.",
    "review_on": dt.date(2027, 12, 1),
}


def _everything_but_race(draft: Assessment, by: object, evidence: str = "") -> None:
    for group in Group.values:
        if group != Group.RACE:
            services.rate_impact(
                None,
                draft,
                group=group,
                impact="neutral",
                reasoning="No difference expected.",
                by=by,  # type: ignore[arg-type]
            )
    services.save_sections(
        None,
        draft,
        decision="adjust",
        decision_reasons="Proceed with closer supervision.",
        evidence=evidence,
        **WRITTEN,
        by=by,  # type: ignore[arg-type]
    )


def test_a_flagged_disparity_blocks_submission_until_rated_with_a_response() -> None:
    who = people()
    events, population = import_london(who.analyst)
    run = start_analysis(None, who.analyst, events, population, dict(PARAMS))
    initiative = services.create_initiative(
        None,
        title="Stop and search in three boroughs",
        description="Searches.",
        kind="existing",
        lead_title="Commander, Frontline Policing",
        by=who.analyst,
    )
    draft = services.start_assessment(None, initiative, by=who.analyst)

    attached = services.attach_analysis(None, draft, run, by=who.analyst)
    assert attached.group == Group.RACE
    assert "Black" in [d["group"] for d in attached.flagged]
    assert {d["role"]: d["version"] for d in attached.datasets} == {
        "events": events.version,
        "population": population.version,
    }
    # Attached again (the form sent twice): the first attachment stands, once.
    assert services.attach_analysis(None, draft, run, by=who.analyst) == attached
    assert draft.analyses.filter(run=run).count() == 1

    _everything_but_race(draft, who.analyst)
    with pytest.raises(EiaError, match=r"significant disparity \(.*Black.*\): rate the impact"):
        services.submit_for_review(None, draft, by=who.analyst)
    services.rate_impact(
        None,
        draft,
        group="race",
        impact="neutral",
        reasoning="Searches follow crime.",
        by=who.analyst,
    )
    with pytest.raises(EiaError, match="record a mitigation or a justification for race"):
        services.submit_for_review(None, draft, by=who.analyst)
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT

    services.rate_impact(
        None,
        draft,
        group="race",
        impact="negative",
        reasoning="Black Londoners are searched at several times the rate of White Londoners.",
        response="Every search is reviewed by a supervisor; partners sit on the scrutiny panel.",
        by=who.analyst,
    )
    services.submit_for_review(None, draft, by=who.analyst)
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.IN_REVIEW


def test_without_an_attached_disparity_only_the_ordinary_checks_apply() -> None:
    who = people()
    initiative = services.create_initiative(
        None,
        title="Training",
        description="Train officers.",
        kind="new",
        lead_title="Head of Learning",
        by=who.analyst,
    )
    draft = services.start_assessment(None, initiative, by=who.analyst)
    with pytest.raises(EiaError, match="12 groups still to rate"):
        services.submit_for_review(None, draft, by=who.analyst)
    _everything_but_race(draft, who.analyst, evidence="Training feedback forms.")
    services.rate_impact(
        None,
        draft,
        group="race",
        impact="unknown",
        reasoning="No data by ethnicity yet.",
        by=who.analyst,
    )
    # A gap in the data must become a monitoring action in the action plan first.
    with pytest.raises(EiaError, match="gap in the data: add a monitoring action"):
        services.submit_for_review(None, draft, by=who.analyst)
    commitment = make_commitment(make_plan(who.owner), who.owner)
    initiative.commitments.add(commitment)
    services.add_plan_action(
        None,
        draft,
        kind="monitoring",
        text="Record ethnicity in training feedback",
        owner_title="Head of Learning",
        due_on=timezone.localdate(),
        commitment=commitment,
        by=who.analyst,
    )
    services.submit_for_review(None, draft, by=who.analyst)
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.IN_REVIEW


def test_the_pages_attach_an_analysis_and_show_the_block() -> None:
    from django.test import Client
    from django.urls import reverse

    who = people()
    events, population = import_london(who.analyst)
    run = start_analysis(None, who.analyst, events, population, dict(PARAMS))
    initiative = services.create_initiative(
        None, title="Searches", description="Searches.", kind="existing", by=who.analyst
    )
    draft = services.start_assessment(None, initiative, by=who.analyst)
    client = Client()
    client.force_login(who.analyst, backend="allauth.account.auth_backends.AuthenticationBackend")
    attach = reverse("analysis_attach", args=[draft.uid])
    assert "Choose an analysis to attach." in client.post(attach, {"run": ""}).content.decode()
    assert "Choose an analysis to attach." in client.post(attach, {"run": "x"}).content.decode()
    assert client.post(attach, {"run": str(run.pk)}).status_code == 302
    _everything_but_race(draft, who.analyst)
    page = client.get(reverse("assessment_detail", args=[draft.uid])).content.decode()
    assert "Significant disparities" in page and "It cannot go to partners yet" in page
    refused = client.post(reverse("assessment_submit", args=[draft.uid]), follow=True)
    assert "rate the impact on race" in refused.content.decode()
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.DRAFT


def test_every_part_of_a_good_assessment_must_be_written_before_partners_see_it() -> None:
    """EIA.md: who decides, aims, who it affects, evidence, engagement, monitoring, review."""
    who = people()
    initiative = services.create_initiative(
        None,
        title="Training",
        description="Train officers.",
        kind="new",
        by=who.analyst,
    )
    draft = services.start_assessment(None, initiative, by=who.analyst)
    for group in Group.values:
        services.rate_impact(
            None,
            draft,
            group=group,
            impact="positive",
            reasoning="Better practice.",
            by=who.analyst,
        )
    services.save_sections(
        None, draft, decision="proceed", decision_reasons="It helps.", by=who.analyst
    )
    assert services.blockers(draft) == [
        "Write the aims of the initiative.",
        "Say who it affects, where and when.",
        "Say who was consulted, what they said and what changed.",
        "Say what will be monitored, and how often.",
        "Describe the evidence, or attach an analysis.",
        "Give the date by which the assessment will be reviewed.",
        "Name who decides on the initiative (a post, not a name) on its page.",
    ]
    with pytest.raises(EiaError, match="Write the aims of the initiative"):
        services.submit_for_review(None, draft, by=who.analyst)
    services.save_sections(None, draft, **WRITTEN, by=who.analyst)
    services.update_initiative(
        None,
        initiative,
        title="Training",
        description="Train officers.",
        kind="new",
        lead_title="Head of Learning",
        by=who.analyst,
    )
    draft.refresh_from_db()
    assert services.blockers(draft) == ["Describe the evidence, or attach an analysis."]
    services.save_sections(None, draft, evidence="Training feedback.", by=who.analyst)
    assert services.blockers(draft) == []
    # Blank space is not writing.
    services.save_sections(None, draft, engagement="   ", by=who.analyst)
    assert services.blockers(draft) == ["Say who was consulted, what they said and what changed."]
    services.save_sections(None, draft, engagement="Partners' forum, May.", by=who.analyst)
    services.submit_for_review(None, draft, by=who.analyst)
    assert Assessment.objects.get(pk=draft.pk).status == AssessmentStatus.IN_REVIEW
