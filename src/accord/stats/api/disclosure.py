"""Disclosure control for the measures: which cells are hidden, and blanking their rows.

The decision is made on the count table the measure was computed from (primary and
secondary suppression, :mod:`accord.stats.suppression`); every measure row whose cell is
hidden is then blanked: its counts and anything that could give them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from accord.stats import suppression
from accord.stats.suppression import blank_measures

__all__ = [
    "BLANKED",
    "DEFAULT_DISCLOSURE",
    "Disclosure",
    "hidden_cells",
    "hide",
    "hide_with_reference",
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
    """

    threshold: int = 10
    show_zeros: bool = True
    margins: bool = True
    rounding: int | None = None


DEFAULT_DISCLOSURE = Disclosure()


def hidden_cells(
    frame: pd.DataFrame,
    keys: Sequence[str],
    count: str,
    disclosure: Disclosure,
) -> pd.DataFrame:
    """The cells of ``frame`` (``keys`` and ``hidden``, in its row order) after
    disclosure control on ``count``."""
    mask = suppression.hidden_cells(
        frame[[*keys, count]],
        keys,
        count,
        threshold=disclosure.threshold,
        show_zeros=disclosure.show_zeros,
        margins=disclosure.margins,
    )
    cells = frame[list(keys)].reset_index(drop=True)
    cells["hidden"] = mask
    return cells


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


def hide_with_reference(
    result: pd.DataFrame, hidden: pd.DataFrame, strata: Sequence[str], groups: Sequence[str]
) -> pd.DataFrame:
    """Hide every row of a stratum whose reference cell is hidden."""
    row_hidden = _row_mask(result, hidden, [*strata, *groups]).to_numpy(dtype=bool)
    is_ref = result["is_reference"].astype(bool).to_numpy()
    if strata:
        ref_hidden = result.loc[is_ref, list(strata)].assign(hidden=row_hidden[is_ref])
        mask = result[list(strata)].merge(ref_hidden, on=list(strata), how="left")["hidden"]
        blank = mask.fillna(False).astype(bool).to_numpy()
    else:
        blank = np.full(len(result), bool((row_hidden & is_ref).any()))
    return blank_measures(result, blank, columns=BLANKED)
