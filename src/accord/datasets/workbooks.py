"""Reading Excel workbooks (.xlsx) for the generic import, safely and without losing cells.

Separate from :mod:`accord.datasets.generic` because reading a workbook is its own
problem, and most of the code: a workbook is a zip archive of XML written by many
programs, so before openpyxl parses one the archive is checked like any upload (sizes,
ratio, entry count, names), and every XML part is refused if it declares a DTD or entities
(no XXE or entity expansion, even though Python's expat already refuses external entities
and limits expansion). Then the one sheet with data is read, refusing Excel errors and
formulas whose result the file does not hold, cells beyond the named columns and repeated
header rows, and each column is typed by its cells.

:mod:`accord.datasets.generic` uses :func:`xlsx_rows` (the preview), :func:`xlsx_table`
(the import) and the helpers every format shares (:func:`header_from`,
:func:`repeated_header`, :func:`cell_text`).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc

from accord.datasets.archives import Limits, inspect_zip
from accord.datasets.errors import MAX_PROBLEMS, ImportFailed, Problem, problem
from accord.datasets.files import InputFile
from accord.datasets.validation import FIRST_DATA_ROW, quoted

MAX_XLSX_ROWS = 2_000_000
#: Whole numbers from here on are kept as text: a float (a spreadsheet, a chart) changes them.
LARGEST_EXACT = 2**53
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_SCAN_BLOCK = 1 << 20


#: The zip methods Python reads (Excel writes Deflate; Windows may pack large files Deflate64).
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


def _check_xlsx(file: InputFile, limits: Limits) -> bool:
    """Refuse a workbook Accord should not parse; say whether any worksheet holds a formula.

    Only a workbook with formulas is read a second time (see :func:`_sheet_rows`), so the
    common case of plain values costs one read.
    """
    try:
        with zipfile.ZipFile(file.path) as archive:  # first, so its errors get these words
            if any(i.compress_type not in _ZIP_METHODS for i in archive.infolist()):
                raise _packed_unreadably(file.name)
            # A chart pasted from another workbook is kept as a workbook inside this one.
            infos = inspect_zip(file.path, file.name, limits, embedded=True)
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportFailed.one("this is not an Excel workbook (.xlsx).", file.name)
            formulas = False
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with archive.open(info) as part:
                        formulas |= _check_part(part, info.filename, file.name, formulas)
    except NotImplementedError as error:  # zipfile: a method it lacks, met while reading
        raise _packed_unreadably(file.name) from error
    except UnicodeDecodeError as error:  # a part name marked UTF-8 that is not
        raise ImportFailed.one(
            "the workbook holds a part whose name is not valid text, so it cannot be read. "
            "Open it in Excel, save it again as an Excel workbook (.xlsx) and upload the new "
            "file.",
            file.name,
        ) from error
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise ImportFailed.one(
            "the workbook is damaged and cannot be read. Open it in Excel, save it again and "
            "upload the new file.",
            file.name,
        ) from error
    return formulas


def _packed_unreadably(file: str) -> ImportFailed:
    return ImportFailed.one(
        "the workbook is packed with a compression method Accord cannot read. Open it in "
        "Excel, save it again as an Excel workbook (.xlsx) and upload the new file.",
        file,
    )


def _check_part(part: IO[bytes], name: str, file: str, seen_formula: bool) -> bool:
    """Refuse a DTD; for a worksheet not yet known to hold one, look for a formula."""
    head = part.read(4096)
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        raise ImportFailed.one(
            f"the workbook part {name!r} declares a DTD or entities, which "
            "Excel never writes. Accord refuses it; save the file again from Excel.",
            file,
        )
    if seen_formula or not name.startswith("xl/worksheets/"):
        return False
    block = head
    while block:
        if _FORMULA_TAG.search(block):
            return True
        more = part.read(_SCAN_BLOCK)
        block = block[-16:] + more if more else b""
    return False


def _open_workbook(file: InputFile, *, data_only: bool) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(file.path, read_only=True, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFailed.one(
            f"the workbook cannot be opened ({type(error).__name__}).", file.name
        ) from error


def _guarded[T](file: str, sheet: Any, read: Callable[[Any], T]) -> T:
    """``read(sheet)``: openpyxl parses a sheet only as its rows are read, so damage shows
    up here rather than when the workbook is opened."""
    try:
        return read(sheet)
    except ImportFailed:
        raise
    except Exception as error:  # a damaged sheet raises XML, value or key errors alike
        raise ImportFailed.one(
            f"the workbook cannot be read: sheet {sheet.title!r} is damaged "
            f"({type(error).__name__}). Open the file in Excel, save it again and upload "
            "the new file.",
            file,
        ) from error


def _has_data(sheet: Any) -> bool:
    sheet.reset_dimensions()
    return any(v is not None and v != "" for row in sheet.iter_rows(values_only=True) for v in row)


def _only_sheet(workbook: Any, file: str) -> Any:
    """The one sheet with data: a second one would be left out without a word."""
    sheets = list(workbook.worksheets)
    if not sheets:
        raise ImportFailed.one("the workbook holds no sheets.", file)
    filled = [s for s in sheets if _guarded(file, s, _has_data)]
    if len(filled) > 1:
        names = ", ".join(repr(s.title) for s in filled)
        raise ImportFailed.one(
            f"the workbook has {len(filled)} sheets with data: {names}. Accord imports one "
            "table at a time: keep only the sheet you want to import (delete the others or "
            "move them to another file) and upload again.",
            file,
        )
    return filled[0] if filled else sheets[0]


def xlsx_rows(file: InputFile, limits: Limits, limit: int | None) -> list[tuple[Any, ...]]:
    formulas = _check_xlsx(file, limits)
    workbook = _open_workbook(file, data_only=True)
    written = _open_workbook(file, data_only=False) if formulas else None
    try:
        sheet = _only_sheet(workbook, file.name)
        formula_sheet = written[sheet.title] if written is not None else None
        rows = _guarded(
            file.name, sheet, lambda read: _sheet_rows(read, formula_sheet, limit, file.name)
        )
    finally:
        workbook.close()
        if written is not None:
            written.close()
    while rows and all(v is None or v == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise ImportFailed.one("the sheet is empty.", file.name)
    return rows


def _sheet_rows(
    sheet: Any, formula_sheet: Any | None, limit: int | None, file: str
) -> list[tuple[Any, ...]]:
    """The values of every row, refusing Excel errors and formulas without a saved result.

    ``formula_sheet`` is the same sheet read for its formulas (``data_only=False``): a
    formula whose result was never calculated reads as an empty cell otherwise.
    """
    sheet.reset_dimensions()  # a wrong <dimension> in the file would cut rows or columns
    written: Iterator[tuple[Any, ...]] = iter(())
    if formula_sheet is not None:
        formula_sheet.reset_dimensions()
        written = formula_sheet.iter_rows()
    rows: list[tuple[Any, ...]] = []
    problems: list[Problem] = []
    more = 0
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        values = tuple(cell.value for cell in cells)
        for index in _bad_cells(cells, next(written, ()), values):
            if len(problems) < MAX_PROBLEMS:
                problems.append(_cell_problem(sheet, rows, values, number, index, file))
            else:
                more += 1
        rows.append(values)
        if limit is not None and len(rows) > limit:
            break
        if len(rows) > MAX_XLSX_ROWS:
            raise ImportFailed.one(f"the sheet has more than {MAX_XLSX_ROWS:,} rows.", file)
    if problems:
        raise ImportFailed(problems, more=more)
    return rows


def _bad_cells(
    cells: tuple[Any, ...], formulas: tuple[Any, ...], values: tuple[Any, ...]
) -> Iterator[int]:
    """Cells holding an Excel error, then formulas whose result the file does not hold."""
    for index, cell in enumerate(cells):
        if cell.data_type == "e":
            yield index
    for index, cell in enumerate(formulas):
        if cell.data_type == "f" and (index >= len(values) or values[index] is None):
            yield index


def _cell_problem(
    sheet: Any,
    rows: list[tuple[Any, ...]],
    values: tuple[Any, ...],
    row: int,
    index: int,
    file: str,
) -> Problem:
    from openpyxl.utils import get_column_letter

    header = rows[0] if rows else values
    name = header[index] if index < len(header) else None
    column = str(name).strip() if name not in (None, "") and row > 1 else None
    cell = f"cell {get_column_letter(index + 1)}{row} on sheet {sheet.title!r}"
    value = values[index] if index < len(values) else None
    if value is not None:
        return problem(
            f"{cell} holds the Excel error {value}. Correct the formula or clear the cell in "
            "Excel, then upload the file again.",
            file,
            row=row,
            column=column,
        )
    return problem(
        f"{cell} holds a formula whose result was not saved in the file (the program that "
        "wrote it did not calculate it). Open the file in Excel, save it, and upload it again.",
        file,
        row=row,
        column=column,
    )


def header_from(values: Sequence[Any], file: str) -> list[str]:
    names = ["" if v is None else str(v).strip() for v in values]
    while names and not names[-1]:
        names.pop()
    problems = [
        problem(f"column {i} has no name in the header row.", file, row=1)
        for i, n in enumerate(names, start=1)
        if not n
    ]
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        problems.append(
            problem(
                "the header row names "
                + ", ".join(repr(n) for n in repeated)
                + " more than once; each column needs its own name.",
                file,
                row=1,
            )
        )
    if problems:
        raise ImportFailed(problems)
    return names


def xlsx_table(file: InputFile, limits: Limits) -> pa.Table:
    rows = xlsx_rows(file, limits, None)
    header = header_from(rows[0], file.name)
    if len(rows) < 2:
        raise ImportFailed.one("the sheet has a header row but no data rows.", file.name)
    body = rows[1:]
    problems = _beyond_header(body, len(header), file.name)
    repeated = [n for n, row in enumerate(body, start=FIRST_DATA_ROW) if _is_header(row, header)]
    if repeated:
        problems.append(repeated_header(file.name, repeated[0], len(repeated)))
    if problems:
        raise ImportFailed(problems)
    return pa.table(
        {
            name: _xlsx_column([row[index] if index < len(row) else None for row in body])
            for index, name in enumerate(header)
        }
    )


def _beyond_header(body: Sequence[tuple[Any, ...]], width: int, file: str) -> list[Problem]:
    """Cells to the right of the last named column, which would otherwise be dropped."""
    from openpyxl.utils import get_column_letter

    problems: list[Problem] = []
    for number, row in enumerate(body, start=FIRST_DATA_ROW):
        extra = next((i for i in range(width, len(row)) if row[i] not in (None, "")), None)
        if extra is not None:
            problems.append(
                problem(
                    f"this row has a value in column {get_column_letter(extra + 1)} "
                    f"({quoted(cell_text(row[extra]), 40)}), but row 1 names only "
                    f"{'1 column' if width == 1 else f'{width} columns'}. Row 1 must hold the "
                    "column names: give that column a name there, or clear the cell, and "
                    "upload again.",
                    file,
                    row=number,
                )
            )
            if len(problems) >= MAX_PROBLEMS:
                break
    return problems


def _is_header(row: tuple[Any, ...], header: Sequence[str]) -> bool:
    cells = [cell_text(row[i]).strip() if i < len(row) else "" for i in range(len(header))]
    return cells == list(header)


def repeated_header(file: str, row: int, rows: int) -> Problem:
    verb = "does" if rows == 2 else "do"
    others = "" if rows == 1 else f" (and so {verb} {_more_rows(rows - 1)})"
    return problem(
        f"this row repeats the header row, the column names{others}. This happens when "
        "files are joined together; remove the repeated header rows and upload again.",
        file,
        row=row,
    )


def _more_rows(count: int) -> str:
    return "1 more row" if count == 1 else f"{count:,} more rows"


def _xlsx_column(cells: list[Any]) -> pa.Array:
    """A workbook column typed by its cells; text unless every value fits a type exactly."""
    values = [None if v == "" else v for v in cells]
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.array(values, type=pa.bool_())
    if present and all(_exact_whole(v) for v in present):
        return pa.array(values, type=pa.int64())
    if present and all(_exact_whole(v) or isinstance(v, float) for v in present):
        return pa.array(values, type=pa.float64())
    if present and all(isinstance(v, dt.datetime | dt.date) for v in present):
        if any(isinstance(v, dt.datetime) and v.time() != dt.time() for v in present):
            moments = [_moment(v) for v in values]
            return pa.array(moments, type=pa.timestamp("us"))
        return pa.array(
            [v.date() if isinstance(v, dt.datetime) else v for v in values], type=pa.date32()
        )
    text = [None if v is None else _text(v) for v in values]
    return pc.dictionary_encode(pa.array(text, type=pa.string()))


def _moment(value: dt.date | None) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time())


def _exact_whole(value: Any) -> bool:
    """A whole number a float could hold exactly, as any tool reading the dataset may use one."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < LARGEST_EXACT


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def cell_text(value: Any) -> str:
    return "" if value is None else _text(value)
