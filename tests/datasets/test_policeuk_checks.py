"""police.uk files: values that look right but cannot be are refused, naming file, row and
column, and leave nothing behind (audit of the imports: F2, F13, F14, F15, F16, F25)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.datasets.errors import ImportFailed
from accord.datasets.harmonise import date_range
from accord.datasets.models import Dataset
from accord.datasets.services import import_paths
from accord.datasets.validation import check_date_values
from tests.datasets.conftest import (
    API_SAMPLE,
    DOWNLOAD_SAMPLE,
    STREET,
    Dirs,
    read_rows,
    with_cell,
    write_rows,
)
from tests.datasets.test_bad_input import refused

pytestmark = pytest.mark.django_db

YEARS = "Accord accepts dates from the years 1900 to 2100: check the year."


# --- F2: dates outside the years Accord takes, and days that do not exist -----------------


def test_a_date_in_year_0000_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(API_SAMPLE, tmp_path / "y0.csv", 2, "date", "0000-01-01")
    assert refused(dirs, bad) == [
        f"y0.csv, row 2, column 'date': '0000-01-01' is not a real date (in 1 row). {YEARS}"
    ]


def test_a_date_time_after_2100_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(DOWNLOAD_SAMPLE, tmp_path / "far.csv", 4, "Date", "2202-09-27T14:01:16+01:00")
    assert refused(dirs, bad) == [
        "far.csv, row 4, column 'Date': '2202-09-27T14:01:16+01:00' is not a real date (in 1 "
        f"row). {YEARS}"
    ]


def test_30_february_is_not_rolled_over_to_march(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(API_SAMPLE, tmp_path / "feb.csv", 3, "date", "2022-02-30")
    assert refused(dirs, bad) == [
        "feb.csv, row 3, column 'date': '2022-02-30' is not a real date (in 1 row). Check the "
        "day and month."
    ]


def test_a_street_crime_month_in_year_0000_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(STREET, tmp_path / "s0.csv", 2, "Month", "0000-01")
    assert refused(dirs, bad, kind="street_crime") == [
        f"s0.csv, row 2, column 'Month': '0000-01' is not a real month (in 1 row). {YEARS}"
    ]


def test_a_generic_date_in_year_0000_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    table = write_rows(
        tmp_path / "g.csv",
        ["Ethnicity", "Date"],
        [["Black", "0000-01-01"], ["White", "2022-01-01"]],
    )
    with pytest.raises(ImportFailed) as caught:
        import_paths(
            [table], kind="generic", name="g", mapping={"group": "Ethnicity", "date": "Date"}
        )
    assert caught.value.summary == (
        f"g.csv, row 2, column 'Date': '0000-01-01' is not a real date (in 1 row). {YEARS}"
    )
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []


def test_stored_dates_outside_the_years_are_refused_not_crashed_on(dirs: Dirs) -> None:
    """A Parquet or Excel date column is already dates: ``check_date_values`` names the row,
    and ``date_range`` refuses (rather than crashes on) any that got past the checks."""
    dates = pa.array([19000, -800000, None, 19000, 3000000], pa.int32()).cast(pa.date32())
    problems, kept = check_date_values(dates, "p.parquet", "D")
    assert [p.message for p in problems] == [
        "p.parquet, row 3, column 'D': '-0221-09-04' is not a real date (in 1 row). " + YEARS,
        "p.parquet, row 6, column 'D': '10183-09-21' is not a real date (in 1 row). " + YEARS,
    ]
    assert kept.to_pylist() == [dt.date(2022, 1, 8), None, None, dt.date(2022, 1, 8), None]
    assert date_range(kept) == (dt.date(2022, 1, 8), dt.date(2022, 1, 8))
    with pytest.raises(ImportFailed) as caught:
        date_range(dates)
    assert caught.value.summary == (
        "The dates run from -0221-09-04 to 10183-09-21; Accord accepts dates from the years 1900 "
        "to 2100. Check the years."
    )


def test_a_parquet_date_far_in_the_past_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    dates = pa.array([-800000, 19000], pa.int32()).cast(pa.date32())
    pq.write_table(pa.table({"Ethnicity": ["Black", "White"], "D": dates}), path)
    with pytest.raises(ImportFailed) as caught:
        import_paths([path], kind="generic", name="p", mapping={"group": "Ethnicity", "date": "D"})
    assert caught.value.summary == (
        "p.parquet, row 2, column 'D': '-0221-09-04' is not a real date (in 1 row). Accord "
        "accepts dates from the years 1900 to 2100: check the year."
    )
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []


# --- F25: times of day that do not exist --------------------------------------------------


def test_a_date_time_with_an_impossible_time_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(DOWNLOAD_SAMPLE, tmp_path / "t.csv", 2, "Date", "2022-09-27T25:99:99+01:00")
    assert refused(dirs, bad) == [
        "t.csv, row 2, column 'Date': '2022-09-27T25:99:99+01:00' has a time of day that does "
        "not exist (in 1 row). Times run from 00:00:00 to 23:59:59."
    ]


def test_an_impossible_time_column_value_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    first = with_cell(API_SAMPLE, tmp_path / "a.csv", 2, "time", "99:99")
    bad = with_cell(first, tmp_path / "time.csv", 5, "time", "24:00:00")
    assert refused(dirs, bad) == [
        "time.csv, row 2, column 'time': '99:99' is not a time of day; write times as "
        "HH:MM:SS, from 00:00:00 to 23:59:59.",
        "time.csv, row 5, column 'time': '24:00:00' is not a time of day; write times as "
        "HH:MM:SS, from 00:00:00 to 23:59:59.",
    ]


# --- F13: one column named twice in different case or spacing -----------------------------


def test_a_column_named_twice_in_different_case_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(API_SAMPLE)
    at = header.index("county")
    header[at] = "Gender "
    for row in rows:
        row[at] = "Female"
    bad = write_rows(tmp_path / "twice.csv", header, rows)
    assert refused(dirs, bad) == [
        "twice.csv, row 1: the header row names 'Gender' and 'gender', which are the same "
        "column (Accord ignores case and spaces in column names). Remove or rename one of them."
    ]


def test_a_crime_column_named_twice_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(STREET)
    bad = write_rows(
        tmp_path / "months.csv", [*header, "MONTH"], [[*row, "2021-01"] for row in rows]
    )
    assert refused(dirs, bad, kind="street_crime") == [
        "months.csv, row 1: the header row names 'Month' and 'MONTH', which are the same "
        "column (Accord ignores case and spaces in column names). Remove or rename one of them."
    ]


# --- F14: gender is checked against police.uk's values ------------------------------------


def test_gender_is_stored_in_police_uk_spelling(dirs: Dirs, tmp_path: Path) -> None:
    first = with_cell(API_SAMPLE, tmp_path / "a.csv", 2, "gender", "female")
    spelt = with_cell(first, tmp_path / "spelt.csv", 3, "gender", " OTHER ")
    dataset = import_paths([spelt], kind="stop_and_search", name="spelt")
    genders = pq.read_table(dataset.path)["gender"].to_pylist()
    assert genders[:2] == ["Female", "Other"]
    assert set(genders) == {"Male", "Female", "Other", None}  # empty cells stay empty
    assert genders.count(None) == 16


def test_an_unknown_gender_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    first = with_cell(API_SAMPLE, tmp_path / "a.csv", 2, "gender", "F")
    bad = with_cell(first, tmp_path / "gender.csv", 3, "gender", "Femal")
    assert refused(dirs, bad) == [
        "gender.csv, row 2, column 'gender': 'F' is not a known gender (in 1 row). Known "
        "values are 'Male', 'Female', 'Other'. Correct the value, or leave the cell empty if "
        "it was not recorded.",
        "gender.csv, row 3, column 'gender': 'Femal' is not a known gender (in 1 row). Known "
        "values are 'Male', 'Female', 'Other'. Correct the value, or leave the cell empty if "
        "it was not recorded.",
    ]


# --- F15: coordinates that are not on the globe -------------------------------------------


def test_infinite_and_impossible_coordinates_are_refused(dirs: Dirs, tmp_path: Path) -> None:
    first = with_cell(API_SAMPLE, tmp_path / "a.csv", 2, "location.latitude", "1e999")
    bad = with_cell(first, tmp_path / "coords.csv", 3, "location.longitude", "999")
    assert refused(dirs, bad) == [
        "coords.csv, row 2, column 'location.latitude': '1e999' is not a latitude (in 1 row). "
        "A latitude is a number from -90 to 90.",
        "coords.csv, row 3, column 'location.longitude': '999' is not a longitude (in 1 row). "
        "A longitude is a number from -180 to 180.",
    ]


def test_a_download_latitude_past_the_pole_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(DOWNLOAD_SAMPLE, tmp_path / "pole.csv", 6, "Latitude", "-90.5")
    assert refused(dirs, bad) == [
        "pole.csv, row 6, column 'Latitude': '-90.5' is not a latitude (in 1 row). A latitude "
        "is a number from -90 to 90."
    ]


def test_a_street_crime_coordinate_too_large_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(STREET, tmp_path / "far.csv", 3, "Longitude", "-1e400")
    assert refused(dirs, bad, kind="street_crime") == [
        "far.csv, row 3, column 'Longitude': '-1e400' is not a longitude (in 1 row). A "
        "longitude is a number from -180 to 180."
    ]


# --- F16: a local authority code that is not one ------------------------------------------


def test_an_unknown_local_authority_code_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(API_SAMPLE, tmp_path / "la.csv", 2, "la_code", "E09999999")
    assert refused(dirs, bad) == [
        "la.csv, row 2, column 'la_code': 'E09999999' is not a local authority Accord knows "
        "(in 1 row). Accord knows the local authority districts of England and Wales in the "
        "Census 2021 tables. Correct the code, or leave the cell empty."
    ]
