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

Excel workbooks are read by :mod:`accord.datasets.workbooks`, which says how they are
checked before openpyxl parses them.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from accord.datasets.archives import Limits
from accord.datasets.boroughs import LocalAuthorities
from accord.datasets.csvfiles import blank_rows, read_header, read_table, shift_rows
from accord.datasets.errors import ImportFailed, Problem, problem
from accord.datasets.export import looks_like_formula
from accord.datasets.files import InputFile, SourceRecord
from accord.datasets.harmonise import EMPTY, Imported, Progress, Report, date_range, no_progress
from accord.datasets.validation import (
    FIRST_DATA_ROW,
    NUMBER_PATTERN,
    Column,
    check_date_values,
    check_dates,
    check_formulas,
)
from accord.datasets.vocabularies import OFFICER_DEFINED, SELF_DEFINED
from accord.datasets.workbooks import (
    LARGEST_EXACT,
    cell_text,
    header_from,
    repeated_header,
    xlsx_rows,
    xlsx_table,
)

IMPORTER_VERSION = "generic/1"
ROLES = ("group", "area", "date", "outcome")
REQUIRED_ROLES = ("group",)
PREVIEW_ROWS = 1000
SAMPLES = 5


@dataclass(frozen=True)
class ColumnPreview:
    """One column: its name, a few distinct sample values, and how many cells were empty."""

    name: str
    samples: list[str]
    empty: int
    looks_numeric: bool


@dataclass(frozen=True)
class Preview:
    """The first rows of a file, summarised for the column-mapping step.

    ``note`` says, for the person, why fewer rows were looked at than the file has.
    """

    file: str
    format: str
    rows_read: int
    columns: list[ColumnPreview]
    note: str = ""

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


#: No blank lines left out: a workbook keeps its empty rows, and Parquet has no lines.
_NO_BLANK_LINES = np.array([], dtype=np.int64)
_PARQUET_UNSUPPORTED = (
    "the Parquet file uses a feature Accord cannot read, such as LZO compression or an "
    "unusual column type. Write it again with the usual settings (Snappy or Zstandard "
    "compression, plain column types) and upload the new file."
)
_PARQUET_DAMAGED = (
    "the file cannot be read as Parquet: it is damaged, cut short, or not a Parquet file. "
    "Export it again and upload the new file."
)


def _parquet_table(file: InputFile) -> pa.Table:
    try:
        table = pq.read_table(file.path)
    except (pa.ArrowException, OSError) as error:
        # Arrow's own text names the server's path, so it is never shown.
        unsupported = isinstance(error, NotImplementedError) or "not supported" in str(error)
        raise ImportFailed.one(
            _PARQUET_UNSUPPORTED if unsupported else _PARQUET_DAMAGED, file.name
        ) from error
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
    if nested:
        raise ImportFailed.one(
            "columns " + ", ".join(repr(n) for n in nested) + " hold lists or records; "
            "Accord reads flat tables only.",
            file.name,
        )
    header_from(table.column_names, file.name)
    if table.num_rows == 0:
        raise ImportFailed.one("the file has no rows.", file.name)
    _refuse_repeated_header(table, file.name)
    return table


def _refuse_repeated_header(
    table: pa.Table, file: str, blank: npt.NDArray[np.int64] = _NO_BLANK_LINES
) -> None:
    """A data row that holds every column's own name: two files joined with both headers.

    ``blank``: the spreadsheet rows of blank lines left out of a CSV file.
    """
    rows: npt.NDArray[np.bool_] | None = None
    for name in table.column_names:
        if not _is_text(table.schema.field(name).type):
            return
        column = Column.of(table[name])
        named = np.flatnonzero(
            np.asarray(pc.equal(pc.utf8_trim_whitespace(column.values), name).to_numpy(False))
        )
        if named.size == 0:
            return
        here = np.isin(column.codes, named)
        rows = here if rows is None else rows & here
        if not rows.any():
            return
    found = np.flatnonzero(rows) if rows is not None else np.array([], dtype=np.int64)
    if found.size:
        row = int(shift_rows(found[:1], blank)[0])
        raise ImportFailed([repeated_header(file, row, found.size)])


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
    )


def _typed(table: pa.Table) -> pa.Table:
    """CSV columns whose every value is exactly a number become numbers (whole or decimal)."""
    out: dict[str, pa.Array] = {}
    for name in table.column_names:
        column = Column.of(table[name])
        numbers = _exact_numbers(column.values)
        out[name] = column.as_dictionary() if numbers is None else column.take(numbers)
    return pa.table(out)


def _exact_numbers(values: pa.Array) -> pa.Array | None:
    """Each text as the number it spells, or None unless every one converts exactly.

    Exactly means the number, written back, gives the same text: so ``007``, ``2.50`` and
    ``1e5`` stay text (codes and references keep their form), and a whole number must be
    smaller than 2**53, beyond which a float (and so a spreadsheet or a chart) changes it.
    """
    if len(values) == 0:
        return None
    text = pc.utf8_trim_whitespace(values)
    if not pc.all(pc.match_substring_regex(text, NUMBER_PATTERN)).as_py():
        return None
    whole = _written_back(text, pa.int64())
    if (
        whole is not None
        and pc.all(
            pc.and_(pc.greater(whole, -LARGEST_EXACT), pc.less(whole, LARGEST_EXACT))
        ).as_py()
    ):
        return whole
    return _written_back(text, pa.float64())


def _written_back(text: pa.Array, kind: pa.DataType) -> pa.Array | None:
    try:
        numbers = text.cast(kind)
    except pa.ArrowInvalid:
        return None
    same = pc.all(pc.equal(numbers.cast(pa.string()), text)).as_py()
    return numbers if same else None


def load(file: InputFile, limits: Limits) -> pa.Table:
    """The whole file as a table (CSV columns typed by :func:`_typed`)."""
    return _load(file, limits)[0]


def _load(file: InputFile, limits: Limits) -> tuple[pa.Table, npt.NDArray[np.int64]]:
    """:func:`load`, and the spreadsheet rows of the blank lines left out of a CSV file.

    They are read from the CSV table's metadata here, as :func:`_typed` builds a new table
    without it. Only a CSV table's: a Parquet file brings its own metadata, which Accord
    did not write and does not trust.
    """
    if file.format == "xlsx":
        return xlsx_table(file, limits), _NO_BLANK_LINES
    if file.format == "parquet":
        return _parquet_table(file), _NO_BLANK_LINES
    header = read_header(file)
    table = read_table(file, header)
    blank = blank_rows(table)
    _refuse_repeated_header(table, file.name, blank)
    return _typed(table), blank


def preview(file: InputFile, limits: Limits) -> Preview:
    """Columns and up to five distinct sample values each, from the first 1,000 rows."""
    note = ""
    if file.format == "xlsx":
        rows = xlsx_rows(file, limits, PREVIEW_ROWS)
        header = header_from(rows[0], file.name)
        body = [
            [cell_text(r[i]) if i < len(r) else "" for i in range(len(header))] for r in rows[1:]
        ]
    elif file.format == "parquet":
        table = _parquet_table(file).slice(0, PREVIEW_ROWS)
        header = table.column_names
        body = [[cell_text(v) for v in row.values()] for row in table.to_pylist()]
    else:
        header = read_header(file)
        body, note = _csv_preview(file)
    if not body and not note:
        raise ImportFailed.one("the file has a header row but no data rows.", file.name)
    columns = []
    for index, name in enumerate(header):
        cells = [row[index].strip() if index < len(row) else "" for row in body]
        present = [c for c in cells if c]
        samples = list(dict.fromkeys(present))[:SAMPLES]
        distinct = pa.array(list(dict.fromkeys(present)), type=pa.string())
        numeric = _exact_numbers(distinct) is not None
        columns.append(ColumnPreview(name, samples, len(cells) - len(present), numeric))
    return Preview(
        file=file.name, format=file.format, rows_read=len(body), columns=columns, note=note
    )


def _csv_preview(file: InputFile) -> tuple[list[list[str]], str]:
    """The first data rows as Python's ``csv`` reads them, and a note if it stopped early.

    Python's ``csv`` refuses a cell longer than its field limit (131,072 characters), which
    the import reads with Arrow. That limit is one setting for the whole process, so it is
    not raised here (another request could be reading with it): the preview stops at that
    row and says so. The mapping step needs only the column names, which come from the
    header, so the file can still be imported, and the import checks every row itself.
    """
    body: list[list[str]] = []
    records = 0  # rows read, blank lines too: a spreadsheet numbers them
    with file.path.open(encoding="utf-8-sig", newline="", errors="replace") as text:
        reader = csv.reader(text)
        next(reader, None)
        try:
            for cells in reader:
                records += 1
                if not cells:  # a blank line is no row of data (the import skips it too)
                    continue
                body.append(cells)
                if len(body) >= PREVIEW_ROWS:
                    break
        except csv.Error:
            row = records + FIRST_DATA_ROW
            examples = (
                "so the examples come from the rows above it"
                if body
                else "so there are no examples"
            )
            return body, (
                f"Row {row:,} has a cell too long to show here, {examples}. "
                "The import still checks every row."
            )
    return body, ""


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
    problems += [Problem(message) for message in shared_columns(cleaned)]
    if problems:
        raise ImportFailed(problems)
    return cleaned


def shared_columns(mapping: Mapping[str, str]) -> list[str]:
    """One message per column chosen for more than one role (a role reads one column)."""
    roles: dict[str, list[str]] = {}
    for role, column in mapping.items():
        if column:
            roles.setdefault(column, []).append(f"the {role}")
    messages = []
    for column, parts in roles.items():
        if len(parts) > 1:
            listed = ", ".join(parts[:-1]) + " and " + parts[-1]
            messages.append(
                f"The column {column!r} is chosen for {listed}. A column can play only one "
                "part: choose a different column for each, or leave a part out."
            )
    return messages


def _free_name(table: pa.Table, name: str) -> str:
    candidate = name
    while candidate in table.column_names:
        candidate = f"{candidate}_accord"
    return candidate


def _validate(table: pa.Table, file: str, blank: npt.NDArray[np.int64]) -> list[Problem]:
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
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if _is_binary(kind):
            problems += check_formulas(_bytes_as_text(table[name]), file, name)
        elif pa.types.is_dictionary(table.schema.field(name).type) or _is_text(kind):
            problems += check_formulas(Column.of(table[name], blank), file, name)
    return problems


def _is_binary(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
        or pa.types.is_binary_view(kind)
    )


def _bytes_as_text(array: pa.ChunkedArray) -> Column:
    """Bytes read as text for the formula check only: a spreadsheet shows them as text."""
    combined = array.combine_chunks()
    encoded = combined if pa.types.is_dictionary(combined.type) else pc.dictionary_encode(combined)
    values = encoded.dictionary.to_pylist()
    texts = pa.array([v.decode("utf-8", "replace") for v in values], type=pa.string())
    return Column(pa.DictionaryArray.from_arrays(encoded.indices.cast(pa.int32()), texts), texts)


def _as_text(
    table: pa.Table,
    name: str,
    role: str,
    file: str,
    blank: npt.NDArray[np.int64] = _NO_BLANK_LINES,
) -> Column:
    """The column read as text for a role, or a refusal (binary data, unusual types)."""
    try:
        return Column.of(table[name].cast(pa.string()), blank)
    except pa.ArrowException as error:
        raise ImportFailed.one(
            f"this column holds {table.schema.field(name).type} values, which Accord cannot "
            f"read as text, so it cannot be the {role}. Choose another column, or store this "
            "one as text.",
            file,
            column=name,
        ) from error


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
    table, blank = _load(file, limits)
    roles = check_mapping(mapping, table.column_names, file.name)
    progress(0.6, "Checking")
    problems = _validate(table, file.name, blank)
    report = Report(rows=table.num_rows, files=[{"name": file.name, "rows": table.num_rows}])
    start = end = None
    if "date" in roles:
        date_column = roles["date"]
        kind = table.schema.field(date_column).type
        if pa.types.is_date(kind):
            # Arrow holds dates Python cannot (year 0): the same years as text dates.
            found, dates = check_date_values(
                table[date_column].combine_chunks(), file.name, date_column
            )
        else:
            column = _as_text(table, date_column, "date", file.name, blank)
            found, per_value = check_dates(column, file.name, date_column)
            dates = column.take(per_value)
        problems += found
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
    if problems:
        raise ImportFailed(problems)
    if "date" in roles:
        start, end = date_range(dates)
    progress(0.8, "Harmonising")
    if "area" in roles:
        area = _as_text(table, roles["area"], "area", file.name)
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
        group = _as_text(table, roles["group"], "group", file.name)
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
