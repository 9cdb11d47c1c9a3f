"""What the public can find of the equality impact assessments: only published versions.

A published assessment on its own is hard to find and easy to misread: a reader who lands
on version 1 needs to know that version 2 replaced it, and an oversight body needs the
whole register, not one link. So the register lists every initiative with a published
assessment, its latest published version first, with what a reader looks for first: the
decision, the groups rated as harmed, the significant disparities in the attached data and
whether the promised review is overdue. Drafts, assessments under review and approved but
unpublished versions never appear.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from accord.eia.models import Assessment, Initiative
from accord.eia.vocabularies import AssessmentStatus, Group, Impact
from accord.plan.models import Commitment


@dataclass(frozen=True)
class Entry:
    """One initiative in the public register."""

    initiative: Initiative
    latest: Assessment
    #: Earlier published versions, newest first.
    earlier: list[Assessment]
    #: Groups the latest version rates as negatively affected, in the register's order.
    harmed: list[str]
    #: Significant disparities flagged in the analyses attached to the latest version.
    disparities: int
    review_overdue: bool


def _published() -> QuerySet[Assessment]:
    return Assessment.objects.filter(status=AssessmentStatus.PUBLISHED)


def register(today: dt.date) -> list[Entry]:
    """Every initiative with a published assessment, most recently published first."""
    initiatives = (
        Initiative.objects.filter(assessments__status=AssessmentStatus.PUBLISHED)
        .distinct()
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=_published().order_by("-version").prefetch_related("impacts", "analyses"),
                to_attr="published_versions",
            )
        )
    )
    entries = []
    for initiative in initiatives:
        versions: list[Assessment] = initiative.published_versions
        latest = versions[0]
        negative = {r.group for r in latest.impacts.all() if r.impact == Impact.NEGATIVE}
        entries.append(
            Entry(
                initiative=initiative,
                latest=latest,
                earlier=versions[1:],
                harmed=[label for key, label in Group.choices if key in negative],
                disparities=sum(len(a.flagged) for a in latest.analyses.all()),
                review_overdue=latest.review_on is not None and latest.review_on < today,
            )
        )
    entries.sort(key=lambda e: _when(e.latest), reverse=True)
    return entries


def _when(assessment: Assessment) -> float:
    return assessment.published_at.timestamp() if assessment.published_at else 0.0


def newer_version(assessment: Assessment) -> Assessment | None:
    """The latest published version of the same initiative, if it is newer than this one."""
    return (
        _published()
        .filter(initiative_id=assessment.initiative_id, version__gt=assessment.version)
        .order_by("-version")
        .first()
    )


def for_commitment(commitment: Commitment) -> list[Assessment]:
    """The latest published assessment of each initiative serving ``commitment``."""
    latest: dict[int, Assessment] = {}
    for assessment in (
        _published()
        .filter(initiative__commitments=commitment)
        .select_related("initiative", "initiative__owner")
        .order_by("initiative__title", "-version")
    ):
        latest.setdefault(assessment.initiative_id, assessment)
    return list(latest.values())


__all__ = ["Entry", "for_commitment", "newer_version", "register"]
