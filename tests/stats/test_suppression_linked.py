"""Tables released together: forced cells, and the shared counts they all hide.

The attacker of test_suppression is given everything both tables publish (the group
totals shown in either fill the other's margin) and must not pin down a hidden count.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.stats import api
from accord.stats.suppression import (
    SECONDARY,
    TOTAL,
    Released,
    hidden_at,
    hidden_cells,
    suppress,
    suppress_together,
)
from tests.stats.test_suppression import attacker_ranges

# The reviewer's reproduction: A/B/C/W searched 5/12/11/500 times over two months.
GROUPS = pd.DataFrame({"g": ["A", "B", "C", "W"], "n": [5, 12, 11, 500]})
MONTHS = pd.DataFrame(
    {
        "g": ["A", "A", "B", "B", "C", "C", "W", "W"],
        "m": ["1", "2"] * 4,
        "n": [5, 0, 6, 6, 11, 0, 250, 250],
    }
)


def _combined(groups: pd.DataFrame, months: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The published group x month table (NaN where hidden) with every group total that
    either table shows filled in: what an attacker holding both tables knows."""
    labels = sorted(set(months["g"]) - {TOTAL})
    periods = sorted(set(months["m"]) - {TOTAL})
    grid = np.full((len(labels) + 1, len(periods) + 1), np.nan)
    for row in months.itertuples(index=False):
        if not pd.isna(row.n):
            i = len(labels) if row.g == TOTAL else labels.index(row.g)
            j = len(periods) if row.m == TOTAL else periods.index(row.m)
            grid[i, j] = float(row.n)
    for row in groups.itertuples(index=False):
        if not pd.isna(row.n):
            i = len(labels) if row.g == TOTAL else labels.index(row.g)
            grid[i, -1] = float(row.n)
    return grid


def _pinned(grid: npt.NDArray[np.float64], truth: npt.NDArray[np.int64]) -> list[tuple[int, ...]]:
    pinned = []
    for cell, (low, high) in attacker_ranges(grid).items():
        assert low - 1e-6 <= truth[cell] <= high + 1e-6
        if truth[cell] and math.isclose(low, high, abs_tol=1e-6):
            pinned.append(cell)
    return pinned


def _truth(months: pd.DataFrame) -> npt.NDArray[np.int64]:
    wide = months.pivot(index="g", columns="m", values="n").sort_index().to_numpy(np.int64)
    wide = np.concatenate([wide, wide.sum(axis=1, keepdims=True)], axis=1)
    return np.concatenate([wide, wide.sum(axis=0, keepdims=True)], axis=0)


def test_tables_suppressed_one_by_one_give_a_hidden_count_away() -> None:
    """The reproduction, so the next test is known to guard against something real."""
    grid = _combined(suppress(GROUPS, "g", "n"), suppress(MONTHS, ["g", "m"], "n"))
    assert (0, 2) in _pinned(grid, _truth(MONTHS))  # A's total: 528 - 12 - 11 - 500


def test_tables_released_together_hide_the_same_groups() -> None:
    tables = [Released(GROUPS, ("g",), "n", "g"), Released(MONTHS, ("g", "m"), "n", "g")]
    shared = suppress_together(tables)
    assert shared == ({"g": "A"}, {"g": "B"}, {"g": "C"})
    force = shared
    groups = suppress(GROUPS, "g", "n", force=force)
    months = suppress(MONTHS, ["g", "m"], "n", force=force)
    in_groups = set(groups.loc[groups["n"].isna(), "g"])
    margins = months.loc[months["m"] == TOTAL]
    in_months = set(margins.loc[margins["n"].isna(), "g"])
    assert in_groups == in_months == {"A", "B", "C"}
    assert _pinned(_combined(groups, months), _truth(MONTHS)) == []


@settings(max_examples=40, deadline=None)
@given(
    small=st.lists(st.integers(0, 3), min_size=3, max_size=3).filter(lambda r: sum(r) > 0),
    rest=st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=2, max_size=4),
)
def test_no_count_is_pinned_across_two_tables(small: list[int], rest: list[list[int]]) -> None:
    rows = [small, *rest]
    labels = [f"g{i}" for i in range(len(rows))]
    months = pd.DataFrame(
        [
            {"g": g, "m": f"m{j}", "n": n}
            for g, r in zip(labels, rows, strict=True)
            for j, n in enumerate(r)
        ]
    )
    groups = months.groupby("g", as_index=False)["n"].sum()
    shared = suppress_together(
        [Released(groups, ("g",), "n", "g"), Released(months, ("g", "m"), "n", "g")]
    )
    force = shared
    published_groups = suppress(groups, "g", "n", force=force)
    published_months = suppress(months, ["g", "m"], "n", force=force)
    hidden_groups = set(published_groups.loc[published_groups["n"].isna(), "g"])
    margins = published_months.loc[published_months["m"] == TOTAL]
    assert hidden_groups == set(margins.loc[margins["n"].isna(), "g"])
    assert {c.get("g", TOTAL) for c in shared} == hidden_groups
    assert _pinned(_combined(published_groups, published_months), _truth(months)) == []


def test_forced_cells_are_hidden_protected_and_flagged_secondary() -> None:
    out = suppress(MONTHS, ["g", "m"], "n", force=[{"g": "W"}])
    margin = out.set_index(["g", "m"]).loc[("W", TOTAL)]
    assert pd.isna(margin["n"])
    assert margin["n_flag"] == SECONDARY
    # Another group's total goes with it: W's alone would be the grand total less the rest.
    totals = out.loc[(out["m"] == TOTAL) & (out["g"] != TOTAL)]
    assert totals["n"].isna().sum() >= 2
    # A cell this table does not have (another column, another level) is ignored.
    same = suppress(MONTHS, ["g", "m"], "n", force=[{"area": "North"}, {"g": "Z"}])
    pd.testing.assert_frame_equal(same, suppress(MONTHS, ["g", "m"], "n"))


def test_a_forced_margin_without_margins_hides_every_cell_it_adds_up() -> None:
    mask = hidden_cells(MONTHS, ["g", "m"], "n", margins=False, force=[{"g": "W"}])
    assert mask[(MONTHS["g"] == "W").to_numpy()].all()
    assert hidden_at(MONTHS, ["g", "m"], [{"g": "W"}, {"g": "B"}], "n", margins=False) == [
        False,
        True,
    ]


def test_measures_and_tables_follow_the_forced_cells() -> None:
    events = pd.DataFrame(
        {
            "eth": ["A"] * 50 + ["B"] * 40 + ["W"] * 300,
            "outcome": ["Arrest", "None"] * 195,
            "date": pd.date_range("2022-01-01", periods=390, freq="D"),
        }
    )
    people = pd.DataFrame({"eth": ["A", "B", "W"], "population": [1_000, 1_000, 9_000]})
    rule = api.Disclosure(hide=({"eth": "A"},))
    rates = api.rates(events, people, group="eth", disclosure=rule).set_index("eth")
    assert rates.loc["A", "suppressed"] and pd.isna(rates.loc["A", "events"])
    assert rates.loc["B", "suppressed"]  # protects A against the total
    assert not api.rates(events, people, group="eth")["suppressed"].any()
    trend = api.trend(events, date="date", group="eth", disclosure=rule).set_index("eth")
    assert trend.loc["A", "suppressed"] and pd.isna(trend.loc["A", "n"])
    assert not trend.loc["W", "suppressed"]
    table = api.tabulate(events, by="eth", period="month", date="date", disclosure=rule)
    assert pd.isna(table.set_index(["eth", "period"]).loc[("A", TOTAL), "events"])
    raw = api.tabulate(events, by="eth", period="month", date="date", disclosure=None)
    assert raw["events"].notna().all() and (raw["events_flag"] == "").all()
    funnel = api.funnel(
        events.assign(area=["N", "S"] * 195),
        pd.DataFrame({"area": ["N", "S"], "population": [5_000, 6_000]}),
        unit="area",
        disclosure=api.Disclosure(hide=({},)),
    )
    assert funnel["target"].isna().all() and funnel["outlier"].isna().all()
    assert funnel["events"].isna().any()
    assert any("overall figure is hidden" in note for note in funnel.attrs["notes"])
