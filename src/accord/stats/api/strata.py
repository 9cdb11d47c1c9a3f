"""Comparisons repeated within strata (every borough, every month), against one reference.

The reference group is chosen once over the whole data (the largest group unless the
caller names one), so that every stratum compares with the same group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from accord.stats.errors import StatsInputError
from accord.stats.frames import group_labels

__all__ = ["overall_reference", "per_stratum"]


def overall_reference(
    frame: pd.DataFrame, groups: Sequence[str], size: str, reference: object
) -> object:
    """``reference`` if given, else the group with the largest ``size`` overall."""
    if reference is not None:
        return reference
    totals = frame.groupby(list(groups), sort=False, dropna=False)[size].sum()
    best = totals.idxmax()
    return best


def per_stratum(
    frame: pd.DataFrame,
    strata: Sequence[str],
    groups: Sequence[str],
    measure: Callable[[pd.DataFrame], pd.DataFrame],
    stratum_errors: Literal["raise", "note"],
) -> pd.DataFrame:
    """Apply ``measure`` to each stratum; name the stratum in any error.

    With ``stratum_errors="note"`` a stratum the measure cannot handle (say, a
    reference group with no events there) gets rows with no estimate and the reason in
    ``note`` instead of stopping the whole table. Those rows keep the stratum's counts:
    they are known, only the comparison is not, and without them the table's counts
    would no longer add up to the totals published beside it.
    """
    if not strata:
        return measure(frame)
    parts = []
    for name, part in frame.groupby(list(strata), sort=True, dropna=False):
        label = ", ".join(f"{k}={v}" for k, v in zip(strata, name, strict=True))
        try:
            result = measure(part.reset_index(drop=True))
        except StatsInputError as error:
            if stratum_errors == "raise":
                raise StatsInputError(f"In {label}: {error}") from error
            result = part.drop(columns=list(strata)).reset_index(drop=True)
            result["group"] = group_labels(result, list(groups))
            result["estimate"] = np.nan
            result["lower"] = np.nan
            result["upper"] = np.nan
            result["is_reference"] = False
            result["suppressed"] = False
            result["note"] = str(error)
        for key, value in zip(strata, name, strict=True):
            result[key] = cast("Any", value)
        parts.append(result)
    combined = pd.concat(parts, ignore_index=True)
    return combined[[*strata, *[c for c in combined.columns if c not in strata]]]
