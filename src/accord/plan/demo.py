"""Demo plans from real, published commitments (``data/demo_plans.toml``; sources and the
verbatim status of every quotation in ``data/PROVENANCE.md``).

The commitments and their wording are real; what happens to them in the demo (progress,
comments, ratings) is made up to show the workflow, and the demo pages say so in each
update's text. Loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.plan import services
from accord.plan.models import Plan
from accord.plan.vocabularies import PlanStatus

DATA = Path(__file__).parent / "data" / "demo_plans.toml"
DEMO_NOTE = "(Demo: this update is invented to show how Accord works.)"


def demo_plans() -> list[dict[str, Any]]:
    with DATA.open("rb") as handle:
        plans: list[dict[str, Any]] = tomllib.load(handle)["plans"]
    return plans


@transaction.atomic
def load_demo_plans(owner: User, partner: User) -> int:
    """Create the demo plans (published, adopted) for ``owner``'s force, co-owned with
    ``partner``'s organisation, with a little invented activity on the first plan."""
    partner_org: Organisation = services.organisation_of(partner)
    created = 0
    for spec in demo_plans():
        if Plan.objects.filter(slug=spec["slug"]).exists():
            continue
        plan = services.create_plan(
            None,
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            source_title=f"{spec['publisher']}: {spec['source_title']}",
            source_url=spec["source_url"],
            source_date=dt.date.fromisoformat(spec["source_date"]),
            by=owner,
        )
        plan.status, plan.published = PlanStatus.ADOPTED, True
        plan.save(update_fields=["status", "published"])
        themes = {
            t["number"]: services.add_theme(plan, t["number"], t["title"]) for t in spec["themes"]
        }
        for item in spec["commitments"]:
            services.save_commitment(
                None,
                plan,
                number=item["number"],
                title=item["title"],
                statement=item["statement"],
                theme=themes[item["theme"]],
                source_quote=item.get("source_quote", ""),
                source_reference=item.get("source_reference", ""),
                co_owner_ids=[partner_org.pk],
                published=True,
                by=owner,
            )
        if created == 0:
            _activity(plan, owner, partner)
        created += 1
    return created


def _activity(plan: Plan, owner: User, partner: User) -> None:
    today = timezone.localdate()
    commitments = list(plan.commitments.order_by("number"))
    first, second = commitments[0], commitments[1]
    services.open_round(
        None,
        plan,
        title="Partners' review of the commitments",
        opens_on=today - dt.timedelta(days=30),
        closes_on=today + dt.timedelta(days=30),
        by=owner,
    )
    services.add_milestone(
        None,
        first,
        title="First quarterly figures published",
        due_on=today - dt.timedelta(days=10),
        by=owner,
    )
    services.record_progress(
        None,
        first,
        on=today - dt.timedelta(days=100),
        status="on_track",
        progress=20,
        text=f"Charge figures for the first quarter collected by borough. {DEMO_NOTE}",
        by=owner,
    )
    services.record_progress(
        None,
        first,
        on=today - dt.timedelta(days=5),
        status="on_track",
        progress=40,
        text=f"A second quarter of figures; the rise is small. {DEMO_NOTE}",
        by=owner,
    )
    services.rate(
        None,
        first,
        verifiability="not_verifiable",
        relevance="relevant",
        impact="moderate",
        completion="limited",
        status="behind",
        comment=f"No baseline or target is given, so 'more' cannot be checked. {DEMO_NOTE}",
        by=partner,
    )
    comment = services.add_comment(
        None,
        second,
        section="measures",
        text=f"Say how victims' experience will be measured, and ask them. {DEMO_NOTE}",
        by=partner,
    )
    services.respond(
        None,
        comment,
        outcome="changed",
        reason=f"Agreed: a survey of victims is the only way to know. {DEMO_NOTE}",
        change_made="A measure was added: victims' satisfaction, from a survey run with partners.",
        by=owner,
    )
    services.add_comment(
        None,
        first,
        section="wording",
        text=f"Give a baseline year and a target. {DEMO_NOTE}",
        by=partner,
    )
