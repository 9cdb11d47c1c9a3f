"""The mapping step's preview counts rows as the import does: blank lines are not rows.

Before: each blank line was a row of empty cells, so "rows read" and every column's count
of empty cells were too high, and a file of blank lines under its header passed the
preview only to be refused by the import.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.datasets.errors import ImportFailed
from tests.datasets.conftest import Dirs
from tests.datasets.test_generic import HEADER, ROWS, peek


def _with_blank_lines(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "partner.csv"
    lines = [",".join(HEADER), ""]
    for row in rows:
        lines += [",".join(row), "", ""]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_blank_lines_are_not_counted_as_rows(dirs: Dirs, tmp_path: Path) -> None:
    shown = peek(_with_blank_lines(tmp_path, ROWS), dirs.scratch)
    assert shown.rows_read == 5
    assert [column.empty for column in shown.columns] == [0, 1, 0, 1, 0]


def test_a_header_over_blank_lines_has_no_data_rows(dirs: Dirs, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed) as refused:
        peek(_with_blank_lines(tmp_path, []), dirs.scratch)
    assert [p.message for p in refused.value.problems] == [
        "partner.csv: the file has a header row but no data rows."
    ]
