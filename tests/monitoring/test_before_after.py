"""The before-and-after page (what works): the real three-borough subset imported through
the importers, the page's figures the library's own, months the source barely covers left
out and named, every bad choice refused with its reason, and the chart's numbers as CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pandas as pd
import pytest
from django.test import Client

from accord.accounts.models import User
from accord.datasets.models import Dataset
from accord.monitoring import before_after
from accord.monitoring.analysis import AREA_CODE, DATE, MONTH, POPULATION_GROUP
from accord.policy.roles import OrgKind, Role
from accord.stats import StatsInputError, api
from tests.factories import person
from tests.monitoring.data import import_london
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

CITY, RICHMOND, SUTTON = "E09000001", "E09000027", "E09000029"
URL = "/analysis/before-after/"
CSV_URL = "/analysis/before-after.csv"


@pytest.fixture
def london() -> tuple[Dataset, Dataset]:
    return import_london()


def _client() -> tuple[User, Client]:
    user = person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)
    return user, client_for("x", {"x": user})


def _query(london: tuple[Dataset, Dataset], **changes: Any) -> dict[str, Any]:
    events, population = london
    query: dict[str, Any] = {
        "events": str(events.pk),
        "population": str(population.pk),
        "treated": [RICHMOND],
        "start": "2022-05",
    }
    return query | changes


def test_the_page_shows_the_librarys_own_numbers(london: tuple[Dataset, Dataset]) -> None:
    events, population = london
    _, client = _client()
    response = client.get(URL, _query(london, people="officer_defined_ethnicity_broad:Black"))
    assert response.status_code == 200
    # Called directly as an analyst would: the months the page keeps, Black residents.
    kept = response.context["answer"].months
    direct = api.before_after(
        str(events.path),
        api.Population(
            str(population.path),
            value="population",
            columns={AREA_CODE: AREA_CODE},
            where={AREA_CODE: [CITY, RICHMOND, SUTTON], POPULATION_GROUP: "Black"},
        ),
        area=AREA_CODE,
        treated=[RICHMOND],
        start="2022-05",
        date=DATE,
        where={MONTH: kept, "officer_defined_ethnicity_broad": "Black"},
        unmatched="drop",
    )
    effect = response.context["effect"]
    expected = direct.effect.iloc[0]
    assert effect["estimate"] == pytest.approx(expected["estimate"])
    assert effect["lower"] == pytest.approx(expected["lower"])
    assert effect["placebo_sets"] == expected["placebo_sets"] == 2
    summary = {row["label"]: row for row in response.context["summary"]}
    by_set = direct.summary.set_index("set")
    with_row = summary["Boroughs with the initiative"]
    assert with_row["before"] == by_set.at["with the initiative", "events_before"]
    assert with_row["rate_after"] == pytest.approx(
        1000 * by_set.at["with the initiative", "rate_after"]
    )
    page = response.content.decode()
    assert "searches of Black people" in page
    assert f"{expected['estimate']:.2f}" in page
    assert "With the initiative from May 2022: Richmond upon Thames." in page
    assert "Compared with: City of London, Sutton." in page


def test_months_the_source_barely_covers_are_left_out_and_named(
    london: tuple[Dataset, Dataset], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The full London file has almost nothing for June and November 2022; the committed
    # subset is less extreme, so the counts are made so here.
    counts = before_after.month_counts(london[0].path)
    assert before_after.thin_months(counts) == []
    counts.loc["2022-06"], counts.loc["2022-11"] = 20, 3
    monkeypatch.setattr(before_after, "month_counts", lambda path: counts)
    _, client = _client()
    response = client.get(URL, _query(london))
    answer = response.context["answer"]
    assert answer.left_out == ["2022-06", "2022-11"]
    assert "2022-06" not in answer.months and "2022-05" in answer.months
    assert "(June 2022, November 2022)" in response.content.decode()
    assert {str(p) for p in answer.result.series["period"]} == set(answer.months)


def test_the_summary_reads_as_sentences(london: tuple[Dataset, Dataset]) -> None:
    _, client = _client()
    response = client.get(URL, _query(london))
    lines = response.context["sentences"]
    assert lines[0].startswith("Where the initiative ran, the rate of searches ")
    assert lines[1].startswith(
        "Allowing for the change in the comparison boroughs, the rate where the initiative ran "
    )
    assert "(95% CI: from " in lines[1]
    assert re.search(r"[+-]\d[\d,]*%", lines[1]) is None  # no signed percentages
    # Three boroughs say little about how much boroughs change by themselves: the page says so.
    assert (
        "Only 3 areas have events, so how much areas change by themselves is poorly known and "
        "the interval is wide." in response.context["answer"].notes
    )
    assert any(line.startswith("Placebo check: of 2 comparison boroughs") for line in lines)
    assert any("moving" in line or line.startswith("Before the start") for line in lines)


@pytest.mark.parametrize(
    ("ratio", "words"),
    [
        (0.84, "16% lower"),
        (1.18, "18% higher"),
        (1.001, "no change"),
        (0.0003, "nearly 100% lower"),
        (2.994, "199% higher"),
        (4.26, "4.3 times as high"),
        (1537.93, "1,538 times as high"),
    ],
)
def test_interval_ends_read_as_words(ratio: float, words: str) -> None:
    # "+153,693%" says nothing to a reader; "1,538 times as high" does.
    assert before_after._bound(ratio) == words


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"treated": []}, "treated", "Choose at least one borough where the initiative ran"),
        ({"start": ""}, "start", "Choose the month the initiative started"),
        (
            {"excluded": [RICHMOND]},
            "excluded",
            "A borough where the initiative ran cannot also be left out: Richmond upon Thames",
        ),
        ({"excluded": [CITY, SUTTON]}, "excluded", "Leave at least one borough to compare with"),
        (
            {"first": "2022-05"},
            "start",
            "The start must be after the first month, so there is a month before it",
        ),
        ({"last": "2022-04"}, "start", "The start must be on or before the last month"),
        (
            {"first": "2022-03", "last": "2022-02"},
            "last",
            "The last month must be the same as or after the first month",
        ),
        ({"treated": ["E09000999"]}, "treated", "Select a valid choice."),
        ({"people": "la_code:E09000001"}, "people", "Select a valid choice."),
    ],
)
def test_choices_that_cannot_work_are_refused_with_the_reason(
    london: tuple[Dataset, Dataset], changes: dict[str, Any], field: str, message: str
) -> None:
    _, client = _client()
    response = client.get(URL, _query(london, **changes))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(error.startswith(message) for error in errors), errors
    assert "answer" not in response.context
    assert "There is a problem" in response.content.decode()


def test_a_question_the_data_cannot_answer_is_explained(london: tuple[Dataset, Dataset]) -> None:
    # Sutton has no records at all for November 2022.
    _, client = _client()
    query = _query(london, treated=[SUTTON], first="2022-10", last="2022-11", start="2022-11")
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response.context["sentences"] == [
        "No comparison can be made: no events after the start with the initiative, so no ratio."
    ]
    assert "None: no events after the start with the initiative" in response.content.decode()


def test_a_refusal_from_the_library_is_shown_on_the_form(
    london: tuple[Dataset, Dataset], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(question: before_after.Question) -> before_after.Answer:
        raise StatsInputError("These areas are not in the data: E09000027.")

    monkeypatch.setattr(before_after, "compare", refuse)
    _, client = _client()
    response = client.get(URL, _query(london))
    assert response.context["form"].non_field_errors() == [
        "These areas are not in the data: E09000027."
    ]
    assert "There is a problem" in response.content.decode()


def test_the_csv_holds_the_charts_numbers(london: tuple[Dataset, Dataset]) -> None:
    _, client = _client()
    page = client.get(URL, _query(london))
    response = client.get(CSV_URL, _query(london))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="accord-before-after.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "month",
        "before_or_after",
        "boroughs",
        "searches",
        "residents",
        "per_1000_residents",
    ]
    series = page.context["answer"].result.series
    assert len(rows) == len(series)
    first = rows[0]
    assert first["month"] == "2021-12" and first["before_or_after"] == "before"
    assert first["boroughs"] == "Boroughs with the initiative"
    cell = series.loc[
        (series["set"] == "with the initiative") & (series["period"].astype(str) == "2021-12")
    ].iloc[0]
    assert int(first["searches"]) == cell["events"]
    assert float(first["per_1000_residents"]) == pytest.approx(1000 * cell["rate"], abs=1e-4)
    assert {r["before_or_after"] for r in rows if r["month"] >= "2022-05"} == {"after"}


def test_hidden_months_are_blank_in_the_csv(london: tuple[Dataset, Dataset]) -> None:
    _, client = _client()
    query = _query(london, treated=[CITY], people="officer_defined_ethnicity_broad:Asian")
    response = client.get(CSV_URL, query)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    hidden = [r for r in rows if r["searches"] == ""]
    assert hidden and all(r["per_1000_residents"] == "" for r in hidden)
    shown = [int(r["searches"]) for r in rows if r["searches"]]
    assert all(n == 0 or n >= 10 for n in shown)


def test_a_csv_without_a_question_says_what_is_missing(london: tuple[Dataset, Dataset]) -> None:
    _, client = _client()
    response = client.get(CSV_URL, {"events": str(london[0].pk)})
    assert response.status_code == 400
    text = response.content.decode()
    assert text.startswith("This comparison cannot be made: ")
    assert "Boroughs where the initiative ran: Choose at least one borough" in text


def test_without_data_the_page_says_where_to_import_it() -> None:
    _, client = _client()
    response = client.get(URL)
    assert response.status_code == 200
    assert "There is no stop and search data or population data yet." in response.content.decode()


def test_the_analysis_page_links_here(london: tuple[Dataset, Dataset]) -> None:
    _, client = _client()
    assert URL in client.get("/analysis/").content.decode()
    assert pd.notna(before_after.PER)


def test_the_trend_before_the_start_reads_in_words(london: tuple[Dataset, Dataset]) -> None:
    _, client = _client()
    response = client.get(URL, _query(london))
    words = before_after.trend_words(response.context["answer"])
    assert words.startswith(
        "Difference in the rate's yearly trend before the start, where the initiative ran "
        "against elsewhere: "
    )
    assert re.search(
        r"(lower|higher|as high|no change) a year \(95% CI: from .+, over 5 months$", words
    )
    page = response.content.decode()
    assert "the rate&#x27;s yearly trend" in page
    assert re.search(r"CI -?\d+% to -?\d+%", page) is None  # no signed percentages
