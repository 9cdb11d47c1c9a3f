"""CSV text the way spreadsheets write it: CR-only line endings, wide or odd header rows,
blank lines and quoted line breaks (row numbers as a spreadsheet shows them), and NUL
bytes anywhere in the file. A refusal names file, row and column and leaves nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from accord.datasets import csvfiles
from accord.datasets.errors import ImportFailed
from accord.datasets.files import InputFile
from accord.datasets.models import Dataset
from accord.datasets.services import import_paths
from tests.datasets.conftest import API_SAMPLE, Dirs, read_rows, with_cell, write_rows

pytestmark = pytest.mark.django_db

GROUP = {"group": "Ethnicity"}
WINDOWS_1252 = (
    "the file is not UTF-8 text. It looks like Windows-1252 (where the byte 0xE9 is 'é'), "
    "which Excel writes when it saves a plain 'CSV' file. Open the file and save it again as "
    "'CSV UTF-8 (comma delimited)', then upload it again. Accord does not guess encodings, "
    "because a wrong guess would change names silently."
)


def refused(dirs: Dirs, *paths: Path, **options: Any) -> list[str]:
    """Import ``paths``; expect a refusal; check nothing was stored; return the messages."""
    options.setdefault("kind", "stop_and_search")
    with pytest.raises(ImportFailed) as caught:
        import_paths(list(paths), name="test", **options)
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []
    assert not any(dirs.scratch.iterdir())
    return [p.message for p in caught.value.problems]


def cr_only(source: Path, target: Path) -> Path:
    """What old Mac Excel writes for 'CSV (Macintosh)': every line ends in CR alone."""
    target.write_bytes(source.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    return target


def csv_file(tmp_path: Path, name: str, data: bytes) -> InputFile:
    path = tmp_path / name
    path.write_bytes(data)
    return InputFile(path, name, "csv")


# --- F1: CR-only line endings ---------------------------------------------------------------


def test_cr_only_line_endings_are_read_like_any_other(dirs: Dirs, tmp_path: Path) -> None:
    mac = import_paths(
        [cr_only(API_SAMPLE, tmp_path / "mac.csv")], kind="stop_and_search", name="m"
    )
    usual = import_paths([API_SAMPLE], kind="stop_and_search", name="u")
    assert mac.row_count == usual.row_count == 299
    assert (
        pq.read_table(mac.path)
        .drop_columns(["source_file"])
        .equals(pq.read_table(usual.path).drop_columns(["source_file"]))
    )


def test_cr_only_file_with_a_bad_cell_names_its_row(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(API_SAMPLE, tmp_path / "a.csv", 6, "age_range", "over 99")
    assert refused(dirs, cr_only(bad, tmp_path / "mac.csv")) == [
        "mac.csv, row 6, column 'age_range': 'over 99' is not a known age range (in 1 row). "
        "Known values are 'under 10', '10-17', '18-24', '25-34', 'over 34'. Correct the value, "
        "or leave the cell empty if it was not recorded."
    ]


def test_cr_only_file_with_a_missing_cell_names_its_row(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(API_SAMPLE)
    rows[3] = rows[3][:-1]
    bad = write_rows(tmp_path / "a.csv", header, rows)
    assert refused(dirs, cr_only(bad, tmp_path / "mac.csv")) == [
        "mac.csv, row 5: this row has 23 cells but the header has 24 columns. Check for a "
        "missing or extra comma, or a quote that is not closed."
    ]


def test_a_row_python_csv_cannot_read_is_a_refusal_not_a_crash(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text('Ethnicity,N\r\nBlack,1\r\nWhite,"' + "x" * 200_000 + '"\r\nAsian,1,2\r\n')
    assert refused(dirs, path, kind="generic", mapping=GROUP) == [
        "long.csv, row 3: this row cannot be read as CSV (field larger than field limit "
        "(131072)). Check for a quote that is not closed or a cell that is far too long."
    ]


def test_a_header_python_csv_cannot_read_is_a_refusal(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("Ethnicity," + "x" * 200_000 + "\r\nBlack,1\r\n")
    assert refused(dirs, path, kind="generic", mapping=GROUP) == [
        "long.csv, row 1: this row cannot be read as CSV (field larger than field limit "
        "(131072)). Check for a quote that is not closed or a cell that is far too long."
    ]


# --- F24: header rows -----------------------------------------------------------------------


def test_a_line_break_inside_a_header_name(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b'Ethnicity,"Count\nof people"\nBlack,1\nWhite,2\n')
    assert refused(dirs, path, kind="generic", mapping=GROUP) == [
        "h.csv, row 1: the name of column 2 ('Count\\nof people') holds a line break. Each "
        "column name must be on one line: remove the line break from the header cell (or "
        "close the quote that is not closed) and save the file again."
    ]


def test_a_header_longer_than_64_kb_is_read_whole(dirs: Dirs, tmp_path: Path) -> None:
    names = ["Ethnicity"] + [f"column_{i:05d}_" + "x" * 20 for i in range(3000)]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(names) + "\n" + ",".join(["Black"] + ["1"] * 3000) + "\n")
    assert path.stat().st_size > 65536
    dataset = import_paths([path], kind="generic", name="wide", mapping=GROUP)
    assert dataset.row_count == 1


def test_a_header_longer_than_1_mb_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    names = ["Ethnicity"] + [f"c{i:02d}" + "x" * 30_000 for i in range(40)]
    path = tmp_path / "huge.csv"
    path.write_text(",".join(names) + "\nBlack\n")
    assert refused(dirs, path, kind="generic", mapping=GROUP) == [
        "huge.csv, row 1: the header row is longer than 1 MB, or a quote in it is not closed. "
        "Check the first row holds only the column names."
    ]


def test_windows_1252_in_a_cr_only_file_names_row_and_column(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes("Ethnicity,N\rBlack,1\rCafé,2\r".encode("cp1252"))
    assert refused(dirs, path, kind="generic", mapping=GROUP) == [
        f"h.csv, row 3, column 'Ethnicity': {WINDOWS_1252}"
    ]


# --- F18: row numbers as a spreadsheet shows them ------------------------------------------


def test_windows_1252_after_a_quoted_line_break_names_the_spreadsheet_row(
    dirs: Dirs, tmp_path: Path
) -> None:
    header, rows = read_rows(API_SAMPLE)
    street = header.index("location.street.name")
    rows[0][street] = "On or near\nCloth Fair"  # spreadsheet row 2 spans two lines
    rows[3][street] = "Café Row"  # spreadsheet row 5, physical line 6
    text = write_rows(tmp_path / "x.csv", header, rows).read_text(encoding="utf-8")
    bad = tmp_path / "latin.csv"
    bad.write_bytes(text.encode("cp1252"))
    assert refused(dirs, bad) == [
        f"latin.csv, row 5, column 'location.street.name': {WINDOWS_1252}"
    ]


def test_blank_lines_are_left_out_and_their_rows_noted(tmp_path: Path) -> None:
    file = csv_file(tmp_path, "b.csv", b"A,B\r\nx,1\r\n\r\ny,2\r\n,\r\n\r\n\r\nz,3\r\n\r\n")
    table = csvfiles.read_table(file, csvfiles.read_header(file))
    assert table.column("A").to_pylist() == ["x", "y", None, "z"]  # ',' is a row of empties
    assert csvfiles.blank_rows(table).tolist() == [3, 6, 7, 9]
    assert csvfiles.spreadsheet_rows(table, [0, 1, 2, 3]).tolist() == [2, 4, 5, 8]


def test_trailing_blank_lines_are_left_out(dirs: Dirs, tmp_path: Path) -> None:
    file = csv_file(tmp_path, "b.csv", b"A,B\nx,1\ny,2\n\n\n")
    table = csvfiles.read_table(file, csvfiles.read_header(file))
    assert table.num_rows == 2
    assert csvfiles.spreadsheet_rows(table, [0, 1]).tolist() == [2, 3]
    only_header = tmp_path / "h.csv"
    only_header.write_bytes(b"Ethnicity,N\n\n\n")
    assert refused(dirs, only_header, kind="generic", mapping=GROUP) == [
        "h.csv: the file has a header row but no data rows."
    ]


def test_blank_lines_with_a_quoted_line_break(tmp_path: Path) -> None:
    file = csv_file(tmp_path, "b.csv", b'A,B\n"x\ny",1\n\nz,2\n')
    table = csvfiles.read_table(file, csvfiles.read_header(file))
    assert table.column("A").to_pylist() == ["x\ny", "z"]
    assert csvfiles.spreadsheet_rows(table, [0, 1]).tolist() == [2, 4]


# --- F25: NUL bytes ---------------------------------------------------------------------------


def test_a_nul_byte_after_the_first_8_kb_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(API_SAMPLE)
    rows[200][header.index("location.street.name")] = "On or near\x00Cloth Fair"
    bad = write_rows(tmp_path / "nul.csv", header, rows)
    assert bad.read_bytes().index(b"\x00") > 8192
    assert refused(dirs, bad) == [
        "nul.csv, row 202, column 'location.street.name': the cell holds a NUL character "
        "(binary data), which text never holds. The file may be damaged: export it again as "
        "CSV and upload that."
    ]


def test_a_nul_byte_row_counts_blank_lines(tmp_path: Path) -> None:
    file = csv_file(tmp_path, "n.csv", b"A,B\nx,1\n\ny,2\nz\x00,3\n")
    with pytest.raises(ImportFailed) as caught:
        csvfiles.read_table(file, csvfiles.read_header(file))
    assert [(p.row, p.column) for p in caught.value.problems] == [(5, "A")]
