"""The before-and-after page asked about the gap between two groups: the page's figures are
the library's own, the result reads as sentences about the gap, choices that cannot make a
gap are refused with the reason, and the CSV holds both groups' numbers with small ones
blank."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client

from accord.datasets.models import Dataset
from accord.monitoring.analysis import AREA_CODE, DATE, MONTH, POPULATION_GROUP
from accord.policy.roles import OrgKind, Role
from accord.stats import api
from tests.factories import person
from tests.monitoring.data import import_london
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

CITY, RICHMOND, SUTTON = "E09000001", "E09000027", "E09000029"
URL = "/analysis/before-after/"
CSV_URL = "/analysis/before-after.csv"
OFFICER = "officer_defined_ethnicity_broad"
SELF = "self_defined_ethnicity_broad"


@pytest.fixture
def london() -> tuple[Dataset, Dataset]:
    return import_london()


def _client() -> Client:
    return client_for("x", {"x": person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)})


def _query(london: tuple[Dataset, Dataset], **changes: Any) -> dict[str, Any]:
    events, population = london
    query: dict[str, Any] = {
        "events": str(events.pk),
        "population": str(population.pk),
        "treated": [SUTTON],
        "start": "2022-05",
        "people": f"{OFFICER}:Black",
        "reference": "White",
    }
    return query | changes


def test_the_page_shows_the_librarys_own_gap(london: tuple[Dataset, Dataset]) -> None:
    events, population = london
    response = _client().get(URL, _query(london))
    assert response.status_code == 200
    kept = response.context["answer"].months
    direct = api.gap_before_after(
        str(events.path),
        api.Population(
            str(population.path),
            value="population",
            columns={AREA_CODE: AREA_CODE, OFFICER: POPULATION_GROUP},
            where={AREA_CODE: [CITY, RICHMOND, SUTTON], POPULATION_GROUP: ["Black", "White"]},
        ),
        area=AREA_CODE,
        group=OFFICER,
        focus="Black",
        reference="White",
        treated=[SUTTON],
        start="2022-05",
        date=DATE,
        where={MONTH: kept, OFFICER: ["Black", "White"]},
        unmatched="drop",
    )
    effect, expected = response.context["effect"], direct.effect.iloc[0]
    assert effect["estimate"] == pytest.approx(expected["estimate"])
    assert effect["lower"] == pytest.approx(expected["lower"])
    assert effect["placebo_sets"] == expected["placebo_sets"] == 2
    assert "triple difference" in effect["method"]
    summary = {row["label"]: row for row in response.context["summary"]}
    by_set = direct.summary.set_index("set")
    with_row = summary["Boroughs with the initiative"]
    assert with_row["focus_before"] == by_set.at["with the initiative", "focus_before"]
    assert with_row["gap_after"] == pytest.approx(by_set.at["with the initiative", "ratio_after"])
    page = response.content.decode()
    assert f"{expected['estimate']:.2f}" in page
    assert "Change in the ratio, after / before (95% CI)" in page
    assert "How many times as often Black people were searched, month by month" in page
    assert re.search(
        r"Difference in the ratio&#x27;s yearly trend before the start, where the initiative "
        r"ran against elsewhere: [^.]*(lower|higher|as high|no change) a year \(95% CI: from ",
        page,
    )


def test_the_gap_reads_as_sentences(london: tuple[Dataset, Dataset]) -> None:
    response = _client().get(URL, _query(london))
    lines = response.context["sentences"]
    summary = response.context["answer"].result.summary.set_index("set")
    before = summary.at["with the initiative", "ratio_before"]
    assert lines[0].startswith(
        f"Where the initiative ran, Black people were searched {before:.1f} times as often as "
        "White people (per head) before the start, and "
    )
    assert lines[1].startswith(
        "Allowing for the change in the comparison boroughs, how many times as often Black "
        "people were searched as White people where the initiative ran was "
    )
    assert re.search(r"(lower|higher|as high|no change)\)\.$", lines[1]), lines[1]
    assert lines[2] == "Lower means the gap between them narrowed, and higher that it widened."
    assert re.search(r"[+-]\d[\d,]*%", lines[1]) is None
    assert any(line.startswith("Placebo check: of 2 comparison boroughs") for line in lines)
    assert any("the gap was" in line or line.startswith("Before the start:") for line in lines)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"people": ""}, "Choose whose searches first: a gap is between two groups of people"),
        ({"reference": "Black"}, "Choose a group other than Black people"),
        (
            {"reference": "Mixed"},
            "Officers do not record a Mixed group: choose another group, or ethnicity as the "
            "person described it",
        ),
        ({"reference": "Purple"}, "Select a valid choice."),
    ],
)
def test_choices_that_cannot_make_a_gap_are_refused_with_the_reason(
    london: tuple[Dataset, Dataset], changes: dict[str, Any], message: str
) -> None:
    response = _client().get(URL, _query(london, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors["reference"]
    assert any(error.startswith(message) for error in errors), errors
    assert "answer" not in response.context


def test_a_mixed_group_as_people_described_it_can_be_compared(
    london: tuple[Dataset, Dataset],
) -> None:
    response = _client().get(URL, _query(london, people=f"{SELF}:Mixed", reference="White"))
    assert response.status_code == 200
    assert response.context["form"].errors == {}
    # The answer is the gap between the two groups, counted from both groups' searches.
    result = response.context["answer"].result
    assert set(result.summary.columns) >= {"focus_before", "reference_before", "ratio_before"}
    assert response.context["sentences"][0].startswith(
        "Where the initiative ran, Mixed people were searched "
    )
    assert "times as often as White people (per head)" in response.context["sentences"][0]


def test_the_csv_holds_both_groups_numbers_and_the_gap(london: tuple[Dataset, Dataset]) -> None:
    client = _client()
    page = client.get(URL, _query(london))
    response = client.get(CSV_URL, _query(london))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "month",
        "before_or_after",
        "boroughs",
        "group",
        "searches",
        "residents",
        "compared_with",
        "their_searches",
        "their_residents",
        "times_as_often_per_head",
    ]
    series = page.context["answer"].result.series
    assert len(rows) == len(series)
    cell = series.loc[
        (series["set"] == "comparison") & (series["period"].astype(str) == "2021-12")
    ].iloc[0]
    row = next(
        r
        for r in rows
        if r["month"] == "2021-12" and r["boroughs"] != "Boroughs with the initiative"
    )
    assert (row["group"], row["compared_with"]) == ("Black", "White")
    assert int(row["searches"]) == cell["focus"]
    assert int(row["their_searches"]) == cell["reference"]
    assert float(row["times_as_often_per_head"]) == pytest.approx(cell["ratio"], abs=1e-4)


def test_small_months_are_blank_in_the_csv_with_their_gap(london: tuple[Dataset, Dataset]) -> None:
    query = _query(london, treated=[CITY], people=f"{SELF}:Asian", reference="White")
    rows = list(csv.DictReader(io.StringIO(_client().get(CSV_URL, query).content.decode())))
    hidden = [r for r in rows if r["searches"] == "" or r["their_searches"] == ""]
    assert hidden and all(r["times_as_often_per_head"] == "" for r in hidden)
    for column in ("searches", "their_searches"):
        shown = [int(r[column]) for r in rows if r[column]]
        assert all(n == 0 or n >= 10 for n in shown)


def test_when_the_first_group_is_searched_less_often_lower_means_a_wider_gap(
    london: tuple[Dataset, Dataset],
) -> None:
    response = _client().get(URL, _query(london, people=f"{OFFICER}:White", reference="Black"))
    lines = response.context["sentences"]
    summary = response.context["answer"].result.summary.set_index("set")
    assert summary.at["with the initiative", "ratio_before"] < 1
    assert (
        "Here White people were searched less often than Black people per head, so lower "
        "means the gap between them widened, and higher that it narrowed." in lines
    )


def test_a_gap_made_of_small_counts_is_hidden_and_says_what_to_change(
    london: tuple[Dataset, Dataset],
) -> None:
    # Few people in the City of London describe themselves as of an Other ethnic group.
    query = _query(london, treated=[CITY], people=f"{SELF}:Other", reference="White")
    response = _client().get(URL, query)
    assert response.context["sentences"] == [
        "Some of these counts are small, so the comparison is hidden to protect the people in "
        "them. Choose more boroughs or a longer period."
    ]
    page = response.content.decode()
    assert "Hidden to protect small numbers" in page  # the ratio of changes
    # Every figure of the City's column; the comparison boroughs' are shown.
    table = page[page.index("Searches of Other and White people before and after") :]
    table = table[: table.index("</table>")]
    assert table.count('govuk-table__cell--numeric">Hidden</td>') == 7
    comparison = response.context["summary"][1]
    assert not comparison["suppressed"] and comparison["focus_before"] >= 10
