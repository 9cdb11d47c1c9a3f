"""Two demo assessments built on the real London data the demo imports.

The figures are real (police.uk stop and search, Census 2021, analysed by ``accord.stats``);
the initiatives, the wording of the assessments, the partners' comments and the decisions
are written for the demo and say so. Loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.datasets.models import Dataset, Kind
from accord.eia import services
from accord.eia.models import Initiative
from accord.eia.vocabularies import Group
from accord.monitoring.models import RunStatus
from accord.monitoring.services import execute, start_analysis
from accord.plan.models import Commitment

DEMO = "(Demo: written to show how Accord works; the figures are real.)"
PARAMS = {
    "group": "officer_defined_ethnicity_broad",
    "reference": "White",
    "focus": "Black",
    "area": "",
    "start": "",
    "end": "",
    "overdispersion": "additive",
}


def _run(analyst: User, events: Dataset, population: Dataset, **overrides: str) -> Any:
    run = start_analysis(None, analyst, events, population, {**PARAMS, **overrides})
    if run.status != RunStatus.DONE:  # a large file goes to the worker: the demo waits
        execute(run.pk)
        run.refresh_from_db()
    return run


def _rate_all(assessment: Any, analyst: User, race: dict[str, str]) -> None:
    for group in Group.values:
        if group == Group.RACE:
            services.rate_impact(None, assessment, group=group, by=analyst, **race)
        elif group in {Group.IMMIGRATION, Group.SEXUAL_ORIENTATION, Group.GENDER_REASSIGNMENT}:
            services.rate_impact(
                None,
                assessment,
                group=group,
                impact="unknown",
                reasoning="Searches do not record this, so the effect cannot be measured: a gap "
                f"in the data, monitored through partners' casework. {DEMO}",
                by=analyst,
            )
        else:
            services.rate_impact(
                None,
                assessment,
                group=group,
                impact="neutral",
                reasoning=f"No difference expected from the evidence available. {DEMO}",
                by=analyst,
            )


@transaction.atomic
def load_demo_eias(analyst: User, owner: User, owner2: User, partner: User) -> int:
    events = Dataset.objects.filter(kind=Kind.STOP_AND_SEARCH).order_by("-created_at").first()
    population = Dataset.objects.filter(kind=Kind.POPULATION).order_by("-created_at").first()
    if events is None or population is None:
        return 0
    served = Commitment.objects.filter(plan__published=True).order_by("plan__title", "number")
    commitment = served.filter(title__icontains="confidence").first() or served.first()
    if commitment is None:
        return 0
    made = 0
    title = "Stop and search: supervisor review and community scrutiny"
    if not Initiative.objects.filter(title=title).exists():
        initiative = services.create_initiative(
            None,
            commitments=[commitment],
            title=title,
            description="Every search is reviewed by a supervisor, and a community panel "
            f"with VAWG and 'by and for' organisations reviews body-worn video. {DEMO}",
            kind="existing",
            lead_title="Commander, Frontline Policing",
            by=analyst,
        )
        assessment = services.start_assessment(None, initiative, by=analyst)
        attached = services.attach_analysis(
            None, assessment, _run(analyst, events, population, split="age_band"), by=analyst
        )
        flagged = (
            ", ".join(f"{d['group']} {d['estimate']:.1f} times" for d in attached.flagged)
            or "no group"
        )
        services.save_sections(
            None,
            assessment,
            aims=f"Fewer searches without lawful grounds, and more trust in the police. {DEMO}",
            affected=f"Everyone searched in London, and the communities searched most. {DEMO}",
            evidence=f"The attached analysis of {events.name} against {population.name} shows "
            f"search rates compared with White Londoners: {flagged}. {DEMO}",
            data_gaps="Searches record no sexual orientation, gender identity or immigration "
            f"status. {DEMO}",
            engagement="Partners asked for outcomes, not only numbers, and for children's "
            "searches to be looked at on their own; the arrest proportions, within each age "
            f"group, were added. {DEMO}",
            mitigations=f"Supervisor review of every search; quarterly community panel. {DEMO}",
            monitoring=f"Rates and ratios each quarter, by borough, with the funnel plot. {DEMO}",
            decision="adjust",
            decision_reasons=f"Continue, with closer supervision where ratios are highest. {DEMO}",
            review_on=timezone.localdate() + dt.timedelta(days=365),
            by=analyst,
        )
        _rate_all(
            assessment,
            analyst,
            {
                "impact": "negative",
                "reasoning": f"Black Londoners are searched far more often than White "
                f"Londoners ({flagged}). {DEMO}",
                "response": f"Supervisor review of every search and community scrutiny of "
                f"body-worn video; the ratio is monitored each quarter. {DEMO}",
            },
        )
        today = timezone.localdate()
        services.add_plan_action(
            None,
            assessment,
            kind="monitoring",
            text="Count partners' casework by immigration status and sexual orientation",
            owner_title="Head of Strategy, VAWG",
            due_on=today + dt.timedelta(days=90),
            commitment=commitment,
            by=analyst,
        )
        services.add_plan_action(
            None,
            assessment,
            kind="mitigation",
            group="race",
            text="Supervisor review of every search, reported quarterly",
            owner_title="Superintendent, Professionalism",
            due_on=today + dt.timedelta(days=60),
            commitment=commitment,
            by=analyst,
        )
        services.submit_for_review(None, assessment, by=analyst)
        comment = services.review_comment(
            None,
            assessment,
            section="data_gaps",
            text=f"Say how the gap on immigration status will be filled. {DEMO}",
            by=partner,
        )
        services.respond_review(
            None,
            comment,
            outcome="changed",
            reason=f"Agreed. {DEMO}",
            change_made="Partners' casework figures are added to the quarterly monitoring.",
            by=analyst,
        )
        services.approve(None, assessment, by=owner)
        services.approve(None, assessment, by=owner2)
        services.publish(None, assessment, by=owner)
        made += 1
    title = "Weapons sweeps in Westminster's night-time economy"
    if not Initiative.objects.filter(title=title).exists():
        initiative = services.create_initiative(
            None,
            title=title,
            description=f"A proposed weekend operation with searches under s.60. {DEMO}",
            kind="new",
            boroughs=["Westminster"],
            by=analyst,
        )
        assessment = services.start_assessment(None, initiative, by=analyst)
        services.attach_analysis(
            None, assessment, _run(analyst, events, population, focus="Asian"), by=analyst
        )
        services.save_sections(
            None,
            assessment,
            aims=f"Fewer weapons in the night-time economy. {DEMO}",
            affected=f"People out at night in the West End at weekends. {DEMO}",
            by=analyst,
        )
        made += 1
    return made
