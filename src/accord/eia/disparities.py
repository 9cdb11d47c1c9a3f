"""Which groups an attached analysis shows to be treated significantly differently.

A ratio's Katz interval is symmetric on the log scale, so its standard error comes back
from the interval exactly: ``se = (ln upper - ln lower) / (2 z)``. The Wald test of
"ratio = 1" on the log scale gives a p-value per group, and Holm's step-down procedure
(``accord.stats.multiplicity.holm``) controls the chance of any false flag across the groups
compared with the reference. A group is flagged when its adjusted p-value is below
``alpha``: its interval, widened for the number of comparisons, excludes 1.

Suppressed rows (disclosure control) and the reference group itself are never flagged.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from scipy.stats import norm

from accord.stats.multiplicity import holm

ALPHA = 0.05


@dataclass(frozen=True)
class Disparity:
    group: str
    estimate: float
    lower: float
    upper: float
    p_adjusted: float
    direction: str  # "higher" or "lower" than the reference group

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sentence(self) -> str:
        times = f"{self.estimate:.2f}"
        return (
            f"{self.group}: {times} times the reference group's rate (95% CI {self.lower:.2f} "
            f"to {self.upper:.2f}; Holm-adjusted p = {self.p_adjusted:.2g})"
        )


def _usable(row: pd.Series, group_column: str, reference: str) -> bool:
    if bool(row.get("suppressed", False)) or str(row[group_column]) == reference:
        return False
    values = [row.get(name) for name in ("estimate", "lower", "upper")]
    return all(
        isinstance(v, int | float) and math.isfinite(float(v)) and float(v) > 0 for v in values
    )


def flag(
    ratios: pd.DataFrame, *, group_column: str, reference: str, alpha: float = ALPHA
) -> list[Disparity]:
    """The groups whose ratio to ``reference`` differs from 1 after Holm's correction."""
    rows = [row for _, row in ratios.iterrows() if _usable(row, group_column, reference)]
    if not rows:
        return []
    p_values = []
    for row in rows:
        conf = float(row.get("conf_level", 0.95) or 0.95)
        z = float(norm.ppf(0.5 + conf / 2))
        se = (math.log(float(row["upper"])) - math.log(float(row["lower"]))) / (2 * z)
        statistic = abs(math.log(float(row["estimate"]))) / se if se > 0 else math.inf
        p_values.append(float(2 * norm.sf(statistic)))
    adjusted = holm(p_values)
    return [
        Disparity(
            group=str(row[group_column]),
            estimate=float(row["estimate"]),
            lower=float(row["lower"]),
            upper=float(row["upper"]),
            p_adjusted=float(p),
            direction="higher" if float(row["estimate"]) > 1 else "lower",
        )
        for row, p in zip(rows, adjusted, strict=True)
        if p < alpha
    ]
