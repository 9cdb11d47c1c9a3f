"""The training coverage page: London's coverage, each borough against it with funnel
limits, the boroughs ahead and behind, the numbers as CSV; the same numbers as
accord.stats gives directly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
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
    BOROUGH_GAPS,
    CHANGED,
    COURSES,
    NAME,
    RANKS,
    TEAMS,
    quarters,
    write_demo_csv,
)
from accord.policy.roles import OrgKind, Role
from accord.stats.change_funnel import change_funnel
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


def _page(dataset: Dataset, course: str, period: str, **choices: str) -> str:
    """The training page for these choices, as a partner sees it."""
    query = {"dataset": dataset.pk, "course": course, "period": period, "spread": "additive"}
    return _client()[1].get(reverse("training"), {**query, **choices}).content.decode()


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
    camden = next(r for r in rows if r["borough"] == "Camden")
    assert camden["course"] == COURSES[0] and camden["period"] == latest
    assert camden["compared_with_london"] == "Ahead of London, beyond chance"
    assert float(camden["lower_95"]) < float(camden["percent_trained"])
    # Each borough's change over the latest periods, as in the table on the page.
    quarters_shown = quarters(TODAY)
    croydon = next(r for r in rows if r["borough"] == "Croydon")
    assert croydon["change_periods"] == f"{quarters_shown[0]} to {quarters_shown[-1]}"
    assert croydon["change_compared_with_london"] == "Above London's change, beyond chance"
    result = training.coverage(demo.path, COURSES[0], latest)
    table = result.boroughs_over_time.set_index("la_name")
    assert float(croydon["change_points"]) == round(table.loc["Croydon", "change"], 1)
    assert float(croydon["change_against_london_points"]) == round(
        table.loc["Croydon", "against"], 1
    )
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
    assert training.options(path) == training.Options(
        ["DA"], ["2026 Q1"], [], [], ["Camden", "Hackney"]
    )
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


def test_each_boroughs_change_against_londons_is_accord_stats_own(demo: Dataset) -> None:
    latest = quarters(TODAY)
    result = training.coverage(demo.path, COURSES[1], latest[-1])
    frame = pq.read_table(demo.path).to_pandas()
    of_course = frame.loc[frame["course"] == COURSES[1]]
    ends = [
        of_course.loc[of_course["period"] == period]
        .groupby("la_name")[["officers_trained", "officers_in_scope"]]
        .sum()
        for period in (latest[0], latest[-1])
    ]
    paired = ends[0].merge(ends[1], left_index=True, right_index=True, suffixes=("_0", "_1"))
    paired = paired.reset_index()
    direct = change_funnel(
        paired,
        "la_name",
        events_before="officers_trained_0",
        size_before="officers_in_scope_0",
        events_after="officers_trained_1",
        size_after="officers_in_scope_1",
        overdispersion="additive",
    ).set_index("la_name")
    table = result.boroughs_over_time.set_index("la_name")
    boroughs = table.loc[~table["total"]]
    assert boroughs["against"].tolist() == pytest.approx(
        (100 * direct.loc[boroughs.index, "difference"]).tolist()
    )
    assert boroughs["change_flag"].tolist() == direct.loc[boroughs.index, "outlier"].tolist()
    # The chart's bars are the funnel's own 99.8% limits at each borough's size.
    for mine, theirs in (("limit_lower", "lower_998"), ("limit_upper", "upper_998")):
        assert boroughs[mine].tolist() == pytest.approx(
            (100 * direct.loc[boroughs.index, theirs]).tolist()
        )
    assert boroughs["london_change"].tolist() == pytest.approx(
        [100 * float(direct["target"].iloc[0])] * len(boroughs)
    )
    # The invented borough that changed how it trains, and only it, stands out.
    assert result.rose_more == sorted(CHANGED) and result.rose_less == []
    assert pd.isna(table.loc["London", "against"]) and table.loc["London", "change_flag"] == ""
    assert "funnel plot of changes (Spiegelhalter 2005)" in result.change_notes[0]


def test_the_page_names_the_borough_whose_change_stands_out(demo: Dataset) -> None:
    _, client = _client()
    page = client.get(reverse("training")).content.decode()
    assert "Against London's change (points)" in page
    assert "Changed more than London, beyond chance: <strong>Croydon</strong>" in page
    assert "<strong>Above London&#x27;s change, beyond chance</strong>" in page
    assert "Changed less than London" not in page
    assert re.search(
        r'<figure class="accord-chart"[^>]*aria-label="Chart: each borough\'s change against '
        r'London\'s[^>]*><svg role="img" aria-label="Each borough\'s change in the share of '
        r"officers trained in [^\"]+ around London's change of [+-]\d+\.\d points\"",
        page,
    ), "the change chart is missing"


def test_a_small_change_is_within_chance_and_a_borough_without_both_ends_is_not_compared(
    tmp_path: Path,
) -> None:
    dataset = _imported(
        tmp_path,
        "steady",
        "borough,course,period,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,400,100\nCamden,DA,2026 Q2,400,130\n"
        "Hackney,DA,2026 Q1,200,60\nHackney,DA,2026 Q2,200,76\n"
        "Bexley,DA,2026 Q2,100,50\n",
    )
    result = training.coverage(dataset.path, "DA", "2026 Q2")
    table = result.boroughs_over_time.set_index("la_name")
    # London (Camden and Hackney): 160 of 600 then 206 of 600, +7.7 points.
    assert table.loc["Camden", "against"] == pytest.approx(100 * (30 / 400 - 46 / 600))
    assert table.loc["Camden", "change_flag"] == ""
    assert pd.isna(table.loc["Bexley", "against"])
    assert result.rose_more == [] and result.changes_compared
    page = _client()[1].get(reverse("training")).content.decode()
    assert "No borough's change stands out from London's beyond chance." in page
    assert "Within the range chance allows" in page


def test_no_change_to_compare_when_nobody_is_trained_at_either_end(tmp_path: Path) -> None:
    dataset = _imported(
        tmp_path,
        "none",
        "borough,course,period,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,400,0\nCamden,DA,2026 Q2,400,0\n"
        "Hackney,DA,2026 Q1,200,0\nHackney,DA,2026 Q2,200,0\n",
    )
    result = training.coverage(dataset.path, "DA", "2026 Q2")
    assert result.change_notes == [
        "Every borough is at 0% or 100% in both 2026 Q1 and 2026 Q2, so no borough's change "
        "can be compared with London's."
    ]
    assert not result.changes_compared
    page = _client()[1].get(reverse("training")).content.decode()
    assert "stands out from London" not in page
    assert "so no borough&#x27;s change can be compared" in page


def test_one_boroughs_teams_against_the_same_teams_elsewhere(demo: Dataset) -> None:
    course, period = COURSES[1], quarters(TODAY)[-1]
    ((borough, team),) = BOROUGH_GAPS  # Hackney's response officers lag (invented)
    result = training.coverage(demo.path, course, period, borough=borough)
    teams = result.borough_groups["team"].set_index("group")
    assert list(teams.index) == sorted(TEAMS)

    frame = pq.read_table(demo.path).to_pandas()
    chosen = frame.loc[(frame["course"] == course) & (frame["period"] == period)]
    here = chosen.loc[(chosen["la_name"] == borough) & (chosen["team"] == team)]
    rest = chosen.loc[(chosen["la_name"] != borough) & (chosen["team"] == team)]
    direct = proportion_difference_newcombe(
        here["officers_trained"].sum(),
        here["officers_in_scope"].sum(),
        rest["officers_trained"].sum(),
        rest["officers_in_scope"].sum(),
    )
    row = teams.loc[team]
    assert row["officers_in_scope"] == here["officers_in_scope"].sum()
    assert row["rest_estimate"] == pytest.approx(
        100 * rest["officers_trained"].sum() / rest["officers_in_scope"].sum()
    )
    assert (row["difference"], row["difference_lower"], row["difference_upper"]) == pytest.approx(
        (100 * float(direct.estimate), 100 * float(direct.lower), 100 * float(direct.upper))
    )
    assert row["verdict"] == "lower"
    assert teams.loc["Neighbourhood", "verdict"] == "higher"
    # The rank table is of the same borough, every rank.
    assert set(result.borough_groups["rank"]["group"]) == set(RANKS)
    assert any(note.startswith(f"In {borough}, each rank and team") for note in result.notes)


def test_one_boroughs_ranks_are_within_the_team_chosen(demo: Dataset) -> None:
    course, period = COURSES[0], quarters(TODAY)[-1]
    result = training.coverage(demo.path, course, period, team="Response", borough="Camden")
    ranks = result.borough_groups["rank"]
    frame = pq.read_table(demo.path).to_pandas()
    camden_response = frame.loc[
        (frame["course"] == course)
        & (frame["period"] == period)
        & (frame["la_name"] == "Camden")
        & (frame["team"] == "Response")
    ]
    assert ranks["officers_in_scope"].sum() == camden_response["officers_in_scope"].sum()


def test_the_page_looks_into_one_borough(demo: Dataset) -> None:
    _, client = _client()
    latest = quarters(TODAY)[-1]
    opening = client.get(reverse("training")).content.decode()
    assert "Look into one borough" in opening and 'id="borough-by-team"' not in opening
    page = _page(demo, COURSES[1], latest, borough="Hackney")
    assert 'id="borough-by-team">Hackney by team</h2>' in page
    assert 'id="borough-by-rank">Hackney by rank</h2>' in page
    assert "<strong>Lower than in the rest of London, beyond chance</strong>" in page
    assert "Hackney&#x27;s coverage in each team, compared with the same team" in page
    refused = _page(demo, COURSES[1], latest, borough="Atlantis")
    assert "Select a valid choice. Atlantis is not one of the available choices." in refused


def test_a_borough_with_no_figures_in_the_period_is_refused(tmp_path: Path) -> None:
    dataset = _imported(
        tmp_path,
        "bexley",
        "borough,course,period,rank,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,Sergeant,40,20\nCamden,DA,2026 Q2,Sergeant,40,25\n"
        "Bexley,DA,2026 Q2,Sergeant,10,5\n",
    )
    with pytest.raises(LookupError, match="no figures for Bexley in this course and period"):
        training.coverage(dataset.path, "DA", "2026 Q1", borough="Bexley")
    page = _page(dataset, "DA", "2026 Q1", borough="Bexley")
    assert "There are no figures for Bexley in this course and period." in page


def test_a_borough_alone_in_its_rank_is_not_compared(tmp_path: Path) -> None:
    dataset = _imported(
        tmp_path,
        "alone",
        "borough,course,period,rank,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,Sergeant,40,20\nCamden,DA,2026 Q1,Inspector,10,5\n"
        "Hackney,DA,2026 Q1,Sergeant,30,10\n",
    )
    result = training.coverage(dataset.path, "DA", "2026 Q1", borough="Camden")
    ranks = result.borough_groups["rank"].set_index("group")
    assert pd.isna(ranks.loc["Inspector", "rest_estimate"])
    assert pd.isna(ranks.loc["Inspector", "difference"]) and ranks.loc["Inspector", "verdict"] == ""
    page = _page(dataset, "DA", "2026 Q1", borough="Camden")
    assert "Not compared: no officers of this rank elsewhere" in page


def test_without_a_breakdown_there_is_no_borough_to_look_into(tmp_path: Path) -> None:
    _imported(
        tmp_path,
        "plain",
        "borough,course,period,officers_in_scope,officers_trained\n"
        "Camden,DA,2026 Q1,400,200\nHackney,DA,2026 Q1,350,200\n",
    )
    page = _client()[1].get(reverse("training")).content.decode()
    assert "Look into one borough" not in page
