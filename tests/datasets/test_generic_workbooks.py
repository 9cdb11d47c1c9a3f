"""Excel workbooks in a generic import: nothing in the file is dropped or changed without a
word, and a workbook Accord cannot read is refused with a message a person can act on."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from openpyxl import Workbook

from accord.datasets.archives import Limits
from accord.datasets.errors import ImportFailed
from accord.datasets.files import Given, open_inputs
from accord.datasets.generic import preview
from tests.datasets.conftest import Dirs
from tests.datasets.generic_imports import refused, stored

pytestmark = pytest.mark.django_db


def book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def edited(source: Path, target: Path, part: str, change: Any) -> Path:
    """A copy of the workbook with one XML part passed through ``change``."""
    with zipfile.ZipFile(source) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return target


def test_a_workbook_with_two_sheets_of_data_is_refused_naming_them(
    dirs: Dirs, tmp_path: Path
) -> None:
    path = book(
        tmp_path / "two.xlsx",
        {
            "Jan": [["Ethnicity", "N"], ["Black", 1]],
            "Notes": [],
            "Feb": [["Ethnicity", "N"], ["White", 2], ["Asian", 3]],
        },
    )
    message = (
        "two.xlsx: the workbook has 2 sheets with data: 'Jan', 'Feb'. Accord imports one "
        "table at a time: keep only the sheet you want to import (delete the others or move "
        "them to another file) and upload again."
    )
    assert refused(dirs, path) == [message]
    limits = Limits.from_max(64 * 1024 * 1024)
    given = [Given(path, path.name)]
    with (
        open_inputs(given, dirs.scratch, limits, allowed=("xlsx",)) as inputs,
        pytest.raises(ImportFailed) as caught,
    ):
        preview(inputs.files[0], limits)
    assert caught.value.summary == message


def test_the_one_sheet_with_data_is_read_even_when_it_is_not_the_first(
    dirs: Dirs, tmp_path: Path
) -> None:
    path = book(tmp_path / "second.xlsx", {"Cover": [], "Data": [["Ethnicity"], ["Black"]]})
    assert stored(path)["Ethnicity"].to_pylist() == ["Black"]


def test_a_formula_whose_result_was_not_saved_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    """Row 3's formula has its result saved (as Excel does), so only row 2 is named."""
    written = book(
        tmp_path / "written.xlsx",
        {"S": [["Ethnicity", "A", "B", "Total"], ["Black", 1, 2, "=B2+C2"], ["White", 3, 4, 7]]},
    )
    path = edited(
        written,
        tmp_path / "sums.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'(<c r="D3"[^>]*>)<v>7</v>', rb"\1<f>B3+C3</f><v>7</v>", xml),
    )
    assert refused(dirs, path) == [
        "sums.xlsx, row 2, column 'Total': cell D2 on sheet 'S' holds a formula whose result "
        "was not saved in the file (the program that wrote it did not calculate it). Open the "
        "file in Excel, save it, and upload it again."
    ]


def test_an_excel_error_value_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    plain = book(
        tmp_path / "plain.xlsx", {"S": [["Ethnicity", "Rate"], ["Black", 0.5], ["White", 1]]}
    )
    path = edited(
        plain,
        tmp_path / "rates.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(
            rb'<c r="B3"[^>]*><v>1</v></c>', rb'<c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c>', xml
        ),
    )
    assert refused(dirs, path) == [
        "rates.xlsx, row 3, column 'Rate': cell B3 on sheet 'S' holds the Excel error "
        "#DIV/0!. Correct the formula or clear the cell in Excel, then upload the file again."
    ]


def test_a_value_right_of_the_last_named_column_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    path = book(tmp_path / "wide.xlsx", {"S": [["Ethnicity", "N"], ["Black", 1, "extra!"]]})
    assert refused(dirs, path) == [
        "wide.xlsx, row 2: this row has a value in column C ('extra!'), but row 1 names only "
        "2 columns. Row 1 must hold the column names: give that column a name there, or "
        "clear the cell, and upload again."
    ]


def test_a_wrong_sheet_size_in_the_file_does_not_cut_rows_or_columns(
    dirs: Dirs, tmp_path: Path
) -> None:
    plain = book(
        tmp_path / "plain.xlsx",
        {"S": [["Ethnicity", "Borough"], ["Black", "Camden"], ["White", "Hackney"]]},
    )
    path = edited(
        plain,
        tmp_path / "dimension.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:A2"/>', xml),
    )
    assert stored(path).select(["Ethnicity", "Borough"]).to_pylist() == [
        {"Ethnicity": "Black", "Borough": "Camden"},
        {"Ethnicity": "White", "Borough": "Hackney"},
    ]


def test_date_times_keep_their_time(dirs: Dirs, tmp_path: Path) -> None:
    when = [dt.datetime(2022, 1, 5, 23, 30), dt.datetime(2022, 1, 6)]
    path = book(
        tmp_path / "times.xlsx",
        {"S": [["Ethnicity", "When"], ["Black", when[0]], ["White", when[1]]]},
    )
    table = stored(path, {"group": "Ethnicity", "date": "When"})
    assert table.schema.field("When").type == pa.timestamp("us")
    assert table["When"].to_pylist() == when
    assert table["month"].to_pylist() == ["2022-01", "2022-01"]


def test_a_whole_number_too_large_for_a_float_stays_text(dirs: Dirs, tmp_path: Path) -> None:
    """Excel writes such a number as 1e+20; other tools write every digit."""
    plain = book(
        tmp_path / "plain.xlsx", {"S": [["Ethnicity", "Ref"], ["Black", 12345], ["White", 1]]}
    )
    path = edited(
        plain,
        tmp_path / "refs.xlsx",
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"<v>12345</v>", b"<v>99999999999999999999</v>"),
    )
    assert stored(path)["Ref"].to_pylist() == ["99999999999999999999", "1"]


def test_a_repeated_header_row_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    path = book(
        tmp_path / "joined.xlsx",
        {"S": [["Ethnicity", "N"], ["Black", 1], ["Ethnicity", "N"], ["White", 2]]},
    )
    assert refused(dirs, path) == [
        "joined.xlsx, row 3: this row repeats the header row, the column names. This happens "
        "when files are joined together; remove the repeated header rows and upload again."
    ]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda xml: xml[:-40], "ParseError"),
        (lambda xml: re.sub(rb'(<c r="B3"[^>]*>)<v>2</v>', rb"\1<v>two</v>", xml), "ValueError"),
    ],
    ids=["cut short", "a number cell holding text"],
)
def test_a_damaged_sheet_is_refused(dirs: Dirs, tmp_path: Path, change: Any, error: str) -> None:
    plain = book(tmp_path / "plain.xlsx", {"S": [["Ethnicity", "N"], ["Black", 1], ["White", 2]]})
    path = edited(plain, tmp_path / "damaged.xlsx", "xl/worksheets/sheet1.xml", change)
    assert refused(dirs, path) == [
        f"damaged.xlsx: the workbook cannot be read: sheet 'S' is damaged ({error}). Open the "
        "file in Excel, save it again and upload the new file."
    ]


def _patched(path: Path, member: str, patch: Any) -> Path:
    """Patch the local and central zip headers of ``member`` with ``patch(data, header)``."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, name_at in ((b"PK\x03\x04", 30), (b"PK\x01\x02", 46)):
        at = data.find(signature)
        while data[at + name_at : at + name_at + len(name)] != name:
            at = data.find(signature, at + 1)
        patch(data, at, signature)
    path.write_bytes(bytes(data))
    return path


def test_a_workbook_packed_with_deflate64_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    path = book(tmp_path / "big.xlsx", {"S": [["Ethnicity"], ["Black"]]})

    def deflate64(data: bytearray, at: int, signature: bytes) -> None:
        struct.pack_into("<H", data, at + (8 if signature == b"PK\x03\x04" else 10), 9)

    _patched(path, "xl/workbook.xml", deflate64)
    assert refused(dirs, path) == [
        "big.xlsx: the workbook is packed with a compression method Accord cannot read. Open "
        "it in Excel, save it again as an Excel workbook (.xlsx) and upload the new file."
    ]


def test_a_workbook_part_name_that_is_not_text_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    path = book(tmp_path / "names.xlsx", {"S": [["Ethnicity"], ["Black"]]})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("customXml/itemX.xml", b"<x/>")

    def bad_name(data: bytearray, at: int, signature: bytes) -> None:
        flags_at, name_at = (6, 30) if signature == b"PK\x03\x04" else (8, 46)
        flags = struct.unpack_from("<H", data, at + flags_at)[0] | 0x800  # "name is UTF-8"
        struct.pack_into("<H", data, at + flags_at, flags)
        data[at + name_at + len("customXml/item")] = 0xFF

    _patched(path, "customXml/itemX.xml", bad_name)
    assert refused(dirs, path) == [
        "names.xlsx: the workbook holds a part whose name is not valid text, so it cannot be "
        "read. Open it in Excel, save it again as an Excel workbook (.xlsx) and upload the new "
        "file."
    ]
