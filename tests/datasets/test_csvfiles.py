"""The CSV reader keeps every cell exactly as written, whatever text it holds."""

from __future__ import annotations

import csv
import gzip
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.datasets.archives import Limits
from accord.datasets.csvfiles import read_header, read_table
from accord.datasets.errors import ImportFailed
from accord.datasets.export import looks_like_formula
from accord.datasets.files import Given, InputFile, open_inputs

cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=20))
def test_cells_round_trip(rows: list[tuple[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["first", "second"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
        file = InputFile(path, "cells.csv", "csv")
        assert read_header(file) == ["first", "second"]
        table = read_table(file, ["first", "second"])
    assert table["first"].to_pylist() == [a or None for a, _ in rows]
    assert table["second"].to_pylist() == [b or None for _, b in rows]


def test_formula_detection_agrees_with_the_export_rule() -> None:
    assert looks_like_formula("=1") and not looks_like_formula("1=1")


def test_a_gzip_bomb_is_stopped_while_unpacking(tmp_path: Path) -> None:
    bomb = tmp_path / "stops.csv.gz"
    bomb.write_bytes(gzip.compress(b"0" * (20 * 1024 * 1024)))
    limits = Limits.from_max(64 * 1024 * 1024)
    cap = bomb.stat().st_size * 100 / 1024 / 1024
    with (
        pytest.raises(ImportFailed) as caught,
        open_inputs([Given(bomb, bomb.name)], tmp_path / "work", limits),
    ):
        raise AssertionError("the bomb was unpacked")
    assert caught.value.summary == (
        f"stops.csv.gz: the file expands to more than {cap:.1f} MB (100 times its size or the "
        "256.0 MB limit), which is how compression bombs work. Accord refuses it."
    )
    assert list((tmp_path / "work").iterdir()) == []
