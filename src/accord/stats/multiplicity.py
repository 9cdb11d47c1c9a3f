"""Adjusting p-values when many comparisons are made at once.

Comparing every group in every borough makes hundreds of tests, and some
will look "significant" by chance alone. Two standard controls:

* Holm (1979) controls the family-wise error rate: the chance of even one
  false finding. Uniformly more powerful than Bonferroni, with no extra
  assumptions.
* Benjamini-Hochberg (1995) controls the false discovery rate: the expected
  share of false findings among those reported. Better suited to screening
  many areas, valid for independent or positively dependent tests.

Missing p-values (NaN) are left as NaN and do not count towards the number
of tests.

Example:
    >>> holm([0.01, 0.04, 0.03]).tolist()
    [0.03, 0.06, 0.06]
    >>> [round(p, 3) for p in benjamini_hochberg([0.01, 0.04, 0.03]).tolist()]
    [0.03, 0.04, 0.04]
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from accord.stats.errors import StatsInputError

__all__ = [
    "ADJUSTMENT_NAMES",
    "Adjustment",
    "add_adjusted_p_values",
    "adjust_p_values",
    "benjamini_hochberg",
    "holm",
]

Adjustment = Literal["holm", "bh"]

#: How each adjustment is described in the ``adjustment`` column.
ADJUSTMENT_NAMES: dict[str, str] = {
    "holm": "Holm (family-wise error rate)",
    "bh": "Benjamini-Hochberg (false discovery rate)",
}


def _valid(p_values: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise StatsInputError("Give the p-values as a flat list.")
    known = ~np.isnan(p)
    if ((p[known] < 0) | (p[known] > 1)).any():
        raise StatsInputError("p-values must lie between 0 and 1.")
    return p, known


def holm(p_values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Holm step-down adjusted p-values.

    Sort the m p-values; the i-th smallest becomes max over j <= i of
    min(1, (m - j + 1) p_(j)).

    Example:
        >>> holm([0.01, 0.02]).tolist()
        [0.02, 0.02]
    """
    p, known = _valid(p_values)
    adjusted = np.full(p.shape, np.nan)
    values = p[known]
    m = values.size
    if m == 0:
        return adjusted
    order = np.argsort(values, kind="stable")
    stepped = np.minimum(1.0, (m - np.arange(m)) * values[order])
    result = np.empty(m)
    result[order] = np.maximum.accumulate(stepped)
    adjusted[known] = result
    return adjusted


def benjamini_hochberg(p_values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Benjamini-Hochberg step-up adjusted p-values (q-values).

    Sort the m p-values; the i-th smallest becomes min over j >= i of
    min(1, m p_(j) / j).

    Example:
        >>> benjamini_hochberg([0.01, 0.02]).tolist()
        [0.02, 0.02]
    """
    p, known = _valid(p_values)
    adjusted = np.full(p.shape, np.nan)
    values = p[known]
    m = values.size
    if m == 0:
        return adjusted
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    stepped = np.minimum.accumulate(scaled[::-1])[::-1]
    result = np.empty(m)
    result[order] = np.minimum(1.0, stepped)
    adjusted[known] = result
    return adjusted


def adjust_p_values(p_values: npt.ArrayLike, method: Adjustment) -> npt.NDArray[np.float64]:
    """Adjusted p-values by ``method``: ``"holm"`` or ``"bh"`` (Benjamini-Hochberg).

    Example:
        >>> adjust_p_values([0.01, 0.02], "holm").tolist()
        [0.02, 0.02]
    """
    if method == "holm":
        return holm(p_values)
    if method == "bh":
        return benjamini_hochberg(p_values)
    raise StatsInputError(f"Unknown adjustment {method!r}; use 'holm' or 'bh'.")


def add_adjusted_p_values(
    frame: pd.DataFrame, method: Adjustment, *, column: str = "p_value"
) -> pd.DataFrame:
    """A copy of ``frame`` with ``p_adjusted`` and ``adjustment`` columns added.

    All rows of the frame are treated as one family of tests, so pass
    together the tests you want controlled together (for example every
    group in every borough).

    Example:
        >>> import pandas as pd
        >>> result = add_adjusted_p_values(pd.DataFrame({"p_value": [0.01, 0.02]}), "bh")
        >>> result["adjustment"].iloc[0]
        'Benjamini-Hochberg (false discovery rate)'
    """
    if column not in frame.columns:
        raise StatsInputError(f"The table has no column {column!r} of p-values.")
    result = frame.copy()
    result["p_adjusted"] = adjust_p_values(frame[column].to_numpy(dtype=np.float64), method)
    result["adjustment"] = ADJUSTMENT_NAMES[method]
    return result
