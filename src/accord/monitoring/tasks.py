"""Background analyses, for event tables too large to answer within a page load."""

from __future__ import annotations

from django.tasks import task

from accord.monitoring.services import execute


@task()
def run_analysis_task(run_id: str) -> None:
    execute(run_id)
