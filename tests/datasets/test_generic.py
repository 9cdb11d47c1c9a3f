"""Any table (CSV, Excel, Parquet) with a column mapping: preview, checks, harmonisation."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from accord.datasets.archives import Limits
from accord.datasets.errors import ImportFailed
from accord.datasets.files import Format, Given, open_inputs
from accord.datasets.generic import Preview, preview, read_generic
from accord.datasets.harmonise import Imported
from accord.datasets.models import Dataset
from accord.datasets.services import import_paths
from tests.datasets.conftest import Dirs, write_rows

LIMITS = Limits.from_max(64 * 1024 * 1024)
ALLOWED: tuple[Format, ...] = ("csv", "xlsx", "parquet")
HEADER = ["Ethnicity", "Borough", "Date", "Result", "Count"]
ROWS = [
    ["Black", "Camden", "2022-01-05", "Arrest", "3"],
    ["White", "E09000033", "2022-01-20", "No further action", "7"],
    ["Asian", "Croydon 027B", "2022-02-02", "Arrest", "1"],
    ["Other", "Atlantis", "2022-02-14", "Caution", "2"],
    ["Mixed", "", "2022-03-01", "", "4"],
]


def csv_file(tmp_path: Path, rows: list[list[str]] = ROWS, header: list[str] = HEADER) -> Path:
    return write_rows(tmp_path / "partner.csv", header, rows)


def read(path: Path, scratch: Path, mapping: dict[str, str]) -> Imported:
    with open_inputs([Given(path, path.name)], scratch, LIMITS, allowed=ALLOWED) as inputs:
        return read_generic(inputs.files, inputs.sources, mapping, LIMITS)


def peek(path: Path, scratch: Path) -> Preview:
    with open_inputs([Given(path, path.name)], scratch, LIMITS, allowed=ALLOWED) as inputs:
        return preview(inputs.files[0], LIMITS)


MAPPING = {"group": "Ethnicity", "area": "Borough", "date": "Date", "outcome": "Result"}


def test_preview_lists_columns_and_samples(dirs: Dirs, tmp_path: Path) -> None:
    shown = peek(csv_file(tmp_path), dirs.scratch)
    assert shown.names == HEADER
    assert shown.rows_read == 5
    borough = shown.columns[1]
    assert (borough.samples, borough.empty) == (
        ["Camden", "E09000033", "Croydon 027B", "Atlantis"],
        1,
    )
    assert [c.looks_numeric for c in shown.columns] == [False, False, False, False, True]


def test_a_mapped_csv_gets_month_area_and_broad_group(dirs: Dirs, tmp_path: Path) -> None:
    imported = read(csv_file(tmp_path), dirs.scratch, MAPPING)
    table = imported.table
    assert table.column_names == [*HEADER, "month", "la_code", "la_name", "Ethnicity_broad"]
    assert table["month"].to_pylist() == ["2022-01", "2022-01", "2022-02", "2022-02", "2022-03"]
    assert table["la_name"].to_pylist() == ["Camden", "Westminster", "Croydon", None, None]
    assert table["Count"].type == pa.int64()
    assert imported.report.columns["la_code"] == {
        "from": "Borough",
        "mapped": 3,
        "unmapped": 2,
        "reasons": {
            "empty in the source": 1,
            "not a local authority or LSOA Accord knows": 1,
        },
    }
    assert imported.column_roles == MAPPING
    assert (str(imported.period_start), str(imported.period_end)) == ("2022-01-05", "2022-03-01")


def test_group_values_that_are_not_ethnic_groups_get_no_broad_column(
    dirs: Dirs, tmp_path: Path
) -> None:
    rows = [
        ["Team A", "Camden", "2022-01-01", "x", "1"],
        ["Team B", "Camden", "2022-01-02", "y", "2"],
    ]
    imported = read(csv_file(tmp_path, rows), dirs.scratch, {"group": "Ethnicity"})
    assert "Ethnicity_broad" not in imported.table.column_names
    assert imported.report.notes == [
        "The values of 'Ethnicity' are not Census ethnic groups, so no broad group column was "
        "added."
    ]


def test_mapping_mistakes_are_explained(dirs: Dirs, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed) as caught:
        read(
            csv_file(tmp_path),
            dirs.scratch,
            {"area": "Borough", "colour": "Result", "date": "When"},
        )
    assert [p.message for p in caught.value.problems] == [
        "'colour' is not a column role. Roles are: group, area, date, outcome.",
        "Choose the column that holds the group.",
        "partner.csv, row 1: there is no column 'When' for the date. The columns are: "
        "'Ethnicity', 'Borough', 'Date', 'Result', 'Count'.",
    ]


def test_a_bad_date_in_the_mapped_column(dirs: Dirs, tmp_path: Path) -> None:
    rows = [r.copy() for r in ROWS]
    rows[2][2] = "02/02/2022"
    with pytest.raises(ImportFailed) as caught:
        read(csv_file(tmp_path, rows), dirs.scratch, MAPPING)
    assert caught.value.summary == (
        "partner.csv, row 4, column 'Date': '02/02/2022' is not a date Accord can read (in 1 "
        "row). Write dates as YYYY-MM-DD, for example 2022-11-30."
    )


def test_a_formula_in_a_header_or_cell_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    rows = [r.copy() for r in ROWS]
    rows[0][3] = "@SUM(A1:A9)"
    header = [*HEADER[:4], "=Count"]
    with pytest.raises(ImportFailed) as caught:
        read(csv_file(tmp_path, rows, header), dirs.scratch, MAPPING)
    assert [p.message for p in caught.value.problems] == [
        "partner.csv, row 1: the column name '=Count' starts with '=', so a spreadsheet would "
        "run it as a formula. Rename the column and upload again.",
        "partner.csv, row 2, column 'Result': the cell starts with '@' ('@SUM(A1:A9)'), so a "
        "spreadsheet would run it as a formula. Accord refuses such cells to keep files it "
        "exports safe. Remove the leading character, or correct the cell, and upload again.",
    ]


def _workbook(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in ROWS:
        day = dt.datetime.fromisoformat(row[2])
        sheet.append([row[0], row[1] or None, day, row[3] or None, int(row[4])])
    book.save(path)
    return path


def test_an_excel_workbook(dirs: Dirs, tmp_path: Path) -> None:
    imported = read(_workbook(tmp_path / "partner.xlsx"), dirs.scratch, MAPPING)
    assert imported.table["Date"].type == pa.date32()
    assert imported.table["month"].to_pylist()[-1] == "2022-03"
    assert imported.table["Count"].to_pylist() == [3, 7, 1, 2, 4]
    assert (
        peek(tmp_path / "partner.xlsx", dirs.scratch).columns[2].samples[0] == "2022-01-05T00:00:00"
    )


def test_an_excel_workbook_with_a_dtd_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    good = _workbook(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/workbook.xml":
                doctype = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                head, sep, rest = data.partition(b"?>")
                data = head + sep + doctype + rest if sep else doctype + data
            target.writestr(item, data)
    with pytest.raises(ImportFailed) as caught:
        read(bad, dirs.scratch, MAPPING)
    assert caught.value.summary == (
        "bad.xlsx: the workbook part 'xl/workbook.xml' declares a DTD or entities, which Excel "
        "never writes. Accord refuses it; save the file again from Excel."
    )


def test_a_parquet_file(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "partner.parquet"
    pq.write_table(pa.table({h: [r[i] for r in ROWS] for i, h in enumerate(HEADER)}), path)
    imported = read(path, dirs.scratch, {"group": "Ethnicity", "date": "Date"})
    assert imported.table.num_rows == 5
    assert imported.table["Ethnicity_broad"].to_pylist() == [
        "Black",
        "White",
        "Asian",
        "Other",
        "Mixed",
    ]


def test_a_text_file_named_xlsx_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        read(fake, dirs.scratch, MAPPING)
    assert caught.value.summary == (
        "fake.xlsx: the name ends in .xlsx but the contents are not a xlsx file. Check you "
        "chose the right file."
    )


@pytest.mark.django_db
def test_generic_import_through_the_service(dirs: Dirs, tmp_path: Path) -> None:
    dataset = import_paths([csv_file(tmp_path)], kind="generic", name="Partner", mapping=MAPPING)
    assert Dataset.objects.get() == dataset
    assert dataset.column_roles == MAPPING
    assert dataset.licence == ""
    assert pq.read_table(dataset.path).num_rows == 5
