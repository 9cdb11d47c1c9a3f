"""The demo assessments are built on the imported real data, through the app's own rules."""

from __future__ import annotations

import pytest

from accord.eia.demo import load_demo_eias
from accord.eia.models import Assessment
from accord.eia.vocabularies import AssessmentStatus
from accord.plan.demo import load_demo_plans
from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.monitoring.data import import_london
from tests.plan.factories import people

pytestmark = pytest.mark.django_db


def test_two_demo_assessments_on_the_real_data_once() -> None:
    who = people()
    second_owner = person(OrgKind.POLICE, Role.PLAN_OWNER)
    assert load_demo_eias(who.analyst, who.owner, second_owner, who.partner) == 0  # no data yet
    events, _population = import_london(who.analyst)
    assert load_demo_eias(who.analyst, who.owner, second_owner, who.partner) == 0  # no plan yet
    load_demo_plans(who.owner, who.partner)
    assert load_demo_eias(who.analyst, who.owner, second_owner, who.partner) == 2
    assert load_demo_eias(who.analyst, who.owner, second_owner, who.partner) == 0
    published = Assessment.objects.get(status=AssessmentStatus.PUBLISHED)
    analysis = published.analyses.get()
    assert "Black" in [d["group"] for d in analysis.flagged]
    # Partners asked for children's searches on their own: the published one is split by age.
    assert analysis.run.parameters["split"] == "age_band"
    assert "within" in analysis.run.result["tables"]
    assert analysis.datasets[0]["name"] == events.name
    assert published.approvals.count() == 2
    assert Assessment.objects.filter(status=AssessmentStatus.DRAFT).count() == 1
    kinds = sorted(a.kind for a in published.actions.all())
    assert kinds == ["mitigation", "monitoring"]
    assert all(a.milestone.commitment.plan.published for a in published.actions.all())
