"""Reading CSV files fast, and saying exactly where they are wrong when they are.

The fast path is Arrow's multi-threaded CSV reader with every column read as a dictionary
of strings: police.uk columns hold few distinct values, so each check and mapping runs once
per distinct value instead of once per row (see :mod:`accord.datasets.validation`).

Arrow's errors do not say which row is wrong. When it refuses a file, :func:`diagnose`
re-reads it slowly with Python's ``csv`` module to find the first bad row and column, so
the message names them. Only files with errors pay for this.

No SQL engine touches an uploaded file: Arrow parses it into memory and every check and
mapping runs on Arrow arrays. DuckDB is used on the *stored* Parquet files only, through
``accord.stats.inputs.open_duckdb`` (extensions never loaded, external access switched off
except for the listed files, configuration locked), so a crafted CSV cannot reach a
``read_csv`` option, an ``ATTACH`` or a ``COPY``.

Encoding. Files must be UTF-8; a UTF-8 byte-order mark is accepted (Excel's "CSV UTF-8"
writes one). Files in another encoding (usually Windows-1252, what Excel's plain "CSV"
writes on Windows) are **refused, not converted**: a guess that is wrong would silently
change names and labels, and the fix for the person is one "Save as" away.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv

from accord.datasets.errors import ImportFailed, Problem, problem
from accord.datasets.files import InputFile

DICTIONARY = pa.dictionary(pa.int32(), pa.string())
_BOM = b"\xef\xbb\xbf"
_BLOCK = 4 << 20
_MAX_HEADER = 1 << 16


class _Counting(io.RawIOBase):
    """A readable stream that counts the bytes read through it (for progress)."""

    def __init__(self, handle: io.BufferedReader) -> None:
        self.handle = handle
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        read = self.handle.readinto(buffer)
        self.count += read
        return read


def read_header(file: InputFile) -> list[str]:
    """The column names in the first row, trimmed; refuses odd encodings and bad headers."""
    with file.path.open("rb") as handle:
        raw = handle.readline(_MAX_HEADER)
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportFailed([_encoding_problem(file.name, 1, raw, error, None)]) from error
    if not text.strip():
        raise ImportFailed.one(
            "the first row is empty; it should hold the column names.", file.name, row=1
        )
    names = [name.strip() for name in next(csv.reader([text]))]
    problems: list[Problem] = []
    for number, name in enumerate(names, start=1):
        if not name:
            problems.append(
                problem(f"column {number} has no name in the header row.", file.name, row=1)
            )
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if duplicated:
        problems.append(
            problem(
                "the header row names "
                + ", ".join(repr(n) for n in duplicated)
                + " more than once; each column needs its own name.",
                file.name,
                row=1,
            )
        )
    if problems:
        raise ImportFailed(problems)
    return names


def read_table(
    file: InputFile,
    header: Sequence[str],
    *,
    skip: Collection[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> pa.Table:
    """Every column as ``dictionary<string>``, empty cells as nulls, in one chunk.

    Args:
        file: The CSV file.
        header: Its column names (from :func:`read_header`); the first row is skipped.
        skip: Columns not to read (they are not kept, so they are not checked either).
        on_progress: Called with the number of bytes read so far, after each block.

    Raises:
        ImportFailed: the file is not UTF-8, a row has too many or too few cells, or it
            has no data rows. Each problem names the row and, where it can, the column.
    """
    options = pacsv.ReadOptions(column_names=list(header), skip_rows=1, block_size=_BLOCK)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, DICTIONARY),
        include_columns=[name for name in header if name not in skip],
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        batches = _read_batches(file, options, convert, pacsv.ParseOptions(), on_progress)
    except pa.ArrowInvalid:
        # Perhaps a quoted cell holds a line break: slower, but Arrow can read that.
        try:
            parse = pacsv.ParseOptions(newlines_in_values=True)
            batches = _read_batches(file, options, convert, parse, on_progress)
        except pa.ArrowInvalid as error:
            diagnose(file, header)
            raise ImportFailed.one(
                f"the file cannot be read as CSV ({error}).", file.name
            ) from error
    if not batches or sum(b.num_rows for b in batches) == 0:
        raise ImportFailed.one("the file has a header row but no data rows.", file.name)
    table = pa.Table.from_batches(batches).unify_dictionaries().combine_chunks()
    return table


def _read_batches(
    file: InputFile,
    options: pacsv.ReadOptions,
    convert: pacsv.ConvertOptions,
    parse: pacsv.ParseOptions,
    on_progress: Callable[[int], None] | None,
) -> list[pa.RecordBatch]:
    batches: list[pa.RecordBatch] = []
    with file.path.open("rb") as raw:
        counting = _Counting(raw)
        reader = pacsv.open_csv(
            counting, read_options=options, parse_options=parse, convert_options=convert
        )
        for batch in reader:
            batches.append(batch)
            if on_progress is not None:
                on_progress(counting.count)
    return batches


def diagnose(file: InputFile, header: Sequence[str]) -> None:
    """Find the first row Arrow refused and raise :class:`ImportFailed` naming it.

    Checks, in order: bytes that are not UTF-8 (line by line), then rows with a different
    number of cells from the header. Returns normally if it finds neither.
    """
    with file.path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw[len(_BOM) :] if number == 1 and raw.startswith(_BOM) else raw
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ImportFailed(
                    [_encoding_problem(file.name, number, line, error, header)]
                ) from error
    problems: list[Problem] = []
    with file.path.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        next(reader, None)
        for row_number, cells in enumerate(reader, start=2):
            if cells and len(cells) != len(header):
                problems.append(
                    problem(
                        f"this row has {len(cells)} cells but the header has {len(header)} "
                        "columns. Check for a missing or extra comma, or a quote that is "
                        "not closed.",
                        file.name,
                        row=row_number,
                    )
                )
                if len(problems) >= 20:
                    break
    if problems:
        raise ImportFailed(problems)


def _encoding_problem(
    display: str,
    row: int,
    line: bytes,
    error: UnicodeDecodeError,
    header: Sequence[str] | None,
) -> Problem:
    bad = line[error.start : error.start + 1]
    column = None
    if header is not None:
        cells = next(csv.reader([line.decode("utf-8", errors="replace")]), [])
        for index, cell in enumerate(cells):
            if "\ufffd" in cell and index < len(header):
                column = header[index]
                break
    try:
        hint = (
            f" It looks like Windows-1252 (where the byte 0x{bad.hex().upper()} is "
            f"{bad.decode('cp1252')!r}), which Excel writes when it saves a plain 'CSV' file."
        )
    except UnicodeDecodeError:
        hint = f" The byte 0x{bad.hex().upper()} is not valid UTF-8."
    return problem(
        "the file is not UTF-8 text." + hint + " Open the file and save it again as "
        "'CSV UTF-8 (comma delimited)', then upload it again. Accord does not guess "
        "encodings, because a wrong guess would change names silently.",
        display,
        row=row,
        column=column,
    )
