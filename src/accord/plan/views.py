"""Plan pages for police, partners and oversight. Thin: the rules are in ``services``."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.models import User
from accord.plan import evidence, services
from accord.plan.evidence import Upload
from accord.plan.forms import (
    CommentForm,
    CommitmentForm,
    MeasureForm,
    MilestoneForm,
    ProgressForm,
    RatingForm,
    ResponseForm,
    RoundForm,
)
from accord.plan.models import Comment, Commitment, EvidenceFile, Milestone, Plan
from accord.plan.services import Evidence, PlanError
from accord.policy.roles import Zone
from accord.policy.rules import can
from accord.policy.views import requires
from accord.web.form_steps import form_step

VIEW = "plan.view"
GET_POST = ["GET", "POST"]


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _plan(slug: str) -> Plan:
    return get_object_or_404(Plan, slug=slug)


def _commitment(plan: Plan, uid: uuid.UUID) -> Commitment:
    return get_object_or_404(Commitment.objects.select_related("plan", "theme"), plan=plan, uid=uid)


def _manage(request: HttpRequest, plan: Plan) -> User:
    user = _user(request)
    if not can(user, "plan.manage", plan):
        raise PermissionDenied
    return user


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = Plan.objects.select_related("owner").order_by("title", "-version")
    can_create = can(_user(request), "plan.manage")
    return render(request, "plan/plan_list.html", {"plans": plans, "can_create": can_create})


def commitment_rows(plan: Plan, *, public: bool) -> list[dict[str, Any]]:
    """Each commitment with its contested flag and overdue milestones, in plan order."""
    today = timezone.localdate()
    commitments = plan.commitments.select_related("theme").prefetch_related(
        "milestones", "co_owners", Prefetch("ratings")
    )
    if public:
        commitments = commitments.filter(published=True)
    rows = []
    for commitment in commitments:
        rows.append(
            {
                "commitment": commitment,
                "contested": services.is_contested(commitment),
                "overdue": services.overdue_milestones(commitment, today),
            }
        )
    return rows


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def plan_detail(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _plan(slug)
    user = _user(request)
    today = timezone.localdate()
    return render(
        request,
        "plan/plan_detail.html",
        {
            "plan": plan,
            "rows": commitment_rows(plan, public=False),
            "can_manage": can(user, "plan.manage", plan),
            "open_round": services.open_round_of(plan, today),
            "rounds": plan.rounds.all(),
            "newer": Plan.objects.filter(supersedes=plan).first(),
        },
    )


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def commitment_detail(request: HttpRequest, slug: str, uid: uuid.UUID) -> HttpResponse:
    plan = _plan(slug)
    commitment = _commitment(plan, uid)
    user = _user(request)
    today = timezone.localdate()
    comments = commitment.comments.select_related(
        "organisation", "author", "round", "response", "response__responder"
    )
    return render(
        request,
        "plan/commitment_detail.html",
        {
            "plan": plan,
            "commitment": commitment,
            "co_owners": commitment.co_owners.all(),
            "milestones": commitment.milestones.all(),
            "measures": commitment.measures.select_related("dataset"),
            "sub_actions": commitment.actions.all(),
            "initiatives": commitment.initiatives.prefetch_related("assessments"),
            "overdue": services.overdue_milestones(commitment, today),
            "updates": commitment.updates.select_related("author").prefetch_related("files"),
            "ratings": services.current_ratings(commitment),
            "contested": services.is_contested(commitment),
            "comments": comments,
            "open_round": services.open_round_of(plan, today),
            "can_manage": can(user, "plan.manage", plan),
            "can_comment": can(user, "plan.comment", commitment),
            "can_rate": can(user, "plan.rate", commitment),
            "today": today,
        },
    )


def _to_commitment(plan: Plan, commitment: Commitment) -> HttpResponse:
    return redirect("commitment_detail", slug=plan.slug, uid=commitment.uid)


def _save(
    request: HttpRequest,
    plan: Plan,
    data: dict[str, Any],
    user: User,
    commitment: Commitment | None = None,
) -> Commitment:
    """Add or change a commitment from the commitment form's cleaned data."""
    return services.save_commitment(
        request,
        plan,
        commitment=commitment,
        parent=data["parent"],
        number=data["number"],
        title=data["title"],
        statement=data["statement"],
        theme=data["theme"],
        lead_title=data["lead_title"],
        co_owner_ids=[o.pk for o in data["co_owners"]],
        source_quote=data["source_quote"],
        source_reference=data["source_reference"],
        published=data["published"],
        by=user,
    )


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def commitment_new(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    return form_step(
        request,
        CommitmentForm(request.POST or None, plan=plan),
        lambda data: _save(request, plan, data, user),
        refused=PlanError,
        done=lambda commitment: f"Commitment {commitment.number} is added to the plan.",
        then=lambda commitment: _to_commitment(plan, commitment),
        template="plan/commitment_form.html",
        context={"plan": plan, "heading": "Add a commitment"},
    )


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def commitment_edit(request: HttpRequest, slug: str, uid: uuid.UUID) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    commitment = _commitment(plan, uid)
    initial = {
        "number": commitment.number,
        "title": commitment.title,
        "statement": commitment.statement,
        "theme": commitment.theme,
        "lead_title": commitment.lead_title,
        "co_owners": list(commitment.co_owners.all()),
        "source_quote": commitment.source_quote,
        "source_reference": commitment.source_reference,
        "published": commitment.published,
        "parent": commitment.parent,
    }
    return form_step(
        request,
        CommitmentForm(request.POST or None, plan=plan, commitment=commitment, initial=initial),
        lambda data: _save(request, plan, data, user, commitment),
        refused=PlanError,
        done="The commitment is saved.",
        then=lambda _: _to_commitment(plan, commitment),
        template="plan/commitment_form.html",
        context={"plan": plan, "commitment": commitment, "heading": f"Change {commitment.number}"},
    )


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def milestone_new(request: HttpRequest, slug: str, uid: uuid.UUID) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    commitment = _commitment(plan, uid)
    return form_step(
        request,
        MilestoneForm(request.POST or None),
        lambda data: services.add_milestone(
            request, commitment, title=data["title"], due_on=data["due_on"], by=user
        ),
        refused=PlanError,
        done="The milestone is added.",
        then=lambda _: _to_commitment(plan, commitment),
        template="plan/step_form.html",
        context={
            "plan": plan,
            "commitment": commitment,
            "heading": "Add a milestone",
            "button": "Add",
        },
    )


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def progress_new(request: HttpRequest, slug: str, uid: uuid.UUID) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    commitment = _commitment(plan, uid)
    form = ProgressForm(
        request.POST or None,
        request.FILES or None,
        commitment=commitment,
        initial={
            "on": timezone.localdate(),
            "status": commitment.status,
            "progress": commitment.progress,
        },
    )
    return form_step(
        request,
        form,
        lambda data: _record_progress(request, commitment, data, user),
        refused=PlanError,
        done="The progress update is recorded.",
        then=lambda _: _to_commitment(plan, commitment),
        template="plan/step_form.html",
        context={
            "plan": plan,
            "commitment": commitment,
            "heading": "Record progress",
            "button": "Record the update",
        },
    )


def _record_progress(
    request: HttpRequest, commitment: Commitment, data: dict[str, Any], user: User
) -> object:
    """Record a progress update from the progress form's cleaned data."""
    evidence = (
        [Evidence(data["evidence_title"], data["evidence_url"])] if data["evidence_url"] else []
    )
    metrics = (
        [services.metric_snapshot(data["metric"], data["metric_value"], data["on"])]
        if data["metric"] is not None
        else []
    )
    upload = data.get("evidence_file")
    files = [Upload(upload.name, upload.read())] if upload else []
    return services.record_progress(
        request,
        commitment,
        files=files,
        metrics=metrics,
        on=data["on"],
        status=data["status"],
        progress=data["progress"],
        text=data["text"],
        evidence=evidence,
        by=user,
    )


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def round_new(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    return form_step(
        request,
        RoundForm(request.POST or None),
        lambda data: services.open_round(request, plan, by=user, **data),
        refused=PlanError,
        done="The consultation round is set up.",
        then=lambda _: redirect("plan_detail", slug=plan.slug),
        template="plan/step_form.html",
        context={"plan": plan, "heading": "Open a consultation round", "button": "Open the round"},
    )


@requires("plan.comment", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def comment_new(request: HttpRequest, slug: str, uid: uuid.UUID) -> HttpResponse:
    plan = _plan(slug)
    commitment = _commitment(plan, uid)
    return form_step(
        request,
        CommentForm(request.POST or None),
        lambda data: services.add_comment(request, commitment, by=_user(request), **data),
        refused=PlanError,
        done="Your comment is sent. The police must answer it.",
        then=lambda _: _to_commitment(plan, commitment),
        template="plan/step_form.html",
        context={
            "plan": plan,
            "commitment": commitment,
            "heading": "Comment on this commitment",
            "button": "Send the comment",
            "open_round": services.open_round_of(plan, timezone.localdate()),
        },
    )


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def comment_respond(
    request: HttpRequest, slug: str, uid: uuid.UUID, comment: uuid.UUID
) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    commitment = _commitment(plan, uid)
    found = get_object_or_404(
        Comment.objects.select_related("organisation"), commitment=commitment, uid=comment
    )
    return form_step(
        request,
        ResponseForm(request.POST or None),
        lambda data: services.respond(request, found, by=user, **data),
        refused=PlanError,
        done="Your response is recorded and published with the comment.",
        then=lambda _: _to_commitment(plan, commitment),
        template="plan/step_form.html",
        context={
            "plan": plan,
            "commitment": commitment,
            "comment": found,
            "heading": "Respond to a comment",
            "button": "Record the response",
        },
    )


@requires("plan.rate", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def commitment_rate(request: HttpRequest, slug: str, uid: uuid.UUID) -> HttpResponse:
    plan = _plan(slug)
    commitment = _commitment(plan, uid)
    return form_step(
        request,
        RatingForm(request.POST or None),
        lambda data: services.rate(request, commitment, by=_user(request), **data),
        refused=PlanError,
        done="Your organisation's rating is recorded.",
        then=lambda _: _to_commitment(plan, commitment),
        template="plan/step_form.html",
        context={
            "plan": plan,
            "commitment": commitment,
            "heading": "Rate this commitment",
            "button": "Record the rating",
        },
    )


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_POST
def milestone_done(
    request: HttpRequest, slug: str, uid: uuid.UUID, milestone: uuid.UUID
) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    commitment = _commitment(plan, uid)
    found = get_object_or_404(Milestone, commitment=commitment, uid=milestone)
    services.complete_milestone(request, found, done_on=timezone.localdate(), by=user)
    messages.success(request, f"Marked as done: {found.title}.")
    return redirect("commitment_detail", slug=plan.slug, uid=commitment.uid)


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def measure_new(request: HttpRequest, slug: str, uid: uuid.UUID) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    commitment = _commitment(plan, uid)
    return form_step(
        request,
        MeasureForm(request.POST or None, user=user),
        lambda data: services.add_measure(request, commitment, by=user, **data),
        refused=PlanError,
        done="The measure is added.",
        then=lambda _: _to_commitment(plan, commitment),
        template="plan/step_form.html",
        context={
            "plan": plan,
            "commitment": commitment,
            "heading": "Add a measure",
            "button": "Add",
        },
    )


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_POST
def plan_new_version(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _plan(slug)
    user = _manage(request, plan)
    try:
        copy = services.new_version(request, plan, by=user)
    except PlanError as error:
        messages.error(request, str(error))
        return redirect("plan_detail", slug=plan.slug)
    messages.success(
        request, f"Version {copy.version} is a new draft; version {plan.version} is kept."
    )
    return redirect("plan_detail", slug=copy.slug)


def evidence_response(file: EvidenceFile) -> HttpResponse:
    """The stored file as a download that nothing can run or frame."""
    from accord.web.file_checks import BY_EXTENSION, extension_of

    try:
        body = evidence.path_of(file).read_bytes()
    except FileNotFoundError as error:
        raise Http404("The file is missing from storage.") from error
    kind = BY_EXTENSION.get(extension_of(file.filename))
    response = HttpResponse(
        body, content_type=kind.content_type if kind else "application/octet-stream"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{file.uid}{extension_of(file.filename)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    return response


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def evidence_download(
    request: HttpRequest, slug: str, uid: uuid.UUID, file: uuid.UUID
) -> HttpResponse:
    plan = _plan(slug)
    commitment = _commitment(plan, uid)
    found = get_object_or_404(EvidenceFile, update__commitment=commitment, uid=file)
    return evidence_response(found)
