"""The "within each sex or age group" chart keeps every compared row in its place.

Before: hidden rows were left out of this chart (the other analysis charts say "hidden"
where a row's figures are hidden), and a row with no one to compare with was drawn as
"hidden", though the table beside it shows its counts and says why it is not compared.
"""

from __future__ import annotations

from pathlib import Path

from accord.monitoring.analysis import OUTCOMES
from accord.monitoring.presentation import within_section
from tests.monitoring.test_leaks_split_missing import MEN, analyse


def _notes(tmp_path: Path, searches: dict[tuple[str, str], tuple[int, int]]) -> dict[str, str]:
    results = analyse(tmp_path, searches)
    assert results.within is not None
    section = within_section(results.within, "gender", OUTCOMES["Arrest"])
    assert section.spec is not None
    return {row["label"]: row["note"] for row in section.spec["data"]["values"]}


def test_a_row_with_no_one_to_compare_says_not_compared(tmp_path: Path) -> None:
    notes = _notes(tmp_path, {("Black", "Female"): (100, 30), **MEN})
    assert notes["Black, women"] == "not compared"
    assert notes["Black, men and others"] == ""
    assert notes["Asian, men and others"] == ""


def test_a_hidden_row_keeps_its_place_and_says_hidden(tmp_path: Path) -> None:
    results = analyse(
        tmp_path,
        {("Black", "Female"): (2, 1), ("White", "Female"): (100, 20), **MEN},
    )
    within = results.within
    assert within is not None
    hidden = within.loc[within["suppressed"].astype(bool) & ~within["is_reference"].astype(bool)]
    assert not hidden.empty
    section = within_section(within, "gender", OUTCOMES["Arrest"])
    assert section.spec is not None
    values = {row["label"]: row for row in section.spec["data"]["values"]}
    assert values["Black, women"]["note"] == "hidden"
    assert values["Black, women"]["estimate"] is None
    assert values["Black, women"]["lower"] is None
