"""Rules for the register and the assessments, called by the views."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.services import record
from accord.eia.models import (
    ActionKind,
    Approval,
    Assessment,
    AttachedAnalysis,
    ImpactRating,
    Initiative,
    PlanAction,
    ReviewComment,
)
from accord.eia.vocabularies import AssessmentStatus, Group, Impact, InitiativeKind
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.plan.models import Commitment, Milestone
from accord.plan.responses import AnswerRefused, checked_answer
from accord.plan.services import MILESTONE_TITLE, just_sent
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


#: About 3,000 words: more than a section needs, and small enough for the PDF to be made
#: at once (a 2 MB section took most of a minute, on a page the public can ask for).
MAX_TEXT = 20_000


def _within(value: object, *, field: str, limit: int = MAX_TEXT) -> None:
    """Refuse a text over ``limit`` characters on its own field, saying how long it is."""
    if isinstance(value, str) and len(value.strip()) > limit:
        raise EiaError(
            f"Keep this under {limit:,} characters. It has {len(value.strip()):,}.", field=field
        )


def _check_initiative(title: str, description: str, kind: str) -> None:
    if not title.strip():
        raise EiaError("Give the initiative a name.", field="title")
    if not description.strip():
        raise EiaError("Say what the initiative does.", field="description")
    _within(description, field="description")
    if kind not in InitiativeKind.values:
        raise EiaError("Say whether it is new or already running.", field="kind")


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
    _check_initiative(title, description, kind)
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
        _within(value, field=name)
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
    _within(reasoning, field="reasoning")
    _within(response, field="response")
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


# --- Live evidence and submission ------------------------------------------------------------

#: Which assessment group an analysis's group column belongs to.
GROUP_OF_COLUMN = {
    "officer_defined_ethnicity_broad": Group.RACE,
    "self_defined_ethnicity_broad": Group.RACE,
    "officer_defined_ethnicity": Group.RACE,
    "self_defined_ethnicity": Group.RACE,
    "age_band": Group.AGE,
    "gender": Group.SEX,
}


@transaction.atomic
def attach_analysis(
    request: HttpRequest | None, assessment: Assessment, run: AnalysisRun, *, by: User
) -> AttachedAnalysis:
    """Attach a finished analysis, fixing its flagged groups and its dataset versions."""
    from accord.eia.disparities import flag
    from accord.monitoring.services import frames

    _require(by)
    _draft(assessment)
    if run.status != RunStatus.DONE or not run.result:
        raise EiaError("Only a finished analysis can be attached.", field="run")
    attached = assessment.analyses.filter(run=run).first()
    if attached is not None:  # attached already (a form sent twice): that one stands
        return attached
    column = str(run.parameters.get("group", ""))
    group = GROUP_OF_COLUMN.get(column)
    if group is None:
        raise EiaError(f"Accord cannot tell which group '{column}' describes.", field="run")
    reference = str(run.parameters.get("reference", ""))
    flagged = flag(frames(run)["ratios"], group_column=column, reference=reference)
    attached = AttachedAnalysis.objects.create(
        assessment=assessment,
        run=run,
        group=group,
        reference=reference,
        flagged=[d.to_data() for d in flagged],
        datasets=[
            {"role": role, "id": str(d.pk), "name": d.name, "version": d.version}
            for role, d in (("events", run.events), ("population", run.population))
        ],
        added_by=by,
    )
    _audit(request, "analysis.attach", assessment, by)
    return attached


#: Sections every assessment must have written before partners see it, with what to do.
MUST_WRITE = (
    ("aims", "Write the aims of the initiative."),
    ("affected", "Say who it affects, where and when."),
    ("engagement", "Say who was consulted, what they said and what changed."),
    ("monitoring", "Say what will be monitored, and how often."),
)


def blockers(assessment: Assessment) -> list[str]:
    """Why the assessment cannot go to partners yet, in words; empty when it can.

    Each part of a good assessment (EIA.md, "What a good EIA contains") must be written: who
    decides, its aims and who it affects, the evidence (written, or an attached analysis),
    the engagement, the monitoring and when the assessment will be reviewed; courts look for
    regard shown on adequate evidence and kept under review, not a form with gaps. A group
    an attached analysis flags must be rated and have a mitigation or justification
    recorded; the decision needs reasons; every group must be rated.
    """
    ratings = {r.group: r for r in assessment.impacts.all()}
    found: list[str] = [
        message for name, message in MUST_WRITE if not str(getattr(assessment, name)).strip()
    ]
    if not assessment.evidence.strip() and not assessment.analyses.exists():
        found.append("Describe the evidence, or attach an analysis.")
    if assessment.review_on is None:
        found.append("Give the date by which the assessment will be reviewed.")
    if not assessment.initiative.lead_title.strip():
        found.append("Name who decides on the initiative (a post, not a name) on its page.")
    for attached in assessment.analyses.all():
        if not attached.flagged:
            continue
        label = Group(attached.group).label.lower()
        names = ", ".join(d["group"] for d in attached.flagged)
        rating = ratings.get(attached.group)
        if rating is None:
            found.append(
                f"An attached analysis shows a significant disparity ({names}): rate the "
                f"impact on {label}."
            )
        elif not rating.response.strip():
            found.append(
                f"An attached analysis shows a significant disparity ({names}): record a "
                f"mitigation or a justification for {label}."
            )
    gaps = bool(assessment.data_gaps.strip()) or any(
        r.impact == Impact.UNKNOWN for r in ratings.values()
    )
    if gaps and not assessment.actions.filter(kind=ActionKind.MONITORING).exists():
        found.append(
            "There is a gap in the data: add a monitoring action that will fill it (it goes "
            "into the action plan)."
        )
    missing = unrated(assessment)
    if missing:
        found.append(f"{len(missing)} group{'s' * (len(missing) != 1)} still to rate.")
    if not assessment.decision:
        found.append("Record the decision and its reasons.")
    return found


@transaction.atomic
def submit_for_review(request: HttpRequest | None, assessment: Assessment, *, by: User) -> None:
    _require(by)
    _draft(assessment)
    reasons = blockers(assessment)
    if reasons:
        raise EiaError("The assessment cannot go to partners yet: " + " ".join(reasons))
    assessment.status = AssessmentStatus.IN_REVIEW
    assessment.save(update_fields=["status", "updated_at"])
    _audit(request, "assessment.submit", assessment, by)


# --- Partner review, sign-off and publication ------------------------------------------------

#: What a partner can comment on: each written section, and the impact ratings as a whole.
REVIEW_SECTIONS = {
    "aims": "Aims",
    "affected": "Who it affects",
    "evidence": "Evidence",
    "data_gaps": "Gaps in the data",
    "engagement": "Engagement",
    "impacts": "Impact on each group",
    "mitigations": "Mitigations",
    "monitoring": "Monitoring",
    "decision": "Decision",
}
APPROVALS_NEEDED = 2
OUTCOMES = {"accepted": "Accepted", "changed": "Changed the assessment", "declined": "Declined"}


def _in_review(assessment: Assessment) -> None:
    if assessment.status != AssessmentStatus.IN_REVIEW:
        raise EiaError("This assessment is not with partners for review.")


@transaction.atomic
def review_comment(
    request: HttpRequest | None, assessment: Assessment, *, section: str, text: str, by: User
) -> ReviewComment:
    if not can(by, "eia.review"):
        raise EiaError("Only VAWG partners' contributors comment on assessments.")
    _in_review(assessment)
    if section not in REVIEW_SECTIONS:
        raise EiaError("Choose the section you comment on.", field="section")
    if not text.strip():
        raise EiaError("Write your comment.", field="text")
    _within(text, field="text")
    membership = by.active_membership
    if membership is None:
        raise EiaError("Your account has no organisation.")
    fields = {
        "assessment": assessment,
        "section": section,
        "text": text.strip(),
        "organisation": membership.organisation,
    }
    sent = just_sent(ReviewComment.objects.filter(**fields), by)
    if sent is not None:  # sent twice: the authors answer it once
        return sent
    comment = ReviewComment.objects.create(author=by, **fields)
    _audit(request, "review.comment", assessment, by)
    return comment


@transaction.atomic
def respond_review(
    request: HttpRequest | None,
    comment: ReviewComment,
    *,
    outcome: str,
    reason: str,
    change_made: str = "",
    by: User,
) -> ReviewComment:
    """A police answer to a partner's comment, by the rule plan comments follow too
    (:mod:`accord.plan.responses`). Each comment is answered once: the answer is written
    only where none is stored yet, in one statement, so two people answering at the same
    moment cannot overwrite each other."""
    _require(by)
    _in_review(comment.assessment)
    if comment.outcome:
        raise EiaError("This comment already has a response.")
    try:
        checked = checked_answer(outcome, reason, change_made, outcomes=OUTCOMES)
    except AnswerRefused as refused:
        raise EiaError(str(refused), field=refused.field) from refused
    now = timezone.now()
    written = ReviewComment.objects.filter(pk=comment.pk, outcome="").update(
        outcome=checked.outcome,
        reason=checked.reason,
        change_made=checked.change_made,
        responded_by=by,
        responded_at=now,
    )
    if not written:
        raise EiaError("This comment already has a response.")
    comment.outcome, comment.reason, comment.change_made = (
        checked.outcome,
        checked.reason,
        checked.change_made,
    )
    comment.responded_by, comment.responded_at = by, now
    _audit(request, "review.respond", comment.assessment, by)
    return comment


@transaction.atomic
def approve(request: HttpRequest | None, assessment: Assessment, *, by: User) -> Approval:
    """A sign-off by a police plan owner; the second, by someone else, approves it."""
    if not can(by, "eia.approve"):
        raise EiaError("Only police plan owners sign assessments off.")
    _in_review(assessment)
    waiting = assessment.review_comments.filter(outcome="").count()
    if waiting:
        raise EiaError(
            f"{waiting} partner comment{'s' * (waiting != 1)} still wait{'s' * (waiting == 1)} "
            "for a response."
        )
    if assessment.approvals.filter(approver=by).exists():
        raise EiaError("You have signed this off already: it needs someone else.")
    approval = Approval.objects.create(assessment=assessment, approver=by)
    if assessment.approvals.count() >= APPROVALS_NEEDED:
        assessment.status = AssessmentStatus.APPROVED
        assessment.save(update_fields=["status", "updated_at"])
    _audit(request, "approve", assessment, by)
    return approval


@transaction.atomic
def publish(request: HttpRequest | None, assessment: Assessment, *, by: User) -> Assessment:
    if not can(by, "eia.approve"):
        raise EiaError("Only police plan owners publish assessments.")
    if assessment.status != AssessmentStatus.APPROVED:
        raise EiaError("Only an approved assessment can be published.")
    assessment.status = AssessmentStatus.PUBLISHED
    assessment.published_at = timezone.now()
    assessment.save(update_fields=["status", "published_at", "updated_at"])
    _audit(request, "publish", assessment, by)
    return assessment


# --- Actions in the action plan ---------------------------------------------------------------


@transaction.atomic
def add_plan_action(
    request: HttpRequest | None,
    assessment: Assessment,
    *,
    kind: str,
    text: str,
    owner_title: str,
    due_on: dt.date,
    commitment: Commitment,
    by: User,
    group: str = "",
) -> PlanAction:
    """A mitigation or monitoring action, added to the action plan as a milestone of a
    commitment the initiative serves (with its owner and due date)."""
    _require(by)
    if assessment.status == AssessmentStatus.PUBLISHED:
        raise EiaError("The assessment is published: start a new version to add actions.")
    if kind not in ActionKind.values:
        raise EiaError("Choose what kind of action it is.", field="kind")
    if group and group not in Group.values:
        raise EiaError("Choose a group.", field="group")
    if not text.strip():
        raise EiaError("Say what will be done.", field="text")
    if not owner_title.strip():
        raise EiaError("Say who will do it (a post, not a name).", field="owner_title")
    if not assessment.initiative.commitments.filter(pk=commitment.pk).exists():
        raise EiaError(
            "Choose a commitment this initiative serves (link it on the register first).",
            field="commitment",
        )
    label = "Equality mitigation" if kind == ActionKind.MITIGATION else "Equality monitoring"
    title = f"{label}: {text.strip()} (owner: {owner_title.strip()})"
    if len(title) > MILESTONE_TITLE:
        raise EiaError(
            "Shorten what will be done or who will do it: in the action plan they are one "
            f"milestone of at most {MILESTONE_TITLE} characters, and these make {len(title)}.",
            field="text",
        )
    sent = PlanAction.objects.filter(
        assessment=assessment,
        kind=kind,
        group=group,
        milestone__commitment=commitment,
        milestone__title=title,
        milestone__due_on=due_on,
    ).first()
    if sent is not None:  # sent twice: one action, one milestone in the plan
        return sent
    milestone = Milestone.objects.create(commitment=commitment, title=title, due_on=due_on)
    action = PlanAction.objects.create(
        assessment=assessment,
        kind=kind,
        group=group,
        owner_title=owner_title.strip()[:200],
        milestone=milestone,
        created_by=by,
    )
    _audit(request, "action.add", assessment, by)
    return action


@transaction.atomic
def update_initiative(
    request: HttpRequest | None,
    initiative: Initiative,
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
    _check_initiative(title, description, kind)
    initiative.title = title.strip()[:200]
    initiative.description = description.strip()
    initiative.kind = kind
    initiative.lead_title = lead_title.strip()[:200]
    initiative.boroughs = sorted(set(boroughs))
    initiative.starts_on = starts_on
    initiative.save()
    initiative.commitments.set(commitments)
    _audit(request, "initiative.save", initiative, by)
    return initiative
