"""Disclosure control for the measures: which cells are hidden, and blanking their rows.

The decision is made on the count table the measure was computed from (primary and
secondary suppression, :mod:`accord.stats.suppression`); every measure row whose cell is
hidden is then blanked: its counts and anything that could give them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from accord.stats import suppression
from accord.stats.suppression import Cell, blank_measures

__all__ = [
    "BLANKED",
    "DEFAULT_DISCLOSURE",
    "Disclosure",
    "hidden_cells",
    "hide",
    "hide_with_reference",
    "reference_hidden",
    "total_hidden",
]

# Columns blanked in a suppressed row: the counts and anything a count could be
# worked back from. Populations are public (the Census) and stay.
BLANKED = (
    "events",
    "successes",
    "trials",
    "count",
    "previous_count",
    "reference_events",
    "n",
    "estimate",
    "lower",
    "upper",
    "exact_lower",
    "exact_upper",
    "rate",
    "proportion",
    "reference_proportion",
    "reference_rate",
    "z_score",
)


@dataclass(frozen=True)
class Disclosure:
    """Disclosure control settings (see :mod:`accord.stats.suppression`).

    Attributes:
        threshold: Counts from 1 to ``threshold - 1`` are hidden.
        show_zeros: Whether zero counts are shown.
        margins: Whether totals are published alongside (then secondary suppression
            protects the hidden cells against subtraction from the totals).
        rounding: Round published counts to this base (in :func:`tabulate`).
        hide: Cells every count table of the measure hides as if they were small,
            because a table released alongside hides them (see
            :data:`accord.stats.suppression.Cell` and
            :func:`accord.stats.suppression.suppress_together`): ``({"eth": "Mixed"},)``
            hides Mixed's count, and with it every estimate that would give it back.
            ``({},)`` hides the grand total.
    """

    threshold: int = 10
    show_zeros: bool = True
    margins: bool = True
    rounding: int | None = None
    hide: tuple[Cell, ...] = field(default=(), hash=False)


DEFAULT_DISCLOSURE = Disclosure()


def hidden_cells(
    frame: pd.DataFrame,
    keys: Sequence[str],
    count: str,
    disclosure: Disclosure,
) -> pd.DataFrame:
    """The cells of ``frame`` (``keys`` and ``hidden``, in its row order) after
    disclosure control on ``count`` (with the cells ``disclosure.hide`` forces)."""
    mask = suppression.hidden_cells(
        frame[[*keys, count]],
        keys,
        count,
        threshold=disclosure.threshold,
        show_zeros=disclosure.show_zeros,
        margins=disclosure.margins,
        force=disclosure.hide,
    )
    cells = frame[list(keys)].reset_index(drop=True)
    cells["hidden"] = mask
    return cells


def total_hidden(
    frame: pd.DataFrame, keys: Sequence[str], count: str, disclosure: Disclosure
) -> bool:
    """Whether disclosure control on ``count`` hides the grand total of ``frame``."""
    (hidden,) = suppression.hidden_at(
        frame[[*keys, count]],
        list(keys),
        [{}],
        count,
        threshold=disclosure.threshold,
        show_zeros=disclosure.show_zeros,
        margins=disclosure.margins,
        force=disclosure.hide,
    )
    return hidden


def _row_mask(rows: pd.DataFrame, hidden: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """``hidden`` looked up for each row of ``rows`` (by ``keys``); False where absent."""
    keys = list(keys)
    if len(rows) == len(hidden) and all(
        rows[k].reset_index(drop=True).equals(hidden[k]) for k in keys
    ):
        # The measure kept the cells' order (the usual case): no join needed.
        return hidden["hidden"].set_axis(rows.index)
    looked_up = rows[keys].merge(hidden, on=keys, how="left")["hidden"]
    return looked_up.fillna(False).astype(bool).set_axis(rows.index)


def hide(measures: pd.DataFrame, hidden: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Blank the measure rows whose cell is hidden (matched on ``keys``)."""
    mask = _row_mask(measures, hidden, keys)
    return blank_measures(measures, mask.to_numpy(dtype=bool), columns=BLANKED)


def reference_hidden(
    result: pd.DataFrame, hidden: pd.DataFrame, strata: Sequence[str], groups: Sequence[str]
) -> npt.NDArray[np.bool_]:
    """Which rows of ``result`` sit in a stratum whose reference cell is hidden.

    A ratio inherits suppression from either rate (EIA-ANCHORS §2.5): with the reference
    group's rate published beside it, or recoverable from a shown ratio and the group's
    own rate, a hidden reference count comes straight back. ``result`` holds one row per
    group and stratum, the reference flagged in ``is_reference``.
    """
    row_hidden = _row_mask(result, hidden, [*strata, *groups]).to_numpy(dtype=bool)
    is_ref = result["is_reference"].astype(bool).to_numpy()
    if strata:
        keys = list(strata)
        ref_hidden = (
            result.loc[is_ref, keys]
            .assign(hidden=row_hidden[is_ref])
            .groupby(keys, dropna=False, sort=False, as_index=False)["hidden"]
            .any()
        )
        mask = result[keys].merge(ref_hidden, on=keys, how="left")["hidden"]
        return np.asarray(mask.fillna(False).astype(bool).to_numpy(), dtype=bool)
    return np.full(len(result), bool((row_hidden & is_ref).any()))


def hide_with_reference(
    result: pd.DataFrame, hidden: pd.DataFrame, strata: Sequence[str], groups: Sequence[str]
) -> pd.DataFrame:
    """Hide every row of a stratum whose reference cell is hidden."""
    blank = reference_hidden(result, hidden, strata, groups)
    return blank_measures(result, blank, columns=BLANKED)
