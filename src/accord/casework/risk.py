"""Risk assessments and safety plans: the rules, each write in one transaction with its audit.

Assessments are never edited: risk changes, and the record of what was known on each date is
what a MARAC, a review or a court may later ask for. A new assessment is a new row.
Safety plans are replaced, not rewritten: starting a new plan marks the previous one
superseded, so the history of what was agreed stays readable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import User
from accord.casework import dash
from accord.casework.access import audit
from accord.casework.models import Case, RiskAssessment, SafetyAction, SafetyPlan
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import MaracDecision, PlanActionOwner

MAX_NARRATIVE = 10_000
MAX_PLAN_NOTES = 5_000
MAX_ACTION_TEXT = 1_000


class RiskError(CaseworkError):
    """A casework rule refused the change; ``field`` names the form field to show it on."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _require_editable(case: Case) -> None:
    # The views already refuse closed and restricted cases (casework.edit_case); this keeps
    # the rule true for every other caller too (imports, demo data, management commands).
    if not case.is_open:
        raise RiskError("This case is closed. Reopen it before changing its risk or safety plan.")
    if case.restricted:
        raise RiskError("Processing of this case is restricted, so it cannot be changed.")


def _not_in_future(day: dt.date, *, field: str, what: str) -> None:
    if day > timezone.localdate():
        raise RiskError(f"{what} cannot be in the future.", field=field)


def _not_in_past(day: dt.date, *, field: str, what: str) -> None:
    if day < timezone.localdate():
        raise RiskError(f"{what} must be today or later.", field=field)


# --- Risk assessments -----------------------------------------------------------------------


@transaction.atomic
def record_assessment(
    request: HttpRequest | None,
    case: Case,
    *,
    answers: Mapping[str, str],
    narrative: str,
    professional_judgement: bool,
    potential_escalation: bool,
    marac_decision: str,
    by: User | None,
    completed_on: dt.date | None = None,
    checklist: dash.Checklist | None = None,
) -> RiskAssessment:
    """Record one completed checklist with its count, the routes to MARAC and the decision.

    Refuses, saving nothing: answers that do not fit the checklist; a MARAC referral with no
    route to MARAC; and, when a route applies, a decision not to refer without a reason in
    the notes (the reason is what a later review needs most).
    """
    _require_editable(case)
    checklist = checklist or dash.load_checklist()
    try:
        clean = dash.validate_answers(checklist, answers)
    except dash.AnswersError as error:
        raise RiskError(str(error), field=None) from error
    if marac_decision not in MaracDecision.values:
        raise RiskError("Choose a MARAC decision.", field="marac_decision")
    completed_on = completed_on or timezone.localdate()
    _not_in_future(completed_on, field="completed_on", what="The date the checklist was completed")
    narrative = (narrative or "").strip()
    if len(narrative) > MAX_NARRATIVE:
        raise RiskError(
            f"The notes must be {MAX_NARRATIVE:,} characters or fewer.", field="narrative"
        )

    counts = dash.count_answers(clean)
    prompt = dash.marac_prompt(
        counts.yes,
        threshold=checklist.threshold,
        professional_judgement=professional_judgement,
        potential_escalation=potential_escalation,
    )
    if professional_judgement and not narrative:
        raise RiskError(
            "Say in the notes why your professional judgement is that the risk is high.",
            field="narrative",
        )
    if prompt.refer and marac_decision == MaracDecision.NOT_REFERRED and not narrative:
        raise RiskError(
            f"Risk is high ({' and '.join(prompt.routes)}), so this case meets the criteria "
            "for a MARAC referral. If you are not referring it, say why in the notes.",
            field="narrative",
        )
    if marac_decision == MaracDecision.REFER and not prompt.refer:
        raise RiskError(
            f"A MARAC referral needs a reason: {checklist.threshold} or more 'yes' answers, "
            "professional judgement, or potential escalation. Tick the one that applies, or "
            "choose another decision.",
            field="marac_decision",
        )

    assessment = RiskAssessment(
        case=case,
        created_by=by,
        completed_on=completed_on,
        checklist_version=checklist.key,
        yes_count=counts.yes,
        not_known_count=counts.not_known,
        high_risk_by_count=prompt.by_count,
        professional_judgement=professional_judgement,
        potential_escalation=potential_escalation,
        marac_decision=marac_decision,
    )
    # The case is set above: the sealed values are bound to it and to this row.
    assessment.answers = clean
    assessment.narrative = narrative
    assessment.save()
    audit(request, "risk.assessment.record", case, actor=by)
    return assessment


def previous_assessment(assessment: RiskAssessment) -> RiskAssessment | None:
    """The one completed just before, to show what changed."""
    before = Q(completed_on__lt=assessment.completed_on) | Q(
        completed_on=assessment.completed_on, created_at__lt=assessment.created_at
    )
    return (
        RiskAssessment.objects.filter(before, case_id=assessment.case_id)
        .exclude(pk=assessment.pk)
        .first()
    )


# --- Safety plans ---------------------------------------------------------------------------


def active_plan(case: Case) -> SafetyPlan | None:
    return case.safety_plans.filter(superseded=False).first()


def _require_active(case: Case, plan: SafetyPlan) -> None:
    if plan.case_id != case.pk:
        raise RiskError("This safety plan belongs to another case.")
    if plan.superseded:
        raise RiskError(
            "This safety plan has been replaced by a newer one. Make changes to the current plan."
        )


def _clean_text(text: str, *, field: str, limit: int, empty: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RiskError(empty, field=field)
    if len(text) > limit:
        raise RiskError(f"Use {limit:,} characters or fewer.", field=field)
    return text


@transaction.atomic
def start_safety_plan(
    request: HttpRequest | None,
    case: Case,
    *,
    review_on: dt.date,
    notes: str,
    by: User | None,
    carry_over: bool = True,
) -> SafetyPlan:
    """Start a new plan; the current one (if any) is kept, marked superseded.

    With ``carry_over``, actions of the old plan that are not done yet are copied into the
    new one (with their owner and due date), so nothing agreed is lost in the change.
    """
    _require_editable(case)
    _not_in_past(review_on, field="review_on", what="The review date")
    notes = (notes or "").strip()
    if len(notes) > MAX_PLAN_NOTES:
        raise RiskError(f"The notes must be {MAX_PLAN_NOTES:,} characters or fewer.", field="notes")
    # Lock the case row so that two plans started at once cannot both end up current.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    previous = list(case.safety_plans.filter(superseded=False))
    plan = SafetyPlan(case=case, created_by=by, review_on=review_on)
    plan.notes = notes
    plan.save()
    if carry_over:
        for old in previous:
            for action in old.actions.filter(done_on__isnull=True).order_by("created_at"):
                copy = SafetyAction(
                    plan=plan,
                    case=case,
                    created_by=by,
                    owner=action.owner,
                    due_on=action.due_on,
                )
                copy.text = action.text
                copy.save()
    SafetyPlan.objects.filter(pk__in=[old.pk for old in previous]).update(superseded=True)
    audit(request, "safety.plan.start", case, actor=by)
    return plan


@transaction.atomic
def add_action(
    request: HttpRequest | None,
    case: Case,
    plan: SafetyPlan,
    *,
    text: str,
    owner: str,
    due_on: dt.date | None,
    by: User | None,
) -> SafetyAction:
    """Add one step to the current plan: what, who does it, and by when."""
    _require_editable(case)
    _require_active(case, plan)
    text = _clean_text(
        text, field="text", limit=MAX_ACTION_TEXT, empty="Say what needs to be done."
    )
    if owner not in PlanActionOwner.values:
        raise RiskError("Choose who will do this.", field="owner")
    if due_on is not None:
        _not_in_past(due_on, field="due_on", what="The date it is due")
    action = SafetyAction(plan=plan, case=case, created_by=by, owner=owner, due_on=due_on)
    action.text = text
    action.save()
    audit(request, "safety.action.add", case, actor=by)
    return action


@transaction.atomic
def mark_action_done(
    request: HttpRequest | None,
    case: Case,
    action: SafetyAction,
    *,
    by: User | None,
    done_on: dt.date | None = None,
) -> SafetyAction:
    if action.case_id != case.pk:
        raise RiskError("This action belongs to another case.")
    _require_editable(case)
    _require_active(case, action.plan)
    if action.done_on is not None:
        day = action.done_on
        raise RiskError(f"This action was already marked done on {day.day} {day:%B %Y}.")
    done_on = done_on or timezone.localdate()
    _not_in_future(done_on, field="done_on", what="The date it was done")
    action.done_on = done_on
    action.save(update_fields=["done_on"])
    audit(request, "safety.action.done", case, actor=by)
    return action


@transaction.atomic
def set_plan_review(
    request: HttpRequest | None,
    case: Case,
    plan: SafetyPlan,
    *,
    review_on: dt.date,
    by: User | None,
) -> SafetyPlan:
    _require_editable(case)
    _require_active(case, plan)
    _not_in_past(review_on, field="review_on", what="The review date")
    plan.review_on = review_on
    plan.save(update_fields=["review_on"])
    audit(request, "safety.plan.review", case, actor=by)
    return plan
