"""Risk checklist and safety plan pages. Thin: every case through ``case_for`` (visibility,
edit gate and audit), every rule in ``accord.casework.risk``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.casework import dash, risk
from accord.casework.access import case_for
from accord.casework.models import Case, RiskAssessment, SafetyAction, SafetyPlan
from accord.casework.risk_forms import (
    PlanReviewForm,
    RiskAssessmentForm,
    SafetyActionForm,
    SafetyPlanForm,
)
from accord.casework.views import _user
from accord.policy.roles import Zone
from accord.policy.rules import can
from accord.policy.views import requires

logger = logging.getLogger(__name__)


def _safety_section(case: Case) -> HttpResponse:
    return redirect(reverse("case_detail", kwargs={"reference": case.reference}) + "#safety-plan")


def _checklist_unavailable(
    request: HttpRequest, case: Case, error: dash.ChecklistError
) -> HttpResponse:
    # The file is the service's configuration, not the advocate's input. The detail (which
    # file, what is wrong) goes to the log for the administrator, not to the page.
    logger.error("The DASH checklist cannot be used: %s", error)
    return render(request, "casework/risk/checklist_unavailable.html", {"case": case}, status=503)


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def risk_assessment_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="risk.assessment.new.view", edit=True)
    try:
        checklist = dash.load_checklist()
    except dash.ChecklistError as error:
        return _checklist_unavailable(request, case, error)
    form = RiskAssessmentForm(request.POST or None, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = risk.record_assessment(
                request,
                case,
                answers=form.answers(),
                narrative=data.get("narrative", ""),
                professional_judgement=data["professional_judgement"],
                potential_escalation=data["potential_escalation"],
                marac_decision=data["marac_decision"],
                completed_on=data["completed_on"],
                checklist=checklist,
                by=_user(request),
            )
        except risk.RiskError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, "The risk checklist is saved.")
            return redirect(
                "risk_assessment_detail", reference=case.reference, assessment=assessment.uid
            )
    return render(
        request,
        "casework/risk/assessment_new.html",
        {"case": case, "form": form, "checklist": checklist},
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_safe
def risk_history(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="risk.history.view")
    assessments = list(case.risk_assessments.select_related("created_by"))
    return render(
        request,
        "casework/risk/history.html",
        {
            "case": case,
            "assessments": assessments,
            "can_edit": can(request.user, "casework.edit_case", case),
        },
    )


@dataclass(frozen=True)
class AnswerRow:
    number: int
    topic: str
    text: str
    answer: str
    previous: str | None

    @property
    def changed(self) -> bool:
        return self.previous is not None and self.previous != self.answer


ANSWER_LABELS = dict(dash.ANSWERS)


def _answer_rows(
    assessment: RiskAssessment, previous: RiskAssessment | None, checklist: dash.Checklist | None
) -> list[AnswerRow]:
    answers: dict[str, str] = assessment.answers
    # Earlier answers are compared only when they were given to the same list of questions.
    before: dict[str, str] = (
        previous.answers
        if previous is not None and previous.checklist_version == assessment.checklist_version
        else {}
    )
    rows = []
    for key in sorted(answers, key=int):
        question = checklist.question(int(key)) if checklist is not None else None
        rows.append(
            AnswerRow(
                number=int(key),
                topic=question.topic if question else "",
                text=question.text if question else "",
                answer=ANSWER_LABELS.get(answers[key], answers[key]),
                previous=ANSWER_LABELS.get(before[key], before[key]) if key in before else None,
            )
        )
    return rows


@requires("casework.work", zone=Zone.CASEWORK)
@require_safe
def risk_assessment_detail(request: HttpRequest, reference: str, assessment: UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="risk.assessment.view")
    found = (
        RiskAssessment.objects.filter(case=case, uid=assessment)
        .select_related("created_by")
        .first()
    )
    if found is None:
        raise Http404
    try:
        current: dash.Checklist | None = dash.load_checklist()
    except dash.ChecklistError:
        current = None  # the answers are still shown, by question number
    checklist = current if current is not None and current.key == found.checklist_version else None
    previous = risk.previous_assessment(found)
    # The routes as they were decided on the day (the threshold may have changed since).
    prompt = dash.MaracPrompt(
        by_count=found.high_risk_by_count,
        professional_judgement=found.professional_judgement,
        potential_escalation=found.potential_escalation,
    )
    return render(
        request,
        "casework/risk/assessment_detail.html",
        {
            "case": case,
            "assessment": found,
            "previous": previous,
            "rows": _answer_rows(found, previous, checklist),
            "checklist": checklist,
            "routes": prompt.routes if found.high_risk else [],
            "can_edit": can(request.user, "casework.edit_case", case),
        },
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def safety_plan_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="safety.plan.new.view", edit=True)
    current = risk.active_plan(case)
    form = SafetyPlanForm(request.POST or None, replacing=current is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            risk.start_safety_plan(
                request,
                case,
                review_on=data["review_on"],
                notes=data.get("notes", ""),
                carry_over=bool(data.get("carry_over")),
                by=_user(request),
            )
        except risk.RiskError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, "The safety plan is saved.")
            return _safety_section(case)
    return render(
        request,
        "casework/risk/plan_new.html",
        {"case": case, "form": form, "current": current},
    )


def _plan_of(case: Case, plan: UUID) -> SafetyPlan:
    found = SafetyPlan.objects.filter(case=case, uid=plan).first()
    if found is None:
        raise Http404
    return found


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def safety_action_add(request: HttpRequest, reference: str, plan: UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="safety.action.add.view", edit=True)
    found = _plan_of(case, plan)
    form = SafetyActionForm(request.POST or None)
    if found.superseded:
        form.add_error(
            None, "This plan has been replaced by a newer one. Add the action to the current plan."
        )
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            risk.add_action(
                request,
                case,
                found,
                text=data["text"],
                owner=data["owner"],
                due_on=data.get("due_on"),
                by=_user(request),
            )
        except risk.RiskError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, "The action is added to the safety plan.")
            return _safety_section(case)
    return render(
        request, "casework/risk/action_new.html", {"case": case, "plan": found, "form": form}
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_POST
def safety_action_done(request: HttpRequest, reference: str, action: UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="safety.action.done.view", edit=True)
    found = SafetyAction.objects.filter(case=case, uid=action).select_related("plan").first()
    if found is None:
        raise Http404
    try:
        risk.mark_action_done(request, case, found, by=_user(request))
    except risk.RiskError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The action is marked as done.")
    return _safety_section(case)


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def safety_plan_review(request: HttpRequest, reference: str, plan: UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="safety.plan.review.view", edit=True)
    found = _plan_of(case, plan)
    form = PlanReviewForm(request.POST or None, initial={"review_on": found.review_on})
    if found.superseded:
        form.add_error(None, "This plan has been replaced by a newer one. Change the current plan.")
    elif request.method == "POST" and form.is_valid():
        try:
            risk.set_plan_review(
                request, case, found, review_on=form.cleaned_data["review_on"], by=_user(request)
            )
        except risk.RiskError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, "The review date is changed.")
            return _safety_section(case)
    return render(
        request, "casework/risk/plan_review.html", {"case": case, "plan": found, "form": form}
    )
