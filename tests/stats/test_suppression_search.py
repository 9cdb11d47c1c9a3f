"""The vectorised box search in ``suppression.protect`` chooses what its rule says.

``protect`` is written for speed (one NumPy pass over every candidate box). This
file restates its rule in plain Python, one box and one corner at a time, and checks
that both hide exactly the same cells: for every hidden cell, largest first, take the
box with the lowest cost (the values of the cells it newly hides; a zero costs more
than any value), then the fewest newly hidden cells, then the first in order; never a
box whose zero corners pin the shift both ways. The safety of the result is tested in
test_suppression.py.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from accord.stats import suppression

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _alternatives(
    values: IntArray, hidden: BoolArray, cell: tuple[int, ...], penalty: float
) -> list[list[int]]:
    shape = values.shape
    full = [[level for level in range(n) if level != cell[d]] for d, n in enumerate(shape)]
    if math.prod(len(a) for a in full) <= suppression._MAX_CANDIDATES:
        return full
    keep = max(2, int(suppression._MAX_CANDIDATES ** (1 / len(shape))))
    chosen = []
    for d, options in enumerate(full):

        def line_cost(level: int, d: int = d) -> float:
            other = list(cell)
            other[d] = level
            at = tuple(other)
            return 0.0 if hidden[at] else float(values[at]) if values[at] > 0 else penalty

        best = sorted(options, key=line_cost)[:keep]  # sorted() is stable
        total = shape[d] - 1
        if total != cell[d] and total not in best:
            best = [*best[: keep - 1], total]
        chosen.append(sorted(best))
    return chosen


def _direct_protect(values: IntArray, primary: BoolArray) -> BoolArray:
    hidden = primary.copy()
    protected = np.zeros_like(primary)
    penalty = float(values.max(initial=0)) + 1.0
    totals = [n - 1 for n in values.shape]
    cells = [tuple(int(i) for i in c) for c in np.argwhere(primary)]
    cells.sort(key=lambda c: -values[c])  # stable: ties keep row-major order
    for cell in cells:
        if protected[cell]:
            continue
        best: tuple[float, int, int] | None = None
        best_corners: list[tuple[int, ...]] = []
        options = _alternatives(values, hidden, cell, penalty)
        for position, choice in enumerate(itertools.product(*options)):
            corners, cost, new, up, down = [], 0.0, 0, False, False
            for bits in itertools.product([0, 1], repeat=len(cell)):
                corner = tuple(a if b else c for a, b, c in zip(choice, bits, cell, strict=True))
                corners.append(corner)
                if not hidden[corner]:
                    cost += float(values[corner]) if values[corner] > 0 else penalty
                    new += 1
                if values[corner] == 0:
                    flips = sum(bits) + sum(
                        int(x == t) for x, t in zip(corner, totals, strict=True)
                    )
                    up, down = up or flips % 2 == 0, down or flips % 2 == 1
            key = (math.inf if up and down else cost, new, position)
            if best is None or key < best:
                best, best_corners = key, corners
        for corner in best_corners:
            hidden[corner] = True
            protected[corner] = True
    return hidden


counts = st.one_of(st.integers(0, 12), st.integers(0, 60), st.integers(100, 400))


@st.composite
def extended_tables(draw: st.DrawFn) -> tuple[IntArray, BoolArray]:
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.integers(1, {1: 8, 2: 6, 3: 4, 4: 3}[ndim])) for _ in range(ndim))
    cells = draw(st.lists(counts, min_size=math.prod(shape), max_size=math.prod(shape)))
    values = suppression._extend(np.array(cells, dtype=np.int64).reshape(shape))
    threshold = draw(st.integers(2, 12))
    return values, suppression._primary(values, threshold, draw(st.booleans()))


def _table(interior: list[list[int]], threshold: int = 10) -> tuple[IntArray, BoolArray]:
    values = suppression._extend(np.array(interior, dtype=np.int64))
    return values, suppression._primary(values, threshold, True)


# Two boxes of equal cost; the one hiding fewer new cells must win.
TIED = _table([[10, 5, 0], [10, 20, 30], [30, 3, 15]])


@settings(max_examples=150, deadline=None)
@given(extended_tables())
@example(TIED)
def test_vectorised_search_hides_what_the_rule_says(table: tuple[IntArray, BoolArray]) -> None:
    values, primary = table
    hidden, secondary = suppression.protect(values, primary)
    np.testing.assert_array_equal(hidden, _direct_protect(values, primary))
    np.testing.assert_array_equal(secondary, hidden & ~primary)


@settings(max_examples=60, deadline=None)
@given(extended_tables())
def test_shortlist_search_hides_what_the_rule_says(table: tuple[IntArray, BoolArray]) -> None:
    values, primary = table
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(suppression, "_MAX_CANDIDATES", 2)
        hidden, _ = suppression.protect(values, primary)
        np.testing.assert_array_equal(hidden, _direct_protect(values, primary))
