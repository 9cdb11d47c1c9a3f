"""Training coverage files: periods outside real years, counts no force could have, digits
from other scripts, and two headers that are one column are refused with file, row and
column, and leave nothing behind."""

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


def _file(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "training.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_periods_run_from_2000_to_2099() -> None:
    texts = ["1999-12", "2000-01", "2099 Q4", "2100 Q1", "0000-01", "0000 Q1", "9999-12"]
    assert [parse_period(text) for text in texts] == [
        None,
        ("2000-01", dt.date(2000, 1, 1), "month"),
        ("2099 Q4", dt.date(2099, 10, 1), "quarter"),
        None,
        None,
        None,
        None,
    ]


@pytest.mark.parametrize("period", ["0000-01", "9999-12", "1999 Q4"])
def test_a_period_outside_real_years_is_refused(dirs: Dirs, tmp_path: Path, period: str) -> None:
    bad = _file(tmp_path, f"Camden,DA,{period},10,5")
    assert refused(dirs, bad, kind=Kind.TRAINING) == [
        f"training.csv, row 2, column 'period': '{period}' is not a period Accord can use: "
        "the year must be from 2000 to 2099."
    ]


def test_digits_from_another_script_are_not_a_period(dirs: Dirs, tmp_path: Path) -> None:
    bad = _file(tmp_path, "Camden,DA,\u0662\u0660\u0662\u0666-03,10,5")
    assert refused(dirs, bad, kind=Kind.TRAINING) == [
        "training.csv, row 2, column 'period': '\u0662\u0660\u0662\u0666-03' is not a month "
        "(2026-03) or a quarter (2026 Q1)."
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("99999999999999999999", "'99999999999999999999'"),
        ("100001", "'100001'"),
        ("9" * 5000, "'" + "9" * 29 + "…'"),
    ],
)
def test_a_count_no_force_could_have_is_refused(
    dirs: Dirs, tmp_path: Path, value: str, shown: str
) -> None:
    bad = _file(tmp_path, f"Camden,DA,2026-01,{value},5")
    assert refused(dirs, bad, kind=Kind.TRAINING) == [
        f"training.csv, row 2, column 'officers_in_scope': {shown} is more officers than any "
        "police force has; a row can count at most 100,000."
    ]


def test_a_too_large_trained_count_is_refused_on_its_own(dirs: Dirs, tmp_path: Path) -> None:
    bad = _file(tmp_path, "Camden,DA,2026-01,400,99999999999999999999")
    assert refused(dirs, bad, kind=Kind.TRAINING) == [
        "training.csv, row 2, column 'officers_trained': '99999999999999999999' is more "
        "officers than any police force has; a row can count at most 100,000."
    ]


def test_the_largest_count_and_leading_zeros_are_kept(dirs: Dirs, tmp_path: Path) -> None:
    path = _file(tmp_path, "Camden,DA,2026-01,100000," + "0" * 5000 + "7")
    dataset = import_paths([path], kind=Kind.TRAINING, name="Training")
    (row,) = pq.read_table(dataset.path).to_pylist()
    assert (row["officers_in_scope"], row["officers_trained"]) == (100_000, 7)


def test_digits_from_another_script_are_not_a_count(dirs: Dirs, tmp_path: Path) -> None:
    bad = _file(tmp_path, "Camden,DA,2026-01,\u0664\u0660\u0660,5")
    assert refused(dirs, bad, kind=Kind.TRAINING) == [
        "training.csv, row 2, column 'officers_in_scope': '\u0664\u0660\u0660' is not a whole "
        "number of officers."
    ]


def test_two_headers_that_are_one_column_are_refused(dirs: Dirs, tmp_path: Path) -> None:
    header = "borough,course,period,officers_in_scope,officers_trained,Course "
    bad = _file(tmp_path, "Camden,DA,2026-01,10,5,Other", header=header)
    assert refused(dirs, bad, kind=Kind.TRAINING) == [
        "training.csv, row 1: the header row names 'course' and 'Course', which are the "
        "same column (Accord ignores case and spaces in column names). Remove or rename one "
        "of them."
    ]
