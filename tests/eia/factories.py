"""Assessments in a given state, built through the services as people would build them."""

from __future__ import annotations

import datetime as dt

from accord.eia import services
from accord.eia.models import Assessment, Initiative
from accord.eia.vocabularies import Group


def assessment_in_review(
    who: object, *, initiative: Initiative | None = None, title: str = "Domestic abuse arrests"
) -> Assessment:
    """A complete draft, every group rated, submitted for partner review: of a new
    initiative, or the next version for ``initiative``."""
    analyst = who.analyst  # type: ignore[attr-defined]
    if initiative is None:
        initiative = services.create_initiative(
            None,
            title=title,
            description="Arrest policy.",
            kind="existing",
            lead_title="Detective Superintendent, Public Protection",
            by=analyst,
        )
    draft = services.start_assessment(None, initiative, by=analyst)
    for group in Group.values:
        services.rate_impact(
            None, draft, group=group, impact="neutral", reasoning="No change expected.", by=analyst
        )
    services.save_sections(
        None,
        draft,
        aims="Safer victims.",
        affected="Victims of domestic abuse in London.",
        evidence="Arrest rates by group.",
        engagement="Two by-and-for organisations.",
        monitoring="Arrest rates each quarter.",
        review_on=dt.date.today() + dt.timedelta(days=365),
        decision="proceed",
        decision_reasons="Evidence.",
        by=analyst,
    )
    services.submit_for_review(None, draft, by=analyst)
    draft.refresh_from_db()
    return draft


def published_assessment(
    who: object,
    second_owner: object,
    *,
    initiative: Initiative | None = None,
    title: str = "Domestic abuse arrests",
) -> Assessment:
    """An assessment through review, two sign-offs and publication, as the services do it."""
    assessment = assessment_in_review(who, initiative=initiative, title=title)
    services.approve(None, assessment, by=who.owner)  # type: ignore[attr-defined]
    services.approve(None, assessment, by=second_owner)  # type: ignore[arg-type]
    assessment.refresh_from_db()
    services.publish(None, assessment, by=who.owner)  # type: ignore[attr-defined]
    assessment.refresh_from_db()
    return assessment
