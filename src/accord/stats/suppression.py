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

Tables released together (say a table of searches per group and a group x month table
of the same searches) share cells: the group totals. Suppressing each on its own is not
enough, since a count hidden in one may be shown in the other, or worked out from the
other's published cells and totals (differencing). ``force`` makes a table hide given
cells as if they were primary (and protect them), and :func:`suppress_together` finds
the shared cells to force so that every table hides the same ones.

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
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from accord.stats.errors import StatsInputError

__all__ = [
    "MEASURE_COLUMNS",
    "PRIMARY",
    "SECONDARY",
    "TOTAL",
    "Cell",
    "Released",
    "SuppressedTable",
    "blank_measures",
    "hidden_at",
    "hidden_cells",
    "interior_cells",
    "protect",
    "round_to_base",
    "suppress",
    "suppress_measures",
    "suppress_together",
    "suppress_wide",
]

PRIMARY = "primary"
SECONDARY = "secondary"
#: Label of the margin (total) level of each grouping column.
TOTAL = "Total"
#: Columns blanked in a suppressed measure row (counts that give the cell away, too).
MEASURE_COLUMNS = ("estimate", "lower", "upper", "exact_lower", "exact_upper", "n")

#: A cell of a table with margins, named by the levels of some of its grouping columns;
#: the columns it does not name are at their total. In a group x month table
#: ``{"group": "A"}`` is group A's total over the months and ``{}`` the grand total.
Cell = Mapping[str, object]

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


class _Boxes:
    """Layout of the candidate boxes for one count of alternatives per axis.

    Box ``p`` takes alternative ``digit[d, p]`` on axis ``d`` (boxes row-major over the
    alternatives); ``at[d, p]`` is where that alternative sits in the axes' alternatives
    laid end to end. ``strides`` and ``totals`` are each axis's, repeated once per
    alternative in that layout.
    """

    def __init__(self, sizes: tuple[int, ...], strides: IntArray, totals: IntArray) -> None:
        count = int(np.prod(sizes))
        inner = np.cumprod((1, *sizes[:0:-1]))[::-1]
        digit = (np.arange(count)[None, :] // inner[:, None]) % np.array(sizes)[:, None]
        starts = np.cumsum((0, *sizes[:-1]))
        self.at = digit + starts[:, None]
        self.strides = np.repeat(strides, sizes)
        self.totals = np.repeat(totals, sizes)
        self.sizes = np.array(sizes)


class _Table:
    """The extended table flattened, with what the box search needs precomputed.

    ``cost`` is kept up to date as cells are hidden (a hidden cell costs nothing), so
    each search reads it instead of recomputing it over the whole table.
    """

    def __init__(self, values: IntArray, hidden: BoolArray) -> None:
        self.shape = values.shape
        self.ndim = len(self.shape)
        self.values = values.ravel()
        self.hidden = hidden.ravel().copy()
        self.zero = self.values == 0
        self.strides = np.array(
            [int(np.prod(self.shape[d + 1 :])) for d in range(self.ndim)], dtype=np.int64
        )
        self.totals = np.array(self.shape, dtype=np.int64) - 1
        self.total_levels = [n - 1 for n in self.shape]
        # Cost of hiding a cell: its value (smallest first); a zero is avoided because it
        # only lets a box move one way; an already hidden cell is free.
        self.penalty = float(self.values.max(initial=0)) + 1.0
        self.base_cost = np.where(self.values > 0, self.values.astype(np.float64), self.penalty)
        self.cost = np.where(self.hidden, 0.0, self.base_cost)
        # Every axis offers n - 1 alternatives whatever the cell, so whether the search
        # is exhaustive is a property of the table.
        self.candidates = int(np.prod([n - 1 for n in self.shape]))
        self._others: dict[tuple[int, int], list[int]] = {}
        self._boxes: dict[tuple[int, ...], _Boxes] = {}
        # Every level of every axis as an offset from the start of its line, padded to
        # the longest axis (the padding is masked).
        width = max(self.shape)
        levels = np.arange(width)
        self.line_steps = levels[None, :] * self.strides[:, None]
        self.padding = levels[None, :] >= np.array(self.shape)[:, None]
        self.line_steps[self.padding] = 0
        # bits[c, d]: whether corner c of a box takes the alternative level on axis d,
        # corners in the order of ``itertools.product([0, 1], repeat=ndim)`` (axis 0 the
        # most significant bit). As floats, so that ``bits @ steps`` runs in BLAS (the
        # sums are whole numbers far below 2**53).
        weights = 1 << np.arange(self.ndim - 1, -1, -1)
        self.weights = weights
        corners = np.arange(2**self.ndim)
        self.bits = ((corners[:, None] & weights[None, :]) > 0).astype(np.float64)
        # even[c, m]: corner c crosses an even number of the axes in mask m.
        ones = np.array([bin(m).count("1") for m in corners])
        self.even = ones[corners[:, None] & corners[None, :]] % 2 == 0

    def hide(self, cells: IntArray) -> None:
        self.hidden[cells] = True
        self.cost[cells] = 0.0

    def alternatives(self, cell: tuple[int, ...]) -> list[list[int]]:
        """Alternative levels per axis (all of them, or the cheapest few and the total)."""
        if self.candidates <= _MAX_CANDIDATES:
            full = []
            for d, c in enumerate(cell):
                others = self._others.get((d, c))
                if others is None:
                    others = self._others[d, c] = [x for x in range(self.shape[d]) if x != c]
                full.append(others)
            return full
        keep = max(2, int(_MAX_CANDIDATES ** (1 / self.ndim)))
        own = np.array(cell)
        starts = int(np.dot(own, self.strides)) - own * self.strides
        lines = self.cost[starts[:, None] + self.line_steps]
        # Padding and the cell's own level sort last; a stable sort keeps the others in
        # the order of their levels among equal costs.
        lines[self.padding] = np.inf
        lines[np.arange(self.ndim), own] = np.inf
        order = np.argsort(lines, axis=1, kind="stable")[:, :keep].tolist()
        chosen = []
        for d, c in enumerate(cell):
            best = order[d][: min(keep, self.shape[d] - 1)]
            total = self.shape[d] - 1
            if total != c and total not in best:
                # Fewer options than ``keep`` would all be kept, the total among them.
                best[-1] = total
            best.sort()
            chosen.append(best)
        return chosen

    def best_box(self, cell: tuple[int, ...]) -> IntArray:
        """Flat indices of the corners of the cheapest protecting box around ``cell``.

        A box takes one alternative level per axis; its corners sit at the cell's own
        level or at the alternative on each axis. ``index[c, p]`` is corner ``c`` of box
        ``p`` (boxes row-major over the alternatives).
        """
        options = self.alternatives(cell)
        sizes = tuple(len(o) for o in options)
        boxes = self._boxes.get(sizes)
        if boxes is None:
            boxes = self._boxes[sizes] = _Boxes(sizes, self.strides, self.totals)
        levels = np.fromiter(itertools.chain.from_iterable(options), np.int64, sum(sizes))
        own = np.repeat(np.array(cell), boxes.sizes)
        steps = ((levels - own) * boxes.strides).astype(np.float64)
        base = int(np.dot(cell, self.strides))
        index = base + (self.bits @ steps[boxes.at]).astype(np.int64)
        cost = self.cost[index]
        box_cost = cost.sum(axis=0)
        score = box_cost
        zero = self.zero[index]
        if zero.any():
            # A corner moves by sign * t in the table where each total is negated (there
            # every line sums to zero): the sign flips once per axis where the corner
            # takes the alternative, and once per axis where it sits on a total. A zero
            # corner only allows the sign that keeps it non-negative; zero corners
            # pinning both signs freeze the whole box. flips[p]: the axes where taking
            # box p's alternative flips the sign (as a bit mask).
            on_total = own == boxes.totals
            flip = (1 + (levels == boxes.totals) + on_total) % 2
            flips = self.weights @ flip[boxes.at]
            positive = self.even[:, flips]
            if sum(c == t for c, t in zip(cell, self.total_levels, strict=True)) % 2:
                positive = ~positive
            # Frozen: zero corners pinning the shift up and others pinning it down.
            frozen = (zero & positive).any(axis=0) & (zero & ~positive).any(axis=0)
            score = np.where(frozen, np.inf, box_cost)
        best_score = score.min()
        if not np.isfinite(best_score):  # pragma: no cover - the all-totals box is feasible
            raise AssertionError("no protecting box found")
        # Cheapest box; then the one hiding fewest new cells; then the first.
        tied = np.flatnonzero(score == best_score)
        if len(tied) == 1:
            position = int(tied[0])
        else:
            new_cells = (cost[:, tied] != 0).sum(axis=0)
            position = int(tied[np.argmin(new_cells)])
        return np.asarray(index[:, position], dtype=np.int64)


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
    cells = np.stack(np.unravel_index(todo, table.shape), axis=1).tolist()
    for flat, cell in zip(todo.tolist(), cells, strict=True):
        if protected[flat]:
            continue
        corners = table.best_box(tuple(cell))
        table.hide(corners)
        protected[corners] = True
    hidden = table.hidden.reshape(values.shape)
    return hidden, hidden & ~primary


def round_to_base(values: pd.Series, base: int = 5) -> pd.Series:
    """Round counts to the nearest multiple of ``base`` (halves away from zero)."""
    if base < 1:
        raise StatsInputError(f"The rounding base must be at least 1, not {base}.")
    numeric = values.astype("Float64")
    return ((numeric / base + 0.5).floordiv(1) * base).astype("Int64")


def _levels(values: Iterable[Any]) -> pd.Index:
    """Distinct values in sorted order when they sort, else in order of appearance."""
    ordered = list(values)
    with contextlib.suppress(TypeError):  # mixed types: keep the order of appearance
        ordered = sorted(ordered)
    index: pd.Index = pd.Index(ordered)
    return index


def _dense(
    frame: pd.DataFrame, by: Sequence[str], count: str
) -> tuple[IntArray, list[pd.Index], tuple[IntArray, ...]]:
    """The counts as a dense array (one axis per ``by`` column), its levels, and where
    each row of ``frame`` sits in it."""
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
    # Each column's distinct values (in order of appearance) and every row's code; the
    # levels are those values sorted, and a row's position is its value's level.
    levels: list[pd.Index] = []
    positions: list[IntArray] = []
    for column in by:
        codes, uniques = pd.factorize(frame[column])
        level = _levels(uniques)
        levels.append(level)
        at = np.asarray(level.get_indexer(uniques), dtype=np.int64)
        found = at[np.maximum(codes, 0)] if len(at) else np.zeros(len(codes), dtype=np.int64)
        positions.append(np.where(codes < 0, -1, found))
    shape = tuple(len(level) for level in levels)
    missing_key = any(bool((p < 0).any()) for p in positions)
    flat = np.sort(np.ravel_multi_index(positions, shape)) if not missing_key else None
    if missing_key or (flat is not None and bool((np.diff(flat) == 0).any())):
        if frame.duplicated(list(by)).any():
            dupes = frame.loc[frame.duplicated(list(by), keep=False), list(by)]
            raise StatsInputError(
                f"Each combination of {', '.join(by)} must appear once; repeated:\n"
                f"{dupes.head(10).to_string(index=False)}"
            )
        raise StatsInputError(f"Grouping columns {', '.join(by)} must not be missing.")
    array = np.zeros(shape, dtype=np.int64)
    array[tuple(positions)] = frame[count].to_numpy(dtype=np.int64)
    return array, levels, tuple(positions)


def _locate(
    cell: Cell, keys: Sequence[str], levels: Sequence[pd.Index], margins: bool
) -> tuple[int | slice, ...] | None:
    """Where ``cell`` sits in the dense table (``None`` if it is not this table's).

    A column the cell does not name is at its total; without margins there is no total,
    so the cell stands for every cell it would have summed (a whole slice).
    """
    if any(column not in keys for column in cell):
        return None
    at: list[int | slice] = []
    for key, level in zip(keys, levels, strict=True):
        if key not in cell:
            at.append(len(level) if margins else slice(None))
            continue
        found = level.get_indexer(pd.Index([cell[key]]))
        if found[0] < 0:
            return None
        at.append(int(found[0]))
    return tuple(at)


def _decide(
    frame: pd.DataFrame,
    keys: Sequence[str],
    count: str,
    *,
    threshold: int,
    show_zeros: bool,
    margins: bool,
    force: Iterable[Cell] = (),
) -> tuple[IntArray, list[pd.Index], tuple[IntArray, ...], BoolArray, BoolArray, BoolArray]:
    """Primary and secondary suppression on the dense table (with margins if asked).

    ``force``: cells hidden as if primary (and protected like them), because a table
    released alongside hides them; they are flagged secondary. Cells naming a column or
    a level this table does not have are not this table's and are ignored.

    Returns the values, levels, row positions and the primary, hidden and secondary masks.
    """
    _check_threshold(threshold)
    if not keys:
        raise StatsInputError("Name at least one grouping column to suppress by.")
    interior, levels, positions = _dense(frame, keys, count)
    values = _extend(interior) if margins else interior
    primary = _primary(values, threshold, show_zeros)
    forced = np.zeros_like(primary)
    for cell in force:
        at = _locate(cell, keys, levels, margins)
        if at is not None:
            forced[at] = True
    if margins:
        hidden, _ = protect(values, primary | forced)
    else:
        hidden = primary | forced
    return values, levels, positions, primary, hidden, hidden & ~primary


def hidden_cells(
    frame: pd.DataFrame,
    by: str | Sequence[str],
    count: str = "events",
    *,
    threshold: int = 10,
    show_zeros: bool = True,
    margins: bool = True,
    force: Iterable[Cell] = (),
) -> BoolArray:
    """Whether :func:`suppress` (same arguments) hides each row's cell, in row order.

    The same decision as :func:`suppress`, without building the published table: for
    blanking measures computed on the same cells.

    Example:
        >>> import pandas as pd
        >>> counts = pd.DataFrame({"area": ["A", "A", "B", "B"], "group": ["x", "y", "x", "y"],
        ...                        "events": [3, 40, 25, 60]})
        >>> hidden_cells(counts, ["area", "group"]).tolist()
        [True, True, True, True]
    """
    keys = [by] if isinstance(by, str) else list(by)
    _, _, positions, _, hidden, _ = _decide(
        frame,
        keys,
        count,
        threshold=threshold,
        show_zeros=show_zeros,
        margins=margins,
        force=force,
    )
    # Interior cells keep their positions in the table with margins (totals come last).
    mask: BoolArray = hidden[positions]
    return mask


def hidden_at(
    frame: pd.DataFrame,
    by: str | Sequence[str],
    cells: Iterable[Cell],
    count: str = "events",
    *,
    threshold: int = 10,
    show_zeros: bool = True,
    margins: bool = True,
    force: Iterable[Cell] = (),
) -> list[bool]:
    """Whether :func:`suppress` (same arguments) hides each of ``cells``, margins included.

    For what a measure derives from a total (a funnel's overall rate gives the total
    back from public populations), which must go when the total is hidden. A cell that
    is not this table's counts as shown (``False``); without margins a margin cell
    counts as hidden when any cell summing into it is.

    Example:
        >>> import pandas as pd
        >>> counts = pd.DataFrame({"area": ["A", "B"], "events": [3, 4]})
        >>> hidden_at(counts, "area", [{}, {"area": "A"}])
        [True, True]
    """
    keys = [by] if isinstance(by, str) else list(by)
    _, levels, _, _, hidden, _ = _decide(
        frame,
        keys,
        count,
        threshold=threshold,
        show_zeros=show_zeros,
        margins=margins,
        force=force,
    )
    out = []
    for cell in cells:
        at = _locate(cell, keys, levels, margins)
        out.append(at is not None and bool(np.any(hidden[at])))
    return out


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
    force: Iterable[Cell] = (),
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
        force: Cells to hide as if primary, because a table released alongside hides
            them (see :data:`Cell`; :func:`suppress_together` finds them). Flagged
            secondary unless they are small themselves.

    Returns:
        The table (with margin rows if ``margins``), other columns dropped, with
        ``count`` as nullable integers (``<NA>`` where hidden) and ``<count>_flag``.
    """
    keys = [by] if isinstance(by, str) else list(by)
    values, levels, _, primary, hidden, secondary = _decide(
        frame,
        keys,
        count,
        threshold=threshold,
        show_zeros=show_zeros,
        margins=margins,
        force=force,
    )
    labels = [[*level.tolist(), *([total_label] if margins else [])] for level in levels]
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


@dataclass(frozen=True)
class Released:
    """A count table released together with others that share one of its margins.

    Attributes:
        frame: The counts in long form, as for :func:`suppress`.
        by: Its grouping columns.
        count: Its column of counts.
        shared: The grouping column whose levels the tables share (e.g. the group):
            in each table the shared count of level ``x`` is the cell ``{shared: x}``,
            that is the total of ``x`` over the table's other columns. The grand total
            ``{}`` is shared too.
    """

    frame: pd.DataFrame
    by: tuple[str, ...]
    count: str
    shared: str


def _shared_cells(table: Released, levels: Iterable[object]) -> list[Cell]:
    return [{table.shared: level} for level in levels]


def _hidden_shared(
    table: Released,
    force: Sequence[Cell],
    *,
    threshold: int,
    show_zeros: bool,
    margins: bool,
) -> list[Cell]:
    """The shared cells ``table`` hides once the ``force`` ones are hidden in it."""
    if table.shared not in table.by:
        raise StatsInputError(f"The shared column {table.shared!r} is not one of {table.by}.")
    candidates: list[Cell] = [*_shared_cells(table, table.frame[table.shared].unique()), {}]
    hidden = hidden_at(
        table.frame,
        list(table.by),
        candidates,
        table.count,
        threshold=threshold,
        show_zeros=show_zeros,
        margins=margins,
        force=force,
    )
    return [cell for cell, gone in zip(candidates, hidden, strict=True) if gone]


def suppress_together(
    tables: Sequence[Released],
    *,
    threshold: int = 10,
    show_zeros: bool = True,
    margins: bool = True,
) -> tuple[Cell, ...]:
    """The shared cells every one of ``tables`` must hide, so that none gives another away.

    Why: each table's own suppression only protects it against its own totals. When
    tables released together share a margin (searches per group in a rates table, and
    the same searches as the group totals of a group x month table), one table may
    hide group A beside group C while the other hides A beside B; then C's count from
    the first, B's from the second and the grand total give A back by subtraction
    (STATISTICS.md, "differencing"). So every table hides the same shared counts (each
    level's, and the grand total): the union of what the tables hide, forced into each
    one, its secondary suppression run again around them, until no table hides a shared
    count the others show (a fixed point; the set only grows, so it is reached in at
    most one round per shared cell).

    Returns the cells to hide, as ``force`` for :func:`suppress` (or
    ``Disclosure.hide``) with the same settings: every table then hides exactly these
    shared cells. ``{shared: x}`` is level ``x``'s count, ``{}`` the grand total.

    Example:
        >>> import pandas as pd
        >>> groups = pd.DataFrame({"g": ["A", "B", "C", "W"], "n": [5, 12, 11, 500]})
        >>> months = pd.DataFrame({"g": ["A", "A", "B", "B", "C", "C", "W", "W"],
        ...                        "m": ["1", "2"] * 4, "n": [5, 0, 6, 6, 11, 0, 250, 250]})
        >>> hidden_cells(groups, "g", "n").tolist()  # A, and C beside it
        [True, False, True, False]
        >>> totals = suppress(months, ["g", "m"], "n").query("m == 'Total'")
        >>> totals["n"].isna().tolist()  # A, and B beside it: 528 - 12 - 11 - 500 = A
        [True, True, False, False, False]
        >>> tables = [Released(groups, ("g",), "n", "g"), Released(months, ("g", "m"), "n", "g")]
        >>> suppress_together(tables)
        ({'g': 'A'}, {'g': 'B'}, {'g': 'C'})
    """
    settings = {"threshold": threshold, "show_zeros": show_zeros, "margins": margins}
    hidden: list[Cell] = []
    while True:
        found = list(hidden)
        for table in tables:
            for cell in _hidden_shared(table, hidden, **settings):  # type: ignore[arg-type]
                if cell not in found:
                    found.append(cell)
        if len(found) == len(hidden):
            return tuple(sorted(hidden, key=_cell_order))
        hidden = found


def _cell_order(cell: Cell) -> tuple[int, str]:
    """Levels first (by their text), the grand total last: a stable, readable order."""
    return (0, str(next(iter(cell.values())))) if cell else (1, "")
