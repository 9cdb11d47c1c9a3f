"""The harmonised stop-and-search output does not change when the importer gets faster.

``fixtures/stop_and_search_expected.json`` was written by the importer as it was before the
speed work of issue 4 (per column: a SHA-256 of its values, and of its dictionary, in row
order), for both header styles and, where it is present, the real London file. Any change
in a value, an empty cell, a type, a dictionary, the report or the period fails here.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from accord.datasets.archives import Limits
from accord.datasets.errors import ImportFailed
from accord.datasets.files import Given, open_inputs
from accord.datasets.harmonise import Imported
from accord.datasets.stop_and_search import read_stop_and_search
from tests.datasets.conftest import API_SAMPLE, DOWNLOAD_SAMPLE, FIXTURES, REAL, Dirs

EXPECTED = json.loads((FIXTURES / "stop_and_search_expected.json").read_text(encoding="utf-8"))
REAL_STOPS = REAL / "stop_and_search" / "london_stops_2021-12_to_2022-11.csv.gz"


def _import(path: Path, scratch: Path, name: str | None = None) -> Imported:
    limits = Limits.from_max(512 * 1024 * 1024)
    with open_inputs([Given(path, name or path.name)], scratch, limits) as inputs:
        return read_stop_and_search(inputs.files, inputs.sources)


def _digests(imported: Imported) -> dict[str, Any]:
    table = imported.table
    columns: dict[str, str] = {}
    dictionaries: dict[str, str] = {}
    for name in table.column_names:
        column = table[name]
        is_dictionary = pa.types.is_dictionary(column.type)
        plain = column.cast(column.type.value_type) if is_dictionary else column
        digest = hashlib.sha256()
        for chunk in plain.chunks:
            digest.update(repr(chunk.to_pylist()).encode())
        columns[name] = digest.hexdigest()
        if is_dictionary:
            values = repr([chunk.dictionary.to_pylist() for chunk in column.chunks])
            dictionaries[name] = hashlib.sha256(values.encode()).hexdigest()
    return {
        "schema": str(table.schema),
        "report": imported.report.as_dict(),
        "period": [str(imported.period_start), str(imported.period_end)],
        "columns": columns,
        "dictionaries": dictionaries,
    }


def _compare(found: dict[str, Any], expected: dict[str, Any]) -> None:
    assert found["schema"] == expected["schema"]
    assert found["report"] == expected["report"]
    assert found["period"] == expected["period"]
    for part in ("columns", "dictionaries"):
        changed = [n for n in expected[part] if found[part].get(n) != expected[part][n]]
        assert changed == [], f"{part} changed: {changed}"
        assert found[part].keys() == expected[part].keys()


@pytest.mark.parametrize("sample", [API_SAMPLE, DOWNLOAD_SAMPLE], ids=["api", "download"])
def test_output_is_what_it_was_before_the_speed_work(dirs: Dirs, sample: Path) -> None:
    _compare(_digests(_import(sample, dirs.scratch)), EXPECTED[sample.name])


@pytest.mark.skipif(not REAL_STOPS.exists(), reason="the real London file is not here")
def test_real_london_output_is_what_it_was_before_the_speed_work(dirs: Dirs) -> None:
    _compare(_digests(_import(REAL_STOPS, dirs.scratch)), EXPECTED[REAL_STOPS.name])


def _rewrite(source: Path, target: Path, column: str, change: dict[str, str]) -> None:
    """A copy of ``source`` with some values of one column respelled."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    index = header.index(column)
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.rstrip("\r\n").split(",")
        if len(cells) == len(header) and cells[index] in change:
            cells[index] = change[cells[index]]
        out.append(",".join(cells) + "\n")
    target.write_text("".join(out), encoding="utf-8")


def test_other_true_false_spellings_take_the_careful_path_to_the_same_table(
    dirs: Dirs, tmp_path: Path
) -> None:
    """Flags are read straight as booleans only when spelled TRUE/True/true or
    FALSE/False/false; any other spelling re-reads the file and must give the same table."""
    respelled = tmp_path / API_SAMPLE.name
    _rewrite(API_SAMPLE, respelled, "operation", {"TRUE": "yes", "FALSE": " No "})
    assert "yes" in respelled.read_text(encoding="utf-8")
    fast = _import(API_SAMPLE, dirs.scratch).table
    careful = _import(respelled, dirs.scratch, name=API_SAMPLE.name).table
    assert careful.equals(fast)


def test_a_bad_flag_is_still_named_after_the_fast_path_gives_up(dirs: Dirs, tmp_path: Path) -> None:
    bad = tmp_path / "flags.csv"
    _rewrite(API_SAMPLE, bad, "operation", {"FALSE": "maybe"})
    with pytest.raises(ImportFailed) as failure:
        _import(bad, dirs.scratch)
    messages = [p.message for p in failure.value.problems]
    assert len(messages) == 1
    assert messages[0].startswith("flags.csv, row 6, column 'operation': 'maybe' is not true or ")


def test_invalid_utf8_is_found_in_a_distinct_value(dirs: Dirs, tmp_path: Path) -> None:
    """UTF-8 is checked once per distinct value after reading; the error still names the
    row and column."""
    bad = tmp_path / "latin.csv"
    shutil.copy(API_SAMPLE, bad)
    data = bad.read_bytes().replace(b"Misuse of Drugs Act", b"Misuse of Dr\xfcgs Act", 1)
    bad.write_bytes(data)
    with pytest.raises(ImportFailed) as failure:
        _import(bad, dirs.scratch)
    (only,) = failure.value.problems
    assert only.message.startswith("latin.csv, row 3, column 'legislation': the file is not UTF-8")
