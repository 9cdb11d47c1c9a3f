"""Messages that name the cause, and officer-recorded ethnicity with Mixed as a group.

Before: a focus group with no searches, an area and period with no searches, or an area
with no residents in the population all failed the whole run with the library's words
("the data (after any filter) is empty", "nothing to measure"). Officer-recorded
ethnicity with Mixed as the group to compare areas for failed the same way on the London
data (officers record no Mixed group), and on data where officers did record a few
searches as Mixed, published them area by area although every other table counts them
as having no ethnicity recorded (docs/decisions/0023).
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.conf import settings

from accord.datasets.models import Dataset, Kind
from accord.monitoring import analysis
from accord.monitoring.analysis import OFFICER_DEFINED, Choice, run
from accord.monitoring.forms import AnalysisForm, event_datasets, population_datasets
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.monitoring.presentation import sections
from accord.monitoring.services import frames
from accord.policy.roles import OrgKind, Role
from accord.stats import api
from tests.factories import person
from tests.security.principals import client_for

SELF = "self_defined_ethnicity_broad"
AREAS = (("E09000001", "One"), ("E09000002", "Two"))
MONTHS = ("2022-01", "2022-02", "2022-03", "2022-04")
PARAMS = {
    "group": SELF,
    "reference": "White",
    "focus": "Black",
    "area": "",
    "start": "",
    "end": "",
    "overdispersion": "additive",
}


def event_rows(spec: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """spec: group, n, month, area (index; alternating when not given), officer, arrests."""
    out = []
    for item in spec:
        month = item.get("month", "2022-01")
        for i in range(item["n"]):
            code, name = AREAS[item["area"] if "area" in item else i % 2]
            out.append(
                {
                    SELF: item["group"],
                    OFFICER_DEFINED: item.get("officer", item["group"]),
                    "gender": "Male",
                    "age_band": "18-24",
                    "la_code": code,
                    "la_name": name,
                    "month": month,
                    "date": pd.Timestamp(f"{month}-{1 + i % 28:02d}"),
                    "outcome": "Arrest" if i < item.get("arrests", 0) else "None",
                }
            )
    return out


def write(
    tmp_path: Path, rows: list[dict[str, Any]], areas: tuple[tuple[str, str], ...] = AREAS
) -> tuple[Path, Path]:
    events = tmp_path / "events.parquet"
    pd.DataFrame(rows).to_parquet(events)
    people = pd.DataFrame(
        [
            {"ethnic_group": group, "la_code": code, "la_name": name, "population": 20_000}
            for group in ("Asian", "Black", "Mixed", "Other", "White")
            for code, name in areas
        ]
    )
    population = tmp_path / "population.parquet"
    people.to_parquet(population)
    return events, population


def dataset(path: Path, kind: str, user: Any) -> Dataset:
    base = Path(settings.ACCORD_DATASETS_DIR)
    base.mkdir(parents=True, exist_ok=True)
    relative = f"verdicts-{uuid.uuid4().hex}.parquet"
    data = path.read_bytes()
    (base / relative).write_bytes(data)
    return Dataset.objects.create(
        name=f"Test {kind}",
        kind=kind,
        source="test",
        row_count=len(pd.read_parquet(path)),
        checksum=hashlib.sha256(data).hexdigest(),
        importer_version="test",
        parquet_path=relative,
        organisation=user.membership.organisation,
        created_by=user,
    )


def datasets(tmp_path: Path, rows: list[dict[str, Any]], user: Any, **kw: Any) -> tuple[Any, Any]:
    events, population = write(tmp_path, rows, **kw)
    return dataset(events, Kind.STOP_AND_SEARCH, user), dataset(population, Kind.POPULATION, user)


def monthly(groups: dict[str, int], **extra: Any) -> list[dict[str, Any]]:
    return event_rows(
        [
            {"group": g, "n": n, "month": m, "arrests": n // 4, **extra}
            for g, n in groups.items()
            for m in MONTHS
        ]
    )


def ask(client: Any, events: Any, population: Any, **params: str) -> Any:
    return client.get(
        "/analysis/", {"events": events.pk, "population": population.pk, **PARAMS, **params}
    )


# --- F7: a focus group with no searches ------------------------------------------------


@pytest.mark.django_db
def test_a_focus_group_with_no_searches_keeps_the_other_sections(tmp_path: Path) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = datasets(
        tmp_path, monthly({"Asian": 60, "Black": 80, "White": 200}), analyst
    )
    client = client_for("x", {"x": analyst})
    response = ask(client, events, population, focus="Other")
    assert response.status_code == 302
    run_row = AnalysisRun.objects.get()
    assert run_row.status == RunStatus.DONE, run_row.error
    html = client.get(response["Location"]).content.decode()
    assert "How often each group was searched" in html
    assert "Change over time" in html
    assert "There were no searches of Other people in the area and period chosen" in html
    assert "There were no searches of Other people in this data" in " ".join(
        run_row.result["notes"]
    )
    assert "empty" not in html
    tables = frames(run_row)
    assert tables["funnel"].empty
    rates = tables["rates"].set_index("group")
    assert int(rates.loc["Black", "events"]) == 320
    areas = next(s for s in sections(tables, run_row.parameters) if s.slug == "areas")
    assert areas.rows == [] and areas.spec is None
    assert client.get(f"/analysis/runs/{run_row.pk}/areas.csv").status_code == 200


def test_a_focus_group_with_no_searches_in_one_area_is_named(tmp_path: Path) -> None:
    rows = event_rows(
        [{"group": "White", "n": 40, "month": m} for m in MONTHS]
        + [{"group": "Black", "n": 30, "month": m, "area": 0} for m in MONTHS]
    )
    events, population = write(tmp_path, rows)
    results = run(
        Choice(
            events,
            population,
            SELF,
            "White",
            "Black",
            area="E09000002",
            start="2022-02",
            end="2022-03",
        )
    )
    assert results.funnel.empty
    assert (
        "There were no searches of Black people in Two from February 2022 to March 2022, so "
        "areas are not compared for them. Choose another group to compare areas for."
        in results.notes
    )


# --- F7: an area and period with no searches; an area with no residents ----------------


def test_an_area_and_period_with_no_searches_says_so(tmp_path: Path) -> None:
    rows = event_rows(
        [{"group": g, "n": 30, "month": m, "area": 0} for g in ("Black", "White") for m in MONTHS]
        + [{"group": g, "n": 30, "month": "2022-01", "area": 1} for g in ("Black", "White")]
    )
    events, population = write(tmp_path, rows)
    choice = Choice(
        events, population, SELF, "White", "Black", area="E09000002", start="2022-03", end="2022-04"
    )
    with pytest.raises(ValueError) as raised:
        run(choice)
    assert str(raised.value) == (
        "There are no searches in Two from March 2022 to April 2022 in this stop and search "
        "data. Choose another area or period."
    )
    one_month = Choice(events, population, SELF, "White", "Black", start="2023-05", end="2023-05")
    with pytest.raises(ValueError, match="There are no searches in May 2023 in this stop"):
        run(one_month)


@pytest.mark.django_db
def test_an_area_with_no_residents_in_the_population_says_so(tmp_path: Path) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = datasets(
        tmp_path, monthly({"Asian": 60, "Black": 80, "White": 200}), analyst, areas=AREAS[:1]
    )
    client = client_for("x", {"x": analyst})
    response = ask(client, events, population, area="E09000002")
    assert response.status_code == 302
    run_row = AnalysisRun.objects.get()
    assert run_row.status == RunStatus.FAILED
    assert run_row.error == (
        "The population data has no residents for Two, so search rates cannot be worked out "
        "there. Choose another area, or population data that covers it."
    )
    assert (
        "Two, so search rates cannot be worked out"
        in client.get(response["Location"]).content.decode()
    )


# --- F3: officer-recorded ethnicity and Mixed -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["focus", "reference"])
def test_the_form_refuses_mixed_with_officer_recorded_ethnicity(tmp_path: Path, field: str) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = datasets(tmp_path, monthly({"Black": 80, "White": 200}), analyst)
    response = ask(
        client_for("x", {"x": analyst}),
        events,
        population,
        group=OFFICER_DEFINED,
        **{field: "Mixed"},
    )
    assert response.status_code == 200
    assert "Officers&#x27; records have no Mixed group, so there are no searches to compare" in (
        response.content.decode()
    )
    assert not AnalysisRun.objects.exists()
    # The same choice with the person's own description is fine.
    form = AnalysisForm(
        {
            **PARAMS,
            "events": events.pk,
            "population": population.pk,
            field: "Mixed",
            "reference" if field == "focus" else "focus": "White",
        },
        events=event_datasets(analyst),
        populations=population_datasets(analyst),
    )
    assert form.is_valid(), form.errors


def _officers_recorded_mixed(tmp_path: Path) -> tuple[Path, Path]:
    spec: list[dict[str, Any]] = [
        {"group": g, "n": n, "arrests": n // 4}
        for g, n in {"Asian": 100, "Black": 150, "Other": 60, "White": 400}.items()
    ]
    spec += [{"group": "Mixed", "n": 50, "arrests": 10}]  # officers recorded Mixed anyway
    spec += [{"group": "Asian", "officer": None, "n": 5}]  # no ethnicity recorded
    return write(tmp_path, event_rows(spec))


def test_a_run_with_mixed_focus_and_officer_ethnicity_is_refused_in_plain_words(
    tmp_path: Path,
) -> None:
    events, population = _officers_recorded_mixed(tmp_path)
    with pytest.raises(ValueError, match="Officers' records have no Mixed group"):
        run(Choice(events, population, OFFICER_DEFINED, "White", "Mixed"))


def test_the_areas_table_counts_officers_mixed_searches_as_unrecorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attacker's sum: the note's count of searches with no ethnicity (55) less the
    Mixed searches the areas table published (25 + 25) gave the 5 unrecorded back. With the
    refusal out of the way, the areas table still publishes no Mixed searches."""
    events, population = _officers_recorded_mixed(tmp_path)
    monkeypatch.setattr(analysis, "refuse_groups_officers_do_not_record", lambda choice: None)
    results = run(Choice(events, population, OFFICER_DEFINED, "White", "Mixed"))
    published = pd.to_numeric(results.funnel["events"], errors="coerce").fillna(0).sum()
    assert published == 0
    note = next(n for n in results.notes if "no value for" in n)
    assert note.startswith("55 events")  # one count for both kinds, as before

    # And for any other focus, the funnel is counted with the same recode as the tables.
    seen: dict[str, Any] = {}
    real_funnel = api.funnel

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return real_funnel(*args, **kwargs)

    monkeypatch.setattr(api, "funnel", spy)
    run(Choice(events, population, OFFICER_DEFINED, "White", "Black"))
    assert seen["recode"] == analysis.officer_recode(OFFICER_DEFINED)
