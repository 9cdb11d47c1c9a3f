"""Census files: counts read as the pattern promises, counts and codes too large for any real
file refused, areas checked against Accord's list of local authorities, and two headers
that are one column refused. Every refusal names file, row and column and leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from accord.datasets.services import import_paths
from tests.datasets.conftest import CENSUS_5, CENSUS_20, Dirs, read_rows, with_cell, write_rows
from tests.datasets.test_bad_input import refused

pytestmark = pytest.mark.django_db

CODE_20 = "Ethnic group (20 categories) Code"
TOO_LARGE = (
    "is larger than any real count: England and Wales had fewer than 60 million usual "
    "residents on Census day."
)
NOT_AN_AUTHORITY = (
    "is not the code of a local authority district in England or Wales. Regions, counties "
    "and countries cannot be used: their people are already counted in their local authorities."
)


def _population(path: str, area: str, group: str) -> int:
    rows = pq.read_table(path).to_pylist()
    (found,) = [
        r["population"] for r in rows if r["la_code"] == area and r["ethnic_group"] == group
    ]
    return int(found)


def test_a_count_with_spaces_around_it_is_read(dirs: Dirs, tmp_path: Path) -> None:
    padded = with_cell(CENSUS_5, tmp_path / "c5.csv", 3, "White", " 223029 ")
    dataset = import_paths([padded], kind="population", name="Census", categories=5)
    assert _population(dataset.path, "E09000003", "White") == 223029


def test_a_20_category_count_with_spaces_around_it_is_read(dirs: Dirs, tmp_path: Path) -> None:
    padded = with_cell(CENSUS_20, tmp_path / "c20.csv", 3, "Observation", "  287.0 ")
    dataset = import_paths([padded], kind="population", name="Census", categories=20)
    rows = pq.read_table(dataset.path).to_pylist()
    (bangladeshi,) = [
        r["population"]
        for r in rows
        if r["la_code"] == "E09000001" and r["ethnic_group_detailed"].endswith("Bangladeshi")
    ]
    assert bangladeshi == 287


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("99999999999999999999", "'99999999999999999999'"),
        ("9" * 400, "'" + "9" * 29 + "…'"),
    ],
)
def test_a_count_larger_than_any_real_count_is_refused(
    dirs: Dirs, tmp_path: Path, value: str, shown: str
) -> None:
    bad = with_cell(CENSUS_5, tmp_path / "c5.csv", 3, "White", value)
    assert refused(dirs, bad, kind="population") == [
        f"c5.csv, row 3, column 'White': {shown} {TOO_LARGE}"
    ]


def test_60_million_is_the_largest_count(dirs: Dirs, tmp_path: Path) -> None:
    edge = with_cell(CENSUS_5, tmp_path / "edge.csv", 3, "White", "60000000")
    bad = with_cell(edge, tmp_path / "c5.csv", 4, "White", "60000001")
    assert refused(dirs, bad, kind="population") == [
        f"c5.csv, row 4, column 'White': '60000001' {TOO_LARGE}"
    ]


def test_a_20_digit_count_in_the_20_category_file_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(CENSUS_20, tmp_path / "c20.csv", 3, "Observation", "99999999999999999999")
    assert refused(dirs, bad, kind="population") == [
        f"c20.csv, row 3, column 'Observation': '99999999999999999999' {TOO_LARGE}"
    ]


def test_a_20_digit_group_code_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(CENSUS_20, tmp_path / "c20.csv", 3, CODE_20, "99999999999999999999")
    assert refused(dirs, bad, kind="population") == [
        f"c20.csv, row 3, column '{CODE_20}': the code '99999999999999999999' does not match "
        "the ethnic group 'Asian, Asian British or Asian Welsh: Bangladeshi' (its code is 1)."
    ]


def test_a_region_code_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(CENSUS_5, tmp_path / "c5.csv", 2, "LAD_code", "E12000007")
    assert refused(dirs, bad, kind="population") == [
        f"c5.csv, row 2, column 'LAD_code': 'E12000007' {NOT_AN_AUTHORITY}"
    ]


def test_a_region_row_in_the_20_category_file_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(CENSUS_20)
    region = [["E12000007", "London", *row[2:]] for row in rows[:20]]
    bad = write_rows(tmp_path / "c20.csv", header, [*rows, *region])
    code = "Lower Tier Local Authorities Code"
    assert refused(dirs, bad, kind="population") == [
        f"c20.csv, row {len(rows) + 2}, column '{code}': 'E12000007' {NOT_AN_AUTHORITY}"
    ]


def test_a_scottish_code_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(CENSUS_5, tmp_path / "c5.csv", 4, "LAD_code", "S12000036")
    assert refused(dirs, bad, kind="population") == [
        f"c5.csv, row 4, column 'LAD_code': 'S12000036' {NOT_AN_AUTHORITY}"
    ]


def test_a_name_that_belongs_to_another_code_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(CENSUS_5, tmp_path / "c5.csv", 3, "LAD", "Hackney")
    assert refused(dirs, bad, kind="population") == [
        "c5.csv, row 3, column 'LAD': 'Hackney' is not the name of E09000003, which is "
        "'Barnet'. Check that the code and the name are for the same area."
    ]


def test_a_wrong_name_in_one_row_of_the_20_category_file_is_refused(
    dirs: Dirs, tmp_path: Path
) -> None:
    column = "Lower Tier Local Authorities"
    bad = with_cell(CENSUS_20, tmp_path / "c20.csv", 5, column, "Hackney")
    assert refused(dirs, bad, kind="population") == [
        f"c20.csv, row 5, column '{column}': 'Hackney' is not the name of E09000001, which is "
        "'City of London'. Check that the code and the name are for the same area."
    ]


def test_a_name_in_other_case_and_spacing_is_the_same_area(dirs: Dirs, tmp_path: Path) -> None:
    spelled = with_cell(CENSUS_5, tmp_path / "a.csv", 3, "LAD", "  BARNET")
    bad = with_cell(spelled, tmp_path / "c5.csv", 4, "LAD", "Bexley Heath")
    assert refused(dirs, bad, kind="population") == [
        "c5.csv, row 4, column 'LAD': 'Bexley Heath' is not the name of E09000004, which is "
        "'Bexley'. Check that the code and the name are for the same area."
    ]


def test_two_headers_that_are_one_column_are_refused(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(CENSUS_5)
    bad = write_rows(tmp_path / "c5.csv", [*header, "white "], [[*r, "1"] for r in rows])
    assert refused(dirs, bad, kind="population") == [
        "c5.csv, row 1: the header row names 'White' and 'white', which are the same column "
        "(Accord ignores case and spaces in column names). Remove or rename one of them."
    ]


def test_every_pair_of_same_columns_is_named(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(CENSUS_20)
    extra = ["observation", "OBSERVATION", "lower tier local  authorities"]
    bad = write_rows(tmp_path / "c20.csv", [*header, *extra], [[*r, "1", "1", "x"] for r in rows])
    assert refused(dirs, bad, kind="population") == [
        "c20.csv, row 1: the header row names 'Lower Tier Local Authorities' and 'lower "
        "tier local  authorities', which are the same column (Accord ignores case and "
        "spaces in column names). Remove or rename one of them.",
        "c20.csv, row 1: the header row names 'Observation', 'observation' and "
        "'OBSERVATION', which are the same column (Accord ignores case and spaces in column "
        "names). Remove or rename all but one of them.",
    ]
