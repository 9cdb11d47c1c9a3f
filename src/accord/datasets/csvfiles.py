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
import io
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from accord.datasets import csvscan
from accord.datasets.errors import ImportFailed, Problem, problem
from accord.datasets.files import InputFile

DICTIONARY = pa.dictionary(pa.int32(), pa.string())
_BOM = b"\xef\xbb\xbf"
_BLOCK = 4 << 20
_MAX_HEADER = 1 << 20
_TAIL = 1 << 16
#: Schema metadata key: spreadsheet rows that were blank lines (see :func:`spreadsheet_rows`).
BLANK_ROWS = b"accord.blank_rows"


def read_header(file: InputFile) -> list[str]:
    """The column names in the first row, trimmed; refuses odd encodings and bad headers.

    The first row is parsed as CSV, not cut at the first line feed, so a file whose lines
    end in CR alone (Excel's "CSV (Macintosh)") and a header longer than one read block
    are read as a spreadsheet reads them.
    """
    with file.path.open("rb") as handle:
        chunk = handle.read(_MAX_HEADER + 1)
    whole = len(chunk) <= _MAX_HEADER
    chunk = chunk[len(_BOM) :] if chunk.startswith(_BOM) else chunk
    raw = _first_record(chunk[:_MAX_HEADER], file.name)
    if not whole and not raw.endswith(("\n", "\r")):
        raise ImportFailed.one(
            f"the header row is longer than {_MAX_HEADER // (1 << 20)} MB, or a quote in it "
            "is not closed. Check the first row holds only the column names.",
            file.name,
            row=1,
        )
    encoded = raw.encode("utf-8", "surrogateescape")
    try:
        encoded.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportFailed([_encoding_problem(file.name, 1, encoded, error)]) from error
    if not raw.strip():
        raise ImportFailed.one(
            "the first row is empty; it should hold the column names.", file.name, row=1
        )
    names = [name.strip() for name in _parse(raw, file.name, 1)]
    problems = _header_problems(names, file.name)
    if problems:
        raise ImportFailed(problems)
    return names


def _first_record(chunk: bytes, display: str) -> str:
    """The text of the first CSV record in ``chunk``, line ending included.

    Bytes that are not UTF-8 are kept as surrogates, so the caller can say where they are.
    """
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(chunk.decode("utf-8", "surrogateescape"), newline=""):
            consumed.append(line)
            yield line

    try:
        next(csv.reader(lines()), None)
    except csv.Error as error:
        raise csv_error(display, 1, error) from error
    return "".join(consumed)


def _parse(text: str, display: str, row: int) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as error:
        raise csv_error(display, row, error) from error


def csv_error(display: str, row: int, error: csv.Error) -> ImportFailed:
    """Python's ``csv`` refused a row: say where, in words (its messages hold no paths).

    Public so every reader of CSV with Python's ``csv`` module (``generic.preview``) can
    refuse the same way.
    """
    return ImportFailed.one(
        f"this row cannot be read as CSV ({error}). Check for a quote that is not closed "
        "or a cell that is far too long.",
        display,
        row=row,
    )


def _header_problems(names: list[str], display: str) -> list[Problem]:
    problems: list[Problem] = []
    for number, name in enumerate(names, start=1):
        if not name:
            problems.append(
                problem(f"column {number} has no name in the header row.", display, row=1)
            )
        elif "\n" in name or "\r" in name:
            problems.append(
                problem(
                    f"the name of column {number} ({name!r}) holds a line break. Each column "
                    "name must be on one line: remove the line break from the header cell "
                    "(or close the quote that is not closed) and save the file again.",
                    display,
                    row=1,
                )
            )
    counts = Counter(names)  # not names.count(n): a header may have tens of thousands
    duplicated = sorted(n for n, times in counts.items() if n and times > 1)
    if duplicated:
        problems.append(
            problem(
                "the header row names "
                + ", ".join(repr(n) for n in duplicated)
                + " more than once; each column needs its own name.",
                display,
                row=1,
            )
        )
    return problems


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
    on_progress = _forwards(on_progress)
    scanned = csvscan.read(file.path, header, include, typed, on_progress)
    table = scanned if isinstance(scanned, pa.Table) else None  # None: Arrow reads it
    if table is None and typed:
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
                parse = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
                table = _read(file, options, convert, on_progress, parse)
        except pa.ArrowInvalid as error:
            diagnose(file, header)
            raise ImportFailed.one(
                f"the file cannot be read as CSV ({error}).", file.name
            ) from error
    table = _drop_blank_lines(file, table)
    if table.num_rows == 0:
        raise ImportFailed.one("the file has a header row but no data rows.", file.name)
    _refuse_nul(file, table)
    return table


def _forwards(on_progress: Callable[[int], None] | None) -> Callable[[int], None] | None:
    """``on_progress``, called only when the count goes up.

    When the scanner gives up part-way, Arrow starts again from the top: the bar waits
    until Arrow passes the point the scanner reached instead of jumping back.
    """
    if on_progress is None:
        return None
    report = on_progress
    furthest = -1

    def forwards(done: int) -> None:
        nonlocal furthest
        if done > furthest:
            furthest = done
            report(done)

    return forwards


def spreadsheet_rows(table: pa.Table, indices: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The spreadsheet row of each record number (0 = first data row) of ``table``.

    :func:`read_table` leaves blank lines out of the table but a spreadsheet still shows
    them as rows, so a record after a blank line sits one row further down.
    """
    return shift_rows(indices, blank_rows(table))


def shift_rows(indices: npt.ArrayLike, blank: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """:func:`spreadsheet_rows` given the blank rows (from :func:`blank_rows`) directly."""
    records = np.asarray(indices, dtype=np.int64)
    if blank.size == 0:
        return records + 2
    # The n-th blank line has n blank lines above it: from there on, records move down n + 1.
    moved = np.searchsorted(blank - 2 - np.arange(blank.size), records, side="right")
    return records + moved + 2


def blank_rows(table: pa.Table) -> npt.NDArray[np.int64]:
    """The spreadsheet rows that were blank lines in the file, in order."""
    stored = (table.schema.metadata or {}).get(BLANK_ROWS, b"")
    return np.array([int(n) for n in stored.split(b",") if n], dtype=np.int64)


def _drop_blank_lines(file: InputFile, table: pa.Table) -> pa.Table:
    """The table without the rows Arrow made of blank lines; their rows noted in metadata.

    Arrow reads a blank line as a row of empty cells, so the table's row numbers match the
    spreadsheet's. Only rows empty in every column read can be blank lines: if there are
    none (the usual case) this costs one pass over the null bitmaps. If they are all at the
    end and match the line endings at the end of the file, they are trailing blank lines;
    otherwise the file is read again with Python's ``csv`` to tell a blank line from a row
    of empty cells (``,,,``), which is kept.
    """
    if table.num_columns == 0 or table.num_rows == 0:
        return table
    empty = pc.is_null(table.column(0))
    for column in table.columns[1:]:
        empty = pc.and_(empty, pc.is_null(column))
    candidates = np.flatnonzero(np.asarray(empty.to_numpy(zero_copy_only=False)))
    if candidates.size == 0:
        return table
    trailing = candidates.size <= _trailing_blank_lines(file) and bool(
        candidates[0] == table.num_rows - candidates.size
    )
    # Where Python's reader cannot tell a blank line from a row of empty cells (",,,"),
    # both are left out: neither holds a value.
    found = None if trailing else _blank_records(file)
    blank = candidates if found is None else found
    if blank.size == 0:
        return table
    keep = np.ones(table.num_rows, dtype=bool)
    keep[blank] = False
    kept = table.filter(pa.array(keep))
    rows = b",".join(str(int(n) + 2).encode() for n in blank)
    return kept.replace_schema_metadata({**(table.schema.metadata or {}), BLANK_ROWS: rows})


def _trailing_blank_lines(file: InputFile) -> int:
    """How many blank lines end the file (the line ending of its last row not counted)."""
    with file.path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(size - _TAIL, 0))
        tail = handle.read()
    ending = tail[len(tail.rstrip(b"\r\n")) :]
    lines = ending.count(b"\n") + ending.count(b"\r") - ending.count(b"\r\n")
    return max(lines - 1, 0)


def _blank_records(file: InputFile) -> npt.NDArray[np.int64] | None:
    """Record numbers (0 = first data row) of the blank lines, read with Python's ``csv``;
    None when that reader cannot read the file.

    Why None rather than a refusal: Arrow has read the file already, and Python's reader
    stops at a cell longer than its field limit (131,072 characters) that Arrow accepts.
    A valid file must not be refused because the row numbers could not be counted.
    """
    found: list[int] = []
    with file.path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
        reader = csv.reader(text)
        try:
            next(reader, None)
            for record, cells in enumerate(reader):
                if not cells:
                    found.append(record)
        except csv.Error:
            return None
    return np.array(found, dtype=np.int64)


def _refuse_nul(file: InputFile, table: pa.Table) -> None:
    """Refuse a NUL character anywhere in the text read (binary data, never text).

    Checked once per distinct value of each dictionary column, so it costs no pass over
    the file: ``files.sniff`` sees only the first 8 KB.
    """
    for name, column in zip(table.column_names, table.columns, strict=True):
        if not pa.types.is_dictionary(column.type):
            continue
        for chunk in column.chunks:
            holds = pc.fill_null(pc.match_substring(chunk.dictionary, "\x00"), False)
            bad = np.flatnonzero(np.asarray(holds.to_numpy(zero_copy_only=False)))
            if bad.size == 0:
                continue
            codes = np.asarray(pc.fill_null(chunk.indices, -1).to_numpy(zero_copy_only=False))
            first = int(np.flatnonzero(np.isin(codes, bad))[0])
            raise ImportFailed.one(
                "the cell holds a NUL character (binary data), which text never holds. "
                "The file may be damaged: export it again as CSV and upload that.",
                file.name,
                row=int(spreadsheet_rows(table, [first])[0]),
                column=name,
            )


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
    parse = parse or pacsv.ParseOptions(ignore_empty_lines=False)
    batches = _read_batches(file, options, convert, parse, on_progress)
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

    Checks, in order: bytes that are not UTF-8, then rows with a different number of cells
    from the header. Rows are counted as records, as a spreadsheet shows them: a quoted
    cell with a line break in it is one row, and a blank line is a row. Returns normally if
    it finds neither.
    """
    _diagnose_encoding(file, header)
    problems: list[Problem] = []
    for row, cells in _records(file):
        if cells and len(cells) != len(header):
            problems.append(
                problem(
                    f"this row has {len(cells)} cells but the header has {len(header)} "
                    "columns. Check for a missing or extra comma, or a quote that is "
                    "not closed.",
                    file.name,
                    row=row,
                )
            )
            if len(problems) >= 20:
                break
    if problems:
        raise ImportFailed(problems)


def _records(file: InputFile) -> Iterator[tuple[int, list[str]]]:
    """Each data row and its spreadsheet row number; bytes not UTF-8 kept as surrogates."""
    row = 1
    with file.path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
        reader = csv.reader(text)
        try:
            next(reader, None)
            for row, cells in enumerate(reader, start=2):
                yield row, cells
        except csv.Error as error:
            raise csv_error(file.name, row + 1, error) from error


def _diagnose_encoding(file: InputFile, header: Sequence[str]) -> None:
    for row, cells in _records(file):
        for index, cell in enumerate(cells):
            raw = cell.encode("utf-8", "surrogateescape")
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                column = header[index] if index < len(header) else None
                raise ImportFailed(
                    [_encoding_problem(file.name, row, raw, error, column)]
                ) from error


def _encoding_problem(
    display: str,
    row: int,
    text: bytes,
    error: UnicodeDecodeError,
    column: str | None = None,
) -> Problem:
    bad = text[error.start : error.start + 1]
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
