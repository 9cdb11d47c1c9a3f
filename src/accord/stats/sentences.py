"""Plain-language sentences for headline results.

A number in a table is easy to misread; a sentence next to it says what it
means. Each function takes one row of a measure's result (a pandas Series
or a dict) and returns one or two short sentences in plain British English.
Suppressed or blanked rows always give "The number is too small to
publish." and nothing else, so a sentence can never leak a hidden number.
The words that fit the data (who, what happened) are parameters.

Example:
    >>> row = {
    ...     "group": "Black", "reference_group": "White", "form": "poisson rate ratio",
    ...     "estimate": 4.1, "lower": 3.9, "upper": 4.3, "conf_level": 0.95,
    ...     "suppressed": False, "note": "",
    ... }
    >>> describe_ratio(row)
    'Black people were searched at 4.1 times the rate of White people (95% CI 3.9 to 4.3).'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from accord.stats.intervals import format_conf_level
from accord.stats.rates import format_per

__all__ = [
    "TOO_SMALL",
    "describe_outlier",
    "describe_proportion",
    "describe_rate",
    "describe_ratio",
    "describe_trend",
    "format_number",
    "ratio_digits",
]

#: What every sentence says in place of a suppressed or blanked number.
TOO_SMALL = "The number is too small to publish."

Row = pd.Series | Mapping[str, Any]


def _get(row: Row, key: str, default: Any = None) -> Any:
    return row.get(key, default)


def _float(row: Row, key: str) -> float:
    value = _get(row, key)
    if value is None or value is pd.NA:
        return math.nan
    return float(value)


def _hidden(row: Row) -> bool:
    return any(
        _get(row, key) is not None and _get(row, key) is not pd.NA and bool(_get(row, key))
        for key in ("suppressed", "below_min_cell_size")
    )


def format_number(value: float, digits: int = 1) -> str:
    """Round for reading: ``digits`` decimals, or two significant figures below 0.1.

    Example:
        >>> format_number(4.14), format_number(0.6), format_number(0.042), format_number(1234.5)
        ('4.1', '0.6', '0.042', '1,234.5')
    """
    if value == 0:
        return "0"
    if abs(value) >= 0.1:
        return f"{value:,.{digits}f}"
    return f"{value:.2g}"


def _interval(row: Row, digits: int, lower: str, upper: str, suffix: str = "") -> str:
    low, high = _float(row, lower), _float(row, upper)
    level = format_conf_level(_float(row, "conf_level")) if _get(row, "conf_level") else "95%"
    if math.isnan(low) or math.isnan(high):
        note = str(_get(row, "note", "") or "").strip()
        reason = f": {note}" if note else ""
        return f". No confidence interval can be given{reason}."
    if math.isinf(high):
        return f" ({level} CI {format_number(low, digits)}{suffix} or more)."
    return (
        f" ({level} CI {format_number(low, digits)}{suffix} to "
        f"{format_number(high, digits)}{suffix})."
    )


def ratio_digits(estimate: float, low: float, high: float, digits: int = 1) -> int:
    """Enough decimals (from ``digits``, at most two more) that rounding does not mislead.

    A ratio of 0.98 (0.97 to 0.99) is 1.0 (1.0 to 1.0) to one decimal: it reads as "the
    same rate, known exactly", when the rate is in fact lower and the difference is real.
    So decimals are added until the interval's ends read differently, and nothing that is
    below 1 or above 1 reads as exactly 1.

    Example:
        >>> ratio_digits(3.03, 2.99, 3.06), ratio_digits(0.98, 0.97, 0.995)
        (1, 2)
        >>> ratio_digits(0.95, 0.93, 0.97), ratio_digits(1.0004, 0.9996, 1.0012)
        (2, 3)
    """
    finite = [v for v in (estimate, low, high) if math.isfinite(v)]
    for places in range(digits, digits + 3):

        def shown(value: float, places: int = places) -> float:
            return float(format_number(value, places).replace(",", ""))

        ends_apart = not (math.isfinite(low) and math.isfinite(high)) or (
            low == high or shown(low) != shown(high)
        )
        sides_kept = all(v == 1 or shown(v) != 1 for v in finite)
        if ends_apart and sides_kept:
            return places
    return digits + 2


def describe_ratio(
    row: Row,
    *,
    group_noun: str = "people",
    event_verb: str = "searched",
    digits: int = 1,
    lower: str = "lower",
    upper: str = "upper",
) -> str:
    """One sentence for a ratio row from :func:`accord.stats.rate_ratios` (or similar).

    The wording follows the row's ``form``: "at 4.1 times the rate of" for a
    Poisson rate ratio, "times as likely to be" for a risk ratio, "the odds"
    for an odds ratio. Choose ``lower``/``upper`` as "exact_lower"/"exact_upper"
    to quote the exact interval.

    Example:
        >>> describe_ratio({"group": "Asian", "reference_group": "White", "estimate": 0.62,
        ...                 "lower": 0.5, "upper": 0.75, "conf_level": 0.95,
        ...                 "form": "binomial risk ratio"})
        'Asian people were 0.6 times as likely to be searched as White people (95% CI 0.5 to 0.8).'
    """
    if _hidden(row):
        return TOO_SMALL
    group = f"{_get(row, 'group')} {group_noun}"
    reference = f"{_get(row, 'reference_group')} {group_noun}"
    if bool(_get(row, "is_reference", False)):
        return f"{reference} are the group the others are compared with."
    estimate = _float(row, "estimate")
    if math.isnan(estimate):
        note = str(_get(row, "note", "") or "").strip()
        reason = f": {note}" if note else ""
        return f"The ratio for {group} cannot be calculated{reason}."
    if estimate == 0:
        return f"No {group} were {event_verb}, so the ratio is zero."
    digits = ratio_digits(estimate, _float(row, lower), _float(row, upper), digits)
    value = format_number(estimate, digits)
    form = str(_get(row, "form", "poisson rate ratio"))
    if form == "binomial risk ratio":
        text = f"{group} were {value} times as likely to be {event_verb} as {reference}"
    elif form == "odds ratio":
        text = f"The odds of {group} being {event_verb} were {value} times the odds for {reference}"
    else:
        text = f"{group} were {event_verb} at {value} times the rate of {reference}"
    return text + _interval(row, digits, lower, upper)


def describe_rate(
    row: Row,
    *,
    group_noun: str = "people",
    event_verb: str = "searched",
    digits: int = 1,
) -> str:
    """One sentence for a row from :func:`accord.stats.rates`.

    Example:
        >>> describe_rate({"group": "Black", "estimate": 24.0, "lower": 21.1, "upper": 27.2,
        ...                "per": 1000, "conf_level": 0.95})
        'Black people were searched at a rate of 24.0 per 1,000 people (95% CI 21.1 to 27.2).'
    """
    if _hidden(row):
        return TOO_SMALL
    group = f"{_get(row, 'group')} {group_noun}"
    estimate = _float(row, "estimate")
    if math.isnan(estimate):
        note = str(_get(row, "note", "") or "").strip()
        reason = f": {note}" if note else ""
        return f"The rate for {group} cannot be calculated{reason}."
    per = format_per(_float(row, "per")) if _get(row, "per") is not None else "1,000"
    return (
        f"{group} were {event_verb} at a rate of {format_number(estimate, digits)} "
        f"per {per} {group_noun}" + _interval(row, digits, "lower", "upper")
    )


def describe_proportion(
    row: Row,
    *,
    group_noun: str = "people",
    trials_noun: str = "searches",
    outcome: str = "led to an arrest",
    digits: int = 1,
) -> str:
    """One sentence for a row from :func:`accord.stats.proportions`, in per cent.

    Example:
        >>> describe_proportion({"group": "Black", "estimate": 0.3, "lower": 0.219,
        ...                      "upper": 0.396, "conf_level": 0.95})
        'For Black people, 30.0% of searches led to an arrest (95% CI 21.9% to 39.6%).'
    """
    if _hidden(row):
        return TOO_SMALL
    group = f"{_get(row, 'group')} {group_noun}"
    estimate = _float(row, "estimate")
    if math.isnan(estimate):
        note = str(_get(row, "note", "") or "").strip()
        reason = f": {note}" if note else ""
        return f"The share for {group} cannot be calculated{reason}."
    percent = dict(row) | {
        "lower": 100 * _float(row, "lower"),
        "upper": 100 * _float(row, "upper"),
    }
    return f"For {group}, {100 * estimate:.{digits}f}% of {trials_noun} {outcome}" + _interval(
        percent, digits, "lower", "upper", suffix="%"
    )


def _change(value: float, digits: int) -> str:
    if round(value, digits) == 0:
        return "no change"
    direction = "a rise" if value > 0 else "a fall"
    return f"{direction} of {abs(value):.{digits}f}%"


def describe_trend(
    row: Row,
    *,
    event_noun: str = "searches",
    group_noun: str = "people",
    digits: int = 1,
) -> str:
    """One sentence for a row from :func:`accord.stats.poisson_trend`.

    Example:
        >>> describe_trend({"group": "all", "estimate": -3.24, "lower": -5.0,
        ...                 "upper": 1.2, "conf_level": 0.95})
        'Searches fell by 3.2% a year (95% CI from a fall of 5.0% to a rise of 1.2% a year).'
    """
    if _hidden(row):
        return TOO_SMALL
    group = str(_get(row, "group", "all"))
    subject = (
        event_noun.capitalize() if group == "all" else f"For {group} {group_noun}, {event_noun}"
    )
    estimate = _float(row, "estimate")
    if math.isnan(estimate):
        note = str(_get(row, "note", "") or "").strip()
        reason = f": {note}" if note else ""
        who = "" if group == "all" else f" for {group} {group_noun}"
        return f"No trend can be given for {event_noun}{who}{reason}."
    if round(estimate, digits) == 0:
        headline = f"{subject} stayed about level"
    else:
        verb = "rose" if estimate > 0 else "fell"
        headline = f"{subject} {verb} by {abs(estimate):.{digits}f}% a year"
    low, high = _float(row, "lower"), _float(row, "upper")
    if math.isnan(low) or math.isnan(high):
        return headline + ". No confidence interval can be given."
    level = format_conf_level(_float(row, "conf_level")) if _get(row, "conf_level") else "95%"
    return f"{headline} ({level} CI from {_change(low, digits)} to {_change(high, digits)} a year)."


def describe_outlier(row: Row, *, unit_noun: str = "area") -> str:
    """One sentence for a row from :func:`accord.stats.funnel`.

    Example:
        >>> row = {"group": "Westminster", "outlier": "above 99.8%"}
        >>> describe_outlier(row)  # doctest: +ELLIPSIS
        'Westminster is above the 99.8% control limit: further from the overall figure than ...'
    """
    if _hidden(row):
        return TOO_SMALL
    flag = str(_get(row, "outlier", "") or "")
    name = str(_get(row, "group"))
    if flag:
        direction, _, level = flag.partition(" ")
        return (
            f"{name} is {direction} the {level} control limit: further from the overall "
            "figure than chance alone would explain. Check the data first."
        )
    return f"{name} is within the 99.8% control limits for {unit_noun}s of its size."
