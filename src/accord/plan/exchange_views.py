"""Plan files: CSV import, CSV and JSON exports, the quarterly PDF report, a new plan."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.stepup import require_step_up
from accord.audit.services import record
from accord.plan import exports, imports, report, services
from accord.plan.forms import ImportForm, PlanForm, PublishForm
from accord.plan.models import Plan
from accord.plan.services import PlanError
from accord.plan.views import GET_POST, VIEW, _manage, _user
from accord.policy.roles import Zone
from accord.policy.views import public, requires
from accord.web.form_steps import form_step

RESERVED_SLUGS = {"new"}


def _download(body: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def plan_new(request: HttpRequest) -> HttpResponse:
    return form_step(
        request,
        PlanForm(request.POST or None),
        lambda data: _create_plan(request, data),
        refused=PlanError,
        done="The plan is created as a draft.",
        then=lambda plan: redirect("plan_detail", slug=plan.slug),
        template="plan/plan_form.html",
        context={},
    )


def _create_plan(request: HttpRequest, data: dict[str, Any]) -> Plan:
    if data["slug"] in RESERVED_SLUGS:
        raise PlanError("Choose another short name.", field="slug")
    return services.create_plan(request, by=_user(request), **data)


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_POST
@require_step_up
def plan_publish(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=slug)
    user = _manage(request, plan)
    published = PublishForm(request.POST).chosen()
    if published is None:
        messages.error(request, PublishForm.UNCLEAR)
        return redirect("plan_detail", slug=plan.slug)
    services.set_published(request, plan, published=published, by=user)
    messages.success(
        request,
        "The plan is on the public pages, with its published commitments."
        if published
        else "The plan is off the public pages.",
    )
    return redirect("plan_detail", slug=plan.slug)


@requires("plan.manage", zone=Zone.PARTNERSHIP)
@require_http_methods(GET_POST)
def plan_import(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=slug)
    user = _manage(request, plan)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            form.add_error("file", "The file is over 2 MB.")
        else:
            try:
                done = imports.import_commitments(request, plan, upload.read(), by=user)
            except imports.ImportRefused as refused:
                problems = imports.describe(refused.problems)
                form.add_error("file", "Nothing was imported: the file has problems, listed below.")
            else:
                messages.success(
                    request,
                    f"Imported: {done.added} commitment{'s' * (done.added != 1)} added, "
                    f"{done.changed} changed.",
                )
                return redirect("plan_detail", slug=plan.slug)
    return render(
        request,
        "plan/plan_import.html",
        {"plan": plan, "form": form, "problems": problems, "columns": exports.EDITABLE},
    )


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def plan_export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=slug)
    record(request, "plan.export.csv", "plan", str(plan.uid))
    body = exports.plan_csv(plan, timezone.localdate(), public=False)
    return _download(body, "text/csv; charset=utf-8", f"{plan.slug}.csv")


@requires(VIEW, zone=Zone.PARTNERSHIP)
@require_safe
def plan_export_json(request: HttpRequest, slug: str) -> HttpResponse:
    plan = get_object_or_404(Plan, slug=slug)
    record(request, "plan.export.json", "plan", str(plan.uid))
    body = json.dumps(exports.plan_json(plan, timezone.localdate(), public=False), indent=2)
    return _download(body, "application/json", f"{plan.slug}.json")


def _published(slug: str) -> Plan:
    return get_object_or_404(Plan.objects.select_related("owner"), slug=slug, published=True)


@public
@require_safe
def public_plan_csv(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _published(slug)
    body = exports.plan_csv(plan, timezone.localdate(), public=True)
    return _download(body, "text/csv; charset=utf-8", f"{plan.slug}.csv")


@public
@require_safe
def public_plan_json(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _published(slug)
    body = json.dumps(exports.plan_json(plan, timezone.localdate(), public=True), indent=2)
    return _download(body, "application/json", f"{plan.slug}.json")


@public
@require_safe
def public_plan_report(request: HttpRequest, slug: str, year: int, quarter: int) -> HttpResponse:
    plan = _published(slug)
    try:
        chosen = report.checked_quarter(year, quarter, timezone.localdate())
    except report.ReportError as error:
        raise Http404(str(error)) from error
    body = report.report_pdf(plan, chosen)
    return _download(body, "application/pdf", f"{plan.slug}-{year}-q{quarter}.pdf")
