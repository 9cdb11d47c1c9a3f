"""The analysis pages. Thin: the form, the services and the presentation do the work."""

from __future__ import annotations

import io
import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from accord.audit.services import record
from accord.datasets.export import write_csv
from accord.monitoring.analysis import OUTCOMES, SPLITS
from accord.monitoring.forms import AnalysisForm, event_datasets, population_datasets
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.monitoring.presentation import TABLE_OF_SECTION, csv_rows, sections
from accord.monitoring.services import frames, start_analysis
from accord.policy.roles import Zone
from accord.policy.views import requires
from accord.reports.charts import render_svg


@requires("monitoring.analyse", zone=Zone.PARTNERSHIP)
@require_safe
def analysis_form(request: HttpRequest) -> HttpResponse:
    events, populations = event_datasets(request.user), population_datasets(request.user)
    bound = "events" in request.GET
    form = AnalysisForm(request.GET if bound else None, events=events, populations=populations)
    if bound and form.is_valid():
        run = start_analysis(
            request,
            request.user,
            form.cleaned_data["events"],
            form.cleaned_data["population"],
            form.params(),
        )
        return redirect("analysis_run", run_id=run.pk)
    return render(
        request,
        "monitoring/analysis_form.html",
        {"form": form, "has_data": events.exists() and populations.exists()},
    )


def _run(request: HttpRequest, run_id: uuid.UUID) -> AnalysisRun:
    run = get_object_or_404(
        AnalysisRun.objects.visible_to(request.user).select_related("events", "population"),
        pk=run_id,
    )
    record(request, "monitoring.analysis_viewed", "analysis_run", str(run.pk))
    return run


@requires("monitoring.analyse", zone=Zone.PARTNERSHIP)
@require_safe
def analysis_run(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    run = _run(request, run_id)
    context: dict[str, object] = {"run": run, "parameters": run.parameters}
    split = SPLITS.get(str(run.parameters.get("split") or ""))
    context["split_label"] = split.label if split else ""
    context["outcome"] = OUTCOMES.get(str(run.parameters.get("outcome") or "Arrest"))
    if run.status == RunStatus.DONE:
        shown = sections(frames(run), run.parameters)
        context["sections"] = [
            (section, render_svg(section.spec) if section.spec else "") for section in shown
        ]
        context["sentences"] = run.result.get("sentences", []) if run.result else []
        context["notes"] = run.result.get("notes", []) if run.result else []
    return render(request, "monitoring/analysis_run.html", context)


@requires("monitoring.analyse", zone=Zone.PARTNERSHIP)
@require_safe
def analysis_download(request: HttpRequest, run_id: uuid.UUID, table: str) -> HttpResponse:
    run = _run(request, run_id)
    name = TABLE_OF_SECTION.get(table)
    if name is None or run.status != RunStatus.DONE:
        raise Http404
    tables = frames(run)
    if name not in tables:
        raise Http404  # a section this run does not have (no split was asked for)
    frame = tables[name]
    buffer = io.StringIO()
    write_csv(buffer, *csv_rows(frame))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = slugify(f"accord-{table}-{run.events.name}")[:80] or "accord"
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
