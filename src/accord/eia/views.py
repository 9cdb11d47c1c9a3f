"""The register of initiatives and their equality impact assessments. Thin views."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.models import User
from accord.accounts.stepup import require_step_up
from accord.eia import report, services, versions
from accord.eia.forms import (
    ImpactForm,
    InitiativeForm,
    PlanActionForm,
    ReviewCommentForm,
    ReviewResponseForm,
    SectionsForm,
)
from accord.eia.models import Assessment, Initiative, ReviewComment
from accord.eia.services import EiaError
from accord.eia.vocabularies import PROTECTED, Group
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.policy.roles import Zone
from accord.policy.rules import can
from accord.policy.views import requires
from accord.web.form_steps import form_step

VIEW = "eia.view"
AUTHOR = "eia.author"
GET_POST = ["GET", "POST"]


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def _to_assessment(assessment: Assessment) -> HttpResponse:
    return redirect("assessment_detail", uid=assessment.uid)


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def eia_register(request: HttpRequest) -> HttpResponse:
    initiatives = Initiative.objects.select_related("owner").prefetch_related("assessments")
    today = timezone.localdate()
    rows = []
    for initiative in initiatives:
        latest = max(initiative.assessments.all(), key=lambda a: a.version, default=None)
        review = versions.review_state(latest, today) if latest is not None else ""
        rows.append({"initiative": initiative, "latest": latest, "review": review})
    return render(
        request,
        "eia/register.html",
        {"rows": rows, "can_author": can(_user(request), AUTHOR)},
    )


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def initiative_new(request: HttpRequest) -> HttpResponse:
    return form_step(
        request,
        InitiativeForm(request.POST or None),
        lambda data: services.create_initiative(request, by=_user(request), **data),
        refused=EiaError,
        done="The initiative is on the register.",
        then=lambda initiative: redirect("initiative_detail", uid=initiative.uid),
        template="eia/initiative_form.html",
        context={},
    )


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def initiative_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    initiative = get_object_or_404(Initiative.objects.select_related("owner"), uid=uid)
    return render(
        request,
        "eia/initiative_detail.html",
        {
            "initiative": initiative,
            "commitments": initiative.commitments.select_related("plan"),
            "assessments": initiative.assessments.all(),
            "can_author": can(_user(request), AUTHOR),
        },
    )


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_POST
def assessment_new(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    initiative = get_object_or_404(Initiative, uid=uid)
    try:
        assessment = services.start_assessment(request, initiative, by=_user(request))
    except EiaError as error:
        messages.error(request, str(error))
        return redirect("initiative_detail", uid=initiative.uid)
    return redirect("assessment_detail", uid=assessment.uid)


def _assessment(uid: uuid.UUID) -> Assessment:
    return get_object_or_404(
        Assessment.objects.select_related("initiative", "initiative__owner"), uid=uid
    )


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def assessment_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    assessment = _assessment(uid)
    ratings = {r.group: r for r in assessment.impacts.all()}
    groups = [
        {
            "key": key,
            "label": label,
            "protected": key in PROTECTED,
            "rating": ratings.get(key),
        }
        for key, label in Group.choices
    ]
    return render(
        request,
        "eia/assessment_detail.html",
        {
            "assessment": assessment,
            "initiative": assessment.initiative,
            "groups": groups,
            "unrated": len(services.unrated(assessment)),
            "analyses": report.analyses(assessment),
            "blockers": services.blockers(assessment) if assessment.status == "draft" else [],
            "can_edit": can(_user(request), AUTHOR) and assessment.status == "draft",
            "can_respond": can(_user(request), AUTHOR) and assessment.status == "in_review",
            "can_review": can(_user(request), "eia.review") and assessment.status == "in_review",
            "can_approve": can(_user(request), "eia.approve"),
            "comments": assessment.review_comments.select_related("organisation"),
            "approvals": assessment.approvals.select_related("approver"),
            "sections": services.REVIEW_SECTIONS,
            "actions": assessment.actions.select_related(
                "milestone", "milestone__commitment", "milestone__commitment__plan"
            ),
            "today": timezone.localdate(),
            "can_add_action": can(_user(request), AUTHOR) and assessment.status != "published",
        },
    )


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def assessment_edit(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    assessment = _assessment(uid)
    initial: dict[str, Any] = {name: getattr(assessment, name) for name in services.SECTIONS}
    return form_step(
        request,
        SectionsForm(request.POST or None, initial=initial),
        lambda data: services.save_sections(request, assessment, by=_user(request), **data),
        refused=EiaError,
        done="The assessment is saved.",
        then=lambda _: _to_assessment(assessment),
        template="eia/assessment_form.html",
        context={"assessment": assessment},
    )


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def impact_edit(request: HttpRequest, uid: uuid.UUID, group: str) -> HttpResponse:
    assessment = _assessment(uid)
    if group not in Group.values:
        raise Http404
    current = assessment.impacts.filter(group=group).first()
    initial = (
        {"impact": current.impact, "reasoning": current.reasoning, "response": current.response}
        if current
        else {}
    )
    return form_step(
        request,
        ImpactForm(request.POST or None, initial=initial),
        lambda data: services.rate_impact(
            request, assessment, group=group, by=_user(request), **data
        ),
        refused=EiaError,
        done=f"Saved: {Group(group).label}.",
        then=lambda _: _to_assessment(assessment),
        template="eia/impact_form.html",
        context={"assessment": assessment, "group_label": Group(group).label},
    )


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def analysis_attach(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """Choose a finished analysis (from the analysis pages) to attach as evidence."""
    assessment = _assessment(uid)
    runs = AnalysisRun.objects.filter(status=RunStatus.DONE).select_related("events", "population")[
        :50
    ]
    error = ""
    if request.method == "POST":
        try:
            chosen = uuid.UUID(request.POST.get("run", ""))
        except ValueError:
            chosen = None
        run = AnalysisRun.objects.filter(pk=chosen).first() if chosen else None
        if run is None:
            error = "Choose an analysis to attach."
        else:
            try:
                attached = services.attach_analysis(request, assessment, run, by=_user(request))
            except (EiaError, ValueError) as problem:
                error = str(problem)
            else:
                flagged = len(attached.flagged)
                messages.success(
                    request,
                    f"The analysis is attached. It shows {flagged} significant "
                    f"disparit{'y' if flagged == 1 else 'ies'}.",
                )
                return redirect("assessment_detail", uid=assessment.uid)
    return render(
        request,
        "eia/analysis_attach.html",
        {"assessment": assessment, "runs": runs, "error": error},
    )


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_POST
def assessment_submit(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    assessment = _assessment(uid)
    try:
        services.submit_for_review(request, assessment, by=_user(request))
    except EiaError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The assessment is with the partners for review.")
    return redirect("assessment_detail", uid=assessment.uid)


@requires("eia.review", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def review_comment_new(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    assessment = _assessment(uid)
    return form_step(
        request,
        ReviewCommentForm(request.POST or None),
        lambda data: services.review_comment(request, assessment, by=_user(request), **data),
        refused=EiaError,
        done="Your comment is sent. The authors must answer it.",
        then=lambda _: _to_assessment(assessment),
        template="eia/step_form.html",
        context={
            "assessment": assessment,
            "heading": "Comment on the assessment",
            "button": "Send the comment",
        },
    )


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def review_respond(request: HttpRequest, uid: uuid.UUID, comment: uuid.UUID) -> HttpResponse:
    assessment = _assessment(uid)
    found = get_object_or_404(ReviewComment, assessment=assessment, uid=comment)
    return form_step(
        request,
        ReviewResponseForm(request.POST or None),
        lambda data: services.respond_review(request, found, by=_user(request), **data),
        refused=EiaError,
        done="Your response is recorded.",
        then=lambda _: _to_assessment(assessment),
        template="eia/step_form.html",
        context={
            "assessment": assessment,
            "comment": found,
            "heading": "Respond to a partner's comment",
            "button": "Record the response",
        },
    )


def _post_step(request: HttpRequest, uid: uuid.UUID, step: Any, done: str) -> HttpResponse:
    assessment = _assessment(uid)
    try:
        step(request, assessment, by=_user(request))
    except EiaError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("assessment_detail", uid=assessment.uid)


@requires("eia.approve", zone=Zone.PARTNERSHIP)
@require_POST
def assessment_approve(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return _post_step(request, uid, services.approve, "Your sign-off is recorded.")


@requires("eia.approve", zone=Zone.PARTNERSHIP)
@require_POST
@require_step_up
def assessment_publish(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return _post_step(request, uid, services.publish, "The assessment is published.")


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def plan_action_new(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    assessment = _assessment(uid)
    return form_step(
        request,
        PlanActionForm(request.POST or None, initiative=assessment.initiative),
        lambda data: services.add_plan_action(request, assessment, by=_user(request), **data),
        refused=EiaError,
        done="The action is in the action plan.",
        then=lambda _: _to_assessment(assessment),
        template="eia/step_form.html",
        context={
            "assessment": assessment,
            "heading": "Add an action to the action plan",
            "button": "Add the action",
        },
    )


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def assessment_diff(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """What changed from the previous version to this one."""
    assessment = _assessment(uid)
    previous = assessment.initiative.assessments.filter(version=assessment.version - 1).first()
    if previous is None:
        raise Http404("This is the first version.")
    return render(
        request,
        "eia/assessment_diff.html",
        {
            "assessment": assessment,
            "previous": previous,
            "changes": versions.changes(previous, assessment),
        },
    )


def pdf_response(assessment: Assessment) -> HttpResponse:
    from accord.eia.report import assessment_pdf

    response = HttpResponse(assessment_pdf(assessment), content_type="application/pdf")
    name = f"equality-impact-assessment-v{assessment.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def assessment_pdf(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return pdf_response(_assessment(uid))


@requires(AUTHOR, zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def initiative_edit(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    initiative = get_object_or_404(Initiative, uid=uid)
    initial = {
        "title": initiative.title,
        "description": initiative.description,
        "kind": initiative.kind,
        "lead_title": initiative.lead_title,
        "commitments": list(initiative.commitments.all()),
        "boroughs": initiative.boroughs,
        "starts_on": initiative.starts_on,
    }
    return form_step(
        request,
        InitiativeForm(request.POST or None, initial=initial),
        lambda data: services.update_initiative(request, initiative, by=_user(request), **data),
        refused=EiaError,
        done="The initiative is saved.",
        then=lambda _: redirect("initiative_detail", uid=initiative.uid),
        template="eia/initiative_form.html",
        context={"initiative": initiative},
    )
