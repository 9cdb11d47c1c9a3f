"""The analysis pages show exactly what accord.stats computes, through disclosure control."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.test import Client

from accord.audit.models import AuditEvent
from accord.monitoring import analysis
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.monitoring.services import frames, start_analysis
from accord.policy.roles import OrgKind, Role
from accord.stats import api
from tests.factories import person
from tests.monitoring.data import (
    CENSUS_5,
    PARAMS,
    REAL_CENSUS_5,
    REAL_STOPS,
    STOPS_3_BOROUGHS,
    import_london,
)
from tests.security.principals import client_for


def _direct(
    events: Any, population: Any, areas: list[str], hide: tuple[dict[str, object], ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """accord.stats called directly, as an analyst would from a notebook, hiding the group
    counts that the tables released with them hide (``hide``)."""
    people = api.Population(
        str(population.path),
        value="population",
        columns={"officer_defined_ethnicity_broad": "ethnic_group", "la_code": "la_code"},
        # Officers record no Mixed group: the page leaves Mixed residents out, and says so.
        where={"la_code": areas, "ethnic_group": ["Asian", "Black", "Other", "White"]},
    )
    group = "officer_defined_ethnicity_broad"
    rule = api.Disclosure(hide=hide)
    rates = api.rates(str(events.path), people, group=group, unmatched="drop", disclosure=rule)
    ratios = api.ratios(
        str(events.path),
        people,
        group=group,
        reference="White",
        unmatched="drop",
        disclosure=rule,
    )
    return rates, ratios


def _hidden_in_monthly(monthly: pd.DataFrame) -> tuple[dict[str, object], ...]:
    """The group totals (and grand total) the page's monthly table hides, as cells."""
    group = "officer_defined_ethnicity_broad"
    totals = monthly.loc[monthly["period"].astype(str) == "Total"]
    hidden = totals.loc[totals["events"].isna(), group].astype(str)
    return tuple({group: g} if g != "Total" else {} for g in hidden)


def _areas(events: Any) -> list[str]:
    from accord.monitoring.analysis import areas_in

    return areas_in(events.path)


def _compare(run: AnalysisRun, events: Any, population: Any) -> None:
    tables = frames(run)
    hide = _hidden_in_monthly(tables["monthly"])
    rates, ratios = _direct(events, population, _areas(events), hide)
    # A group hidden in the monthly table is hidden in the rates too (no differencing).
    hidden_rates = set(tables["rates"].loc[tables["rates"]["suppressed"].astype(bool), "group"])
    assert {str(next(iter(c.values()))) for c in hide if c} <= hidden_rates | {"Mixed"}
    for page, direct in ((tables["rates"], rates), (tables["ratios"], ratios)):
        page = page.set_index("group")
        direct = direct.set_index("group")
        assert list(page.index) == list(direct.index)
        for column in ("estimate", "lower", "upper"):
            pd.testing.assert_series_equal(
                pd.to_numeric(page[column], errors="coerce").astype(float),
                pd.to_numeric(direct[column], errors="coerce").astype(float),
                check_names=False,
                rtol=1e-12,
            )
        assert (
            page["suppressed"].astype(bool).tolist() == direct["suppressed"].astype(bool).tolist()
        )


@pytest.mark.django_db
def test_page_numbers_match_accord_stats_on_imported_data() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    client = client_for("x", {"x": analyst})
    response = client.get(
        "/analysis/", {"events": events.pk, "population": population.pk, **PARAMS}
    )
    assert response.status_code == 302
    run = AnalysisRun.objects.get()
    assert run.status == RunStatus.DONE, run.error
    _compare(run, events, population)
    page = client.get(response["Location"])
    html = page.content.decode()
    black = frames(run)["ratios"].set_index("group").loc["Black"]
    assert f"{float(black['estimate']):,.2f}" in html
    assert "Black people were searched at" in html
    assert html.count("<svg") == 5
    assert AuditEvent.objects.filter(action="monitoring.analysis_viewed").exists()


@pytest.mark.django_db
@pytest.mark.skipif(not REAL_STOPS.exists(), reason="../shared/data/real is not on this machine")
def test_london_page_matches_accord_stats_on_the_real_files() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst, REAL_STOPS, REAL_CENSUS_5)
    assert events.row_count == 150_152
    run = start_analysis(None, analyst, events, population, dict(PARAMS))
    assert run.status == RunStatus.DONE, run.error
    _compare(run, events, population)
    ratio = frames(run)["ratios"].set_index("group").loc["Black"]
    # The worked example (docs/examples/london_stop_and_search.md): 3.03 (2.99 to 3.06).
    assert round(float(ratio["estimate"]), 2) == 3.03
    # Five searches recorded by officers as Mixed no longer hide Asian and Other.
    for name in ("rates", "ratios", "proportions", "trend"):
        assert not frames(run)[name]["suppressed"].astype(bool).any(), name


@pytest.mark.django_db
def test_csv_download_is_the_published_table() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    run = start_analysis(None, analyst, events, population, dict(PARAMS))
    response = client_for("x", {"x": analyst}).get(f"/analysis/runs/{run.pk}/rates.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="accord-rates-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    table = frames(run)["rates"]
    assert rows[0] == list(table.columns)
    assert len(rows) == len(table) + 1
    for row in rows[1:]:
        assert not row[0].startswith(("=", "+", "-", "@"))
    assert (
        client_for("x", {"x": analyst}).get(f"/analysis/runs/{run.pk}/nonsense.csv").status_code
        == 404
    )


@pytest.mark.django_db
def test_the_same_question_reuses_its_run() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    first = start_analysis(None, analyst, events, population, dict(PARAMS))
    second = start_analysis(None, analyst, events, population, dict(PARAMS))
    assert first.pk == second.pk
    other = start_analysis(None, analyst, events, population, {**PARAMS, "focus": "Asian"})
    assert other.pk != first.pk


@pytest.mark.django_db
def test_a_changed_analysis_answers_again_and_keeps_the_old_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    before = start_analysis(None, analyst, events, population, dict(PARAMS))
    monkeypatch.setattr(analysis, "METHOD_VERSION", analysis.METHOD_VERSION + 1)
    after = start_analysis(None, analyst, events, population, dict(PARAMS))
    assert after.pk != before.pk
    assert after.status == RunStatus.DONE
    before.refresh_from_db()
    assert before.status == RunStatus.DONE and before.result  # kept as it was


@pytest.mark.django_db
def test_large_runs_go_to_the_background_with_progress(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ACCORD_SYNC_ANALYSIS_ROWS = 0
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    client = client_for("x", {"x": analyst})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = start_analysis(None, analyst, events, population, dict(PARAMS))
    assert run.status == RunStatus.QUEUED
    waiting = client.get(f"/analysis/runs/{run.pk}/").content.decode()
    assert 'http-equiv="refresh"' in waiting
    assert "<progress" in waiting
    for callback in callbacks:
        callback()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.progress == 100


@pytest.mark.django_db
def test_bad_choices_get_specific_errors() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    client = client_for("x", {"x": analyst})
    response = client.get(
        "/analysis/",
        {**PARAMS, "events": events.pk, "population": population.pk, "area": "E09999999"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = client.get(
        "/analysis/",
        {
            **PARAMS,
            "events": events.pk,
            "population": population.pk,
            "start": "2022-05",
            "end": "2022-02",
        },
    )
    assert (
        "The end month must be the same as or after the start month." in response.content.decode()
    )
    assert not AnalysisRun.objects.exists()


@pytest.mark.django_db
def test_casework_users_cannot_reach_analysis() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    assert client_for("x", {"x": advocate}).get("/analysis/").status_code == 404
    assert Client().get("/analysis/").status_code == 302


@pytest.mark.django_db
def test_searches_officers_recorded_as_mixed_hide_no_other_group(tmp_path: Path) -> None:
    """Officers record no Mixed group, yet the London file has five searches recorded so.
    Left in the monthly and outcome tables but not in the rates (no population), they made
    tables of different groups, and protecting them hid Asian and Other everywhere. They
    are now counted with the searches with no ethnicity recorded, in one note."""
    stops = pd.read_csv(STOPS_3_BOROUGHS, dtype=str, keep_default_na=False)
    column = "officer_defined_ethnicity"
    no_value = int((stops[column] == "").sum())
    changed = stops.index[stops[column] == "White"][:3]
    stops.loc[changed, column] = "Mixed"
    path = tmp_path / "stops_with_mixed.csv"
    stops.to_csv(path, index=False)
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst, path, CENSUS_5)
    run = start_analysis(None, analyst, events, population, dict(PARAMS))
    assert run.status == RunStatus.DONE, run.error
    tables = frames(run)
    group = PARAMS["group"]
    monthly_groups = set(tables["monthly"][group].astype(str)) - {"Total"}
    assert monthly_groups == set(tables["rates"]["group"]) == {"Asian", "Black", "Other", "White"}
    for name in ("rates", "ratios", "proportions"):
        assert not tables[name]["suppressed"].astype(bool).any(), name
    # The trend hides only the groups with a hidden month (here Asian and Other, small in
    # June and November 2022): its slope would give that month back.
    monthly = tables["monthly"]
    months = monthly.loc[monthly["period"].astype(str) != "Total"]
    with_hidden_month = set(months.loc[months["events"].isna(), group].astype(str)) - {"Total"}
    trend = tables["trend"]
    assert set(trend.loc[trend["suppressed"].astype(bool), "group"]) == with_hidden_month
    notes = run.result["notes"]
    assert (
        f"{no_value + 3:,} events with no value for ethnicity as recorded by the officer "
        "were left out." in notes
    )
    assert any("recorded by officers as Mixed anyway" in note for note in notes)
