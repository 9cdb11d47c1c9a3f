"""Did a unit's proportion change unlike everyone else's? A funnel plot of changes.

A borough that changes how it trains its officers should show a rise in coverage unlike
London's. Two percentages side by side cannot say whether the difference is beyond chance:
small boroughs swing most. Spiegelhalter (2005) gives funnel plots for changes, in the same
frame as for one period: the indicator is each unit's change in its proportion,
``y = after - before``; the target is the overall change, ``theta_after - theta_before``
(all units added together); and under the hypothesis that the unit changed as everyone
did, its standard error is

    se = sqrt(theta_after (1 - theta_after) / n_after + theta_before (1 - theta_before) / n_before)

with normal control limits ``target +- z se`` at 95% and 99.8%.

**Overdispersion.** Changes spread between units more than chance allows, for the same
reasons proportions do. The same Winsorised dispersion and the same multiplicative or
additive (random-effects) adjustment as :func:`accord.stats.funnel.funnel` apply, only when
overdispersion is found.

**The two periods are treated as independent samples.** Coverage at the end of two periods
is mostly of the same officers, so the two proportions move together and the true variance
of a change is smaller than this formula says: the limits are wider than they need be
(conservative). A unit outside them has changed unlike the others even so.

Each unit's own interval for its change is Newcombe's hybrid score interval for a
difference of two proportions (method 10), under the same independence.

Reference: Spiegelhalter D J (2005), "Funnel plots for comparing institutional
performance", Statistics in Medicine 24:1185-1202.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {
    ...         "borough": ["A", "B", "C", "D"],
    ...         "trained_before": [40, 45, 50, 20],
    ...         "officers_before": [100, 100, 100, 100],
    ...         "trained_after": [50, 55, 60, 70],
    ...         "officers_after": [100, 100, 100, 100],
    ...     }
    ... )
    >>> result = change_funnel(table, "borough")
    >>> round(float(result["target"].iloc[0]), 3)
    0.2
    >>> result[["group", "outlier"]].values.tolist()
    [['A', ''], ['B', ''], ['C', ''], ['D', 'above 99.8%']]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from accord.stats.errors import StatsInputError
from accord.stats.frames import By, as_by, collapse, tidy
from accord.stats.funnel import FUNNEL_LEVELS, Overdispersion, check_overdispersion, dispersion
from accord.stats.intervals import (
    check_conf_level,
    format_conf_level,
    proportion_difference_newcombe,
)

__all__ = ["change_funnel"]

FloatArray = npt.NDArray[np.float64]


def _flag(z_scores: FloatArray, level: float) -> list[str]:
    cut = float(stats.norm.isf((1.0 - level) / 2.0))
    label = format_conf_level(level)
    return [f"above {label}" if z > cut else f"below {label}" if z < -cut else "" for z in z_scores]


def change_funnel(
    frame: pd.DataFrame,
    unit: By,
    *,
    events_before: str = "trained_before",
    size_before: str = "officers_before",
    events_after: str = "trained_after",
    size_after: str = "officers_after",
    overdispersion: Overdispersion = "none",
    winsor_fraction: float = 0.1,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Each unit's change in a proportion against the overall change, with funnel limits.

    ``frame`` has the events (successes) and sizes (trials) of each unit in the period
    before and the period after; rows sharing a unit are added together. A unit with no
    size in either period has no change: NaN, with a note, and it takes no part in the
    target or the dispersion.

    Returns one row per unit: the unit columns, ``group``, the four counts, ``before``
    and ``after`` (the unit's proportions), ``estimate`` (the change, after - before),
    ``lower`` and ``upper`` (its own interval), ``target`` (the overall change),
    ``difference`` (estimate - target), ``se`` (under the hypothesis, unadjusted),
    ``z_score`` (after any adjustment), ``lower_95``, ``upper_95``, ``lower_998``,
    ``upper_998`` (control limits for the change at the unit's size), ``beyond_95`` and
    ``outlier`` ("above 99.8%", "below 99.8%" or ""), ``phi``, ``tau2``,
    ``overdispersion`` (what was applied), ``conf_level``, ``method`` and ``note``.

    Raises :class:`StatsInputError` for counts that cannot be right (negative, fractional,
    more events than size), no unit with both periods, or an overall proportion of 0% or
    100% in both periods (then nothing can have changed by chance, and nothing to compare).
    """
    check_conf_level(conf_level)
    check_overdispersion(overdispersion)
    keys = as_by(unit)
    counts = [events_before, size_before, events_after, size_after]
    groups = collapse(frame, keys, counts)
    k0, n0, k1, n1 = (groups[column].to_numpy(dtype=np.float64) for column in counts)
    if (k0 > n0).any() or (k1 > n1).any():
        raise StatsInputError(
            f"A unit has more {events_before!r} than {size_before!r}, or more "
            f"{events_after!r} than {size_after!r}."
        )
    both = (n0 > 0) & (n1 > 0)
    if not both.any():
        raise StatsInputError("No unit has figures in both periods, so no change to compare.")
    theta0 = float(k0[both].sum() / n0[both].sum())
    theta1 = float(k1[both].sum() / n1[both].sum())
    variance0 = theta0 * (1.0 - theta0)
    variance1 = theta1 * (1.0 - theta1)
    if variance0 == 0.0 and variance1 == 0.0:
        raise StatsInputError(
            "Every unit is at 0% or 100% in both periods, so there is no change to compare."
        )
    target = theta1 - theta0
    # A unit without both periods gets NaN sizes: its proportions, standard error, limits
    # and z-score are then NaN all the way down, and it is never flagged.
    sizes0 = np.where(both, n0, np.nan)
    sizes1 = np.where(both, n1, np.nan)
    before = k0 / sizes0
    after = k1 / sizes1
    se = np.sqrt(variance1 / sizes1 + variance0 / sizes0)
    change = after - before
    z = (change - target) / se
    spread = dispersion(z, se, overdispersion, winsor_fraction)
    width = np.sqrt(spread.phi * se**2 + spread.tau2)
    adjusted_z = (change - target) / width
    limits = {}
    for level in FUNNEL_LEVELS:
        half = float(stats.norm.isf((1.0 - level) / 2.0)) * width
        limits[level] = (np.maximum(target - half, -1.0), np.minimum(target + half, 1.0))
    own = proportion_difference_newcombe(k1, n1, k0, n0, conf_level)
    named = " and ".join(format_conf_level(level) for level in FUNNEL_LEVELS)
    if spread.tau2 > 0.0:
        adjustment = f" with additive random-effects variance tau^2 = {spread.tau2:.3g}"
    elif spread.phi != 1.0:
        adjustment = f" widened by sqrt(phi), phi = {spread.phi:.3g}"
    else:
        adjustment = ""
    method = (
        "change in proportion against the overall change: normal "
        f"{named} control limits (Spiegelhalter 2005, the two periods taken as "
        f"independent){adjustment}; own {format_conf_level(conf_level)} CI Newcombe hybrid score"
    )
    return tidy(
        groups,
        keys,
        {
            events_before: k0,
            size_before: n0,
            events_after: k1,
            size_after: n1,
            "before": before,
            "after": after,
            "estimate": change,
            "lower": own.lower,
            "upper": own.upper,
            "target": target,
            "difference": change - target,
            "se": se,
            "z_score": adjusted_z,
            "lower_95": limits[0.95][0],
            "upper_95": limits[0.95][1],
            "lower_998": limits[0.998][0],
            "upper_998": limits[0.998][1],
            "beyond_95": _flag(adjusted_z, 0.95),
            "outlier": _flag(adjusted_z, 0.998),
            "phi": spread.phi_hat,
            "tau2": spread.tau2,
            "overdispersion": spread.applied,
            "conf_level": conf_level,
            "method": method,
            "note": np.where(both, "", "no figures in one of the two periods, so no change"),
        },
    )
