"""Release tables of new cases by the client's equality monitoring answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from accord.casework import equality
from accord.casework.models import Case
from accord.casework.vocabularies import Source
from accord.releases import figures
from accord.releases.file import check_disclosure
from tests.casework.factories import service_of
from tests.releases.conftest import NOT_COUNTED, cases
from tests.releases.test_figures import PERIOD, Q1, Q2, table

pytestmark = pytest.mark.django_db

EQUALITY_TABLES = [
    "cases_by_age_band",
    "cases_by_sex",
    "cases_by_gender_same_as_birth",
    "cases_by_sexual_orientation",
    "cases_by_ethnic_group",
    "cases_by_religion",
    "cases_by_disability",
    "cases_by_immigration_status",
    "cases_by_no_recourse_to_public_funds",
]


def _answer(found: list[Case], advocate: Any, **answers: str) -> None:
    for case in found:
        equality.record_answers(None, case, answers, by=advocate)


def test_no_answers_in_the_period_no_equality_tables(advocate: Any) -> None:
    cases(advocate, 12, Q1)
    ids = [t["id"] for t in figures.case_tables(service_of(advocate), PERIOD)]
    assert ids == ["cases_by_quarter", "police_connection"]


def test_every_question_has_a_table_that_counts_gaps_as_well_as_answers(advocate: Any) -> None:
    _answer(cases(advocate, 12, Q1), advocate, ethnicity="black_african", sex="female")
    _answer(cases(advocate, 11, Q2), advocate, ethnicity="black_caribbean", sex="prefer_not")
    _answer(cases(advocate, 13, Q2), advocate, ethnicity="white_british", sex="female")
    cases(advocate, 10, Q2)  # never asked
    _answer(cases(advocate, 5, Q1, consents=NOT_COUNTED), advocate, ethnicity="white_roma")

    tables = figures.case_tables(service_of(advocate), PERIOD)

    assert [t["id"] for t in tables] == ["cases_by_quarter", "police_connection", *EQUALITY_TABLES]
    ethnic = table(tables, "cases_by_ethnic_group")
    assert ethnic[("Black",)] == (23, "")  # African and Caribbean, one broad group
    assert ethnic[("White",)] == (13, "")  # the five uncounted Roma clients are left out
    assert ethnic[("Not asked",)] == (10, "")
    assert ethnic[("Asian",)] == (0, "")
    assert ethnic[("Total",)] == (46, "")
    first_rows = [row["ethnic_group"] for row in tables[6]["rows"]]
    assert first_rows == [
        "Asian",
        "Black",
        "Mixed",
        "White",
        "Other",
        "Prefers not to say",
        "Not asked",
        "Total",
    ]
    sex = table(tables, "cases_by_sex")
    assert sex[("Female",)] == (25, "") and sex[("Prefers not to say",)] == (11, "")
    assert sex[("Not asked",)] == (10, "")
    immigration = table(tables, "cases_by_immigration_status")
    assert immigration[("Not asked",)] == (46, "")
    assert table(tables, "cases_by_quarter")[("Total", "Total")] == (46, "")


def test_a_small_group_is_hidden_and_so_is_the_grand_total_of_every_case_table(
    advocate: Any,
) -> None:
    # 20 cases, 3 of them bisexual clients: with only one other answer, hiding the 3 needs a
    # second cell; whichever way suppression goes, no table may show a total another hides.
    _answer(cases(advocate, 17, Q1), advocate, sexual_orientation="straight")
    _answer(cases(advocate, 3, Q1), advocate, sexual_orientation="bisexual")

    tables = figures.case_tables(service_of(advocate), PERIOD)

    orientation = table(tables, "cases_by_sexual_orientation")
    assert orientation[("Bisexual",)] == (None, "primary")
    assert orientation[("Straight or heterosexual",)][0] is None or (
        orientation[("Total",)][0] is None
    )
    totals = {
        t["id"]: next(
            row["cases"] for row in t["rows"] if all(row[c] == "Total" for c in t["columns"])
        )
        for t in tables
    }
    assert len(set(totals.values())) == 1, totals  # all shown (20) or all hidden
    for found in tables:
        check_disclosure(found, threshold=figures.THRESHOLD)


def test_the_tables_follow_the_answers_at_the_time_of_the_draft(advocate: Any) -> None:
    found = cases(advocate, 10, Q1)
    _answer(found, advocate, disability="a_lot")
    assert table(figures.case_tables(service_of(advocate), PERIOD), "cases_by_disability")[
        ("Yes, it limits them a lot",)
    ] == (10, "")
    _answer(found, advocate, disability="")
    assert table(figures.case_tables(service_of(advocate), PERIOD), "cases_by_disability")[
        ("Not asked",)
    ] == (10, "")


def test_before_the_period_is_not_counted(advocate: Any) -> None:
    _answer(cases(advocate, 12, dt.date(2025, 12, 31)), advocate, religion="muslim")
    _answer(cases(advocate, 10, Q1), advocate, religion="none")
    religion = table(figures.case_tables(service_of(advocate), PERIOD), "cases_by_religion")
    assert religion[("Muslim",)] == (0, "") and religion[("No religion",)] == (10, "")


def test_equality_tables_hide_the_total_the_quarter_table_hides(advocate: Any) -> None:
    # By quarter: 4 staff referrals in Q1 and 13 self-referrals in Q2. Hiding the 4 there
    # needs the grand total (17) hidden too, so the equality tables must not show it.
    _answer(cases(advocate, 4, Q1, source=Source.STAFF), advocate, sex="female")
    _answer(cases(advocate, 13, Q2, source=Source.SELF_REFERRAL), advocate, sex="female")

    tables = figures.case_tables(service_of(advocate), PERIOD)

    assert table(tables, "cases_by_quarter")[("Total", "Total")] == (None, "secondary")
    sex = table(tables, "cases_by_sex")
    assert sex[("Total",)][0] is None
    assert sex[("Female",)][0] is None  # or the total would be there under another name
    assert table(tables, "cases_by_ethnic_group")[("Not asked",)][0] is None
