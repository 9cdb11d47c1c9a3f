"""CSV and Parquet in a generic import: values are kept exactly as written (numbers only when
the number is exact), and a file Accord cannot read is refused in words, not Arrow's."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.datasets.archives import Limits
from accord.datasets.files import Given, open_inputs
from accord.datasets.generic import preview
from tests.datasets.conftest import Dirs, write_rows
from tests.datasets.generic_imports import refused, stored

pytestmark = pytest.mark.django_db


def test_codes_and_long_references_stay_text_and_exact_numbers_become_numbers(
    dirs: Dirs, tmp_path: Path
) -> None:
    path = write_rows(
        tmp_path / "refs.csv",
        ["Ethnicity", "Ref", "Big", "Huge", "Section", "Count", "Rate"],
        [
            ["Black", "007", "9007199254740993", "99999999999999999999", "1.10", "3", "0.25"],
            ["White", "0123", "1", "1", "1.2", "-12", " 2 "],
        ],
    )
    table = stored(path)
    assert table.select(["Ref", "Big", "Huge", "Section", "Count", "Rate"]).to_pylist() == [
        {
            "Ref": "007",
            "Big": "9007199254740993",
            "Huge": "99999999999999999999",
            "Section": "1.10",
            "Count": 3,
            "Rate": 0.25,
        },
        {"Ref": "0123", "Big": "1", "Huge": "1", "Section": "1.2", "Count": -12, "Rate": 2.0},
    ]
    limits = Limits.from_max(64 * 1024 * 1024)
    with open_inputs([Given(path, path.name)], dirs.scratch, limits) as inputs:
        shown = preview(inputs.files[0], limits)
    assert [c.looks_numeric for c in shown.columns] == [
        False,
        False,
        False,
        False,
        False,
        True,
        True,
    ]


def test_a_header_row_repeated_in_the_middle_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "joined.csv",
        ["Ethnicity", "Count"],
        [["Black", "3"], ["Ethnicity", "Count"], ["White", "4"], ["Ethnicity", " Count"]],
    )
    assert refused(dirs, path) == [
        "joined.csv, row 3: this row repeats the header row, the column names (and so does 1 "
        "more row). This happens when files are joined together; remove the repeated header "
        "rows and upload again."
    ]


def test_a_damaged_parquet_file_is_refused_without_the_server_path(
    dirs: Dirs, tmp_path: Path
) -> None:
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"Ethnicity": ["Black"] * 100}), whole)
    data = whole.read_bytes()
    cut = tmp_path / "partner.parquet"
    cut.write_bytes(data[: len(data) // 2] + b"PAR1")
    assert refused(dirs, cut) == [
        "partner.parquet: the file cannot be read as Parquet: it is damaged, cut short, or not "
        "a Parquet file. Export it again and upload the new file."
    ]


def test_a_parquet_file_in_a_compression_accord_cannot_read_is_refused(
    dirs: Dirs, tmp_path: Path
) -> None:
    snappy = tmp_path / "snappy.parquet"
    pq.write_table(pa.table({"Ethnicity": ["Black", "White"] * 50}), snappy, compression="snappy")
    # The column's codec in the file footer: SNAPPY (1) becomes LZO (3), zigzag-encoded.
    name = b"Ethnicity"
    codec = b"\x18" + bytes([len(name)]) + name + b"\x15"
    data = snappy.read_bytes()
    assert data.count(codec + b"\x02") == 1
    lzo = tmp_path / "lzo.parquet"
    lzo.write_bytes(data.replace(codec + b"\x02", codec + b"\x06"))
    assert refused(dirs, lzo) == [
        "lzo.parquet: the Parquet file uses a feature Accord cannot read, such as LZO "
        "compression or an unusual column type. Write it again with the usual settings "
        "(Snappy or Zstandard compression, plain column types) and upload the new file."
    ]


@pytest.mark.parametrize(
    "kind", [pa.binary(), pa.large_binary(), pa.string_view()], ids=["binary", "large", "view"]
)
def test_parquet_bytes_that_a_spreadsheet_would_run_are_refused(
    dirs: Dirs, tmp_path: Path, kind: pa.DataType
) -> None:
    path = tmp_path / "notes.parquet"
    notes = pa.array([b"ok", b'=HYPERLINK("x")'], pa.binary()).cast(kind)
    pq.write_table(pa.table({"Ethnicity": ["Black", "White"], "Note": notes}), path)
    assert refused(dirs, path) == [
        "notes.parquet, row 3, column 'Note': the cell starts with '=' ('=HYPERLINK(\"x\")'), "
        "so a spreadsheet would run it as a formula. Accord refuses such cells to keep files "
        "it exports safe. Remove the leading character, or correct the cell, and upload again."
    ]


def test_a_parquet_column_of_bytes_cannot_be_a_role(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "codes.parquet"
    codes = pa.array([b"\xff\x01", b"ok"], pa.binary())
    pq.write_table(pa.table({"Ethnicity": ["Black", "White"], "Code": codes}), path)
    assert refused(dirs, path, {"group": "Ethnicity", "area": "Code"}) == [
        "codes.parquet, column 'Code': this column holds binary values, which Accord cannot "
        "read as text, so it cannot be the area. Choose another column, or store this one as "
        "text."
    ]


@pytest.mark.parametrize("where", ["csv", "parquet"])
def test_a_date_outside_the_calendar_is_refused(dirs: Dirs, tmp_path: Path, where: str) -> None:
    mapping = {"group": "Ethnicity", "date": "Date"}
    if where == "csv":
        path = write_rows(
            tmp_path / "dates.csv",
            ["Ethnicity", "Date"],
            [["White", "2022-01-01"], ["Black", "0000-01-01"], ["Asian", "0000-02-01"]],
        )
    else:
        path = tmp_path / "dates.parquet"
        days = pa.array([18993, -800000, 3000000], pa.date32())  # 2022, about -220 and 10183
        pq.write_table(pa.table({"Ethnicity": ["White", "Black", "Asian"], "Date": days}), path)
    bad = ["0000-01-01", "0000-02-01"] if where == "csv" else ["-0221-09-04", "10183-09-21"]
    # Text dates and stored dates get the same check and the same words.
    assert refused(dirs, path, mapping) == [
        f"dates.{where}, row {row}, column 'Date': '{value}' is not a real date (in 1 row). "
        "Accord accepts dates from the years 1900 to 2100: check the year."
        for row, value in zip((3, 4), bad, strict=True)
    ]
