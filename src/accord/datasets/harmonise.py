"""Harmonised columns and the report of what could not be harmonised.

Harmonising never drops a row. A value that cannot be mapped (an empty cell, "Not stated",
a map point outside the lookup) leaves the harmonised cell empty and is counted, per
column and per reason, in the report stored with the dataset. The source columns are kept
beside the harmonised ones, so every mapping can be checked.

The report (``Dataset.harmonisation``) looks like::

    {"rows": 150152,
     "files": [{"name": "stops.csv", "rows": 150152}],
     "columns": {"self_defined_ethnicity_broad": {
                    "from": "self_defined_ethnicity", "mapped": 105644, "unmapped": 44508,
                    "reasons": {"not stated": 42706, "empty in the source": 1802}}, ...},
     "notes": ["..."]}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from accord.datasets.errors import ImportFailed, Problem
from accord.datasets.files import SourceRecord
from accord.datasets.validation import FIRST_DAY, FIRST_YEAR, LAST_DAY, LAST_YEAR

_EPOCH = dt.date(1970, 1, 1)

EMPTY = "empty in the source"

Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """A :data:`Progress` callback that ignores progress."""


@dataclass
class Report:
    """Counts of mapped and unmapped values per harmonised column, plus notes."""

    rows: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def column(self, name: str, source: str, mapped: int, reasons: dict[str, int]) -> None:
        kept = {reason: int(n) for reason, n in reasons.items() if n}
        self.columns[name] = {
            "from": source,
            "mapped": int(mapped),
            "unmapped": int(sum(kept.values())),
            "reasons": kept,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "files": self.files,
            "columns": self.columns,
            "notes": self.notes,
        }

    @property
    def unmapped(self) -> dict[str, int]:
        """Column -> how many rows it could not map (the short form for a summary line)."""
        return {name: c["unmapped"] for name, c in self.columns.items()}


@dataclass
class Imported:
    """A validated, harmonised table ready to store, with its provenance.

    The importers return this; :mod:`accord.datasets.services` stores it as a Dataset.
    """

    kind: str
    table: pa.Table
    source: str
    publisher: str
    licence: str
    importer_version: str
    report: Report
    sources: list[SourceRecord]
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    column_roles: dict[str, str] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return int(self.table.num_rows)


def reading(progress: Progress, name: str, offset: int, total: int) -> Callable[[int], None]:
    """Progress while reading one of several files: bytes read -> 0 to 80% of the whole."""

    def report(done: int) -> None:
        progress(0.8 * (offset + done) / max(total, 1), f"Reading {name}")

    return report


def count_where(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.sum(pc.fill_null(mask, False).cast(pa.int64())).as_py() or 0)


def date_range(column: pa.ChunkedArray | pa.Array) -> tuple[dt.date | None, dt.date | None]:
    """The first and last date; the dates must have been checked (``check_dates``) first.

    Raises:
        ImportFailed: a date outside the years Accord accepts got past the checks. It is
            refused rather than crashing, since Python cannot hold a year such as 0000.
    """
    days = pc.min_max(column.cast(pa.date32()).cast(pa.int32()))
    low, high = days["min"].as_py(), days["max"].as_py()
    if low is None or high is None:
        return None, None
    if low < (FIRST_DAY - _EPOCH).days or high > (LAST_DAY - _EPOCH).days:
        raise ImportFailed(
            [
                Problem(
                    f"The dates run from {_shown(low)} to {_shown(high)}; Accord accepts dates "
                    f"from the years {FIRST_YEAR} to {LAST_YEAR}. Check the years."
                )
            ]
        )
    return _EPOCH + dt.timedelta(days=low), _EPOCH + dt.timedelta(days=high)


def _shown(days: int) -> str:
    """A day number as a date, even one Python cannot hold (written by Arrow, as the checks do)."""
    return str(pa.array([days], pa.int32()).cast(pa.date32()).cast(pa.string())[0])
