"""Starting and running analyses. The only code that changes AnalysisRun rows."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.audit.services import record
from accord.datasets.models import Dataset
from accord.monitoring import analysis
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.stats.errors import StatsInputError

logger = logging.getLogger(__name__)

#: Above this many event rows an analysis runs in the background with a progress page.
SYNC_ROW_LIMIT = 2_000_000


def choice_for(events: Dataset, population: Dataset, params: dict[str, Any]) -> analysis.Choice:
    return analysis.Choice(
        events=events.path,
        population=population.path,
        group=params["group"],
        reference=params["reference"],
        focus=params["focus"],
        area=params.get("area") or None,
        start=params.get("start") or None,
        end=params.get("end") or None,
        overdispersion=params.get("overdispersion") or "additive",
        split=params.get("split") or None,
        outcome=params.get("outcome") or "Arrest",
    )


def run_key(events: Dataset, population: Dataset, params: dict[str, Any]) -> str:
    """The question asked, and of which version of the analysis: a run made before the
    analysis changed is not handed out as today's answer (it stays, unchanged, wherever
    it is attached as evidence)."""
    canonical = json.dumps(
        {
            "events": str(events.pk),
            "population": str(population.pk),
            **params,
            "method": analysis.METHOD_VERSION,
        },
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def start_analysis(
    request: HttpRequest | None,
    user: Any,
    events: Dataset,
    population: Dataset,
    params: dict[str, Any],
) -> AnalysisRun:
    """The run answering this question: an earlier one, or a new one started now."""
    key = run_key(events, population, params)
    with transaction.atomic():
        run, created = AnalysisRun.objects.get_or_create(
            key=key,
            defaults={
                "events": events,
                "population": population,
                "parameters": params,
                "created_by": user,
            },
        )
        if not created and run.status == RunStatus.FAILED:
            AnalysisRun.objects.filter(pk=run.pk).update(
                status=RunStatus.QUEUED, progress=0, message="", error=""
            )
            run.refresh_from_db()
            created = True
        record(request, "monitoring.analysis_requested", "analysis_run", str(run.pk), actor=user)
    if created:
        if events.row_count <= getattr(settings, "ACCORD_SYNC_ANALYSIS_ROWS", SYNC_ROW_LIMIT):
            execute(run.pk)
            run.refresh_from_db()
        else:
            from accord.monitoring.tasks import run_analysis_task

            transaction.on_commit(lambda: run_analysis_task.enqueue(str(run.pk)))
    return run


def _progress(run_id: Any) -> analysis.Progress:
    def report(percent: int, message: str) -> None:
        AnalysisRun.objects.filter(pk=run_id).update(progress=percent, message=message[:200])

    return report


#: What a run that failed for a reason other than the question says on its page.
UNEXPECTED_ERROR = (
    "Something went wrong while working out this analysis, and it could not be finished. "
    "The fault has been recorded. Ask for the analysis again; if it fails again, tell "
    "your Accord administrator."
)


def execute(run_id: Any) -> None:
    """Compute a run and store its published tables (or a plain-language error)."""
    run = AnalysisRun.objects.select_related("events", "population").get(pk=run_id)
    AnalysisRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=1)
    choice = choice_for(run.events, run.population, run.parameters)
    try:
        results = analysis.run(choice, _progress(run.pk))
    except (StatsInputError, ValueError) as error:
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=str(error), finished_at=timezone.now()
        )
        return
    except Exception:
        # Anything else is a fault, not the question: log it in full, and mark the run
        # failed in plain words, or it would stay "running" for good (the page refreshing
        # forever) and never be retried (start_analysis retries failed runs only).
        logger.exception("Analysis run %s failed unexpectedly", run.pk)
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=UNEXPECTED_ERROR, finished_at=timezone.now()
        )
        return
    AnalysisRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE,
        progress=100,
        message="Done",
        result=to_json(results),
        finished_at=timezone.now(),
    )


def _records(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [str(c) for c in frame.columns],
        "rows": json.loads(frame.to_json(orient="values", date_format="iso")),
    }


def to_json(results: analysis.Results) -> dict[str, Any]:
    return {
        "tables": {name: _records(frame) for name, frame in results.tables().items()},
        "sentences": results.sentences,
        "notes": results.notes,
    }


def frames(run: AnalysisRun) -> dict[str, pd.DataFrame]:
    tables = (run.result or {}).get("tables", {})
    return {
        name: pd.DataFrame(table["rows"], columns=table["columns"])
        for name, table in tables.items()
    }
