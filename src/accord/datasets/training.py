"""Import officer training coverage: how many officers in each borough have done a course.

Why: Solace asked for specialist domestic abuse, sexual violence and cultural-competency
training for frontline officers, and for what works in some boroughs to be made consistent
across London. The Met holds who has been trained; the partnership needs the counts, borough
by borough, to see where coverage lags (``accord.monitoring.training``).

The file is one row per borough, course and period, with five columns (any order, names
as below, case and spacing ignored):

* ``borough``: a local authority code (E09000007) or name (Camden);
* ``course``: the course's name, as the force calls it;
* ``period``: a month (``2026-03``) or a quarter (``2026 Q1``) of a year from 2000 to 2099,
  one kind per file, the period the counts stand at the end of;
* ``officers_in_scope``: officers who should have done the course (1 to 100,000);
* ``officers_trained``: of them, how many have (0 to ``officers_in_scope``).

Two more columns may be given, together or alone, when the force can break the counts down:
``rank`` (Constable, Sergeant, ...) and ``team`` (Response, Neighbourhood, ...), in its own
words. Then each row is one borough, course, period, rank and team, and every row must say
which: a blank would be counted twice, once in its own row and once in the borough's other
rows. Spellings that differ only in case or spacing are one rank or team (the first
spelling is kept).

Counts of officers are not about victims, so no disclosure control is applied here; the
page still says how few officers a small borough's percentage rests on.

Nothing is repaired (decision 0013): a row that cannot be read is refused with its file,
row and column, and the whole import with it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from accord.datasets.boroughs import LocalAuthorities
from accord.datasets.csvfiles import (
    DICTIONARY,
    blank_rows,
    read_header,
    read_table,
    spreadsheet_rows,
)
from accord.datasets.errors import ImportFailed, Problem, problem
from accord.datasets.files import InputFile, SourceRecord
from accord.datasets.harmonise import Imported, Progress, Report, no_progress
from accord.datasets.validation import Column, check_formulas, header_mismatch, refuse_same_columns
from accord.datasets.vocabularies import normalise

IMPORTER_VERSION = "training/2"
HEADER = ("borough", "course", "period", "officers_in_scope", "officers_trained")
#: Columns a file may add to break the counts down (see the module docstring).
OPTIONAL = ("rank", "team")
#: Far more rows than London's boroughs, courses and a few years of months would need.
MAX_ROWS = 100_000
#: Years a period may be in. Training records are not older than 2000, and a year past
#: 2099 (or 0000) is a typing mistake; the bound also keeps every period's end a real date.
FIRST_YEAR, LAST_YEAR = 2000, 2099
#: More officers than any police force has (the Met, the largest, has about 35,000): a
#: bigger count in one row is a mistake, and one too big for Arrow's int64 would crash.
MAX_OFFICERS = 100_000
# [0-9], not \d: Python's \d also matches other scripts' digits, which int() would convert.
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^([0-9]{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_WHOLE = re.compile(r"^[0-9]+$")

SCHEMA = pa.schema(
    [
        ("la_code", DICTIONARY),
        ("la_name", DICTIONARY),
        ("course", DICTIONARY),
        ("rank", DICTIONARY),  # "" when the file has no rank column
        ("team", DICTIONARY),  # "" when the file has no team column
        ("period", DICTIONARY),
        ("period_start", pa.date32()),
        ("officers_in_scope", pa.int64()),
        ("officers_trained", pa.int64()),
    ]
)


def parse_period(text: str) -> tuple[str, dt.date, str] | None:
    """``"2026-03"`` -> ("2026-03", 1 March 2026, "month"); ``"2026 q1"`` -> ("2026 Q1",
    1 January 2026, "quarter"); anything else, or a year outside :data:`FIRST_YEAR` to
    :data:`LAST_YEAR`, -> None."""
    value = text.strip()
    if month := _MONTH.match(value):
        year, number = int(month.group(1)), int(month.group(2))
        label, start, kind = f"{year}-{number:02d}", (year, number), "month"
    elif quarter := _QUARTER.match(value):
        year, number = int(quarter.group(1)), int(quarter.group(2))
        label, start, kind = f"{year} Q{number}", (year, 3 * number - 2), "quarter"
    else:
        return None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return label, dt.date(*start, 1), kind


def _period_problem(value: Any) -> str:
    """Why ``value`` is not a period: a year out of range, or not the shape of one."""
    text = str(value or "").strip()
    shaped = _MONTH.match(text) or _QUARTER.match(text)
    if shaped:
        return (
            f"{text!r} is not a period Accord can use: the year must be from {FIRST_YEAR} "
            f"to {LAST_YEAR}."
        )
    return f"{value!r} is not a month (2026-03) or a quarter (2026 Q1)."


def _period_end(start: dt.date, kind: str) -> dt.date:
    months = 1 if kind == "month" else 3
    year, month = divmod(start.month - 1 + months, 12)
    return dt.date(start.year + year, month + 1, 1) - dt.timedelta(days=1)


def _header(header: Sequence[str], file: str) -> dict[str, str]:
    """The file's own name of each column it has (the optional ones only when present)."""
    refuse_same_columns(header, file)
    found = {normalise(name): name for name in header}
    known = {normalise(h) for h in (*HEADER, *OPTIONAL)}
    missing = [name for name in HEADER if normalise(name) not in found]
    extra = [name for name in header if normalise(name) not in known]
    if missing or extra:
        expected = ", ".join(HEADER) + ", and if the counts are broken down, "
        message = header_mismatch(missing, extra, expected + " and ".join(OPTIONAL))
        raise ImportFailed.one(message, file, row=1)
    return {
        name: found[normalise(name)] for name in (*HEADER, *OPTIONAL) if normalise(name) in found
    }


def _label(
    value: Any,
    spellings: dict[str, str],
    where: tuple[str, int, str, str],
    problems: list[Problem],
) -> str | None:
    """A rank or team (``what``): 1 to 100 characters, one spelling for each (the first
    seen); ``column`` is the file's own name for the column."""
    file, row, column, kind = where
    text = " ".join(str(value or "").split())
    if not text or len(text) > 100:
        what = "is empty" if not text else "is longer than 100 characters"
        problems.append(
            problem(
                f"the {kind} {what}; with this column, every row needs one "
                "(or leave the column out).",
                file,
                row=row,
                column=column,
            )
        )
        return None
    return spellings.setdefault(normalise(text), text)


def _count(value: Any, file: str, row: int, column: str, problems: list[Problem]) -> int | None:
    text = "" if value is None else str(value).strip()
    if not _WHOLE.match(text):
        what = "is empty" if not text else f"{text!r} is not a whole number of officers"
        problems.append(problem(f"{what}.", file, row=row, column=column))
        return None
    digits = text.lstrip("0") or "0"  # int() refuses over 4,300 digits: measure first
    if len(digits) > len(str(MAX_OFFICERS)) or int(digits) > MAX_OFFICERS:
        shown = text if len(text) <= 30 else text[:29] + "…"
        problems.append(
            problem(
                f"{shown!r} is more officers than any police force has; a row can count at "
                f"most {MAX_OFFICERS:,}.",
                file,
                row=row,
                column=column,
            )
        )
        return None
    return int(digits)


def read_training(
    files: Sequence[InputFile],
    sources: list[SourceRecord],
    *,
    progress: Progress = no_progress,
) -> Imported:
    """Validate one training coverage file (the layout above) into a table by borough.

    Raises:
        ImportFailed: naming file, row and column of every problem found.
    """
    if len(files) != 1:
        raise ImportFailed([Problem("Import one training coverage file at a time.")])
    (file,) = files
    header = read_header(file)
    names = _header(header, file.name)
    # The file's own order: Arrow names the columns by position.
    table = read_table(file, header, on_progress=lambda n: progress(0.5, "Reading"))
    if table.num_rows > MAX_ROWS:
        raise ImportFailed.one(
            f"the file has {table.num_rows:,} rows; a training coverage file has one row per "
            f"borough, course and period, at most {MAX_ROWS:,}.",
            file.name,
        )
    problems: list[Problem] = []
    blank = blank_rows(table)
    for name in names.values():
        problems += check_formulas(Column.of(table[name], blank), file.name, name)
    if problems:
        raise ImportFailed(problems)

    areas = LocalAuthorities.shipped()
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, ...], int] = {}
    kinds: dict[str, int] = {}
    spellings: dict[str, dict[str, str]] = {name: {} for name in OPTIONAL}
    present = [name for name in OPTIONAL if name in names]  # the breakdowns this file has
    # Spreadsheet rows: a blank line left out of the table is still a row in a spreadsheet.
    numbers = spreadsheet_rows(table, np.arange(table.num_rows)).tolist()
    for number, record in zip(numbers, table.to_pylist(), strict=True):
        values = {name: record[actual] for name, actual in names.items()}
        breakdown = {
            name: _label(
                values[name], spellings[name], (file.name, number, names[name], name), problems
            )
            if name in present
            else ""
            for name in OPTIONAL
        }
        borough_text = str(values["borough"] or "").strip()
        area = areas.resolve(borough_text) if borough_text else None
        if area is None:
            what = "is empty" if not borough_text else f"{borough_text!r} is not a borough"
            problems.append(
                problem(
                    f"{what}; use a local authority code (E09000007) or name (Camden).",
                    file.name,
                    row=number,
                    column=names["borough"],
                )
            )
        course = " ".join(str(values["course"] or "").split())
        if not course or len(course) > 200:
            problems.append(
                problem(
                    "the course name must be 1 to 200 characters.",
                    file.name,
                    row=number,
                    column=names["course"],
                )
            )
        period = parse_period(str(values["period"] or ""))
        if period is None:
            problems.append(
                problem(
                    _period_problem(values["period"]),
                    file.name,
                    row=number,
                    column=names["period"],
                )
            )
        else:
            kinds.setdefault(period[2], number)
        scope = _count(
            values["officers_in_scope"], file.name, number, names["officers_in_scope"], problems
        )
        trained = _count(
            values["officers_trained"], file.name, number, names["officers_trained"], problems
        )
        if scope == 0:
            problems.append(
                problem(
                    "no officers are in scope; leave the row out if the course does not apply.",
                    file.name,
                    row=number,
                    column=names["officers_in_scope"],
                )
            )
        if scope is not None and trained is not None and trained > scope:
            problems.append(
                problem(
                    f"{trained:,} officers trained is more than the {scope:,} in scope.",
                    file.name,
                    row=number,
                    column=names["officers_trained"],
                )
            )
        if (
            area is None
            or period is None
            or not course
            or scope is None
            or trained is None
            or None in breakdown.values()
        ):
            continue
        split = [str(breakdown[name]) for name in present]
        key = (area.code, normalise(course), period[0], *map(normalise, split))
        if key in seen:
            problems.append(
                problem(
                    f"{', '.join([area.name, repr(course), period[0], *split])} is already in "
                    f"row {seen[key]}; each borough needs one row per "
                    f"{', '.join(['course', *present])} and period.",
                    file.name,
                    row=number,
                )
            )
            continue
        seen[key] = number
        rows.append(
            {
                "la_code": area.code,
                "la_name": area.name,
                "course": course,
                "rank": breakdown["rank"],
                "team": breakdown["team"],
                "period": period[0],
                "period_start": period[1],
                "officers_in_scope": scope,
                "officers_trained": trained,
            }
        )
    if len(kinds) > 1:
        problems.append(
            problem(
                f"the file mixes months (first in row {kinds['month']}) and quarters (first "
                f"in row {kinds['quarter']}); use one kind of period per file.",
                file.name,
            )
        )
    if problems:
        raise ImportFailed(problems)
    out = pa.Table.from_pylist(rows, schema=SCHEMA)
    starts = [row["period_start"] for row in rows]
    (kind,) = kinds
    report = Report(rows=out.num_rows, files=[{"name": file.name, "rows": table.num_rows}])
    report.column("la_code", "borough", out.num_rows, {})
    report.notes.append(
        "Each row is a borough's count for one course"
        + "".join(f", {name}" for name in present)
        + f" at the end of a {kind}: officers in scope and, of them, officers trained."
    )
    return Imported(
        kind="training",
        table=out,
        source=f"Officer training coverage, CSV file {file.name}",
        publisher="",
        licence="",
        importer_version=IMPORTER_VERSION,
        report=report,
        sources=sources,
        period_start=min(starts),
        period_end=_period_end(max(starts), kind),
        column_roles={
            "area": "la_code",
            "group": "course",
            "date": "period_start",
            "events": "officers_trained",
            "population": "officers_in_scope",
        },
    )
