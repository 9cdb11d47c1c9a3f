"""Proportions within events, and their comparison with a reference group.

For example, the share of searches that led to an arrest, by ethnicity: a
lower share for one group can mean that group is searched on weaker grounds.
Intervals are Wilson score by default (close to nominal coverage even for
small groups), or exact Clopper-Pearson when asked. Comparisons against the
reference group are given as a ratio (Katz log interval) and as a difference
(Newcombe's hybrid score interval); the reference defaults to the group with
the most trials.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"eth": ["Black", "White"], "successes": [30, 60], "trials": [100, 400]}
    ... )
    >>> proportions(table, "eth")["estimate"].tolist()
    [0.3, 0.15]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from accord.stats.errors import StatsInputError
from accord.stats.frames import By, Reference, as_by, collapse, find_reference, group_labels, tidy
from accord.stats.intervals import (
    Interval,
    ProportionMethod,
    format_conf_level,
    proportion_ci,
    proportion_difference_newcombe,
    risk_ratio_katz,
)

__all__ = ["proportion_differences", "proportion_ratios", "proportions"]

_METHOD_NAMES = {"wilson": "Wilson score", "clopper-pearson": "exact Clopper-Pearson"}


def _checked(
    frame: pd.DataFrame, keys: list[str], successes: str, trials: str
) -> tuple[pd.DataFrame, pd.Series]:
    groups = collapse(frame, keys, [successes, trials])
    labels = group_labels(groups, keys)
    over = np.flatnonzero(groups[successes].to_numpy() > groups[trials].to_numpy())
    if over.size:
        raise StatsInputError(
            f"Group {str(labels.iloc[over[0]])!r} has more {successes!r} than {trials!r}; "
            f"{successes!r} must count a subset of {trials!r}."
        )
    return groups, labels


def proportions(
    frame: pd.DataFrame,
    by: By,
    *,
    successes: str = "successes",
    trials: str = "trials",
    method: ProportionMethod = "wilson",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """The proportion ``successes / trials`` per group with its interval.

    Returns one row per group: the grouping columns, ``group``,
    ``successes``, ``trials``, ``estimate`` (a fraction between 0 and 1),
    ``lower``, ``upper``, ``conf_level``, ``method``, ``n`` (the successes),
    ``suppressed`` and ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"eth": ["Asian"], "successes": [12], "trials": [40]})
        >>> proportions(table, "eth", method="clopper-pearson")["method"].iloc[0]
        'proportion, exact Clopper-Pearson 95% CI'
    """
    if method not in _METHOD_NAMES:
        raise StatsInputError(
            f"Unknown proportion method {method!r}; use 'wilson' or 'clopper-pearson'."
        )
    keys = as_by(by)
    groups, _ = _checked(frame, keys, successes, trials)
    interval = proportion_ci(
        groups[successes].to_numpy(), groups[trials].to_numpy(), conf_level, method
    )
    return tidy(
        groups,
        keys,
        {
            "successes": groups[successes].to_numpy(),
            "trials": groups[trials].to_numpy(),
            "estimate": interval.estimate,
            "lower": interval.lower,
            "upper": interval.upper,
            "conf_level": conf_level,
            "method": f"proportion, {_METHOD_NAMES[method]} {format_conf_level(conf_level)} CI",
            "n": groups[successes].to_numpy(),
            "suppressed": False,
            "note": interval.note,
        },
    )


def _compare(
    frame: pd.DataFrame,
    by: By,
    successes: str,
    trials: str,
    reference: Reference,
    conf_level: float,
    comparison: str,
) -> pd.DataFrame:
    keys = as_by(by)
    groups, labels = _checked(frame, keys, successes, trials)
    ref = find_reference(groups, keys, reference, trials)
    ref_label = str(labels.iloc[ref])
    x = groups[successes].to_numpy(dtype=np.float64)
    n = groups[trials].to_numpy(dtype=np.float64)
    if n[ref] == 0:
        raise StatsInputError(
            f"Reference group {ref_label!r} has no {trials!r}, so there is nothing to compare with."
        )
    interval: Interval
    level = format_conf_level(conf_level)
    if comparison == "ratio":
        if x[ref] == 0:
            raise StatsInputError(
                f"Reference group {ref_label!r} has no {successes!r}, so every ratio against it "
                "is undefined. Choose another reference group, or compare differences."
            )
        interval = risk_ratio_katz(x, n, x[ref], n[ref], conf_level)
        method = f"ratio of proportions, Katz log {level} CI"
        same = 1.0
    else:
        interval = proportion_difference_newcombe(x, n, x[ref], n[ref], conf_level)
        method = f"difference of proportions, Newcombe hybrid score {level} CI"
        same = 0.0
    is_reference = np.zeros(len(groups), dtype=bool)
    is_reference[ref] = True
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, x / n, np.nan)
    return tidy(
        groups,
        keys,
        {
            "reference_group": ref_label,
            "comparison": comparison,
            "is_reference": is_reference,
            "successes": groups[successes].to_numpy(),
            "trials": groups[trials].to_numpy(),
            "proportion": share,
            "reference_proportion": share[ref],
            "estimate": np.where(is_reference, same, interval.estimate),
            "lower": np.where(is_reference, np.nan, interval.lower),
            "upper": np.where(is_reference, np.nan, interval.upper),
            "conf_level": conf_level,
            "method": method,
            "n": groups[successes].to_numpy(),
            "suppressed": False,
            "note": np.where(is_reference, "reference group", interval.note),
        },
    )


def proportion_ratios(
    frame: pd.DataFrame,
    by: By,
    *,
    successes: str = "successes",
    trials: str = "trials",
    reference: Reference = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Each group's proportion divided by the reference group's (Katz log interval).

    Raises :class:`StatsInputError` when the reference group is absent or
    has no successes. A group with no successes has estimate 0 and NaN
    bounds, with the reason in ``note``.

    Returns one row per group (reference included, estimate 1): the grouping
    columns, ``group``, ``reference_group``, ``comparison`` ("ratio"),
    ``is_reference``, ``successes``, ``trials``, ``proportion``,
    ``reference_proportion``, ``estimate``, ``lower``, ``upper``,
    ``conf_level``, ``method``, ``n``, ``suppressed`` and ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame(
        ...     {"eth": ["Black", "White"], "successes": [30, 60], "trials": [100, 400]}
        ... )
        >>> proportion_ratios(table, "eth")["estimate"].round(3).tolist()
        [2.0, 1.0]
    """
    return _compare(frame, by, successes, trials, reference, conf_level, "ratio")


def proportion_differences(
    frame: pd.DataFrame,
    by: By,
    *,
    successes: str = "successes",
    trials: str = "trials",
    reference: Reference = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Each group's proportion minus the reference group's (Newcombe interval).

    Differences stay defined when a proportion is zero, so this is the
    comparison to show when counts are small. Columns as for
    :func:`proportion_ratios`, with ``comparison`` "difference" and the
    reference's estimate 0.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame(
        ...     {"eth": ["Black", "White"], "successes": [30, 60], "trials": [100, 400]}
        ... )
        >>> proportion_differences(table, "eth")[["lower", "upper"]].round(4).iloc[0].tolist()
        [0.0603, 0.2509]
    """
    return _compare(frame, by, successes, trials, reference, conf_level, "difference")
