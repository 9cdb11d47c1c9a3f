"""Rules for the register and the assessments, called by the views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest

from accord.accounts.models import User
from accord.audit.services import record
from accord.eia.models import Assessment, ImpactRating, Initiative
from accord.eia.vocabularies import AssessmentStatus, Group, Impact, InitiativeKind
from accord.plan.models import Commitment
from accord.policy.rules import can

SECTIONS = (
    "aims",
    "affected",
    "evidence",
    "data_gaps",
    "engagement",
    "mitigations",
    "monitoring",
    "decision",
    "decision_reasons",
    "review_on",
)


class EiaError(ValueError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _require(user: User) -> None:
    if not can(user, "eia.author"):
        raise EiaError("Only police plan owners and analysts write assessments.")


def _audit(
    request: HttpRequest | None, action: str, obj: Initiative | Assessment, by: User
) -> None:
    record(request, f"eia.{action}", type(obj).__name__.lower(), str(obj.uid), actor=by)


@transaction.atomic
def create_initiative(
    request: HttpRequest | None,
    *,
    title: str,
    description: str,
    kind: str,
    by: User,
    lead_title: str = "",
    commitments: Iterable[Commitment] = (),
    boroughs: Sequence[str] = (),
    starts_on: dt.date | None = None,
) -> Initiative:
    _require(by)
    if not title.strip():
        raise EiaError("Give the initiative a name.", field="title")
    if not description.strip():
        raise EiaError("Say what the initiative does.", field="description")
    if kind not in InitiativeKind.values:
        raise EiaError("Say whether it is new or already running.", field="kind")
    membership = by.active_membership
    if membership is None:
        raise EiaError("Your account has no organisation.")
    initiative = Initiative.objects.create(
        title=title.strip()[:200],
        description=description.strip(),
        kind=kind,
        owner=membership.organisation,
        lead_title=lead_title.strip()[:200],
        boroughs=sorted(set(boroughs)),
        starts_on=starts_on,
        created_by=by,
    )
    initiative.commitments.set(commitments)
    _audit(request, "initiative.add", initiative, by)
    return initiative


@transaction.atomic
def start_assessment(
    request: HttpRequest | None, initiative: Initiative, *, by: User
) -> Assessment:
    """A new draft: the first, or the next version after the last one was published."""
    _require(by)
    latest = initiative.assessments.order_by("-version").first()
    if latest is not None and latest.status != AssessmentStatus.PUBLISHED:
        raise EiaError(f"Version {latest.version} is still being written: finish that one first.")
    version = (initiative.assessments.aggregate(v=Max("version"))["v"] or 0) + 1
    assessment = Assessment.objects.create(initiative=initiative, version=version, created_by=by)
    if latest is not None:  # carry the text forward, to be reviewed
        for name in SECTIONS:
            setattr(assessment, name, getattr(latest, name))
        assessment.save()
        for rating in latest.impacts.all():
            ImpactRating.objects.create(
                assessment=assessment,
                group=rating.group,
                impact=rating.impact,
                reasoning=rating.reasoning,
                response=rating.response,
            )
    _audit(request, "assessment.start", assessment, by)
    return assessment


def _draft(assessment: Assessment) -> None:
    if assessment.status != AssessmentStatus.DRAFT:
        raise EiaError("Only a draft can be changed. Start a new version to change it.")


@transaction.atomic
def save_sections(
    request: HttpRequest | None, assessment: Assessment, *, by: User, **values: object
) -> Assessment:
    _require(by)
    _draft(assessment)
    unknown = set(values) - set(SECTIONS)
    if unknown:
        raise EiaError(f"Unknown sections: {', '.join(sorted(unknown))}.")
    for name, value in values.items():
        setattr(assessment, name, value.strip() if isinstance(value, str) else value)
    if assessment.decision and not str(assessment.decision_reasons).strip():
        raise EiaError("Give the reasons for the decision.", field="decision_reasons")
    assessment.save()
    _audit(request, "assessment.save", assessment, by)
    return assessment


@transaction.atomic
def rate_impact(
    request: HttpRequest | None,
    assessment: Assessment,
    *,
    group: str,
    impact: str,
    reasoning: str,
    response: str = "",
    by: User,
) -> ImpactRating:
    """Rate one group. A negative impact needs a mitigation or a justification."""
    _require(by)
    _draft(assessment)
    if group not in Group.values:
        raise EiaError("Choose a group.", field="group")
    if impact not in Impact.values:
        raise EiaError("Choose the impact.", field="impact")
    if not reasoning.strip():
        raise EiaError("Give the evidence and reasoning for this rating.", field="reasoning")
    if impact == Impact.NEGATIVE and not response.strip():
        raise EiaError(
            "A negative impact needs a mitigation, or a justification that the aim is "
            "legitimate and the means proportionate.",
            field="response",
        )
    rating, _ = ImpactRating.objects.update_or_create(
        assessment=assessment,
        group=group,
        defaults={"impact": impact, "reasoning": reasoning.strip(), "response": response.strip()},
    )
    _audit(request, "impact.rate", assessment, by)
    return rating


def unrated(assessment: Assessment) -> list[str]:
    """The groups not rated yet, in the order the form shows them."""
    done = set(assessment.impacts.values_list("group", flat=True))
    return [group for group in Group.values if group not in done]


def latest_assessment(initiative: Initiative) -> Assessment | None:
    return initiative.assessments.order_by("-version").first()
