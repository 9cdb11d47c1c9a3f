"""Any table (CSV, Excel .xlsx, Parquet) with a column-mapping step.

The web page (or command) first calls :func:`preview`, which lists the columns with a few
sample values, then asks the person which column plays which role:

* ``group`` (required): the column compared, such as an ethnicity;
* ``area`` (optional): a local authority code or name, or an LSOA name;
* ``date`` (optional): a date (YYYY-MM-DD; or an Excel date);
* ``outcome`` (optional): what happened, such as "Arrest".

:func:`read_generic` then validates the whole file and keeps every column, adding:
``month`` (from the date), ``la_code``/``la_name`` (from the area, where Accord can place
it) and ``<group>_broad`` (when every group value is a Census ethnic group). What could
not be mapped is counted in the report.

Excel files are zip archives of XML: before openpyxl parses one, the archive is checked
like any upload (sizes, ratio, entry count, names) and every XML part is refused if it
declares a DTD or entities (no XXE or entity expansion, even though Python's expat
already refuses external entities and limits expansion).
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from accord.datasets.archives import Limits, inspect_zip
from accord.datasets.boroughs import LocalAuthorities
from accord.datasets.csvfiles import read_header, read_table
from accord.datasets.errors import ImportFailed, Problem, problem
from accord.datasets.export import looks_like_formula
from accord.datasets.files import InputFile, SourceRecord
from accord.datasets.harmonise import EMPTY, Imported, Progress, Report, date_range, no_progress
from accord.datasets.validation import (
    NUMBER_PATTERN,
    Column,
    check_dates,
    check_formulas,
)
from accord.datasets.vocabularies import OFFICER_DEFINED, SELF_DEFINED

IMPORTER_VERSION = "generic/1"
ROLES = ("group", "area", "date", "outcome")
REQUIRED_ROLES = ("group",)
PREVIEW_ROWS = 1000
SAMPLES = 5
MAX_XLSX_ROWS = 2_000_000


@dataclass(frozen=True)
class ColumnPreview:
    """One column: its name, a few distinct sample values, and how many cells were empty."""

    name: str
    samples: list[str]
    empty: int
    looks_numeric: bool


@dataclass(frozen=True)
class Preview:
    """The first rows of a file, summarised for the column-mapping step."""

    file: str
    format: str
    rows_read: int
    columns: list[ColumnPreview]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _check_xlsx(file: InputFile, limits: Limits) -> None:
    infos = inspect_zip(file.path, file.name, limits)
    with zipfile.ZipFile(file.path) as archive:
        if "xl/workbook.xml" not in archive.namelist():
            raise ImportFailed.one("this is not an Excel workbook (.xlsx).", file.name)
        for info in infos:
            if not info.filename.endswith((".xml", ".rels")):
                continue
            with archive.open(info) as part:
                head = part.read(4096).upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ImportFailed.one(
                    f"the workbook part {info.filename!r} declares a DTD or entities, which "
                    "Excel never writes. Accord refuses it; save the file again from Excel.",
                    file.name,
                )


def _xlsx_rows(file: InputFile, limits: Limits, limit: int | None) -> list[tuple[Any, ...]]:
    _check_xlsx(file, limits)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file.path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFailed.one(
            f"the workbook cannot be opened ({type(error).__name__}).", file.name
        ) from error
    try:
        sheet = workbook.worksheets[0]
        rows: list[tuple[Any, ...]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(tuple(row))
            if limit is not None and len(rows) > limit:
                break
            if len(rows) > MAX_XLSX_ROWS:
                raise ImportFailed.one(
                    f"the first sheet has more than {MAX_XLSX_ROWS:,} rows.", file.name
                )
    finally:
        workbook.close()
    while rows and all(v is None or v == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise ImportFailed.one("the first sheet is empty.", file.name)
    return rows


def _header_from(values: Sequence[Any], file: str) -> list[str]:
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


def _xlsx_table(file: InputFile, limits: Limits) -> pa.Table:
    rows = _xlsx_rows(file, limits, None)
    header = _header_from(rows[0], file.name)
    if len(rows) < 2:
        raise ImportFailed.one("the sheet has a header row but no data rows.", file.name)
    columns: dict[str, pa.Array] = {}
    for index, name in enumerate(header):
        values = [row[index] if index < len(row) else None for row in rows[1:]]
        values = [None if v == "" else v for v in values]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, bool) for v in present):
            columns[name] = pa.array(values, type=pa.bool_())
        elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            columns[name] = pa.array(values, type=pa.int64())
        elif present and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in present
        ):
            columns[name] = pa.array(values, type=pa.float64())
        elif present and all(isinstance(v, dt.datetime | dt.date) for v in present):
            columns[name] = pa.array(
                [v.date() if isinstance(v, dt.datetime) else v for v in values], type=pa.date32()
            )
        else:
            text = [None if v is None else _text(v) for v in values]
            columns[name] = pc.dictionary_encode(pa.array(text, type=pa.string()))
    return pa.table(columns)


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _parquet_table(file: InputFile) -> pa.Table:
    try:
        table = pq.read_table(file.path)
    except (pa.ArrowInvalid, OSError) as error:
        raise ImportFailed.one(f"the Parquet file cannot be read ({error}).", file.name) from error
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    if nested:
        raise ImportFailed.one(
            "columns " + ", ".join(repr(n) for n in nested) + " hold lists or records; "
            "Accord reads flat tables only.",
            file.name,
        )
    _header_from(table.column_names, file.name)
    if table.num_rows == 0:
        raise ImportFailed.one("the file has no rows.", file.name)
    return table


def _typed(table: pa.Table) -> pa.Table:
    """CSV columns whose every value is a number become numbers (whole or decimal)."""
    out: dict[str, pa.Array] = {}
    for name in table.column_names:
        column = Column.of(table[name])
        values = column.values
        numeric = len(values) > 0 and bool(
            pc.all(pc.match_substring_regex(values, NUMBER_PATTERN)).as_py()
        )
        if numeric:
            as_float = pc.utf8_trim_whitespace(values).cast(pa.float64())
            whole = bool(pc.all(pc.equal(pc.floor(as_float), as_float)).as_py())
            per_value = as_float.cast(pa.int64()) if whole else as_float
            out[name] = column.take(per_value)
        else:
            out[name] = column.as_dictionary()
    return pa.table(out)


def load(file: InputFile, limits: Limits) -> pa.Table:
    """The whole file as a table (CSV columns typed by :func:`_typed`)."""
    if file.format == "xlsx":
        return _xlsx_table(file, limits)
    if file.format == "parquet":
        return _parquet_table(file)
    header = read_header(file)
    return _typed(read_table(file, header))


def preview(file: InputFile, limits: Limits) -> Preview:
    """Columns and up to five distinct sample values each, from the first 1,000 rows."""
    if file.format == "xlsx":
        rows = _xlsx_rows(file, limits, PREVIEW_ROWS)
        header = _header_from(rows[0], file.name)
        body = [[_cell(r[i]) if i < len(r) else "" for i in range(len(header))] for r in rows[1:]]
    elif file.format == "parquet":
        table = _parquet_table(file).slice(0, PREVIEW_ROWS)
        header = table.column_names
        body = [[_cell(v) for v in row.values()] for row in table.to_pylist()]
    else:
        header = read_header(file)
        with file.path.open(encoding="utf-8-sig", newline="", errors="replace") as text:
            reader = csv.reader(text)
            next(reader, None)
            body = []
            for cells in reader:
                body.append(cells)
                if len(body) >= PREVIEW_ROWS:
                    break
    if not body:
        raise ImportFailed.one("the file has a header row but no data rows.", file.name)
    columns = []
    for index, name in enumerate(header):
        cells = [row[index].strip() if index < len(row) else "" for row in body]
        present = [c for c in cells if c]
        samples = list(dict.fromkeys(present))[:SAMPLES]
        numeric = bool(present) and all(
            pc.match_substring_regex(pa.array(present), NUMBER_PATTERN).to_pylist()
        )
        columns.append(ColumnPreview(name, samples, len(cells) - len(present), numeric))
    return Preview(file=file.name, format=file.format, rows_read=len(body), columns=columns)


def _cell(value: Any) -> str:
    return "" if value is None else _text(value)


def check_mapping(mapping: Mapping[str, str], columns: Sequence[str], file: str) -> dict[str, str]:
    """The mapping with empty roles removed, or :class:`ImportFailed` saying what is wrong."""
    cleaned = {role: column for role, column in mapping.items() if column}
    problems: list[Problem] = []
    for role in cleaned:
        if role not in ROLES:
            problems.append(
                Problem(f"{role!r} is not a column role. Roles are: {', '.join(ROLES)}.")
            )
    for role in REQUIRED_ROLES:
        if role not in cleaned:
            problems.append(Problem(f"Choose the column that holds the {role}."))
    available = ", ".join(repr(c) for c in columns)
    for role, column in cleaned.items():
        if role in ROLES and column not in columns:
            problems.append(
                problem(
                    f"there is no column {column!r} for the {role}. The columns are: {available}.",
                    file,
                    row=1,
                )
            )
    if problems:
        raise ImportFailed(problems)
    return cleaned


def _free_name(table: pa.Table, name: str) -> str:
    candidate = name
    while candidate in table.column_names:
        candidate = f"{candidate}_accord"
    return candidate


def _validate(table: pa.Table, file: str) -> list[Problem]:
    problems = [
        problem(
            f"the column name {name!r} starts with {name[0]!r}, so a spreadsheet would run it "
            "as a formula. Rename the column and upload again.",
            file,
            row=1,
        )
        for name in table.column_names
        if looks_like_formula(name)
    ]
    for name in table.column_names:
        kind = table.schema.field(name).type
        if (
            pa.types.is_string(kind)
            or pa.types.is_large_string(kind)
            or (pa.types.is_dictionary(kind))
        ):
            problems += check_formulas(Column.of(table[name]), file, name)
    return problems


def read_generic(
    files: Sequence[InputFile],
    sources: list[SourceRecord],
    mapping: Mapping[str, str],
    limits: Limits,
    *,
    progress: Progress = no_progress,
) -> Imported:
    """Validate a table and add the harmonised columns for the mapped roles.

    Raises:
        ImportFailed: naming the file, row and column of each problem.
    """
    if len(files) != 1:
        raise ImportFailed([Problem("Import one table at a time.")])
    (file,) = files
    progress(0.1, "Reading")
    table = load(file, limits)
    roles = check_mapping(mapping, table.column_names, file.name)
    progress(0.6, "Checking")
    problems = _validate(table, file.name)
    report = Report(rows=table.num_rows, files=[{"name": file.name, "rows": table.num_rows}])
    start = end = None
    if "date" in roles:
        date_column = roles["date"]
        kind = table.schema.field(date_column).type
        if pa.types.is_date(kind):
            dates = table[date_column].combine_chunks().cast(pa.date32())
        else:
            column = Column.of(table[date_column].cast(pa.string()))
            found, per_value = check_dates(column, file.name, date_column)
            problems += found
            dates = column.take(per_value)
        month = pc.strftime(dates.cast(pa.timestamp("s")), format="%Y-%m")
        month_name = _free_name(table, "month")
        table = table.append_column(month_name, pc.dictionary_encode(month))
        report.column(
            month_name,
            date_column,
            len(month) - month.null_count,
            {
                EMPTY: table[date_column].null_count,
                "not a date": month.null_count - table[date_column].null_count,
            },
        )
        start, end = date_range(dates)
    if problems:
        raise ImportFailed(problems)
    progress(0.8, "Harmonising")
    if "area" in roles:
        area = Column.of(table[roles["area"]].cast(pa.string()))
        authorities = LocalAuthorities.shipped()
        placed = [authorities.resolve(v) for v in area.value_list()]
        code_name, la_name = _free_name(table, "la_code"), _free_name(table, "la_name")
        codes = area.remap([a.code if a else None for a in placed])
        table = table.append_column(code_name, codes)
        table = table.append_column(la_name, area.remap([a.name if a else None for a in placed]))
        report.column(
            code_name,
            roles["area"],
            len(codes) - codes.null_count,
            {
                EMPTY: area.missing,
                "not a local authority or LSOA Accord knows": codes.null_count - area.missing,
            },
        )
    if "group" in roles:
        group = Column.of(table[roles["group"]].cast(pa.string()))
        values = group.value_list()
        vocabulary = next(
            (v for v in (OFFICER_DEFINED, SELF_DEFINED) if values and all(map(v.knows, values))),
            None,
        )
        if vocabulary is not None:
            broad_name = _free_name(table, f"{roles['group']}_broad")
            broad = group.remap([vocabulary.lookup(v) for v in values])
            table = table.append_column(broad_name, broad)
            report.column(
                broad_name,
                roles["group"],
                len(broad) - broad.null_count,
                {
                    EMPTY: group.missing,
                    "not stated": broad.null_count - group.missing,
                },
            )
        else:
            report.notes.append(
                f"The values of {roles['group']!r} are not Census ethnic groups, so no broad "
                "group column was added."
            )
    return Imported(
        kind="generic",
        table=table,
        source=f"{file.format.upper()} file {file.name}",
        publisher="",
        licence="",
        importer_version=IMPORTER_VERSION,
        report=report,
        sources=sources,
        period_start=start,
        period_end=end,
        column_roles=roles,
    )


__all__ = [
    "ROLES",
    "ColumnPreview",
    "Preview",
    "check_mapping",
    "load",
    "preview",
    "read_generic",
]
