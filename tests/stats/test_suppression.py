"""Disclosure control: small counts are hidden and cannot be worked back from the totals.

The property tests play an attacker who knows every published cell and total and
that counts are never negative. For each hidden cell the attacker solves two linear
programmes (smallest and largest value consistent with everything published); the
cell is safe if that range holds values other than the true one.
"""

from __future__ import annotations

import itertools
import math
from random import Random

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from accord.stats import suppression
from accord.stats.errors import StatsInputError
from accord.stats.suppression import (
    PRIMARY,
    SECONDARY,
    TOTAL,
    hidden_cells,
    interior_cells,
    round_to_base,
    suppress,
    suppress_measures,
    suppress_wide,
)

Cell = tuple[int, ...]


def _to_long(values: npt.NDArray[np.int64]) -> tuple[pd.DataFrame, list[str]]:
    dims = [f"d{i}" for i in range(values.ndim)]
    rows = [
        {**{d: f"{d}_{i}" for d, i in zip(dims, index, strict=True)}, "n": int(values[index])}
        for index in np.ndindex(values.shape)
    ]
    return pd.DataFrame(rows), dims


def _extended(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    out = values
    for axis in range(values.ndim):
        out = np.concatenate([out, out.sum(axis=axis, keepdims=True)], axis=axis)
    return out


def _published_grid(
    out: pd.DataFrame, dims: list[str], shape: tuple[int, ...]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_]]:
    """The published table as an array (NaN where hidden) in extended layout."""
    grid = np.full([s + 1 for s in shape], np.nan)
    flags = np.empty(grid.shape, dtype=object)
    for row in out.itertuples(index=False):
        index = tuple(
            shape[i] if getattr(row, d) == TOTAL else int(str(getattr(row, d)).split("_")[1])
            for i, d in enumerate(dims)
        )
        value = row.n
        grid[index] = np.nan if pd.isna(value) else float(value)
        flags[index] = row.n_flag
    return grid, flags


def attacker_ranges(published: npt.NDArray[np.float64]) -> dict[Cell, tuple[float, float]]:
    """Feasible [min, max] of every hidden cell given the published extended table."""
    hidden = [tuple(int(i) for i in c) for c in np.argwhere(np.isnan(published))]
    position = {cell: k for k, cell in enumerate(hidden)}
    rows: list[npt.NDArray[np.float64]] = []
    rhs: list[float] = []
    shape = published.shape
    for axis, size in enumerate(shape):
        others = [range(s) for i, s in enumerate(shape) if i != axis]
        for rest in itertools.product(*others):
            coefficients = np.zeros(len(hidden))
            constant = 0.0
            for level in range(size):
                cell = (*rest[:axis], level, *rest[axis:])
                sign = -1.0 if level == size - 1 else 1.0  # the last level is the total
                if cell in position:
                    coefficients[position[cell]] += sign
                else:
                    constant += sign * published[cell]
            if coefficients.any():
                rows.append(coefficients)
                rhs.append(-constant)
    ranges: dict[Cell, tuple[float, float]] = {}
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    for cell, k in position.items():
        bounds = []
        for direction in (1.0, -1.0):
            objective = np.zeros(len(hidden))
            objective[k] = direction
            result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            if result.status == 3:  # unbounded
                bounds.append(math.inf)
                continue
            assert result.status == 0, result.message
            bounds.append(direction * result.fun)
        ranges[cell] = (bounds[0], bounds[1])
    return ranges


def _check_table(
    values: npt.NDArray[np.int64], threshold: int, show_zeros: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.object_]]:
    frame, dims = _to_long(values)
    out = suppress(frame, dims, "n", threshold=threshold, show_zeros=show_zeros)
    published, flags = _published_grid(out, dims, values.shape)
    truth = _extended(values)
    shown = ~np.isnan(published)
    # Nothing published lies in 1..threshold-1 (nor is zero, when zeros are hidden).
    small = (published >= 1) & (published < threshold)
    assert not small[shown].any()
    if not show_zeros:
        assert not (published[shown] == 0).any()
    # Published cells are the true values; flags say why anything is hidden.
    np.testing.assert_array_equal(published[shown], truth[shown])
    is_primary = ((truth >= 1) & (truth < threshold)) | ((truth == 0) & (not show_zeros))
    assert ((flags == PRIMARY) == is_primary).all()
    assert ((flags == SECONDARY) == (~shown & ~is_primary)).all()
    assert ((flags == "") == shown).all()
    # The attacker cannot pin down any hidden cell.
    for cell, (low, high) in attacker_ranges(published).items():
        true = truth[cell]
        assert low - 1e-6 <= true <= high + 1e-6, (cell, low, true, high)
        other_values = high == math.inf or math.floor(high + 1e-6) > true
        other_values = other_values or math.ceil(low - 1e-6) < true
        assert other_values, f"cell {cell} = {true} is pinned to [{low}, {high}]"
    return published, flags


# Counts skewed towards small values, as in real tables of rare events.
counts = st.one_of(st.integers(0, 12), st.integers(0, 60), st.integers(100, 400))


@st.composite
def tables(draw: st.DrawFn) -> npt.NDArray[np.int64]:
    ndim = draw(st.sampled_from([1, 2, 2, 2, 3]))
    top = {1: 6, 2: 5, 3: 3}[ndim]
    shape = tuple(draw(st.integers(1 if ndim > 1 else 2, top)) for _ in range(ndim))
    cells = draw(st.lists(counts, min_size=math.prod(shape), max_size=math.prod(shape)))
    return np.array(cells, dtype=np.int64).reshape(shape)


@settings(max_examples=120, deadline=None)
@given(tables(), st.integers(2, 12), st.booleans())
def test_no_hidden_cell_can_be_recovered(
    values: npt.NDArray[np.int64], threshold: int, show_zeros: bool
) -> None:
    _check_table(values, threshold, show_zeros)


@settings(max_examples=60, deadline=None)
@given(tables(), st.integers(2, 12), st.booleans())
def test_no_hidden_cell_can_be_recovered_with_the_shortlist_search(
    values: npt.NDArray[np.int64], threshold: int, show_zeros: bool
) -> None:
    # Big tables only try the cheapest few alternatives per column (and the total);
    # force that path on small tables so the attacker can check it quickly.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(suppression, "_MAX_CANDIDATES", 2)
        _check_table(values, threshold, show_zeros)


@settings(max_examples=40, deadline=None)
@given(tables(), st.integers(2, 12))
def test_rounding_publishes_multiples_of_five_near_the_truth(
    values: npt.NDArray[np.int64], threshold: int
) -> None:
    frame, dims = _to_long(values)
    plain = suppress(frame, dims, "n", threshold=threshold)
    rounded = suppress(frame, dims, "n", threshold=threshold, rounding=5)
    pd.testing.assert_series_equal(plain.n_flag, rounded.n_flag)
    shown = rounded.n.notna()
    assert (rounded.n[shown] % 5 == 0).all()
    assert ((rounded.n[shown] - plain.n[shown]).abs() <= 2).all()
    assert (rounded.n.isna() == plain.n.isna()).all()


def test_worked_two_way_example() -> None:
    table = pd.DataFrame(
        {"Asian": [3, 25, 7], "Black": [40, 60, 0], "White": [1, 100, 50]},
        index=pd.Index(["Barnet", "Brent", "Camden"], name="area"),
    )
    result = suppress_wide(table)
    assert result.flags.loc["Barnet", "Asian"] == PRIMARY
    assert result.flags.loc["Barnet", "White"] == PRIMARY
    assert result.flags.loc["Camden", "Asian"] == PRIMARY
    # Camden's row would give its Asian count away; the smallest usable cell (White,
    # 50) is hidden rather than the zero or the bigger totals.
    assert result.flags.loc["Camden", "White"] == SECONDARY
    assert result.flags.loc["Camden", "Black"] == ""
    assert result.values.loc["Camden", "Black"] == 0
    assert result.values.loc[TOTAL, TOTAL] == table.to_numpy().sum()
    assert list(result.values.columns) == ["Asian", "Black", "White", TOTAL]
    hidden = result.values.isna().sum().sum()
    assert hidden == 4


def test_small_margin_is_hidden_and_protected() -> None:
    # Row "Kingston" totals 9: the total itself is primary, and so are its cells.
    values = np.array([[2, 3, 4], [30, 45, 60], [25, 35, 50]])
    published, flags = _check_table(values, threshold=10, show_zeros=True)
    assert flags[0, 3] == PRIMARY
    assert np.isnan(published[0, 3])
    # Something else in the totals row must be hidden too, or 9 = grand total - others.
    assert np.isnan(published[1:3, 3]).any()


def test_single_small_cell_in_one_way_table_needs_a_partner() -> None:
    out = suppress(pd.DataFrame({"g": ["a", "b", "c"], "n": [4, 20, 30]}), "g", "n")
    assert out.set_index("g").n_flag.to_dict() == {
        "a": PRIMARY,
        "b": SECONDARY,
        "c": "",
        TOTAL: "",
    }
    assert out.set_index("g").n[TOTAL] == 54


def test_without_margins_only_primary_and_no_total_rows() -> None:
    frame = pd.DataFrame({"g": ["a", "b", "c"], "n": [4, 20, 0]})
    out = suppress(frame, "g", "n", margins=False)
    assert out.n_flag.tolist() == [PRIMARY, "", ""]
    assert out.n.isna().tolist() == [True, False, False]
    assert TOTAL not in set(out.g)
    hidden_zero = suppress(frame, "g", "n", margins=False, show_zeros=False)
    assert hidden_zero.n_flag.tolist() == [PRIMARY, "", PRIMARY]


def test_threshold_is_configurable() -> None:
    frame = pd.DataFrame({"g": ["a", "b"], "n": [4, 6]})
    assert suppress(frame, "g", "n", threshold=5, margins=False).n_flag.tolist() == [PRIMARY, ""]
    assert suppress(frame, "g", "n", threshold=4, margins=False).n_flag.tolist() == ["", ""]


def test_missing_combinations_count_as_zero() -> None:
    frame = pd.DataFrame({"a": ["x", "y", "y"], "b": ["p", "p", "q"], "n": [20, 30, 40]})
    out = suppress(frame, ["a", "b"], "n").set_index(["a", "b"])
    assert out.loc[("x", "q"), "n"] == 0
    assert out.loc[("x", TOTAL), "n"] == 20


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"g": ["a", "a"], "n": [1, 2]}), "must appear once"),
        (pd.DataFrame({"g": ["a", "b"], "n": [1, -2]}), "negative counts"),
        (pd.DataFrame({"g": ["a", None], "n": [1, 2]}), "must not be missing"),
        (pd.DataFrame({"h": ["a"], "n": [1]}), "Unknown column.*'g'.*Available columns: h, n"),
    ],
)
def test_bad_tables_are_refused(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(StatsInputError, match=message):
        suppress(frame, "g", "n")


def test_threshold_and_base_must_be_positive() -> None:
    with pytest.raises(StatsInputError, match="threshold must be at least 1"):
        suppress(pd.DataFrame({"g": ["a"], "n": [1]}), "g", "n", threshold=0)
    with pytest.raises(StatsInputError, match="base must be at least 1"):
        round_to_base(pd.Series([1, 2]), 0)


def test_round_to_base() -> None:
    series = pd.Series([0, 2, 3, 7, 8, 12, 13, None], dtype="Int64")
    assert round_to_base(series).tolist() == [0, 0, 5, 5, 10, 10, 15, pd.NA]


def _measures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "eth": ["Asian", "Black", "Mixed", "White"],
            "estimate": [1.5, 4.0, 0.0, 2.0],
            "lower": [1.0, 3.0, 0.0, 1.5],
            "upper": [2.0, 5.0, 0.5, 2.5],
            "n": pd.array([30, 5, 0, 40], dtype="Int64"),
            "suppressed": False,
        }
    )


def test_measure_rows_with_small_n_are_blanked() -> None:
    out = suppress_measures(_measures())
    assert out.suppressed.tolist() == [False, True, False, False]
    blank = out.loc[1, ["estimate", "lower", "upper", "n"]]
    assert blank.isna().all()
    assert out.loc[0, "estimate"] == 1.5 and out.loc[0, "n"] == 30
    assert suppress_measures(_measures(), show_zeros=False).suppressed.tolist() == [
        False,
        True,
        True,
        False,
    ]


def test_secondary_suppression_carries_over_to_measures() -> None:
    counts = pd.DataFrame({"eth": ["Asian", "Black", "Mixed", "White"], "events": [30, 5, 0, 40]})
    table = suppress(counts, "eth", "events")
    out = suppress_measures(_measures(), counts=table, by=["eth"])
    # Black is primary; Asian (30, the smallest usable cell) is its complement.
    assert out.suppressed.tolist() == [True, True, False, False]
    assert out.loc[0, ["estimate", "lower", "upper"]].isna().all()


def test_measures_without_n_are_refused() -> None:
    with pytest.raises(StatsInputError, match="no 'n' column"):
        suppress_measures(_measures().drop(columns="n"))


@settings(max_examples=60, deadline=None)
@given(tables(), st.integers(2, 12), st.booleans(), st.booleans(), st.randoms())
def test_hidden_cells_are_the_cells_suppress_flags(
    values: npt.NDArray[np.int64], threshold: int, show_zeros: bool, margins: bool, rng: Random
) -> None:
    frame, dims = _to_long(values)
    frame = frame.sample(frac=1.0, random_state=rng.randrange(2**32)).reset_index(drop=True)
    options = {"threshold": threshold, "show_zeros": show_zeros, "margins": margins}
    flags = interior_cells(suppress(frame, dims, "n", **options), dims, like=frame)
    expected = frame[dims].merge(flags, on=dims, how="left")["n_flag"] != ""
    mask = hidden_cells(frame, dims, "n", **options)
    np.testing.assert_array_equal(mask, expected.to_numpy())
