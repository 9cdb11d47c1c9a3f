"""Checks on columns read as dictionaries, each problem naming its file, row and column.

A dictionary column stores each distinct value once plus, per row, the number of its
value. Checking the distinct values and then finding the first row of each bad one costs
one pass over the row numbers, which is how a million rows are checked in milliseconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from accord.datasets.csvfiles import shift_rows
from accord.datasets.errors import ImportFailed, Problem, problem
from accord.datasets.export import FORMULA_PREFIXES, looks_like_formula
from accord.datasets.vocabularies import Vocabulary, normalise

#: Data rows start at spreadsheet row 2 (the header is row 1).
FIRST_DATA_ROW = 2
#: At most this many different bad values are reported per column.
MAX_PER_COLUMN = 5

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
NUMBER_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
SIGNED_NUMBER_OR_SIGN = r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-])$"
#: A value of DATE_PATTERN whose time of day (if any) exists: hours 00 to 23, minutes and
#: seconds 00 to 59.
REAL_TIME_PATTERN = r"^.{10}([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
#: Dates outside these years are refused. No record Accord reads is older or newer, and a
#: year such as 0000 cannot be held as a date in Python, so it would break every later step.
FIRST_YEAR, LAST_YEAR = 1900, 2100
FIRST_DAY, LAST_DAY = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)
#: The largest latitude and longitude there are, in degrees either way.
COORDINATE_LIMITS = {"latitude": 90.0, "longitude": 180.0}


class Column:
    """A dictionary-encoded column: the distinct ``values`` and, per row, the number of its value.

    The Arrow array is kept as it is (no copy): mapping a column is a ``take`` of a small
    per-value array by the row indices. ``codes`` (the row indices as NumPy, -1 for an empty
    cell) is only built when asked for, which is when a problem has to name its rows.

    ``blank``, for a column read from a CSV file, holds the spreadsheet rows of the blank
    lines left out of its table (``csvfiles.blank_rows``, read before anything that drops
    the table's metadata), so the rows a problem names are the rows a spreadsheet shows.
    """

    def __init__(
        self,
        array: pa.DictionaryArray,
        values: pa.StringArray,
        blank: npt.NDArray[np.int64] | None = None,
    ) -> None:
        self.array = array
        self.values = values
        self.blank = np.array([], dtype=np.int64) if blank is None else blank

    @classmethod
    def of(
        cls, array: pa.Array | pa.ChunkedArray, blank: npt.NDArray[np.int64] | None = None
    ) -> Column:
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
        if not pa.types.is_dictionary(array.type):
            array = pc.dictionary_encode(array)
        indices = array.indices
        if indices.type != pa.int32():
            indices = indices.cast(pa.int32())
        values = array.dictionary
        if values.type != pa.string():
            values = values.cast(pa.string())
        if indices is not array.indices or values is not array.dictionary:
            array = pa.DictionaryArray.from_arrays(indices, values)
        return cls(array, values, blank)

    @cached_property
    def codes(self) -> npt.NDArray[np.int32]:
        """Per row, the number of its value; -1 for an empty cell."""
        indices = pc.fill_null(self.array.indices, -1)
        return np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.int32)

    def __len__(self) -> int:
        return len(self.array)

    def value_list(self) -> list[str]:
        return [str(v) for v in self.values.to_pylist()]

    def counts(self) -> npt.NDArray[np.int64]:
        """How many rows hold each distinct value (same order as ``values``)."""
        return np.bincount(self.codes[self.codes >= 0], minlength=len(self.values))

    @property
    def missing(self) -> int:
        return int(self.array.indices.null_count)

    def rows(self, indices: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The spreadsheet row of each record number (0 = the first data row)."""
        return shift_rows(indices, self.blank)

    def first_rows(self, bad: Iterable[int]) -> dict[int, tuple[int, int]]:
        """For each bad value number: (spreadsheet row of its first use, rows using it)."""
        wanted = np.fromiter(bad, dtype=np.int32)
        if wanted.size == 0:
            return {}
        hits = np.flatnonzero(np.isin(self.codes, wanted))
        found, first, count = np.unique(self.codes[hits], return_index=True, return_counts=True)
        rows = self.rows(hits[first])
        return {
            int(code): (int(row), int(n)) for code, row, n in zip(found, rows, count, strict=True)
        }

    def take(self, mapped: pa.Array) -> pa.Array:
        """Expand a per-value array (one entry per distinct value) to one entry per row."""
        return mapped.take(self.array.indices)

    def remap(self, mapped: list[str | None] | pa.Array) -> pa.DictionaryArray:
        """A new dictionary column: a row with value ``i`` gets ``mapped[i]`` (None: empty).

        Values that map to the same target share one dictionary entry.
        """
        targets = mapped if isinstance(mapped, pa.Array) else pa.array(mapped, type=pa.string())
        encoded = pc.dictionary_encode(targets)
        one_to_one = len(encoded.dictionary) == len(targets) == len(self.values)
        if one_to_one and encoded.indices.null_count == 0:
            # One to one and never empty: every row keeps its number (no pass over the rows).
            return pa.DictionaryArray.from_arrays(
                self.array.indices, encoded.dictionary, safe=False
            )
        indices = encoded.indices.take(self.array.indices)  # an empty cell stays empty
        # safe=False: the numbers come from encoded's own, so no row needs a bounds check.
        return pa.DictionaryArray.from_arrays(indices, encoded.dictionary, safe=False)

    def as_dictionary(self) -> pa.DictionaryArray:
        return self.array


def header_mismatch(
    missing: Sequence[str], unknown: Sequence[str], expected: str, *, lead: str = ""
) -> str:
    """The one sentence every importer gives for a header row it cannot use: what is
    missing, what it does not know, and what it expects (``expected`` is already worded)."""
    parts = [lead] if lead else []
    if missing:
        parts.append("Missing columns: " + ", ".join(map(repr, missing)) + ".")
    if unknown:
        parts.append("Columns Accord does not recognise: " + ", ".join(map(repr, unknown)) + ".")
    parts.append(f"Expected columns: {expected}.")
    return " ".join(parts)


def report_values(
    column: Column,
    bad: dict[int, str],
    file: str,
    name: str,
    describe: Callable[[str, int], str],
) -> list[Problem]:
    """A problem for each bad value (value number -> value), at the first row it is in.

    ``describe(value, rows)`` words the problem; past :data:`MAX_PER_COLUMN` values, one
    line says how many more there are.
    """
    problems: list[Problem] = []
    first = column.first_rows(list(bad)[:MAX_PER_COLUMN])
    for code, (row, rows) in sorted(first.items(), key=lambda item: item[1][0]):
        problems.append(problem(describe(bad[code], rows), file, row=row, column=name))
    hidden = len(bad) - len(first)
    if hidden > 0:
        problems.append(
            problem(f"{hidden:,} more different values have the same problem.", file, column=name)
        )
    return problems


def quoted(value: str, limit: int = 60) -> str:
    """A cell's text as a message quotes it: in quotes, and cut short (a cell can hold a
    whole page of text, which would bury the message)."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def in_rows(rows: int) -> str:
    """``"in 1 row"``, ``"in 2,000 rows"``: how widespread a bad value is."""
    return "in 1 row" if rows == 1 else f"in {rows:,} rows"


def check_vocabulary(column: Column, vocabulary: Vocabulary, file: str, name: str) -> list[Problem]:
    """Values not in ``vocabulary``, each with the first row it is in."""
    bad = {
        code: value for code, value in enumerate(column.value_list()) if not vocabulary.knows(value)
    }
    return report_values(
        column,
        bad,
        file,
        name,
        lambda value, rows: (
            f"{quoted(value)} is not a known {vocabulary.name} ({in_rows(rows)}). "
            f"Known values are {vocabulary.examples()}. Correct the value, "
            "or leave the cell empty if it was not recorded."
        ),
    )


def check_formulas(column: Column, file: str, name: str) -> list[Problem]:
    """Cells a spreadsheet would run as a formula (see :mod:`accord.datasets.export`)."""
    values = column.values
    if len(values) == 0:
        return []
    pattern = "^[" + "".join(sorted(FORMULA_PREFIXES, key=lambda p: p == "-")) + "]"
    flagged = pc.match_substring_regex(values, pattern)
    # A plain number (-0.089) or a lone sign is not a formula: leave those out in Arrow,
    # so only real suspects reach the exact Python check.
    harmless = pc.match_substring_regex(values, SIGNED_NUMBER_OR_SIGN)
    suspects = pc.and_(pc.fill_null(flagged, False), pc.invert(pc.fill_null(harmless, False)))
    candidates = np.flatnonzero(np.asarray(suspects.to_numpy(False)))
    bad = {
        int(code): str(values[int(code)].as_py())
        for code in candidates
        if looks_like_formula(str(values[int(code)].as_py()))
    }
    return report_values(
        column,
        bad,
        file,
        name,
        lambda value, rows: (
            f"the cell starts with {value[0]!r} ({quoted(value, 40)}), so a spreadsheet "
            "would run it as a formula. Accord refuses such cells to keep files it exports "
            "safe. Remove the leading character, or correct the cell, and upload again."
        ),
    )


def check_pattern(
    column: Column, pattern: str, file: str, name: str, describe: Callable[[str, int], str]
) -> list[Problem]:
    """Values that do not match the regular expression ``pattern``."""
    if len(column.values) == 0:
        return []
    ok = pc.fill_null(pc.match_substring_regex(column.values, pattern), False)
    bad_codes = np.flatnonzero(~np.asarray(ok.to_numpy(False)))
    bad = {int(c): str(column.values[int(c)].as_py()) for c in bad_codes}
    return report_values(column, bad, file, name, describe)


def _flags(mask: pa.Array) -> npt.NDArray[np.bool_]:
    """A boolean Arrow array as NumPy, empty counting as False."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(False), dtype=np.bool_)


def _check_mask(
    column: Column,
    bad_mask: npt.NDArray[np.bool_],
    file: str,
    name: str,
    describe: Callable[[str, int], str],
) -> list[Problem]:
    """The values flagged in ``bad_mask`` (one flag per distinct value), reported."""
    codes = np.flatnonzero(bad_mask)
    if codes.size == 0:
        return []
    bad = {int(c): str(column.values[int(c)].as_py()) for c in codes}
    return report_values(column, bad, file, name, describe)


def _in_years(dates: pa.Array) -> npt.NDArray[np.bool_]:
    """Per date (``date32``): whether it falls in :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""
    after = pc.greater_equal(dates, pa.scalar(FIRST_DAY, pa.date32()))
    before = pc.less_equal(dates, pa.scalar(LAST_DAY, pa.date32()))
    return _flags(pc.and_(after, before))


def check_years(
    column: Column, dates: pa.Array, file: str, name: str, what: str = "date"
) -> tuple[list[Problem], pa.Array]:
    """Dates (one ``date32`` per distinct value of ``column``) outside the years Accord takes.

    Returns the problems and the dates with those left empty, so no later step (a period,
    a month) ever sees a year such as 0000, which Python cannot hold as a date.
    """
    outside = _flags(pc.is_valid(dates)) & ~_in_years(dates)
    problems = _check_mask(
        column,
        outside,
        file,
        name,
        lambda value, rows: (
            f"{quoted(value)} is not a real {what} ({in_rows(rows)}). Accord accepts dates "
            f"from the years {FIRST_YEAR} to {LAST_YEAR}: check the year."
        ),
    )
    return problems, _kept(dates, ~outside)


def check_date_values(dates: pa.Array, file: str, name: str) -> tuple[list[Problem], pa.Array]:
    """:func:`check_years` for a column that is already dates (Parquet ``date32``, Excel).

    Returns the problems and the dates, per row, with the refused ones left empty.
    """
    encoded = pc.dictionary_encode(dates.cast(pa.date32()))
    problems, kept = check_years(Column.of(encoded), encoded.dictionary, file, name)
    return problems, kept.take(encoded.indices)


def _kept(values: pa.Array, keep: npt.NDArray[np.bool_]) -> pa.Array:
    """``values`` with those not flagged in ``keep`` left empty."""
    if keep.all():
        return values
    return pc.if_else(pa.array(keep), values, pa.scalar(None, values.type))


def _calendar_days(values: pa.Array) -> pa.Array:
    """Per value, the date its first ten characters name; empty where that day does not exist.

    Parsed once per distinct day: a download file has a different date-time on almost every
    row but only a few hundred days. Arrow rolls an impossible day over ("2022-02-30"
    becomes 2 March), so a day is real only if it is written back as it was read.
    """
    days = pc.dictionary_encode(pc.utf8_slice_codeunits(values, 0, 10))
    text = days.dictionary
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    real = _flags(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), text))
    return _kept(parsed.cast(pa.date32()), real).take(days.indices)


def _check_clock(
    column: Column, dates: pa.Array, file: str, name: str
) -> tuple[list[Problem], pa.Array]:
    """Date-times whose time of day does not exist (``25:99``); their dates are left empty."""
    bad = _flags(pc.is_valid(dates)) & ~_flags(
        pc.match_substring_regex(column.values, REAL_TIME_PATTERN)
    )
    problems = _check_mask(
        column,
        bad,
        file,
        name,
        lambda value, rows: (
            f"{quoted(value)} has a time of day that does not exist ({in_rows(rows)}). "
            "Times run from 00:00:00 to 23:59:59."
        ),
    )
    return problems, _kept(dates, ~bad)


def check_dates(column: Column, file: str, name: str) -> tuple[list[Problem], pa.Array]:
    """Dates as ``YYYY-MM-DD`` (optionally with a time and offset, as police.uk writes them).

    Returns the problems and, per distinct value, the calendar date as written (the local
    date: an offset such as ``+01:00`` is not applied, so a search at 00:30 on 1 June in
    summer time stays in June). A refused value has no date.
    """
    if len(column.values) == 0:
        return [], pa.array([], pa.date32())
    shaped = _flags(pc.match_substring_regex(column.values, DATE_PATTERN))
    problems = _check_mask(
        column,
        ~shaped,
        file,
        name,
        lambda value, rows: (
            f"{quoted(value)} is not a date Accord can read ({in_rows(rows)}). "
            "Write dates as YYYY-MM-DD, for example 2022-11-30."
        ),
    )
    dates = _calendar_days(column.values)
    real = shaped & _flags(pc.is_valid(dates))
    problems += _check_mask(
        column,
        shaped & ~real,
        file,
        name,
        lambda value, rows: (
            f"{quoted(value)} is not a real date ({in_rows(rows)}). Check the day and month."
        ),
    )
    found, dates = check_years(column, _kept(dates, real), file, name)
    problems += found
    found, dates = _check_clock(column, dates, file, name)
    return problems + found, dates


def check_numbers(column: Column, file: str, name: str) -> tuple[list[Problem], pa.Array]:
    """Decimal numbers; returns the problems and the numbers, one per distinct value."""
    problems = check_pattern(
        column,
        NUMBER_PATTERN,
        file,
        name,
        lambda value, rows: f"{quoted(value)} is not a number ({in_rows(rows)}).",
    )
    ok = pc.fill_null(pc.match_substring_regex(column.values, NUMBER_PATTERN), False)
    cleaned = pc.if_else(ok, pc.utf8_trim_whitespace(column.values), pa.scalar(None, pa.string()))
    return problems, cleaned.cast(pa.float64())


def check_coordinates(
    column: Column, numbers: pa.Array, axis: str, file: str, name: str
) -> tuple[list[Problem], pa.Array]:
    """Latitudes or longitudes (``axis``; one number per distinct value) that cannot be one.

    A number too long for a float (``1e999``) reads as infinity, so this also refuses
    what :func:`check_numbers` lets through. Returns the problems and the numbers with
    the refused ones left empty.
    """
    limit = COORDINATE_LIMITS[axis]
    fits = pc.less_equal(pc.abs(numbers), pa.scalar(limit))  # False for NaN and infinity
    bad = _flags(pc.is_valid(numbers)) & ~_flags(fits)
    problems = _check_mask(
        column,
        bad,
        file,
        name,
        lambda value, rows: (
            f"{quoted(value)} is not a {axis} ({in_rows(rows)}). A {axis} is a number "
            f"from -{limit:g} to {limit:g}."
        ),
    )
    return problems, _kept(numbers, ~bad)


TRUE_VALUES = frozenset({"true", "yes", "1"})
FALSE_VALUES = frozenset({"false", "no", "0"})


def check_booleans(column: Column, file: str, name: str) -> tuple[list[Problem], pa.Array]:
    """True/false cells (``TRUE``, ``False``, ``yes``, ``0`` ...); empty stays empty."""
    parsed: list[bool | None] = []
    bad: dict[int, str] = {}
    for code, value in enumerate(column.value_list()):
        key = value.strip().casefold()
        if key in TRUE_VALUES:
            parsed.append(True)
        elif key in FALSE_VALUES:
            parsed.append(False)
        else:
            parsed.append(None)
            bad[code] = value
    problems = report_values(
        column,
        bad,
        file,
        name,
        lambda value, rows: (
            f"{quoted(value)} is not true or false ({in_rows(rows)}). Use TRUE, FALSE, "
            "or leave the cell empty."
        ),
    )
    return problems, pa.array(parsed, type=pa.bool_())


def refuse_same_columns(header: Sequence[str], display: str) -> None:
    """Columns are found with case and spacing ignored, so two names that differ only in
    those would be one column, and one of them would be silently left out."""
    spellings: dict[str, list[str]] = {}
    for name in header:
        spellings.setdefault(normalise(name), []).append(name)
    clashes = [names for names in spellings.values() if len(names) > 1]
    if clashes:
        raise ImportFailed(
            [
                problem(
                    f"the header row names {_listed(names)}, which are the same column "
                    "(Accord ignores case and spaces in column names). Remove or rename "
                    f"{'one' if len(names) == 2 else 'all but one'} of them.",
                    display,
                    row=1,
                )
                for names in clashes
            ]
        )


def _listed(names: Sequence[str]) -> str:
    quoted = [repr(name) for name in names]
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
