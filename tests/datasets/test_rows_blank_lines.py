"""A blank line in a CSV file is still a row in a spreadsheet, so every importer names the
row after it as a spreadsheet shows it; a file without blank lines is numbered as before."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from accord.datasets.errors import ImportFailed
from accord.datasets.models import Dataset
from accord.datasets.services import import_paths
from tests.datasets.conftest import API_SAMPLE, CENSUS_20, STREET, Dirs, read_rows

pytestmark = pytest.mark.django_db


def _write(path: Path, header: list[str], rows: list[list[str]], blank: set[int]) -> Path:
    """``rows`` as CSV, with a blank line in front of each row whose index is in ``blank``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for index, row in enumerate(rows):
        if index in blank:
            buffer.write("\r\n")
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _refused(dirs: Dirs, path: Path, kind: str, mapping: dict[str, str] | None) -> list[str]:
    """Import ``path``; expect a refusal with nothing stored; return the messages."""
    with pytest.raises(ImportFailed) as caught:
        import_paths([path], kind=kind, name="test", mapping=mapping)
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []
    return [p.message for p in caught.value.problems]


def _places(messages: list[str]) -> list[str]:
    """The "file, row N, column 'X'" part of each message."""
    return [message.split(":")[0] for message in messages]


def _refused_both(
    dirs: Dirs,
    tmp_path: Path,
    header: list[str],
    rows: list[list[str]],
    blank: set[int],
    kind: str,
    mapping: dict[str, str] | None = None,
) -> tuple[list[str], list[str]]:
    """The messages for the file with the blank lines, then for the same file without."""
    with_blank = tmp_path / "blank" / "data.csv"
    without = tmp_path / "plain" / "data.csv"
    with_blank.parent.mkdir()
    without.parent.mkdir()
    _write(with_blank, header, rows, blank)
    _write(without, header, rows, set())
    found = _refused(dirs, with_blank, kind, mapping)
    plain = _refused(dirs, without, kind, mapping)
    return found, plain


def test_stop_and_search_names_the_spreadsheet_row_after_a_blank_line(
    dirs: Dirs, tmp_path: Path
) -> None:
    header, rows = read_rows(API_SAMPLE)
    rows[4][header.index("age_range")] = "35-44"  # row 6, or row 7 below a blank line
    rows[8][header.index("location.latitude")] = "51,5"  # row 10, or 12 below two
    found, plain = _refused_both(dirs, tmp_path, header, rows, {2, 7}, "stop_and_search")
    assert _places(found) == [
        "data.csv, row 12, column 'location.latitude'",
        "data.csv, row 7, column 'age_range'",
    ]
    assert _places(plain) == [
        "data.csv, row 10, column 'location.latitude'",
        "data.csv, row 6, column 'age_range'",
    ]
    assert "'35-44' is not a known age range (in 1 row)" in found[1]


def test_stop_and_search_booleans_read_again_name_the_spreadsheet_row(
    dirs: Dirs, tmp_path: Path
) -> None:
    header, rows = read_rows(API_SAMPLE)
    rows[5][header.index("involved_person")] = "maybe"
    found, plain = _refused_both(dirs, tmp_path, header, rows, {0}, "stop_and_search")
    assert _places(found) == ["data.csv, row 8, column 'involved_person'"]
    assert _places(plain) == ["data.csv, row 7, column 'involved_person'"]


def test_street_crime_names_the_spreadsheet_row_after_a_blank_line(
    dirs: Dirs, tmp_path: Path
) -> None:
    header, rows = read_rows(STREET)
    rows[4][header.index("Month")] = "2022-13"
    found, plain = _refused_both(dirs, tmp_path, header, rows, {4}, "street_crime")
    assert _places(found) == ["data.csv, row 7, column 'Month'"]
    assert _places(plain) == ["data.csv, row 6, column 'Month'"]


def test_census_names_the_spreadsheet_rows_it_counts_itself(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(CENSUS_20)
    code, name, group_code, _group, value = header
    rows[4][header.index(value)] = ""  # an empty count
    rows[6][header.index(name)] = "Hackney"  # the name of another area
    rows[8][header.index(group_code)] = "3.0"  # a code that is not the row's group
    rows[10][header.index(code)] = "E12000007"  # a region, not a local authority
    found, plain = _refused_both(dirs, tmp_path, header, rows, {3, 7}, "population")
    assert sorted(_places(found)) == sorted(
        [
            f"data.csv, row 7, column {value!r}",
            f"data.csv, row 9, column {name!r}",
            f"data.csv, row 12, column {group_code!r}",
            f"data.csv, row 14, column {code!r}",
        ]
    )
    assert sorted(_places(plain)) == sorted(
        [
            f"data.csv, row 6, column {value!r}",
            f"data.csv, row 8, column {name!r}",
            f"data.csv, row 10, column {group_code!r}",
            f"data.csv, row 12, column {code!r}",
        ]
    )


def test_census_empty_areas_name_the_spreadsheet_row(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(CENSUS_20)
    rows[4][header.index("Lower Tier Local Authorities")] = ""
    found, plain = _refused_both(dirs, tmp_path, header, rows, {1}, "population")
    assert found == ["data.csv, row 7, column 'Lower Tier Local Authorities': the area is empty."]
    assert plain == ["data.csv, row 6, column 'Lower Tier Local Authorities': the area is empty."]


TRAINING_HEADER = ["borough", "course", "period", "officers_in_scope", "officers_trained"]


def test_training_names_the_spreadsheet_row_after_a_blank_line(dirs: Dirs, tmp_path: Path) -> None:
    rows = [
        ["Camden", "Domestic abuse", "2026 Q1", "400", "220"],
        ["Hackney", "Domestic abuse", "2026 Q1", "350", "300"],
        ["Islington", "Domestic abuse", "2026 Q1", "300", "100"],
        ["Camden", "Domestic abuse", "2026 Q2", "400", "260"],
        ["Narnia", "Domestic abuse", "2026 Q1", "10", "1"],
        ["Hackney", "Domestic abuse", "2026 Q1", "350", "300"],
    ]
    found, plain = _refused_both(dirs, tmp_path, TRAINING_HEADER, rows, {4}, "training")
    assert found == [
        "data.csv, row 7, column 'borough': 'Narnia' is not a borough; use a local "
        "authority code (E09000007) or name (Camden).",
        "data.csv, row 8: Hackney, 'Domestic abuse', 2026 Q1 is already in row 3; each "
        "borough needs one row per course and period.",
    ]
    assert _places(plain) == ["data.csv, row 6, column 'borough'", "data.csv, row 7"]


def test_training_names_the_first_rows_of_mixed_periods(dirs: Dirs, tmp_path: Path) -> None:
    rows = [
        ["Camden", "Domestic abuse", "2026 Q1", "400", "220"],
        ["Hackney", "Domestic abuse", "2026-03", "350", "300"],
    ]
    found, plain = _refused_both(dirs, tmp_path, TRAINING_HEADER, rows, {0, 1}, "training")
    assert found == [
        "data.csv: the file mixes months (first in row 5) and quarters (first in row 3); use "
        "one kind of period per file."
    ]
    assert "(first in row 3) and quarters (first in row 2)" in plain[0]


GENERIC_HEADER = ["Ethnicity", "Borough", "Date"]
GENERIC_ROWS = [
    ["Black", "Camden", "2022-01-05"],
    ["White", "Hackney", "2022-01-20"],
    ["Asian", "Croydon", "2022-02-02"],
    ["Other", "Camden", "2022-02-14"],
    ["Mixed", "Hackney", "2022-03-01"],
    ["White", "Camden", "2022-03-02"],
]
GENERIC_MAPPING = {"group": "Ethnicity", "area": "Borough", "date": "Date"}


def test_generic_dates_and_formulas_name_the_spreadsheet_row(dirs: Dirs, tmp_path: Path) -> None:
    rows = [list(row) for row in GENERIC_ROWS]
    rows[4][2] = "2022-02-30"
    rows[5][1] = "=HYPERLINK(1)"
    found, plain = _refused_both(
        dirs, tmp_path, GENERIC_HEADER, rows, {1, 5}, "generic", mapping=GENERIC_MAPPING
    )
    assert sorted(_places(found)) == [
        "data.csv, row 7, column 'Date'",
        "data.csv, row 9, column 'Borough'",
    ]
    assert sorted(_places(plain)) == [
        "data.csv, row 6, column 'Date'",
        "data.csv, row 7, column 'Borough'",
    ]


def test_generic_repeated_header_names_the_spreadsheet_row(dirs: Dirs, tmp_path: Path) -> None:
    rows = [list(row) for row in GENERIC_ROWS]
    rows[4] = list(GENERIC_HEADER)
    found, plain = _refused_both(
        dirs, tmp_path, GENERIC_HEADER, rows, {4}, "generic", mapping=GENERIC_MAPPING
    )
    assert _places(found) == ["data.csv, row 7"]
    assert _places(plain) == ["data.csv, row 6"]


def _training_rows() -> tuple[list[str], list[list[str]]]:
    boroughs = ["Camden", "Hackney", "Islington", "Haringey", "Barnet", "Enfield"]
    return TRAINING_HEADER, [[b, "Domestic abuse", "2026 Q1", "10", "1"] for b in boroughs]


@pytest.mark.parametrize(
    ("kind", "source", "column"),
    [
        ("stop_and_search", API_SAMPLE, "legislation"),
        ("street_crime", STREET, "Location"),
        ("population", CENSUS_20, "Lower Tier Local Authorities"),
        ("training", None, "course"),
        ("generic", None, "Ethnicity"),
    ],
)
def test_formula_cells_name_the_spreadsheet_row(
    dirs: Dirs, tmp_path: Path, kind: str, source: Path | None, column: str
) -> None:
    if source is not None:
        header, rows = read_rows(source)
    elif kind == "training":
        header, rows = _training_rows()
    else:
        header, rows = GENERIC_HEADER, [list(row) for row in GENERIC_ROWS]
    rows[4][header.index(column)] = "=1+1"
    mapping = GENERIC_MAPPING if kind == "generic" else None
    found, plain = _refused_both(dirs, tmp_path, header, rows, {0, 3}, kind, mapping)
    assert _places(found) == [f"data.csv, row 8, column {column!r}"]
    assert _places(plain) == [f"data.csv, row 6, column {column!r}"]
