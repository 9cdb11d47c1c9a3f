"""Cells that are safe to put in a CSV file a person will open in a spreadsheet.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula, and
a leading tab or carriage return can hide one ("CSV injection"; OWASP, SECURITY.md IN-3).

Accord's rule has two halves:

* **On import, such cells are refused** (:func:`looks_like_formula`): the file is sent back
  with the row and column, because quietly changing data on the way in would make the
  stored dataset differ from its source. Plain numbers such as ``-0.089`` and a lone
  ``-`` are not formulas and are accepted.
* **On export, every text cell is neutralised** (:func:`safe_csv_cell`): a text value that
  starts with any of the six characters gets a leading apostrophe, which spreadsheets show
  as text. Numbers stay numbers. Use :func:`safe_csv_row` (or :func:`write_csv`) for every
  CSV Accord produces, including downloads of analysis tables.

Example:
    >>> safe_csv_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> safe_csv_cell(-1.5), safe_csv_cell("Black")
    (-1.5, 'Black')
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Final

#: Leading characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

type Cell = str | int | float | Decimal | dt.date | bool | None


def looks_like_formula(value: str) -> bool:
    """Would a spreadsheet run this text as a formula? (Plain numbers do not count.)

    Example:
        >>> [looks_like_formula(v) for v in ["=1+1", "@SUM(A1)", "-0.089", "-", "+44 20"]]
        [True, True, False, False, True]
    """
    if not value or value[0] not in FORMULA_PREFIXES:
        return False
    if value[0] in "+-":
        rest = value[1:]
        return bool(rest) and _NUMBER.fullmatch(value) is None
    return True


def safe_csv_cell(value: Cell) -> Cell:
    """The value to write to a CSV cell: text that could be a formula gets a ``'`` prefix.

    ``None`` becomes an empty cell; numbers, dates and booleans are returned unchanged so the
    CSV writer formats them as usual.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    return value


def safe_csv_row(values: Iterable[Cell]) -> list[Cell]:
    return [safe_csv_cell(v) for v in values]


def write_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Iterable[Cell]]) -> None:
    """Write RFC 4180 CSV (quoted where needed, CRLF line ends) with every cell made safe."""
    writer = csv.writer(handle, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(safe_csv_row(header))
    for row in rows:
        writer.writerow(safe_csv_row(row))
