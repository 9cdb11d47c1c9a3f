"""ONS Census 2021 population files: both layouts, checks, and area resolution."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from accord.datasets.archives import Limits
from accord.datasets.boroughs import Area, LocalAuthorities
from accord.datasets.census import read_census
from accord.datasets.errors import ImportFailed
from accord.datasets.files import Given, open_inputs
from accord.datasets.harmonise import Imported
from accord.datasets.models import Dataset
from accord.datasets.services import import_paths
from tests.datasets.conftest import CENSUS_5, CENSUS_20, Dirs, read_rows, with_cell, write_rows

LIMITS = Limits.from_max(64 * 1024 * 1024)


def read(path: Path, scratch: Path, categories: int | None = None) -> Imported:
    with open_inputs([Given(path, path.name)], scratch, LIMITS) as inputs:
        return read_census(inputs.files, inputs.sources, categories=categories)


def _source_totals(path: Path) -> dict[tuple[str, str], int]:
    """Broad-group totals per area, computed from the raw 20-category file by label prefix."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            label = row["Ethnic group (20 categories)"]
            if label == "Does not apply":
                continue
            group = label.split(",")[0].split(":")[0].split(" ")[0]
            totals[(row["Lower Tier Local Authorities Code"], group)] += int(
                float(row["Observation"])
            )
    return dict(totals)


def test_the_20_category_file_becomes_a_long_table(dirs: Dirs) -> None:
    imported = read(CENSUS_20, dirs.scratch, categories=20)
    table = imported.table
    assert table.num_rows == 33 * 19
    assert table.column_names == [
        "la_code", "la_name", "ethnic_group", "ethnic_group_detailed",
        "ethnic_group_extractss", "population",
    ]  # fmt: skip
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for row in table.to_pylist():
        totals[(row["la_code"], row["ethnic_group"])] += row["population"]
    assert totals == _source_totals(CENSUS_20)
    assert imported.report.notes[0] == (
        "The 'Does not apply' rows were left out: they are not an ethnic group (their total "
        "population is 0)."
    )
    assert str(imported.period_start) == str(imported.period_end) == "2021-03-21"


def test_the_5_category_file_is_the_extractss_collapse_of_the_20(dirs: Dirs) -> None:
    five = read(CENSUS_5, dirs.scratch, categories=5).table
    twenty = read(CENSUS_20, dirs.scratch).table
    by_group_5 = {(r["la_code"], r["ethnic_group"]): r["population"] for r in five.to_pylist()}
    assert len(by_group_5) == 33 * 5
    assert five["ethnic_group_detailed"].null_count == five.num_rows
    extractss: dict[tuple[str, str], int] = defaultdict(int)
    ons: dict[tuple[str, str], int] = defaultdict(int)
    for r in twenty.to_pylist():
        extractss[(r["la_code"], r["ethnic_group_extractss"])] += r["population"]
        ons[(r["la_code"], r["ethnic_group"])] += r["population"]
    assert extractss == by_group_5
    assert ons != by_group_5  # the ONS broad groups differ (Mixed, White)
    assert ons[("E09000002", "Black")] + 2376 + 2974 == by_group_5[("E09000002", "Black")]


def test_the_wrong_number_of_categories_is_refused(dirs: Dirs) -> None:
    with pytest.raises(ImportFailed) as caught:
        read(CENSUS_5, dirs.scratch, categories=20)
    assert caught.value.summary == (
        "census2021_5cat_london.csv, row 1: this is the 5-category Census file, but 20 "
        "categories were asked for. Choose 5 categories, or the other file."
    )


def test_an_unknown_group_and_a_bad_count(dirs: Dirs, tmp_path: Path) -> None:
    first = with_cell(CENSUS_20, tmp_path / "a.csv", 4, "Ethnic group (20 categories)", "Klingon")
    bad = with_cell(first, tmp_path / "bad.csv", 6, "Observation", "many")
    with pytest.raises(ImportFailed) as caught:
        read(bad, dirs.scratch)
    assert [p.message for p in caught.value.problems] == [
        "bad.csv, row 4, column 'Ethnic group (20 categories)': 'Klingon' is not a Census 2021 "
        "ethnic group (in 1 row).",
        "bad.csv, row 6, column 'Observation': 'many' is not a count of people (a whole "
        "number, 0 or more).",
    ]


def test_a_missing_group_row_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(CENSUS_20)
    kept = [r for r in rows if not (r[0] == "E09000007" and r[3] == "White: Roma")]
    short = write_rows(tmp_path / "short.csv", header, kept)
    with pytest.raises(ImportFailed) as caught:
        read(short, dirs.scratch)
    assert caught.value.summary == (
        "short.csv: area E09000007 has no row for 'White: Roma'; every area needs all 19 "
        "ethnic groups."
    )


@pytest.mark.django_db
def test_census_import_is_stored_with_provenance(dirs: Dirs) -> None:
    dataset = import_paths([CENSUS_5], kind="population", name="Census", categories=5)
    assert dataset.kind == "population"
    assert dataset.publisher == "Office for National Statistics"
    assert dataset.column_roles == {
        "group": "ethnic_group", "area": "la_code", "population": "population",
    }  # fmt: skip
    assert Dataset.objects.get().row_count == 165


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("E09000007", Area("E09000007", "Camden")),
        ("camden", Area("E09000007", "Camden")),
        ("Camden 001A", Area("E09000007", "Camden")),
        ("Kingston upon Thames 019B", Area("E09000021", "Kingston upon Thames")),
        ("City of London 001F", Area("E09000001", "City of London")),
        ("E01000001", None),  # an LSOA code alone cannot be placed offline
        ("Atlantis 001A", None),
        ("E09999999", None),
    ],
)
def test_area_resolution(text: str, expected: Area | None) -> None:
    assert LocalAuthorities.shipped().resolve(text) == expected


def test_an_lsoa_code_resolves_through_a_known_name() -> None:
    names = {"E01000907": "Camden 018A"}
    assert LocalAuthorities.shipped().resolve("E01000907", names) == Area("E09000007", "Camden")
