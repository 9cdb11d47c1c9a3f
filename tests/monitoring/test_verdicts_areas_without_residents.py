""" "All areas" with a population file that leaves out some areas with searches.

Before: the run went ahead. Every search in the data was divided by the residents of the
areas the population file has, so the other areas' searches counted against residents who
live elsewhere and every rate came out too high, with nothing on the page to say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.monitoring.analysis import Choice, run
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.monitoring.test_verdicts_messages import (
    AREAS,
    MONTHS,
    SELF,
    ask,
    datasets,
    event_rows,
    monthly,
    write,
)
from tests.security.principals import client_for


def test_all_areas_is_refused_when_an_area_with_searches_has_no_residents(
    tmp_path: Path,
) -> None:
    rows = monthly({"Asian": 60, "Black": 80, "White": 200})
    events, population = write(tmp_path, rows, areas=AREAS[:1])
    with pytest.raises(ValueError) as raised:
        run(Choice(events, population, SELF, "White", "Black"))
    assert str(raised.value) == (
        "The population data has no residents for Two, where this stop and search data has "
        "searches. Their searches would be counted against other areas' residents, so the "
        "rates for all areas together would be wrong. Choose one area, or population data "
        "that covers every area."
    )
    # One area the population covers is still fine.
    one = run(Choice(events, population, SELF, "White", "Black", area="E09000001"))
    assert not one.rates.empty


def test_an_area_without_searches_in_the_period_does_not_matter(tmp_path: Path) -> None:
    rows = event_rows(
        [{"group": g, "n": 40, "month": m, "area": 0} for g in ("Black", "White") for m in MONTHS]
        + [{"group": g, "n": 30, "month": "2022-01", "area": 1} for g in ("Black", "White")]
    )
    events, population = write(tmp_path, rows, areas=AREAS[:1])
    with pytest.raises(ValueError, match="no residents for Two, where this stop and search data"):
        run(Choice(events, population, SELF, "White", "Black"))
    later = run(Choice(events, population, SELF, "White", "Black", start="2022-02"))
    assert not later.rates.empty


def test_many_missing_areas_are_named_up_to_five(tmp_path: Path) -> None:
    areas = tuple((f"E0900{n:04d}", f"Area {n:02d}") for n in range(1, 9))
    rows = [
        {**row, "la_code": areas[i % 8][0], "la_name": areas[i % 8][1]}
        for i, row in enumerate(monthly({"Black": 80, "White": 200}))
    ]
    events, population = write(tmp_path, rows, areas=areas[:1])
    with pytest.raises(ValueError) as raised:
        run(Choice(events, population, SELF, "White", "Black"))
    assert str(raised.value).startswith(
        "The population data has no residents for Area 02, Area 03, Area 04, Area 05, "
        "Area 06 and 2 more areas, where this stop and search data has searches."
    )


@pytest.mark.django_db
def test_the_page_says_why_all_areas_cannot_be_worked_out(tmp_path: Path) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = datasets(
        tmp_path, monthly({"Asian": 60, "Black": 80, "White": 200}), analyst, areas=AREAS[:1]
    )
    client = client_for("x", {"x": analyst})
    response = ask(client, events, population, start="2022-02", end="2022-03")
    assert response.status_code == 302
    run_row = AnalysisRun.objects.get()
    assert run_row.status == RunStatus.FAILED
    assert run_row.error.startswith(
        "The population data has no residents for Two, where this stop and search data has "
        "searches from February 2022 to March 2022."
    )
    page = client.get(response["Location"]).content.decode()
    assert "Choose one area, or population data that covers every area." in page
