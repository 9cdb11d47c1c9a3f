"""A cell longer than Python's csv field limit, which Arrow reads, never makes a valid file
fail (the blank-line count falls back rather than refusing)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from accord.datasets.services import import_paths
from tests.datasets.conftest import Dirs

pytestmark = pytest.mark.django_db


def test_a_very_long_cell_and_a_blank_line_still_import(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    long = "x" * 200_000
    path.write_text(
        f"Ethnicity,Note\nBlack,{long}\n\nWhite,short\n,\nAsian,also\n", encoding="utf-8"
    )
    dataset = import_paths([path], kind="generic", name="Notes", mapping={"group": "Ethnicity"})
    table = pq.read_table(dataset.path)
    # The blank line and the row of empty cells hold no value; the three rows with one stay.
    assert table["Ethnicity"].to_pylist() == ["Black", "White", "Asian"]
    assert table["Note"].to_pylist()[0] == long
