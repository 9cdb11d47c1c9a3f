"""Demo plans come from published commitments, each with its provenance."""

from __future__ import annotations

import pytest

from accord.plan import services
from accord.plan.demo import DATA, demo_plans, load_demo_plans
from accord.plan.models import Commitment, Plan
from tests.plan.factories import people

pytestmark = pytest.mark.django_db


def test_every_demo_plan_and_quotation_has_its_source() -> None:
    provenance = (DATA.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    for plan in demo_plans():
        assert plan["source_url"].startswith("https://"), plan["slug"]
        assert plan["slug"] in provenance or plan["title"] in provenance, plan["slug"]
        for item in plan["commitments"]:
            if item.get("source_quote"):
                assert item.get("source_reference"), (plan["slug"], item["number"])


def test_loading_the_demo_plans_twice_gives_the_same_published_plans() -> None:
    who = people()
    assert load_demo_plans(who.owner, who.partner) == len(demo_plans())
    assert load_demo_plans(who.owner, who.partner) == 0
    assert Plan.objects.filter(published=True).count() == len(demo_plans())
    expected = sum(len(p["commitments"]) for p in demo_plans())
    assert Commitment.objects.filter(published=True).count() == expected
    contested = [c for c in Commitment.objects.all() if services.is_contested(c)]
    assert len(contested) == 1
    partner_org = who.partner.membership.organisation
    assert all(partner_org in c.co_owners.all() for c in Commitment.objects.all())
