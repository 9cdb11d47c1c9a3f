"""Notes that travel with the numbers."""

from __future__ import annotations

import pandas as pd

from accord.monitoring.analysis import months_between, thin_months


def _monthly(counts: list[int]) -> pd.DataFrame:
    periods = pd.date_range("2022-01-01", periods=len(counts), freq="MS")
    rows = [{"g": "Total", "period": p, "events": c} for p, c in zip(periods, counts, strict=True)]
    rows.append({"g": "Total", "period": "Total", "events": sum(counts)})
    rows.append({"g": "Black", "period": periods[0], "events": 5})
    return pd.DataFrame(rows)


def test_thin_months_are_named() -> None:
    notes = thin_months(_monthly([1000, 1100, 90, 1050, 980]), "g")
    assert len(notes) == 1
    assert "(March 2022)" in notes[0]


def test_no_note_when_months_are_even() -> None:
    assert thin_months(_monthly([1000, 1100, 900, 1050]), "g") == []


def test_months_between_is_inclusive_and_ordered() -> None:
    assert months_between("2022-11", "2023-02") == ["2022-11", "2022-12", "2023-01", "2023-02"]
    assert months_between(None, None) == []
    assert months_between("2023-02", "2022-12") == ["2022-12", "2023-01", "2023-02"]
