"""The relative rate index across the stages of a process.

For a process such as population -> stop -> arrest -> charge, the rate at
each stage is the count at that stage divided by the count at the stage
before (stops per resident, arrests per stop, charges per arrest). The
relative rate index (RRI) at a stage is a group's rate divided by the
reference group's, following the US OJJDP "disproportionate minority
contact" technical assistance manual. Seeing the index stage by stage shows
where in the process a disparity grows or shrinks.

Intervals use the log method. The first step from a residential population
is Poisson (one person can be stopped many times, so counts may exceed the
population): standard error sqrt(1/k1 + 1/k0). Later steps are binomial
(arrests are a subset of stops): sqrt(1/k1 - 1/n1 + 1/k0 - 1/n0).

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {
    ...         "eth": ["Black", "White"],
    ...         "population": [10_000, 60_000],
    ...         "stops": [200, 300],
    ...         "arrests": [30, 60],
    ...     }
    ... )
    >>> result = relative_rate_index(table, "eth", ["population", "stops", "arrests"])
    >>> result.round(3)[["group", "stage", "estimate"]].values.tolist()[::2]
    [['Black', 'stops', 4.0], ['Black', 'arrests', 0.75]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from accord.stats.errors import StatsInputError
from accord.stats.frames import By, Reference, as_by, collapse, find_reference, group_labels, tidy
from accord.stats.intervals import format_conf_level, rate_ratio_katz, risk_ratio_katz

__all__ = ["relative_rate_index"]


def relative_rate_index(
    frame: pd.DataFrame,
    by: By,
    stages: Sequence[str],
    *,
    reference: Reference = None,
    first_stage_is_population: bool = True,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Relative rate index per group at each stage after the first.

    ``stages`` names the count columns in process order, e.g.
    ``["population", "stops", "arrests", "charges"]``. The reference group
    defaults to the one largest at the first stage. Set
    ``first_stage_is_population=False`` when the first stage is itself a
    count of events (then every step is binomial).

    Raises :class:`StatsInputError` if the reference group is absent, or if
    a later stage holds more than the stage before it (arrests must be a
    subset of stops). A reference group with nothing at a stage makes that
    stage's index undefined: NaN with the reason in ``note``.

    Returns one row per stage and group (stages after the first, in order):
    the grouping columns, ``group``, ``reference_group``, ``is_reference``,
    ``stage``, ``previous_stage``, ``count``, ``previous_count``, ``rate``
    (count / previous count), ``reference_rate``, ``estimate`` (the RRI),
    ``lower``, ``upper``, ``conf_level``, ``method``, ``n`` (the count),
    ``suppressed`` and ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame(
        ...     {"eth": ["Black", "White"], "stops": [200, 300], "arrests": [30, 60]}
        ... )
        >>> result = relative_rate_index(
        ...     table, "eth", ["stops", "arrests"], first_stage_is_population=False
        ... )
        >>> result["estimate"].round(3).tolist()
        [0.75, 1.0]
    """
    keys = as_by(by)
    steps = list(stages)
    if len(steps) < 2:
        raise StatsInputError("Give at least two stages, for example ['population', 'stops'].")
    if len(set(steps)) != len(steps):
        raise StatsInputError(f"The stages {steps} repeat a column.")
    whole = steps[1:] if first_stage_is_population else steps
    groups = collapse(frame, keys, steps, whole=whole)
    labels = group_labels(groups, keys)
    ref = find_reference(groups, keys, reference, steps[0])
    ref_label = str(labels.iloc[ref])
    level = format_conf_level(conf_level)
    is_reference = np.zeros(len(groups), dtype=bool)
    is_reference[ref] = True

    parts = []
    for position in range(1, len(steps)):
        stage, previous = steps[position], steps[position - 1]
        k = groups[stage].to_numpy(dtype=np.float64)
        base = groups[previous].to_numpy(dtype=np.float64)
        poisson = position == 1 and first_stage_is_population
        if poisson:
            interval = rate_ratio_katz(k, base, k[ref], base[ref], conf_level)
            method = f"relative rate index, Poisson log {level} CI (Katz)"
        else:
            over = np.flatnonzero(k > base)
            if over.size:
                raise StatsInputError(
                    f"Group {str(labels.iloc[over[0]])!r} has more {stage!r} than {previous!r}; "
                    f"each stage must be a subset of the stage before."
                )
            interval = risk_ratio_katz(k, base, k[ref], base[ref], conf_level)
            method = f"relative rate index, binomial log {level} CI (Katz)"
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(base > 0, k / base, np.nan)
        reference_defined = np.isfinite(interval.estimate[ref])
        parts.append(
            tidy(
                groups,
                keys,
                {
                    "reference_group": ref_label,
                    "is_reference": is_reference,
                    "stage": stage,
                    "previous_stage": previous,
                    "count": groups[stage].to_numpy(),
                    "previous_count": groups[previous].to_numpy(),
                    "rate": rate,
                    "reference_rate": rate[ref],
                    "estimate": np.where(is_reference & reference_defined, 1.0, interval.estimate),
                    "lower": np.where(is_reference, np.nan, interval.lower),
                    "upper": np.where(is_reference, np.nan, interval.upper),
                    "conf_level": conf_level,
                    "method": method,
                    "n": groups[stage].to_numpy(),
                    "suppressed": False,
                    "note": np.where(
                        is_reference & reference_defined, "reference group", interval.note
                    ),
                },
            )
        )
    return pd.concat(parts, ignore_index=True)
