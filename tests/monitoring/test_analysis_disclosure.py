"""Tables released together in one analysis run hide the same group counts.

Each table suppressed on its own is safe against its own totals, but not against the
others': the rates can hide A beside C while the monthly table hides A beside B, and then
C (from the monthly table), B (from the rates) and the grand total give A back. These
tests play that attacker on a real run.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from accord.monitoring.analysis import Choice, Results, run
from accord.stats.suppression import TOTAL
from tests.stats.test_suppression import attacker_ranges

GROUP = "self_defined_ethnicity_broad"
MONTHS = ("2022-01", "2022-02")
AREAS = (("E09000001", "One"), ("E09000002", "Two"))

# Searches per group and month. On its own the rates table hides A (5) and C beside it;
# the group x month table hides A's total and B's beside it, and shows C's 11.
SEARCHES = {"A": (5, 0), "B": (6, 6), "C": (11, 0), "W": (250, 250)}
ARRESTS = {"A": 0, "B": 2, "C": 3, "W": 60}


def _write(tmp_path: Path) -> tuple[Path, Path]:
    rows = []
    for group, counts in SEARCHES.items():
        arrests = ARRESTS[group]
        for month, count in zip(MONTHS, counts, strict=True):
            for i in range(count):
                code, name = AREAS[i % 2]
                outcome = "Arrest" if arrests > 0 else "None"
                arrests -= outcome == "Arrest"
                rows.append(
                    {
                        GROUP: group,
                        "la_code": code,
                        "la_name": name,
                        "month": month,
                        "date": pd.Timestamp(f"{month}-{1 + i % 28:02d}"),
                        "outcome": outcome,
                    }
                )
    events = tmp_path / "events.parquet"
    pd.DataFrame(rows).to_parquet(events)
    people = pd.DataFrame(
        [
            {"ethnic_group": group, "la_code": code, "la_name": name, "population": size}
            for group, size in {"A": 2_000, "B": 3_000, "C": 2_500, "W": 50_000}.items()
            for code, name in AREAS
        ]
    )
    population = tmp_path / "population.parquet"
    people.to_parquet(population)
    return events, population


@pytest.fixture
def results(tmp_path: Path) -> Results:
    events, population = _write(tmp_path)
    choice = Choice(events, population, GROUP, reference="W", focus="C")
    return run(choice)


def _published_totals(results: Results) -> dict[str, float]:
    """Every group's searches as some table of the run shows them."""
    known: dict[str, float] = {}

    def learn(frame: pd.DataFrame, column: str) -> None:
        for _, row in frame.iterrows():
            value = row.get(column)
            if str(row[GROUP]) != TOTAL and value is not None and not pd.isna(value):
                known[str(row[GROUP])] = float(value)

    learn(results.rates, "events")
    learn(results.ratios, "events")
    learn(results.proportions, "trials")
    learn(results.trend, "n")
    monthly = results.monthly
    learn(monthly.loc[monthly["period"].astype(str) == TOTAL], "events")
    return known


def _month_grid(results: Results) -> tuple[npt.NDArray[np.float64], list[str]]:
    """The monthly table with its margins (NaN where hidden), as the attacker sees it
    once every group total published anywhere in the run is filled in."""
    monthly = results.monthly.copy()
    monthly["g"] = monthly[GROUP].astype(str)
    monthly["p"] = monthly["period"].astype(str)
    groups = [*sorted(set(monthly["g"]) - {TOTAL}), TOTAL]
    periods = [*sorted(set(monthly["p"]) - {TOTAL}), TOTAL]
    grid = np.full((len(groups), len(periods)), np.nan)
    for row in monthly.itertuples(index=False):
        value = row.events
        if not pd.isna(value):
            grid[groups.index(row.g), periods.index(row.p)] = float(value)
    for group, value in _published_totals(results).items():
        grid[groups.index(group), -1] = value
    return grid, groups


def test_no_hidden_search_count_can_be_worked_out_across_the_run(results: Results) -> None:
    grid, groups = _month_grid(results)
    hidden_totals = [g for i, g in enumerate(groups[:-1]) if np.isnan(grid[i, -1])]
    assert "A" in hidden_totals  # 5 searches
    # The reviewer's attack: the grand total less every shown group.
    shown = {g: grid[i, -1] for i, g in enumerate(groups[:-1]) if not np.isnan(grid[i, -1])}
    assert len(shown) <= len(SEARCHES) - 2, shown
    # And any other linear combination of what is published (with counts >= 0): no hidden
    # count, total or month, is pinned to one value.
    truth = np.array([[*c, sum(c)] for c in (SEARCHES[g] for g in groups[:-1])], dtype=float)
    truth = np.vstack([truth, truth.sum(axis=0)])
    ranges = attacker_ranges(grid)
    assert ranges
    for cell, (low, high) in ranges.items():
        true = truth[cell]
        assert low - 1e-6 <= true <= high + 1e-6
        if true:
            assert not math.isclose(low, high, abs_tol=1e-6), f"{cell}={true} is pinned"


def test_every_table_hides_the_same_groups(results: Results) -> None:
    def blank(frame: pd.DataFrame, column: str) -> set[str]:
        rows = frame.loc[frame[GROUP].astype(str) != TOTAL]
        return {str(g) for g, v in zip(rows[GROUP], rows[column], strict=True) if pd.isna(v)}

    monthly = results.monthly
    hidden = blank(monthly.loc[monthly["period"].astype(str) == TOTAL], "events")
    assert hidden == blank(results.rates, "events")
    assert hidden == blank(results.ratios, "events")
    assert hidden <= blank(results.proportions, "trials")
    assert hidden <= blank(results.trend, "n")
    # Every monthly cell of a hidden group is either hidden or cannot add up to its total.
    assert {"A", "B", "C"} <= hidden


def test_the_funnel_does_not_add_up_to_a_hidden_focus_group(results: Results) -> None:
    """C (the focus) is hidden in the other tables, so its areas must not sum to it, nor
    may the overall rate give it back from the public populations."""
    funnel = results.funnel
    assert funnel["events"].isna().any()
    assert funnel["target"].isna().all()
    assert any("overall figure is hidden" in note for note in results.notes)
