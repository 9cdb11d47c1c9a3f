"""Assessments in a given state, built through the services as people would build them."""

from __future__ import annotations

from accord.eia import services
from accord.eia.models import Assessment
from accord.eia.vocabularies import Group


def assessment_in_review(who: object) -> Assessment:
    """A complete draft, every group rated, submitted for partner review."""
    analyst = who.analyst  # type: ignore[attr-defined]
    initiative = services.create_initiative(
        None,
        title="Domestic abuse arrests",
        description="Arrest policy.",
        kind="existing",
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
        decision="proceed",
        decision_reasons="Evidence.",
        by=analyst,
    )
    services.submit_for_review(None, draft, by=analyst)
    draft.refresh_from_db()
    return draft
