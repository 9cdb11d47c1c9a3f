"""The training coverage page: London's coverage, each borough against it with funnel
limits, the boroughs ahead and behind, the numbers as CSV; the same numbers as
accord.stats gives directly."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.datasets.models import Dataset, Kind
from accord.datasets.services import import_paths
from accord.monitoring import training
from accord.monitoring.training_demo import AHEAD, BEHIND, COURSES, NAME, quarters, write_demo_csv
from accord.policy.roles import OrgKind, Role
from accord.stats.funnel import funnel
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def demo(tmp_path: Path) -> Dataset:
    path = write_demo_csv(tmp_path / "training.csv", TODAY)
    return import_paths([path], kind=Kind.TRAINING, name=NAME)


def _client() -> tuple[User, Client]:
    user = person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)
    return user, client_for("x", {"x": user})


def test_the_numbers_are_accord_stats_own(demo: Dataset) -> None:
    course, period = COURSES[0], quarters(TODAY)[-1]
    result = training.coverage(demo.path, course, period)

    frame = pq.read_table(demo.path).to_pandas()
    chosen = frame.loc[(frame["course"] == course) & (frame["period"] == period)]
    direct = funnel(
        chosen,
        ["la_code", "la_name"],
        events="officers_trained",
        size="officers_in_scope",
        kind="proportion",
        overdispersion="additive",
    )
    assert result.boroughs["estimate"].tolist() == direct["estimate"].tolist()
    assert result.boroughs["outlier"].tolist() == direct["outlier"].tolist()
    assert result.london["trained"] == int(chosen["officers_trained"].sum())
    assert len(result.boroughs) == 32  # the boroughs the Met polices


def test_the_invented_pilots_stand_out_and_the_laggards_fall_behind(demo: Dataset) -> None:
    result = training.coverage(demo.path, COURSES[0], quarters(TODAY)[-1])
    assert set(result.ahead) <= AHEAD and result.ahead
    assert set(result.behind) <= BEHIND and result.behind
    assert any("more than chance allows" in note for note in result.notes)


def test_a_borough_with_few_officers_is_named_in_the_notes(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text(
        "borough,course,period,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,400,200\nHackney,DA,2026 Q1,350,200\nCity of London,DA,2026 Q1,12,3\n",
        encoding="utf-8",
    )
    dataset = import_paths([path], kind=Kind.TRAINING, name="small")
    result = training.coverage(dataset.path, "DA", "2026 Q1")
    assert (
        "Fewer than 30 officers are in scope in City of London: their percentages can move a "
        "long way with a few officers."
    ) in result.notes


def test_chance_alone_flags_more_boroughs(demo: Dataset) -> None:
    period = quarters(TODAY)[-1]
    allowing = training.coverage(demo.path, COURSES[1], period, "additive")
    chance = training.coverage(demo.path, COURSES[1], period, "none")
    flagged = len(allowing.ahead) + len(allowing.behind)
    assert len(chance.ahead) + len(chance.behind) > flagged


def test_the_page_opens_on_the_latest_period_and_shows_every_borough(demo: Dataset) -> None:
    _, client = _client()
    page = client.get(reverse("training")).content.decode()
    latest = quarters(TODAY)[-1]
    assert f"{sorted(COURSES)[0]}, {latest}" in page  # the first course, A to Z
    assert "Across London," in page and "Ahead of London, beyond chance:" in page
    assert "Hackney" in page and "Behind London, beyond chance" in page
    assert "<svg" in page
    assert f"{quarters(TODAY)[0]}</th>" in page  # London over time


def test_choosing_a_course_and_period(demo: Dataset) -> None:
    _, client = _client()
    first = quarters(TODAY)[0]
    page = client.get(
        reverse("training"),
        {"dataset": demo.pk, "course": COURSES[2], "period": first, "spread": "none"},
    ).content.decode()
    assert f"{COURSES[2]}, {first}" in page
    assert "The limits are binomial (chance alone)." in page


def test_a_course_that_is_not_in_the_data_is_refused_on_the_form(demo: Dataset) -> None:
    _, client = _client()
    response = client.get(
        reverse("training"),
        {"dataset": demo.pk, "course": "Knitting", "period": quarters(TODAY)[0]},
    )
    assert response.status_code == 200
    assert "Select a valid choice. Knitting is not one of the available choices." in (
        response.content.decode()
    )


def test_without_data_the_page_says_how_to_bring_it_in() -> None:
    _, client = _client()
    page = client.get(reverse("training")).content.decode()
    assert "There is no training data yet." in page
    assert "officers_in_scope and officers_trained" in page


def test_the_table_downloads_as_csv(demo: Dataset) -> None:
    _, client = _client()
    latest = quarters(TODAY)[-1]
    response = client.get(
        reverse("training_csv", args=[demo.pk]), {"course": COURSES[0], "period": latest}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 32
    hackney = next(r for r in rows if r["borough"] == "Hackney")
    assert hackney["course"] == COURSES[0] and hackney["period"] == latest
    assert hackney["compared_with_london"] == "Ahead of London, beyond chance"
    assert float(hackney["lower_95"]) < float(hackney["percent_trained"])
    # Without a course or period, the same defaults as the page.
    assert client.get(reverse("training_csv", args=[demo.pk])).status_code == 200


@pytest.mark.parametrize(("trained", "share"), [(0, "none"), (None, "all")])
def test_a_course_nobody_or_everybody_has_done_has_nothing_to_compare(
    tmp_path: Path, trained: int | None, share: str
) -> None:
    path = tmp_path / "same.csv"
    rows = [("Camden", 400), ("Hackney", 350)]
    path.write_text(
        "borough,course,period,officers_in_scope,officers_trained\n"
        + "".join(
            f"{name},New course,2026 Q1,{scope},{scope if trained is None else trained}\n"
            for name, scope in rows
        ),
        encoding="utf-8",
    )
    dataset = import_paths([path], kind=Kind.TRAINING, name="same")
    result = training.coverage(dataset.path, "New course", "2026 Q1")
    assert result.notes == [
        f"In every borough {share} of the officers in scope had done this course, so there is "
        "nothing to compare borough by borough."
    ]
    assert result.ahead == [] and result.behind == []
    _, client = _client()
    page = client.get(reverse("training")).content.decode()
    assert "nothing to compare borough by borough" in page and "<svg" not in page
    assert client.get(reverse("training_csv", args=[dataset.pk])).status_code == 200
