"""CSV cells Accord writes can never run as spreadsheet formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

from hypothesis import given
from hypothesis import strategies as st

from accord.datasets import safe_csv_cell, write_csv
from accord.datasets.export import FORMULA_PREFIXES, looks_like_formula


@given(st.text())
def test_no_text_cell_starts_a_formula(text: str) -> None:
    cell = safe_csv_cell(text)
    assert isinstance(cell, str)
    assert not cell.startswith(FORMULA_PREFIXES)
    assert cell in (text, "'" + text)


@given(st.lists(st.lists(st.text(), min_size=2, max_size=2), max_size=5))
def test_written_csv_reads_back_with_every_cell_safe(rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    write_csv(buffer, ["a", "=b"], rows)
    read = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert read[0] == ["a", "'=b"]
    for written, original in zip(read[1:], rows, strict=True):
        for cell, value in zip(written, original, strict=True):
            assert not cell.startswith(FORMULA_PREFIXES)
            assert cell.removeprefix("'") == value or cell == value


def test_payloads_and_plain_values() -> None:
    assert safe_csv_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert [safe_csv_cell(v) for v in ("+1", "-1", "@x", "\tx", "\rx")] == [
        "'+1", "'-1", "'@x", "'\tx", "'\rx",
    ]  # fmt: skip
    assert safe_csv_cell(-1.5) == -1.5
    assert safe_csv_cell(None) == ""
    assert safe_csv_cell(dt.date(2022, 1, 1)) == dt.date(2022, 1, 1)
    assert safe_csv_cell("Black") == "Black"


def test_what_counts_as_a_formula_on_import() -> None:
    assert [looks_like_formula(v) for v in ("=1", "-0.089", "-", "+44 20 7946", "1e5", "-1e5")] == [
        True, False, False, True, False, False,
    ]  # fmt: skip
