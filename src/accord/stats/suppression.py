"""Disclosure control: hide small counts so that no one can be identified.

Three steps, in order, for any table of counts (any number of grouping columns):

1. **Primary suppression** hides every count from 1 to ``threshold - 1`` (default
   threshold 10). Zero is shown unless ``show_zeros=False``.
2. **Secondary (complementary) suppression**, for tables published with their totals
   (margins): hiding one cell of a row is pointless if the row total and the other
   cells are shown, since subtraction gives it back. So for every hidden cell (margins
   included, since a small total is hidden too) we hide further cells so that the
   hidden cells can move together without changing any published total. This is the
   *hypercube* method (Repsilber; used by tau-Argus): a hidden cell is protected by a
   box of 2^d cells, one alternative level per grouping column, whose corners can
   all be shifted by ``+t`` and ``-t`` alternately. Among the possible boxes we take the
   one that hides the least (the smallest cells, never a zero if it can be helped,
   and cells already hidden for free), and a box is only used if no zero corner pins
   the shift to a single value. We repeat until every hidden cell sits in such a box.
3. Optional **rounding** of the published counts to base 5.

Every cell keeps a flag saying why it is hidden: ``"primary"``, ``"secondary"`` or
``""``. :func:`suppress_measures` then blanks the estimate and interval of any
measure row whose count is hidden.

Anchors: ONS "Disclosure control guidance for tables produced from administrative
sources"; Hundepool et al., *Statistical Disclosure Control* (2012), ch. 4 and the
tau-Argus manual (hypercube method); ACRO output checking.

Example:
    >>> import pandas as pd
    >>> counts = pd.DataFrame({"area": ["A", "A", "B", "B"], "group": ["x", "y", "x", "y"],
    ...                        "events": [3, 40, 25, 60]})
    >>> out = suppress(counts, ["area", "group"], "events")
    >>> table = out[["area", "group", "events", "events_flag"]].head(4)
    >>> print(table.to_string(index=False))  # doctest: +NORMALIZE_WHITESPACE
    area group events events_flag
       A     x   <NA>     primary
       A     y   <NA>   secondary
       A Total     43
       B     x   <NA>   secondary
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from accord.stats.errors import StatsInputError

__all__ = [
    "MEASURE_COLUMNS",
    "PRIMARY",
    "SECONDARY",
    "TOTAL",
    "SuppressedTable",
    "blank_measures",
    "interior_cells",
    "protect",
    "round_to_base",
    "suppress",
    "suppress_measures",
    "suppress_wide",
]

PRIMARY = "primary"
SECONDARY = "secondary"
#: Label of the margin (total) level of each grouping column.
TOTAL = "Total"
#: Columns blanked in a suppressed measure row (counts that give the cell away, too).
MEASURE_COLUMNS = ("estimate", "lower", "upper", "exact_lower", "exact_upper", "n")

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Largest number of candidate boxes examined exhaustively for one hidden cell; beyond
# it each grouping column offers only its cheapest few alternatives (the total is
# always one of them, so a protecting box always exists).
_MAX_CANDIDATES = 512


@dataclass(frozen=True)
class SuppressedTable:
    """A two-way table after disclosure control.

    Attributes:
        values: Published counts (nullable integers, ``<NA>`` where hidden), with a
            ``Total`` row and column when margins are published.
        flags: Same shape; ``"primary"``, ``"secondary"`` or ``""`` for each cell.
    """

    values: pd.DataFrame
    flags: pd.DataFrame


def _check_threshold(threshold: int) -> None:
    if threshold < 1:
        raise StatsInputError(f"The suppression threshold must be at least 1, not {threshold}.")


def _extend(interior: IntArray) -> IntArray:
    """Append a total level to every axis (the table with all its margins)."""
    extended = interior
    for axis in range(interior.ndim):
        extended = np.concatenate([extended, extended.sum(axis=axis, keepdims=True)], axis=axis)
    return extended


def _primary(values: IntArray, threshold: int, show_zeros: bool) -> BoolArray:
    hidden: BoolArray = (values >= 1) & (values < threshold)
    if not show_zeros:
        hidden |= values == 0
    return hidden


class _Table:
    """The extended table flattened, with what the box search needs precomputed."""

    def __init__(self, values: IntArray, hidden: BoolArray) -> None:
        self.shape = values.shape
        self.values = values.ravel()
        self.hidden = hidden.ravel().copy()
        self.strides = np.array(
            [int(np.prod(self.shape[d + 1 :])) for d in range(len(self.shape))], dtype=np.int64
        )
        # Cost of hiding a cell: its value (smallest first); a zero is avoided because it
        # only lets a box move one way; an already hidden cell is free.
        self.penalty = float(self.values.max(initial=0)) + 1.0
        self.base_cost = np.where(self.values > 0, self.values.astype(np.float64), self.penalty)

    def cost(self) -> npt.NDArray[np.float64]:
        return np.where(self.hidden, 0.0, self.base_cost)

    def alternatives(self, cell: tuple[int, ...], cost: npt.NDArray[np.float64]) -> list[IntArray]:
        """Alternative levels per axis (all of them, or the cheapest few and the total)."""
        full = [np.delete(np.arange(n, dtype=np.int64), cell[d]) for d, n in enumerate(self.shape)]
        if int(np.prod([len(a) for a in full])) <= _MAX_CANDIDATES:
            return full
        keep = max(2, int(_MAX_CANDIDATES ** (1 / len(self.shape))))
        base = int(np.dot(cell, self.strides))
        chosen: list[IntArray] = []
        for d, options in enumerate(full):
            line_cost = cost[base + (options - cell[d]) * self.strides[d]]
            best = options[np.argsort(line_cost, kind="stable")][:keep]
            total = self.shape[d] - 1
            if total != cell[d] and total not in best:
                best = np.append(best[: keep - 1], total)
            chosen.append(np.sort(best))
        return chosen

    def best_box(self, cell: tuple[int, ...]) -> IntArray:
        """Flat indices of the corners of the cheapest protecting box around ``cell``."""
        ndim = len(self.shape)
        cost = self.cost()
        options = self.alternatives(cell, cost)
        # index[b_1..b_k, j_1..j_k]: corner b (0 = the cell's own level, 1 = the
        # alternative) of the box that takes alternative j_d on each axis d.
        index = np.full((1,) * (2 * ndim), int(np.dot(cell, self.strides)), dtype=np.int64)
        totals = np.zeros((1,) * (2 * ndim), dtype=np.int64)
        for d, alternatives in enumerate(options):
            bit_shape = [1] * (2 * ndim)
            bit_shape[d] = 2
            choice_shape = [1] * (2 * ndim)
            choice_shape[ndim + d] = len(alternatives)
            bit = np.array([0, 1], dtype=np.int64).reshape(bit_shape)
            offset = ((alternatives - cell[d]) * self.strides[d]).reshape(choice_shape)
            index = index + bit * offset
            total = self.shape[d] - 1
            at_total = np.stack(
                [np.full(len(alternatives), cell[d] == total), alternatives == total]
            ).astype(np.int64)
            at_total_shape = [1] * (2 * ndim)
            at_total_shape[d] = 2
            at_total_shape[ndim + d] = len(alternatives)
            totals = totals + at_total.reshape(at_total_shape)
        corners = tuple(range(ndim))
        values = self.values[index]
        box_cost = cost[index].sum(axis=corners)
        new_cells = (~self.hidden[index]).sum(axis=corners)
        # A corner moves by sign * t in the table where each total is negated (there
        # every line sums to zero); a zero corner only allows the sign that keeps it
        # non-negative. Zero corners pinning both signs freeze the whole box.
        parity = np.zeros((2,) * ndim + (1,) * ndim, dtype=np.int64)
        for d in range(ndim):
            shape = [1] * (2 * ndim)
            shape[d] = 2
            parity = parity + np.array([0, 1]).reshape(shape)
        sign = np.where((parity + totals) % 2 == 0, 1, -1)
        zero = values == 0
        up = (zero & (sign > 0)).any(axis=corners)
        down = (zero & (sign < 0)).any(axis=corners)
        score = np.where(up & down, np.inf, box_cost)
        order = np.lexsort((new_cells.ravel(), score.ravel()))
        best = np.unravel_index(int(order[0]), score.shape)
        if not np.isfinite(score[best]):  # pragma: no cover - the all-totals box is feasible
            raise AssertionError("no protecting box found")
        position = int(np.ravel_multi_index(best, score.shape))
        return np.asarray(index.reshape(2**ndim, -1)[:, position], dtype=np.int64)


def protect(values: IntArray, primary: BoolArray) -> tuple[BoolArray, BoolArray]:
    """Secondary suppression on a table that already includes all its margins.

    ``values`` is the extended table (the last level of every axis is that axis's
    total). Returns ``(hidden, secondary)`` masks. Every hidden cell ends up as a
    corner of a box of hidden cells that can shift together, so none can be worked
    out from the published cells and totals.
    """
    table = _Table(values, primary)
    protected = np.zeros(table.values.shape, dtype=bool)
    # Largest hidden cells first: they need the widest boxes, which smaller hidden
    # cells then often share for free.
    todo = np.flatnonzero(table.hidden)
    todo = todo[np.argsort(-table.values[todo], kind="stable")]
    for flat in todo:
        if protected[flat]:
            continue
        cell = tuple(int(i) for i in np.unravel_index(int(flat), table.shape))
        corners = table.best_box(cell)
        table.hidden[corners] = True
        protected[corners] = True
    hidden = table.hidden.reshape(values.shape)
    return hidden, hidden & ~primary


def round_to_base(values: pd.Series, base: int = 5) -> pd.Series:
    """Round counts to the nearest multiple of ``base`` (halves away from zero)."""
    if base < 1:
        raise StatsInputError(f"The rounding base must be at least 1, not {base}.")
    numeric = values.astype("Float64")
    return ((numeric / base + 0.5).floordiv(1) * base).astype("Int64")


def _levels(column: pd.Series) -> pd.Index:
    """Distinct values in sorted order when they sort, else in order of appearance."""
    values = list(pd.unique(column))
    with contextlib.suppress(TypeError):  # mixed types: keep the order of appearance
        values = sorted(values)
    index: pd.Index = pd.Index(values)
    return index


def _dense(frame: pd.DataFrame, by: Sequence[str], count: str) -> tuple[IntArray, list[pd.Index]]:
    missing = [c for c in [*by, count] if c not in frame.columns]
    if missing:
        raise StatsInputError(
            f"Unknown column(s) {', '.join(map(repr, missing))}. "
            f"Available columns: {', '.join(map(str, frame.columns))}."
        )
    if frame[count].isna().any():
        raise StatsInputError(f"Column {count!r} has missing counts; fill or drop them first.")
    if (frame[count] < 0).any():
        raise StatsInputError(f"Column {count!r} has negative counts.")
    if frame.duplicated(list(by)).any():
        dupes = frame.loc[frame.duplicated(list(by), keep=False), list(by)]
        raise StatsInputError(
            f"Each combination of {', '.join(by)} must appear once; repeated:\n"
            f"{dupes.head(10).to_string(index=False)}"
        )
    if frame[list(by)].isna().any().any():
        raise StatsInputError(f"Grouping columns {', '.join(by)} must not be missing.")
    levels = [_levels(frame[c]) for c in by]
    array = np.zeros([len(level) for level in levels], dtype=np.int64)
    positions = tuple(
        level.get_indexer(pd.Index(frame[c])) for level, c in zip(levels, by, strict=True)
    )
    array[positions] = frame[count].to_numpy(dtype=np.int64)
    return array, levels


def suppress(
    frame: pd.DataFrame,
    by: str | Sequence[str],
    count: str = "events",
    *,
    threshold: int = 10,
    show_zeros: bool = True,
    margins: bool = True,
    rounding: int | None = None,
    total_label: str = TOTAL,
) -> pd.DataFrame:
    """Disclosure control for a table of counts in long form (one row per cell).

    Args:
        frame: One row per combination of the ``by`` columns; missing combinations
            count as zero.
        by: The grouping columns (the table's dimensions).
        count: The column of counts.
        threshold: Counts from 1 to ``threshold - 1`` are hidden.
        show_zeros: Show zero counts (``False`` hides them as primary).
        margins: The totals over each grouping column are published too: they are
            added as rows labelled ``total_label``, and secondary suppression makes
            sure no hidden cell can be worked out from them. With ``False`` only the
            cells are published and primary suppression is enough.
        rounding: Round the published counts to this base (e.g. 5), after suppression.
        total_label: Label of the total level in each grouping column.

    Returns:
        The table (with margin rows if ``margins``), other columns dropped, with
        ``count`` as nullable integers (``<NA>`` where hidden) and ``<count>_flag``.
    """
    _check_threshold(threshold)
    keys = [by] if isinstance(by, str) else list(by)
    if not keys:
        raise StatsInputError("Name at least one grouping column to suppress by.")
    interior, levels = _dense(frame, keys, count)
    if margins:
        values = _extend(interior)
        labels = [[*level.tolist(), total_label] for level in levels]
        primary = _primary(values, threshold, show_zeros)
        hidden, secondary = protect(values, primary)
    else:
        values = interior
        labels = [level.tolist() for level in levels]
        primary = _primary(values, threshold, show_zeros)
        hidden, secondary = primary, np.zeros_like(primary)
    index = pd.MultiIndex.from_product(labels, names=keys)
    out = index.to_frame(index=False)
    if not margins:
        # Keep only the cells that were in the input (no invented zero rows).
        present = frame[keys].drop_duplicates()
        keep = out.merge(present.assign(_present=True), on=keys, how="left")["_present"]
        mask = keep.fillna(False).astype(bool).to_numpy()
    else:
        mask = np.ones(len(out), dtype=bool)
    counts = pd.Series(values.ravel(), dtype="Int64")
    counts[hidden.ravel()] = pd.NA
    if rounding:
        counts = round_to_base(counts, rounding)
    out[count] = counts.to_numpy()
    flag = np.where(primary.ravel(), PRIMARY, np.where(secondary.ravel(), SECONDARY, ""))
    out[f"{count}_flag"] = flag
    out[count] = out[count].astype("Int64")
    return out.loc[mask].reset_index(drop=True)


def suppress_wide(
    table: pd.DataFrame,
    *,
    threshold: int = 10,
    show_zeros: bool = True,
    margins: bool = True,
    rounding: int | None = None,
    total_label: str = TOTAL,
) -> SuppressedTable:
    """Disclosure control for a two-way table of counts (rows x columns, no totals).

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"x": [3, 25], "y": [40, 60]}, index=["A", "B"])
        >>> suppress_wide(table).flags.loc["A", "x"]
        'primary'
    """
    row_name = str(table.index.name or "row")
    column_name = str(table.columns.name or "column")
    long_frame = (
        table.rename_axis(index=row_name)
        .reset_index()
        .melt(id_vars=row_name, var_name=column_name, value_name="count")
    )
    out = suppress(
        long_frame,
        [row_name, column_name],
        "count",
        threshold=threshold,
        show_zeros=show_zeros,
        margins=margins,
        rounding=rounding,
        total_label=total_label,
    )
    row_order = [*table.index.tolist(), *([total_label] if margins else [])]
    column_order = [*table.columns.tolist(), *([total_label] if margins else [])]
    values = out.pivot(index=row_name, columns=column_name, values="count")
    flags = out.pivot(index=row_name, columns=column_name, values="count_flag")
    values = values.reindex(index=row_order, columns=column_order).astype("Int64")
    flags = flags.reindex(index=row_order, columns=column_order)
    return SuppressedTable(values=values, flags=flags)


def interior_cells(
    table: pd.DataFrame,
    by: Sequence[str],
    *,
    like: pd.DataFrame | None = None,
    total_label: str = TOTAL,
) -> pd.DataFrame:
    """The rows of a :func:`suppress` output that are cells, not margins.

    With ``like``, the grouping columns get ``like``'s types back (a margin label
    turns a date or number column into text), so the result can be merged with it.
    """
    keys = list(by)
    margin = np.zeros(len(table), dtype=bool)
    for key in keys:
        margin |= (table[key].astype(object) == total_label).to_numpy()
    cells = table.loc[~margin].copy()
    if like is not None:
        for key in keys:
            if key in like.columns:
                cells[key] = cells[key].astype(like[key].dtype)
    return cells.reset_index(drop=True)


def blank_measures(
    measures: pd.DataFrame,
    hidden: Iterable[bool] | pd.Series,
    *,
    columns: Sequence[str] = MEASURE_COLUMNS,
) -> pd.DataFrame:
    """Blank ``columns`` and set ``suppressed=True`` on the rows where ``hidden``."""
    out = measures.copy()
    mask = np.asarray(list(hidden), dtype=bool)
    if len(mask) != len(out):
        raise StatsInputError("The hidden-row mask must have one entry per measure row.")
    for column in columns:
        if column in out.columns and mask.any():
            integer = pd.api.types.is_integer_dtype(out[column])
            out[column] = out[column].astype("Int64" if integer else "Float64")
            out.loc[mask, column] = pd.NA
    previous = out["suppressed"].astype(bool) if "suppressed" in out.columns else False
    out["suppressed"] = previous | mask
    return out


def suppress_measures(
    measures: pd.DataFrame,
    *,
    threshold: int = 10,
    n: str = "n",
    counts: pd.DataFrame | None = None,
    by: Sequence[str] = (),
    count: str = "events",
    show_zeros: bool = True,
) -> pd.DataFrame:
    """Blank estimates whose count is hidden.

    A measure row is suppressed when its ``n`` is from 1 to ``threshold - 1`` (or 0
    with ``show_zeros=False``), or, if ``counts`` (the output of :func:`suppress`) is
    given, when the matching cell there is hidden (so secondary suppression carries
    over to the measures).
    """
    _check_threshold(threshold)
    if n not in measures.columns:
        raise StatsInputError(
            f"Measure table has no {n!r} column. Available: {', '.join(measures.columns)}."
        )
    size = pd.to_numeric(measures[n])
    hidden = ((size >= 1) & (size < threshold)).fillna(True)
    if not show_zeros:
        hidden |= size == 0
    if counts is not None:
        keys = list(by)
        flags = interior_cells(counts, keys, like=measures)[[*keys, f"{count}_flag"]]
        merged = measures[keys].merge(flags, on=keys, how="left")
        hidden |= (merged[f"{count}_flag"].fillna("") != "").to_numpy()
    return blank_measures(measures, hidden.to_numpy(dtype=bool))
