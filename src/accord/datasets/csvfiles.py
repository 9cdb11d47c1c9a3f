"""Reading CSV files fast, and saying exactly where they are wrong when they are.

The fast path is Arrow's streaming CSV reader over a memory map of the file, with every
column read as a dictionary of strings: police.uk columns hold few distinct values, so each
check and mapping runs once per distinct value instead of once per row (see
:mod:`accord.datasets.validation`). UTF-8 is checked the same way, once per distinct value.

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
from collections.abc import Callable, Collection, Sequence

import pyarrow as pa
import pyarrow.csv as pacsv

from accord.datasets.errors import ImportFailed, Problem, problem
from accord.datasets.files import InputFile

DICTIONARY = pa.dictionary(pa.int32(), pa.string())
_BOM = b"\xef\xbb\xbf"
_BLOCK = 4 << 20
_MAX_HEADER = 1 << 16


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
    flags: Collection[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> pa.Table:
    """Every column as ``dictionary<string>`` (or ``bool``, see ``flags``), empty cells as
    nulls, in one chunk.

    Args:
        file: The CSV file.
        header: Its column names (from :func:`read_header`); the first row is skipped.
        skip: Columns not to read (they are not kept, so they are not checked either).
        flags: Columns to try reading straight as booleans, which is cheaper than a
            dictionary. Only the exact spellings in :data:`FLAG_TRUE` and
            :data:`FLAG_FALSE` (and empty cells) are taken this way; if any cell in any
            of these columns is written otherwise, the whole file is read again with every
            column as a dictionary, so the caller's own checks see (and name) the odd cell.
            A caller may only ask for this if it reads these spellings the same way.
        on_progress: Called with the number of bytes read so far, after each block.

    Raises:
        ImportFailed: the file is not UTF-8, a row has too many or too few cells, or it
            has no data rows. Each problem names the row and, where it can, the column.
    """
    options = pacsv.ReadOptions(column_names=list(header), skip_rows=1, block_size=_BLOCK)
    include = [name for name in header if name not in skip]
    typed = [name for name in include if name in flags]
    table = None
    if typed:
        try:
            table = _read(file, options, _convert(header, include, typed), on_progress)
        except pa.ArrowInvalid:
            table = None  # read it again as dictionaries: the checks will say what is wrong
    if table is None:
        convert = _convert(header, include, ())
        try:
            try:
                table = _read(file, options, convert, on_progress)
            except pa.ArrowInvalid:
                # Perhaps a quoted cell holds a line break: slower, but Arrow can read that.
                parse = pacsv.ParseOptions(newlines_in_values=True)
                table = _read(file, options, convert, on_progress, parse)
        except pa.ArrowInvalid as error:
            diagnose(file, header)
            raise ImportFailed.one(
                f"the file cannot be read as CSV ({error}).", file.name
            ) from error
    if table.num_rows == 0:
        raise ImportFailed.one("the file has a header row but no data rows.", file.name)
    return table


#: The spellings :func:`read_table` reads straight as booleans (see its ``flags``).
FLAG_TRUE = ("TRUE", "True", "true")
FLAG_FALSE = ("FALSE", "False", "false")


def _convert(
    header: Sequence[str], include: list[str], flags: Collection[str]
) -> pacsv.ConvertOptions:
    # UTF-8 is not checked cell by cell while reading: _read checks each distinct value
    # once, after the cells have been gathered into dictionaries (the same check, cheaper).
    return pacsv.ConvertOptions(
        column_types={name: pa.bool_() if name in flags else DICTIONARY for name in header},
        include_columns=include,
        null_values=[""],
        true_values=list(FLAG_TRUE),
        false_values=list(FLAG_FALSE),
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        check_utf8=False,
    )


def _read(
    file: InputFile,
    options: pacsv.ReadOptions,
    convert: pacsv.ConvertOptions,
    on_progress: Callable[[int], None] | None,
    parse: pacsv.ParseOptions | None = None,
) -> pa.Table:
    """The file as one chunk per column, its text checked to be UTF-8.

    Raises:
        pa.ArrowInvalid: Arrow cannot read it, or a value is not UTF-8.
    """
    batches = _read_batches(file, options, convert, parse or pacsv.ParseOptions(), on_progress)
    if not batches:
        return pa.table({name: pa.array([], DICTIONARY) for name in convert.include_columns})
    # Concatenating dictionary chunks unifies their dictionaries on the way (one pass).
    table = pa.Table.from_batches(batches).combine_chunks()
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            for chunk in column.chunks:
                chunk.dictionary.validate(full=True)  # UTF-8, once per distinct value
    return table


def _read_batches(
    file: InputFile,
    options: pacsv.ReadOptions,
    convert: pacsv.ConvertOptions,
    parse: pacsv.ParseOptions,
    on_progress: Callable[[int], None] | None,
) -> list[pa.RecordBatch]:
    """Arrow's streaming reader over a memory map of the file (no copy of its bytes).

    The file must not be truncated while it is read (the importer's own copy in the
    upload or scratch folder, which nothing else writes to). Each batch is one block of
    ``options.block_size`` bytes, so the progress reported is
    the number of blocks parsed times the block size (Arrow reads ahead of the parser, so
    the file's position would run ahead of the work done).
    """
    batches: list[pa.RecordBatch] = []
    with pa.memory_map(str(file.path)) as source:
        size = source.size()
        reader = pacsv.open_csv(
            source, read_options=options, parse_options=parse, convert_options=convert
        )
        for batch in reader:
            batches.append(batch)
            if on_progress is not None:
                on_progress(min(len(batches) * options.block_size, size))
    if on_progress is not None:
        on_progress(size)
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
