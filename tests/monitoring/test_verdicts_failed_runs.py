"""A run that fails for a reason other than the question is marked failed, not left running.

``execute`` caught only the library's input errors: any other exception (a KeyError, a
DuckDB error, running out of memory) left the run RUNNING for good, its page refreshing
forever, and ``start_analysis`` never retried it (it retries failed runs only).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from accord.monitoring import analysis, services
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.monitoring.services import UNEXPECTED_ERROR, start_analysis
from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.monitoring.test_verdicts_messages import PARAMS, datasets, monthly
from tests.security.principals import client_for


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_run_in_plain_words_and_it_can_be_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = datasets(tmp_path, monthly({"Black": 80, "White": 200}), analyst)
    real_run = analysis.run

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("la_code")  # a fault in the code, not in the question

    monkeypatch.setattr(analysis, "run", broken)
    with caplog.at_level(logging.ERROR, logger=services.logger.name):
        run_row = start_analysis(None, analyst, events, population, dict(PARAMS))
    assert run_row.status == RunStatus.FAILED
    assert run_row.error == UNEXPECTED_ERROR
    assert run_row.finished_at is not None
    assert "la_code" not in run_row.error  # no technical detail on the page
    logged = [r for r in caplog.records if "failed unexpectedly" in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the detail is in the log

    page = client_for("x", {"x": analyst}).get(f"/analysis/runs/{run_row.pk}/")
    assert "Something went wrong while working out this analysis" in page.content.decode()

    # Asked again once the fault is gone, the same run is retried and finishes.
    monkeypatch.setattr(analysis, "run", real_run)
    again = start_analysis(None, analyst, events, population, dict(PARAMS))
    assert again.pk == run_row.pk
    assert again.status == RunStatus.DONE, again.error
    assert AnalysisRun.objects.count() == 1
