"""Disparity ratios: each group's rate against a reference group's.

Three forms answer slightly different questions, and every row says which
form it is and which group it is compared with:

* ``"poisson"`` - the Poisson rate ratio (k1/P1)/(k0/P0), with the Katz log
  interval in ``lower``/``upper`` and the exact conditional interval in
  ``exact_lower``/``exact_upper``. Use it for events per resident, where one
  person can be stopped many times.
* ``"risk"`` - the binomial risk ratio with the population as denominator
  (people stopped among residents), interval as R's epitools
  ``riskratio(method = "wald")``, which published stop and search research uses.
* ``"odds"`` - the odds ratio with Woolf's log interval.

The reference group defaults to the group with the largest population
(usually White); choose it with ``reference``.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"eth": ["Black", "White"], "events": [200, 300], "population": [10_000, 60_000]}
    ... )
    >>> result = rate_ratios(table, "eth")
    >>> result[["group", "reference_group", "estimate"]].to_dict("records")[0]
    {'group': 'Black', 'reference_group': 'White', 'estimate': 4.0}
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from accord.stats.errors import StatsInputError
from accord.stats.frames import By, Reference, as_by, collapse, find_reference, group_labels, tidy
from accord.stats.intervals import (
    Interval,
    format_conf_level,
    odds_ratio_woolf,
    rate_ratio_exact,
    rate_ratio_katz,
    risk_ratio_katz,
)

__all__ = ["FORM_NAMES", "RatioForm", "rate_ratios"]

RatioForm = Literal["poisson", "risk", "odds"]

#: What each form is called in the ``form`` column.
FORM_NAMES: dict[str, str] = {
    "poisson": "poisson rate ratio",
    "risk": "binomial risk ratio",
    "odds": "odds ratio",
}


def _method(form: RatioForm, conf_level: float) -> str:
    level = format_conf_level(conf_level)
    if form == "poisson":
        return (
            f"poisson rate ratio, Katz log {level} CI; exact conditional "
            f"(Clopper-Pearson) {level} CI in exact_lower and exact_upper"
        )
    if form == "risk":
        return f"binomial risk ratio, log {level} CI (Katz; epitools riskratio wald)"
    return f"odds ratio, Woolf log {level} CI"


def rate_ratios(
    frame: pd.DataFrame,
    by: By,
    *,
    events: str = "events",
    population: str = "population",
    reference: Reference = None,
    form: RatioForm = "poisson",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Each group's rate relative to the reference group's, with intervals.

    Raises :class:`StatsInputError` when the reference group is not in the
    table or has no events (every ratio would be undefined), naming the
    group; and, for the risk and odds forms, when a group has more events
    than people.

    Returns one row per group, the reference included (estimate 1, no
    interval, ``is_reference`` True), with the grouping columns, ``group``,
    ``reference_group``, ``form``, ``is_reference``, ``events``,
    ``population``, ``reference_events``, ``reference_population``,
    ``estimate``, ``lower``, ``upper``, (Poisson form only) ``exact_lower``
    and ``exact_upper``, ``conf_level``, ``method``, ``n`` (the group's
    events), ``suppressed`` and ``note`` (why a value is missing).

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame(
        ...     {"eth": ["Black", "White"], "events": [30, 60], "population": [100, 400]}
        ... )
        >>> row = rate_ratios(table, "eth", form="risk").iloc[0]
        >>> row["form"], round(float(row["lower"]), 3), round(float(row["upper"]), 3)
        ('binomial risk ratio', 1.368, 2.923)
    """
    if form not in FORM_NAMES:
        raise StatsInputError(f"Unknown ratio form {form!r}; use 'poisson', 'risk' or 'odds'.")
    keys = as_by(by)
    groups = collapse(
        frame, keys, [events, population], whole=[events] if form == "poisson" else None
    )
    labels = group_labels(groups, keys)
    ref = find_reference(groups, keys, reference, population)
    ref_label = str(labels.iloc[ref])
    k = groups[events].to_numpy(dtype=np.float64)
    pop = groups[population].to_numpy(dtype=np.float64)
    if k[ref] == 0:
        raise StatsInputError(
            f"Reference group {ref_label!r} has no events, so every ratio against it is "
            "undefined. Choose another reference group."
        )
    if pop[ref] == 0:
        raise StatsInputError(f"Reference group {ref_label!r} has a population of zero.")
    if form != "poisson":
        over = np.flatnonzero(k > pop)
        if over.size:
            raise StatsInputError(
                f"Group {str(labels.iloc[over[0]])!r} has more events than people, so the "
                f"{FORM_NAMES[form]} (which needs events within the population) does not "
                "apply. Use the Poisson rate ratio."
            )
    interval: Interval
    if form == "poisson":
        interval = rate_ratio_katz(k, pop, k[ref], pop[ref], conf_level)
    elif form == "risk":
        interval = risk_ratio_katz(k, pop, k[ref], pop[ref], conf_level)
    else:
        interval = odds_ratio_woolf(k, pop, k[ref], pop[ref], conf_level)
    is_reference = np.zeros(len(groups), dtype=bool)
    is_reference[ref] = True
    note = np.where(is_reference, "reference group", interval.note)
    columns: dict[str, object] = {
        "reference_group": ref_label,
        "form": FORM_NAMES[form],
        "is_reference": is_reference,
        "events": groups[events].to_numpy(),
        "population": groups[population].to_numpy(),
        "reference_events": groups[events].iloc[ref],
        "reference_population": groups[population].iloc[ref],
        "estimate": np.where(is_reference, 1.0, interval.estimate),
        "lower": np.where(is_reference, np.nan, interval.lower),
        "upper": np.where(is_reference, np.nan, interval.upper),
    }
    if form == "poisson":
        exact = rate_ratio_exact(k, pop, k[ref], pop[ref], conf_level)
        columns["exact_lower"] = np.where(is_reference, np.nan, exact.lower)
        columns["exact_upper"] = np.where(is_reference, np.nan, exact.upper)
    columns |= {
        "conf_level": conf_level,
        "method": _method(form, conf_level),
        "n": groups[events].to_numpy(),
        "suppressed": False,
        "note": note,
    }
    return tidy(groups, keys, columns)
