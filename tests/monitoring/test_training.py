"""The training coverage page: London's coverage, each borough against it with funnel
limits, the boroughs ahead and behind, the numbers as CSV; the same numbers as
accord.stats gives directly."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.datasets.models import Dataset, Kind
from accord.datasets.services import import_paths
from accord.monitoring import training
from accord.monitoring.training_demo import (
    AHEAD,
    BEHIND,
    COURSES,
    NAME,
    RANKS,
    TEAMS,
    quarters,
    write_demo_csv,
)
from accord.policy.roles import OrgKind, Role
from accord.stats.funnel import funnel
from accord.stats.intervals import proportion_difference_newcombe
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)


@pytest.fixture
def demo(tmp_path: Path) -> Dataset:
    path = write_demo_csv(tmp_path / "training.csv", TODAY)
    return import_paths([path], kind=Kind.TRAINING, name=NAME)


def _imported(tmp_path: Path, name: str, text: str) -> Dataset:
    """A training file with ``text`` as its contents, imported as dataset ``name``."""
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    return import_paths([path], kind=Kind.TRAINING, name=name)


def _client() -> tuple[User, Client]:
    user = person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)
    return user, client_for("x", {"x": user})


def test_the_numbers_are_accord_stats_own(demo: Dataset) -> None:
    course, period = COURSES[0], quarters(TODAY)[-1]
    result = training.coverage(demo.path, course, period)

    frame = pq.read_table(demo.path).to_pandas()
    chosen = frame.loc[(frame["course"] == course) & (frame["period"] == period)]
    direct = _direct_funnel(chosen)
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
    dataset = _imported(
        tmp_path,
        "small",
        "borough,course,period,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,400,200\nHackney,DA,2026 Q1,350,200\nCity of London,DA,2026 Q1,12,3\n",
    )
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
    rows = [("Camden", 400), ("Hackney", 350)]
    dataset = _imported(
        tmp_path,
        "same",
        "borough,course,period,officers_in_scope,officers_trained\n"
        + "".join(
            f"{name},New course,2026 Q1,{scope},{scope if trained is None else trained}\n"
            for name, scope in rows
        ),
    )
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


def _direct_funnel(rows: pd.DataFrame) -> pd.DataFrame:
    """accord.stats' own funnel of the rows' boroughs (their ranks and teams added up)."""
    summed = rows.groupby(["la_code", "la_name"], as_index=False)[
        ["officers_trained", "officers_in_scope"]
    ].sum()
    return funnel(
        summed,
        ["la_code", "la_name"],
        events="officers_trained",
        size="officers_in_scope",
        kind="proportion",
        overdispersion="additive",
    )


def test_one_rank_across_the_boroughs_is_accord_stats_own(demo: Dataset) -> None:
    course, period = COURSES[2], quarters(TODAY)[-1]
    result = training.coverage(demo.path, course, period, rank="Sergeant")

    frame = pq.read_table(demo.path).to_pandas()
    chosen = frame.loc[
        (frame["course"] == course) & (frame["period"] == period) & (frame["rank"] == "Sergeant")
    ]
    direct = _direct_funnel(chosen)
    assert result.boroughs["estimate"].tolist() == direct["estimate"].tolist()
    assert result.london["in_scope"] == int(chosen["officers_in_scope"].sum())
    assert result.who == "Sergeant" and len(result.boroughs) == 32
    over_time = frame.loc[(frame["course"] == course) & (frame["rank"] == "Sergeant")]
    assert result.over_time["officers_trained"].sum() == over_time["officers_trained"].sum()


def test_each_rank_and_team_is_compared_with_all_other_officers(demo: Dataset) -> None:
    course, period = COURSES[2], quarters(TODAY)[-1]  # Cultural competency: sergeants lag
    result = training.coverage(demo.path, course, period)
    ranks = result.groups["rank"].set_index("group")
    assert list(ranks.index) == sorted(RANKS)

    frame = pq.read_table(demo.path).to_pandas()
    chosen = frame.loc[(frame["course"] == course) & (frame["period"] == period)]
    sergeants = chosen.loc[chosen["rank"] == "Sergeant"]
    others = chosen.loc[chosen["rank"] != "Sergeant"]
    direct = proportion_difference_newcombe(
        sergeants["officers_trained"].sum(),
        sergeants["officers_in_scope"].sum(),
        others["officers_trained"].sum(),
        others["officers_in_scope"].sum(),
    )
    row = ranks.loc["Sergeant"]
    assert row["difference"] == pytest.approx(float(direct.estimate) * 100)
    assert (row["difference_lower"], row["difference_upper"]) == pytest.approx(
        (float(direct.lower) * 100, float(direct.upper) * 100)
    )
    assert row["verdict"] == "lower" and row["difference_upper"] < 0
    assert training.group_verdict("lower") == "Lower than other officers, beyond chance"
    assert set(result.groups["team"]["group"]) == set(TEAMS)


def test_the_team_table_is_within_the_rank_chosen(demo: Dataset) -> None:
    course, period = COURSES[1], quarters(TODAY)[-1]  # Sexual violence: response lags
    result = training.coverage(demo.path, course, period, rank="Constable")
    teams = result.groups["team"].set_index("group")
    frame = pq.read_table(demo.path).to_pandas()
    constables = frame.loc[
        (frame["course"] == course) & (frame["period"] == period) & (frame["rank"] == "Constable")
    ]
    assert teams["officers_in_scope"].sum() == constables["officers_in_scope"].sum()
    assert teams.loc["Response", "verdict"] == "lower"
    # The rank table still shows every rank, so the one chosen can be seen against the rest.
    assert set(result.groups["rank"]["group"]) == set(RANKS)


def test_a_rank_with_no_figures_in_the_period_is_refused(tmp_path: Path) -> None:
    dataset = _imported(
        tmp_path,
        "ranks",
        "borough,course,period,rank,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,Sergeant,40,20\nCamden,DA,2026 Q2,Inspector,10,5\n",
    )
    with pytest.raises(LookupError, match="no figures for 'DA' in 2026 Q1 for Inspector"):
        training.coverage(dataset.path, "DA", "2026 Q1", rank="Inspector")


def test_a_dataset_stored_before_breakdowns_still_reads(tmp_path: Path) -> None:
    import pyarrow as pa

    path = tmp_path / "old.parquet"
    old = pa.table(
        {
            "la_code": ["E09000007", "E09000012"],
            "la_name": ["Camden", "Hackney"],
            "course": ["DA", "DA"],
            "period": ["2026 Q1", "2026 Q1"],
            "period_start": [dt.date(2026, 1, 1)] * 2,
            "officers_in_scope": [400, 350],
            "officers_trained": [200, 300],
        }
    )
    pq.write_table(old, path)
    assert training.options(path) == training.Options(["DA"], ["2026 Q1"], [], [])
    result = training.coverage(path, "DA", "2026 Q1")
    assert result.london["trained"] == 500 and all(t.empty for t in result.groups.values())


def test_the_page_looks_at_one_rank_and_shows_the_rank_and_team_tables(demo: Dataset) -> None:
    _, client = _client()
    latest = quarters(TODAY)[-1]
    opening = client.get(reverse("training")).content.decode()
    assert '<option value="" selected>All ranks</option>' in opening
    assert "All teams</option>" in opening
    assert 'id="by-rank"' in opening and 'id="by-team"' in opening

    page = client.get(
        reverse("training"),
        {
            "dataset": demo.pk,
            "course": COURSES[2],
            "period": latest,
            "rank": "Sergeant",
            "spread": "additive",
        },
    ).content.decode()
    assert f"{COURSES[2]}, {latest} (Sergeant)</h2>" in page
    assert "London by rank</h2>" in page
    assert "Lower than other officers, beyond chance" in page
    assert "shown above" in page

    csv_response = client.get(
        reverse("training_csv", args=[demo.pk]),
        {"course": COURSES[2], "period": latest, "rank": "Sergeant"},
    )
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert {(r["rank"], r["team"]) for r in rows} == {("Sergeant", "All teams")}
    result = training.coverage(demo.path, COURSES[2], latest, rank="Sergeant")
    camden = next(r for r in rows if r["borough"] == "Camden")
    expected = result.boroughs.set_index("la_name").loc["Camden"]
    assert int(camden["officers_in_scope"]) == int(expected["size"])

    refused = client.get(
        reverse("training"),
        {
            "dataset": demo.pk,
            "course": COURSES[2],
            "period": latest,
            "rank": "Admiral",
            "spread": "additive",
        },
    ).content.decode()
    assert "Select a valid choice. Admiral is not one of the available choices." in refused


def test_without_a_breakdown_the_page_asks_for_no_rank_or_team(tmp_path: Path) -> None:
    _imported(
        tmp_path,
        "plain",
        "borough,course,period,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,400,200\nHackney,DA,2026 Q1,350,200\n",
    )
    _, client = _client()
    page = client.get(reverse("training")).content.decode()
    assert "Across London," in page
    assert "All ranks" not in page and 'id="by-rank"' not in page


def test_each_borough_over_the_latest_periods_with_its_change(tmp_path: Path) -> None:
    dataset = _imported(
        tmp_path,
        "change",
        "borough,course,period,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,400,100\nCamden,DA,2026 Q2,400,300\n"
        "Hackney,DA,2026 Q1,200,100\nHackney,DA,2026 Q2,200,110\n"
        "Bexley,DA,2026 Q2,100,50\n",
    )
    result = training.coverage(dataset.path, "DA", "2026 Q2")
    assert result.recent_periods == ["2026 Q1", "2026 Q2"]
    table = result.boroughs_over_time.set_index("la_name")
    assert table.loc["Camden", "change"] == pytest.approx(50.0)  # 25% -> 75%
    assert table.loc["Hackney", "change"] == pytest.approx(5.0)
    assert pd.isna(table.loc["Bexley", "2026 Q1"]) and pd.isna(table.loc["Bexley", "change"])
    assert table.index[-1] == "London" and table.loc["London", "total"]
    assert table.loc["London", "change"] == pytest.approx(100 * (460 / 700 - 200 / 600))

    _, client = _client()
    page = client.get(reverse("training")).content.decode()
    assert "Borough by borough over time</h2>" in page
    assert "+50.0" in page and "no figures" in page
    # London: 200 of 600 (33.3%) then 460 of 700 (65.7%).
    assert "<strong>London</strong>" in page and "+32.4" in page


def test_only_the_latest_periods_are_shown_borough_by_borough(tmp_path: Path) -> None:
    dataset = _imported(
        tmp_path,
        "months",
        "borough,course,period,officers_in_scope,officers_trained\n"
        + "".join(f"Camden,DA,2026-{m:02d},100,{10 * m}\n" for m in range(1, 10)),
    )
    result = training.coverage(dataset.path, "DA", "2026-09")
    assert result.recent_periods == [f"2026-{m:02d}" for m in range(4, 10)]
    assert result.boroughs_over_time.set_index("la_name").loc["Camden", "change"] == 50.0
    page = _client()[1].get(reverse("training")).content.decode()
    assert "(the latest 6 periods are shown)" in page
