"""Counts and rates per head of population, with exact intervals.

A rate here is events per ``per`` residents (1,000 by default, as in the
gov.uk "Ethnicity facts and figures" stop and search pages). The interval is
the exact Poisson (Garwood) interval for the count divided by the population,
which treats the census population as fixed.

Residential population is not the population "available" to be stopped
(visitors, commuters, people in public places): rates for areas with many
visitors, such as Westminster, overstate. Show that caveat next to every rate.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"ethnicity": ["Black", "White"], "events": [240, 300], "population": [10_000, 60_000]}
    ... )
    >>> rates(table, "ethnicity")[["group", "estimate"]].to_dict("list")
    {'group': ['Black', 'White'], 'estimate': [24.0, 5.0]}
"""

from __future__ import annotations

import pandas as pd

from accord.stats.frames import By, as_by, collapse, tidy
from accord.stats.intervals import format_conf_level, poisson_exact_ci, poisson_rate_ci

__all__ = ["counts", "format_per", "rates"]


def format_per(per: float) -> str:
    """Write the rate base with thousands separators, e.g. ``1000`` as ``"1,000"``.

    Example:
        >>> format_per(1000), format_per(100_000), format_per(1)
        ('1,000', '100,000', '1')
    """
    return f"{per:,.15g}"


def counts(
    frame: pd.DataFrame,
    by: By,
    *,
    events: str = "events",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Event counts per group with exact (Garwood) Poisson intervals.

    The interval says how much the count could vary by chance alone if the
    same process ran again, which is what matters when comparing counts
    across months or areas.

    Returns one row per group with the grouping columns and ``group`` (a
    label), ``events``, ``estimate`` (the count), ``lower``, ``upper``,
    ``conf_level``, ``method``, ``n`` (the count), ``suppressed`` and
    ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"la_name": ["Brent"], "events": [10]})
        >>> counts(table, "la_name")[["lower", "upper"]].round(2).to_dict("records")
        [{'lower': 4.8, 'upper': 18.39}]
    """
    keys = as_by(by)
    groups = collapse(frame, keys, [events])
    interval = poisson_exact_ci(groups[events].to_numpy(), conf_level)
    return tidy(
        groups,
        keys,
        {
            "events": groups[events].to_numpy(),
            "estimate": interval.estimate,
            "lower": interval.lower,
            "upper": interval.upper,
            "conf_level": conf_level,
            "method": f"count, exact Poisson (Garwood) {format_conf_level(conf_level)} CI",
            "n": groups[events].to_numpy(),
            "suppressed": False,
            "note": interval.note,
        },
    )


def rates(
    frame: pd.DataFrame,
    by: By,
    *,
    events: str = "events",
    population: str = "population",
    per: float = 1000.0,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Rates per ``per`` people with exact (Garwood) Poisson intervals.

    Rows sharing a group are summed first (see :func:`accord.stats.frames.collapse`).
    A group with a population of zero gets NaN with a reason in ``note``.

    Returns one row per group: the grouping columns, ``group``, ``events``,
    ``population``, ``per``, ``estimate`` (the rate per ``per``), ``lower``,
    ``upper``, ``conf_level``, ``method``, ``n`` (the events), ``suppressed``
    and ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"eth": ["Black"], "events": [240], "population": [10_000]})
        >>> rates(table, "eth")[["estimate", "lower", "upper"]].round(1).to_dict("records")
        [{'estimate': 24.0, 'lower': 21.1, 'upper': 27.2}]
    """
    keys = as_by(by)
    groups = collapse(frame, keys, [events, population], whole=[events])
    interval = poisson_rate_ci(
        groups[events].to_numpy(), groups[population].to_numpy(), per, conf_level
    )
    return tidy(
        groups,
        keys,
        {
            "events": groups[events].to_numpy(),
            "population": groups[population].to_numpy(),
            "per": per,
            "estimate": interval.estimate,
            "lower": interval.lower,
            "upper": interval.upper,
            "conf_level": conf_level,
            "method": (
                f"rate per {format_per(per)}, exact Poisson (Garwood) "
                f"{format_conf_level(conf_level)} CI"
            ),
            "n": groups[events].to_numpy(),
            "suppressed": False,
            "note": interval.note,
        },
    )
