"""Officer training coverage files: one row per borough, course and period, refused whole
with file, row and column when any row is wrong, and nothing left behind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from accord.datasets.models import Kind
from accord.datasets.services import import_paths
from accord.datasets.training import parse_period
from tests.datasets.conftest import Dirs
from tests.datasets.test_bad_input import refused

pytestmark = pytest.mark.django_db

HEADER = "borough,course,period,officers_in_scope,officers_trained"
GOOD = [
    "Camden,Domestic abuse (specialist),2026 Q1,400,220",
    "E09000012,Domestic abuse (specialist),2026 Q1,350,300",
    "Camden,Domestic abuse (specialist),2026 Q2,400,260",
]


def _file(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "training.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_good_file_is_stored_with_boroughs_resolved(dirs: Dirs, tmp_path: Path) -> None:
    dataset = import_paths([_file(tmp_path, *GOOD)], kind=Kind.TRAINING, name="Training")
    table = pq.read_table(dataset.path).to_pylist()
    assert [(r["la_code"], r["la_name"], r["period"]) for r in table] == [
        ("E09000007", "Camden", "2026 Q1"),
        ("E09000012", "Hackney", "2026 Q1"),
        ("E09000007", "Camden", "2026 Q2"),
    ]
    assert table[0]["period_start"] == dt.date(2026, 1, 1)
    assert (table[1]["officers_in_scope"], table[1]["officers_trained"]) == (350, 300)
    assert (dataset.period_start, dataset.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert dataset.kind == "training" and dataset.row_count == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03", ("2026-03", dt.date(2026, 3, 1), "month")),
        ("2026 q4", ("2026 Q4", dt.date(2026, 10, 1), "quarter")),
        ("2026-Q2", ("2026 Q2", dt.date(2026, 4, 1), "quarter")),
        ("2026-13", None),
        ("March 2026", None),
        ("2026 Q5", None),
    ],
)
def test_periods_are_months_or_quarters(text: str, expected: object) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["Narnia,Domestic abuse (specialist),2026 Q1,400,220"],
            "training.csv, row 2, column 'borough': 'Narnia' is not a borough; use a local "
            "authority code (E09000007) or name (Camden).",
        ),
        (
            ["Camden,,2026 Q1,400,220"],
            "training.csv, row 2, column 'course': the course name must be 1 to 200 characters.",
        ),
        (
            ["Camden,Domestic abuse (specialist),Spring 2026,400,220"],
            "training.csv, row 2, column 'period': 'Spring 2026' is not a month (2026-03) or a "
            "quarter (2026 Q1).",
        ),
        (
            ["Camden,Domestic abuse (specialist),2026 Q1,four hundred,220"],
            "training.csv, row 2, column 'officers_in_scope': 'four hundred' is not a whole "
            "number of officers.",
        ),
        (
            ["Camden,Domestic abuse (specialist),2026 Q1,400,"],
            "training.csv, row 2, column 'officers_trained': is empty.",
        ),
        (
            ["Camden,Domestic abuse (specialist),2026 Q1,400,401"],
            "training.csv, row 2, column 'officers_trained': 401 officers trained is more than "
            "the 400 in scope.",
        ),
        (
            ["Camden,Domestic abuse (specialist),2026 Q1,0,0"],
            "training.csv, row 2, column 'officers_in_scope': no officers are in scope; leave "
            "the row out if the course does not apply.",
        ),
        (
            [GOOD[0], "camden,Domestic  abuse (specialist),2026 q1,410,230"],
            "training.csv, row 3: Camden, 'Domestic abuse (specialist)', 2026 Q1 is already in "
            "row 2; each borough needs one row per course and period.",
        ),
        (
            [GOOD[0], "Camden,Domestic abuse (specialist),2026-04,400,230"],
            "training.csv: the file mixes months (first in row 3) and quarters (first in row 2); "
            "use one kind of period per file.",
        ),
        (
            ['Camden,"=HYPERLINK(""http://x"")",2026 Q1,400,220'],
            "training.csv, row 2, column 'course'",
        ),
    ],
)
def test_a_bad_row_refuses_the_whole_file(
    dirs: Dirs, tmp_path: Path, rows: list[str], message: str
) -> None:
    problems = refused(dirs, _file(tmp_path, *rows), kind=Kind.TRAINING)
    assert any(p.startswith(message) for p in problems), problems


def test_a_wrong_header_names_what_is_missing(dirs: Dirs, tmp_path: Path) -> None:
    bad = _file(tmp_path, "Camden,DA,2026 Q1,400", header="borough,course,period,officers")
    assert refused(dirs, bad, kind=Kind.TRAINING) == [
        "training.csv, row 1: Missing columns: 'officers_in_scope', 'officers_trained'. Columns "
        "Accord does not recognise: 'officers'. Expected columns: borough, course, period, "
        "officers_in_scope, officers_trained, and if the counts are broken down, rank and team."
    ]


def test_a_file_with_only_a_header_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    assert refused(dirs, _file(tmp_path), kind=Kind.TRAINING) == [
        "training.csv: the file has a header row but no data rows."
    ]


def test_the_command_imports_training(dirs: Dirs, tmp_path: Path) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("import", "training", str(_file(tmp_path, *GOOD)), "--name", "T", stdout=out)
    assert "T" in out.getvalue()


def test_an_uploaded_file_is_imported_by_a_partner(dirs: Dirs, tmp_path: Path) -> None:
    import io

    from accord.datasets import services
    from accord.policy.roles import OrgKind, Role
    from tests.factories import person

    analyst = person(OrgKind.POLICE, Role.ANALYST)
    body = _file(tmp_path, *GOOD).read_bytes()
    upload = services.store_upload(io.BytesIO(body), filename="training.csv", user=analyst)
    dataset = services.import_upload(upload, analyst, kind=Kind.TRAINING, name="Uploaded")
    assert dataset.row_count == 3 and dataset.created_by == analyst


BROKEN_DOWN = "team,borough,rank,course,period,officers_trained,officers_in_scope"


def test_columns_in_any_order_and_a_breakdown_by_rank_and_team(dirs: Dirs, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "Response,Camden,Sergeant,DA,2026 Q1,20,50",
        "response,Camden,Constable,DA,2026 Q1,150,300",
        "Neighbourhood,Camden,  SERGEANT ,DA,2026 Q1,10,40",
        header=BROKEN_DOWN,
    )
    dataset = import_paths([path], kind=Kind.TRAINING, name="By rank and team")
    table = pq.read_table(dataset.path).to_pylist()
    assert [
        (r["la_name"], r["rank"], r["team"], r["officers_in_scope"], r["officers_trained"])
        for r in table
    ] == [
        ("Camden", "Sergeant", "Response", 50, 20),
        ("Camden", "Constable", "Response", 300, 150),  # one spelling per team: the first
        ("Camden", "Sergeant", "Neighbourhood", 40, 10),
    ]


def test_without_a_breakdown_rank_and_team_are_blank(dirs: Dirs, tmp_path: Path) -> None:
    dataset = import_paths([_file(tmp_path, *GOOD)], kind=Kind.TRAINING, name="Training")
    table = pq.read_table(dataset.path).to_pylist()
    assert {(r["rank"], r["team"]) for r in table} == {("", "")}


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (
            BROKEN_DOWN,
            ["Response,Camden,,DA,2026 Q1,20,50"],
            "training.csv, row 2, column 'rank': the rank is empty; with this column, every row "
            "needs one (or leave the column out).",
        ),
        (
            "borough,course,period, TEAM ,officers_in_scope,officers_trained",
            ["Camden,DA,2026 Q1," + "x" * 101 + ",50,20"],
            "training.csv, row 2, column 'TEAM': the team is longer than 100 characters; with "
            "this column, every row needs one (or leave the column out).",
        ),
        (
            BROKEN_DOWN,
            [
                "Response,Camden,Sergeant,DA,2026 Q1,20,50",
                "RESPONSE,Camden,sergeant,DA,2026 Q1,5,9",
            ],
            "training.csv, row 3: Camden, 'DA', 2026 Q1, Sergeant, Response is already in row 2; "
            "each borough needs one row per course, rank, team and period.",
        ),
    ],
)
def test_a_bad_breakdown_refuses_the_whole_file(
    dirs: Dirs, tmp_path: Path, header: str, rows: list[str], message: str
) -> None:
    problems = refused(dirs, _file(tmp_path, *rows, header=header), kind=Kind.TRAINING)
    assert message in problems, problems
