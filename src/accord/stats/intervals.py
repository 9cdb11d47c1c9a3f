"""Confidence intervals for counts, rates, ratios and proportions.

These are the building blocks under every published number: the measures in
``accord.stats`` call them on whole columns at once, so each function takes
scalars or NumPy arrays (broadcast together) and returns an :class:`Interval`
of arrays of the broadcast shape.

Two kinds of trouble are kept apart on purpose:

* input that cannot be right (a negative count, a fraction of a person
  stopped, more arrests than searches) raises :class:`StatsInputError`,
  because the data needs fixing;
* input that is right but cannot support the interval (a zero count under a
  log interval, a zero denominator) gives NaN in the affected places and a
  plain reason in ``Interval.note``. Nothing crashes and nothing is invented:
  no continuity corrections are added behind the caller's back.

Methods and references are in ``docs/STATISTICS.md``.

Example:
    >>> ci = poisson_exact_ci(10)
    >>> [round(float(v), 3) for v in (ci.estimate, ci.lower, ci.upper)]
    [10.0, 4.795, 18.39]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

from accord.stats.errors import StatsInputError

__all__ = [
    "Interval",
    "ProportionMethod",
    "check_conf_level",
    "format_conf_level",
    "odds_ratio_woolf",
    "poisson_exact_ci",
    "poisson_rate_ci",
    "proportion_ci",
    "proportion_difference_newcombe",
    "rate_ratio_exact",
    "rate_ratio_katz",
    "risk_ratio_katz",
    "z_value",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
NoteArray = npt.NDArray[np.object_]

ProportionMethod = Literal["wilson", "clopper-pearson"]


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with its confidence interval, element by element.

    ``note`` holds a plain-language reason wherever the estimate or a bound
    is NaN (or infinite), and an empty string elsewhere.
    """

    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray
    note: NoteArray


# --- small shared checks -------------------------------------------------------------------


def check_conf_level(conf_level: float) -> float:
    """Return ``conf_level`` as a float, or raise if it is not strictly between 0 and 1.

    Example:
        >>> check_conf_level(0.95)
        0.95
    """
    level = float(conf_level)
    if not 0.0 < level < 1.0:
        raise StatsInputError(
            f"The confidence level must be between 0 and 1 (for example 0.95); got {conf_level!r}."
        )
    return level


def format_conf_level(conf_level: float) -> str:
    """Write a confidence level the way people read it, e.g. ``0.998`` as ``"99.8%"``.

    Example:
        >>> format_conf_level(0.95), format_conf_level(0.998)
        ('95%', '99.8%')
    """
    return f"{100 * check_conf_level(conf_level):.10g}%"


def z_value(conf_level: float) -> float:
    """The two-sided standard normal critical value, e.g. 1.96 for 95%.

    Example:
        >>> round(z_value(0.95), 4)
        1.96
    """
    level = check_conf_level(conf_level)
    return float(stats.norm.isf((1.0 - level) / 2.0))


def _as_float(name: str, values: npt.ArrayLike) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if np.isnan(array).any() or np.isinf(array).any():
        raise StatsInputError(f"{name} has missing or infinite values; every value must be known.")
    if (array < 0).any():
        raise StatsInputError(f"{name} has negative values; counts cannot be negative.")
    return array


def _counts(name: str, values: npt.ArrayLike) -> FloatArray:
    array = _as_float(name, values)
    if (array != np.floor(array)).any():
        raise StatsInputError(f"{name} must hold whole numbers; it has fractions.")
    return array


def _not_more_than(part: FloatArray, whole: FloatArray, part_name: str, whole_name: str) -> None:
    if (part > whole).any():
        raise StatsInputError(
            f"{part_name} is larger than {whole_name} somewhere; "
            f"{part_name} must be a subset of {whole_name}."
        )


def _notes(shape: tuple[int, ...], reasons: Sequence[tuple[BoolArray, str]]) -> NoteArray:
    """An array of reasons, the first matching reason winning."""
    notes = np.full(shape, "", dtype=object)
    for mask, text in reversed(reasons):
        notes[np.broadcast_to(mask, shape)] = text
    return notes


def _broadcast(*arrays: FloatArray) -> list[FloatArray]:
    return [np.array(a, dtype=np.float64) for a in np.broadcast_arrays(*arrays)]


def _two_groups(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x0: npt.ArrayLike, n0: npt.ArrayLike
) -> list[FloatArray]:
    """Group and reference counts and totals, checked (counts within totals) and broadcast."""
    g_x, g_n, r_x, r_n = _broadcast(
        _counts("The group count", x1),
        _counts("The group total", n1),
        _counts("The reference count", x0),
        _counts("The reference total", n0),
    )
    _not_more_than(g_x, g_n, "The group count", "the group total")
    _not_more_than(r_x, r_n, "The reference count", "the reference total")
    return [g_x, g_n, r_x, r_n]


# --- counts and rates ----------------------------------------------------------------------


def poisson_exact_ci(k: npt.ArrayLike, conf_level: float = 0.95) -> Interval:
    """Exact (Garwood) confidence interval for a Poisson count.

    Exact intervals never undercover, which matters for the small counts
    common in area and intersectional breakdowns; they are a little wide
    (conservative) as the price. Lower = chi2(a/2; 2k)/2, and 0 when k = 0;
    upper = chi2(1 - a/2; 2k + 2)/2.

    Example:
        >>> ci = poisson_exact_ci([0, 3])
        >>> ci.lower.round(3).tolist(), ci.upper.round(3).tolist()
        ([0.0, 0.619], [3.689, 8.767])
    """
    alpha = 1.0 - check_conf_level(conf_level)
    counts = _counts("The count", k)
    safe = np.maximum(counts, 1.0)
    lower = np.where(counts > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * safe) / 2.0, 0.0)
    upper = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * counts + 2.0) / 2.0
    return Interval(
        estimate=counts,
        lower=np.asarray(lower, dtype=np.float64),
        upper=np.asarray(upper, dtype=np.float64),
        note=_notes(counts.shape, []),
    )


def poisson_rate_ci(
    k: npt.ArrayLike,
    population: npt.ArrayLike,
    per: float = 1000.0,
    conf_level: float = 0.95,
) -> Interval:
    """Rate per ``per`` people with the exact (Garwood) interval for the count.

    The population is treated as fixed (a census count), so the interval for
    the rate is the count's interval divided by the population. A zero
    population gives NaN with a reason.

    Example:
        >>> ci = poisson_rate_ci(120, 40_000)
        >>> [round(float(v), 2) for v in (ci.estimate, ci.lower, ci.upper)]
        [3.0, 2.49, 3.59]
    """
    count_ci = poisson_exact_ci(k, conf_level)
    counts, pops = _broadcast(count_ci.estimate, _as_float("The population", population))
    lower, upper = _broadcast(count_ci.lower, count_ci.upper)
    no_population = pops == 0
    scale = np.divide(per, pops, out=np.full(pops.shape, np.nan), where=~no_population)
    return Interval(
        estimate=counts * scale,
        lower=lower * scale,
        upper=upper * scale,
        note=_notes(counts.shape, [(no_population, "population is zero, so no rate")]),
    )


# --- ratios of rates and risks -------------------------------------------------------------


def rate_ratio_katz(
    k1: npt.ArrayLike,
    p1: npt.ArrayLike,
    k0: npt.ArrayLike,
    p0: npt.ArrayLike,
    conf_level: float = 0.95,
) -> Interval:
    """Poisson rate ratio (k1/p1)/(k0/p0) with the Katz log interval.

    The populations are treated as fixed, so the standard error of log RR is
    sqrt(1/k1 + 1/k0). A zero count makes the log interval undefined: the
    bounds are NaN with a reason (use :func:`rate_ratio_exact` there). A zero
    reference count makes the ratio itself undefined.

    Example:
        >>> ci = rate_ratio_katz(200, 10_000, 300, 60_000)
        >>> [round(float(v), 2) for v in (ci.estimate, ci.lower, ci.upper)]
        [4.0, 3.34, 4.78]
    """
    z = z_value(conf_level)
    g_k, g_p, r_k, r_p = _broadcast(
        _counts("The group count", k1),
        _as_float("The group population", p1),
        _counts("The reference count", k0),
        _as_float("The reference population", p0),
    )
    no_population = (g_p == 0) | (r_p == 0)
    ref_zero = r_k == 0
    group_zero = g_k == 0
    undefined = no_population | ref_zero
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (g_k / g_p) / (r_k / r_p)
        spread = np.exp(z * np.sqrt(1.0 / g_k + 1.0 / r_k))
        estimate = np.where(undefined, np.nan, estimate)
        no_bounds = undefined | group_zero
        lower = np.where(no_bounds, np.nan, estimate / spread)
        upper = np.where(no_bounds, np.nan, estimate * spread)
    return Interval(
        estimate=estimate,
        lower=lower,
        upper=upper,
        note=_notes(
            estimate.shape,
            [
                (no_population, "a population is zero, so no rate ratio"),
                (ref_zero, "no events in the reference group, so the ratio is undefined"),
                (group_zero, "no events in the group, so the log interval is undefined"),
            ],
        ),
    )


def rate_ratio_exact(
    k1: npt.ArrayLike,
    p1: npt.ArrayLike,
    k0: npt.ArrayLike,
    p0: npt.ArrayLike,
    conf_level: float = 0.95,
) -> Interval:
    """Poisson rate ratio with the exact conditional interval.

    Given the total k1 + k0, k1 is binomial with pi = RR*p1/(RR*p1 + p0).
    A Clopper-Pearson interval for pi, mapped back by RR = pi/(1 - pi) * p0/p1,
    is exact and stays defined when one count is zero (lower 0 when k1 = 0;
    upper infinite when k0 = 0). It is conservative: coverage at least nominal.

    Example:
        >>> ci = rate_ratio_exact(0, 5_000, 40, 60_000)
        >>> float(ci.estimate), float(ci.lower), round(float(ci.upper), 2)
        (0.0, 0.0, 1.16)
    """
    alpha = 1.0 - check_conf_level(conf_level)
    g_k, g_p, r_k, r_p = _broadcast(
        _counts("The group count", k1),
        _as_float("The group population", p1),
        _counts("The reference count", k0),
        _as_float("The reference population", p0),
    )
    total = g_k + r_k
    no_population = (g_p == 0) | (r_p == 0)
    no_events = total == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = r_p / g_p
        pi_lower = np.where(
            g_k > 0,
            stats.beta.ppf(alpha / 2.0, np.maximum(g_k, 1.0), total - g_k + 1.0),
            0.0,
        )
        pi_upper = np.where(
            g_k < total,
            stats.beta.isf(alpha / 2.0, g_k + 1.0, np.maximum(total - g_k, 1.0)),
            1.0,
        )
        lower = pi_lower / (1.0 - pi_lower) * scale
        upper = np.where(pi_upper >= 1.0, np.inf, pi_upper / (1.0 - pi_upper) * scale)
        estimate = np.where(r_k > 0, (g_k / g_p) / (r_k / r_p), np.nan)
    undefined = no_population | no_events
    return Interval(
        estimate=np.where(undefined, np.nan, estimate),
        lower=np.where(undefined, np.nan, lower),
        upper=np.where(undefined, np.nan, upper),
        note=_notes(
            estimate.shape,
            [
                (no_population, "a population is zero, so no rate ratio"),
                (no_events, "no events in either group, so no interval"),
                (
                    r_k == 0,
                    "no events in the reference group: the ratio is undefined "
                    "and the upper bound is infinite",
                ),
            ],
        ),
    )


def risk_ratio_katz(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x0: npt.ArrayLike,
    n0: npt.ArrayLike,
    conf_level: float = 0.95,
) -> Interval:
    """Risk ratio (x1/n1)/(x0/n0) with the Katz log interval.

    The denominators are binomial (people stopped among residents, arrests
    among searches), so the standard error of log RR is
    sqrt(1/x1 - 1/n1 + 1/x0 - 1/n0). This is the interval of R's epitools
    ``riskratio(method = "wald")`` and of ``scipy.stats.contingency.relative_risk``,
    and the Katz interval for a ratio of two proportions. A zero count makes
    the log interval undefined (NaN bounds with a reason).

    Example:
        >>> ci = risk_ratio_katz(30, 100, 60, 400)
        >>> [round(float(v), 3) for v in (ci.estimate, ci.lower, ci.upper)]
        [2.0, 1.368, 2.923]
    """
    z = z_value(conf_level)
    g_x, g_n, r_x, r_n = _two_groups(x1, n1, x0, n0)
    no_total = (g_n == 0) | (r_n == 0)
    ref_zero = r_x == 0
    group_zero = g_x == 0
    undefined = no_total | ref_zero
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (g_x / g_n) / (r_x / r_n)
        variance = 1.0 / g_x - 1.0 / g_n + 1.0 / r_x - 1.0 / r_n
        spread = np.exp(z * np.sqrt(np.maximum(variance, 0.0)))
        estimate = np.where(undefined, np.nan, estimate)
        no_bounds = undefined | group_zero
        lower = np.where(no_bounds, np.nan, estimate / spread)
        upper = np.where(no_bounds, np.nan, estimate * spread)
    return Interval(
        estimate=estimate,
        lower=lower,
        upper=upper,
        note=_notes(
            estimate.shape,
            [
                (no_total, "a total is zero, so no risk ratio"),
                (ref_zero, "no events in the reference group, so the ratio is undefined"),
                (group_zero, "no events in the group, so the log interval is undefined"),
            ],
        ),
    )


def odds_ratio_woolf(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x0: npt.ArrayLike,
    n0: npt.ArrayLike,
    conf_level: float = 0.95,
) -> Interval:
    """Odds ratio with Woolf's log interval, from counts and totals.

    The 2x2 table is a = x1, b = n1 - x1, c = x0, d = n0 - x0; OR = ad/(bc)
    and the standard error of log OR is sqrt(1/a + 1/b + 1/c + 1/d). Any
    zero cell makes the log interval undefined (NaN bounds with a reason);
    no 0.5 is added, so the published number is the one the data give.

    Example:
        >>> ci = odds_ratio_woolf(30, 100, 60, 400)
        >>> [round(float(v), 3) for v in (ci.estimate, ci.lower, ci.upper)]
        [2.429, 1.461, 4.037]
    """
    z = z_value(conf_level)
    a, n_g, c, n_r = _two_groups(x1, n1, x0, n0)
    b = n_g - a
    d = n_r - c
    zero_cell = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    undefined = (b * c) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = np.where(undefined, np.nan, (a * d) / (b * c))
        spread = np.exp(z * np.sqrt(1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d))
        lower = np.where(zero_cell, np.nan, estimate / spread)
        upper = np.where(zero_cell, np.nan, estimate * spread)
    return Interval(
        estimate=estimate,
        lower=lower,
        upper=upper,
        note=_notes(
            estimate.shape,
            [
                (undefined, "a zero cell makes the odds ratio undefined"),
                (zero_cell, "a zero cell makes the log interval undefined"),
            ],
        ),
    )


# --- proportions ---------------------------------------------------------------------------


def _wilson(x: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (x + z2 / 2.0) / (n + z2)
        half = z * np.sqrt(x * (n - x) / n + z2 / 4.0) / (n + z2)
    lower = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


def _clopper_pearson(x: FloatArray, n: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = np.where(x > 0, stats.beta.ppf(alpha / 2.0, np.maximum(x, 1.0), n - x + 1.0), 0.0)
        upper = np.where(x < n, stats.beta.isf(alpha / 2.0, x + 1.0, np.maximum(n - x, 1.0)), 1.0)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def proportion_ci(
    x: npt.ArrayLike,
    n: npt.ArrayLike,
    conf_level: float = 0.95,
    method: ProportionMethod = "wilson",
) -> Interval:
    """Proportion x/n with a Wilson score (default) or Clopper-Pearson interval.

    Wilson keeps close to the nominal coverage even for small n and never
    leaves [0, 1]; Clopper-Pearson is exact and conservative, for when a
    guarantee matters more than width. A zero total gives NaN with a reason.

    Example:
        >>> ci = proportion_ci(12, 40)
        >>> [round(float(v), 4) for v in (ci.estimate, ci.lower, ci.upper)]
        [0.3, 0.1807, 0.4543]
    """
    level = check_conf_level(conf_level)
    successes, totals = _broadcast(_counts("The count", x), _counts("The total", n))
    _not_more_than(successes, totals, "The count", "the total")
    if method == "wilson":
        lower, upper = _wilson(successes, totals, z_value(level))
    elif method == "clopper-pearson":
        lower, upper = _clopper_pearson(successes, totals, 1.0 - level)
    else:
        raise StatsInputError(
            f"Unknown proportion method {method!r}; use 'wilson' or 'clopper-pearson'."
        )
    empty = totals == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = np.where(empty, np.nan, successes / totals)
    return Interval(
        estimate=estimate,
        lower=np.where(empty, np.nan, lower),
        upper=np.where(empty, np.nan, upper),
        note=_notes(estimate.shape, [(empty, "the total is zero, so no proportion")]),
    )


def proportion_difference_newcombe(
    x1: npt.ArrayLike,
    n1: npt.ArrayLike,
    x0: npt.ArrayLike,
    n0: npt.ArrayLike,
    conf_level: float = 0.95,
) -> Interval:
    """Difference of proportions x1/n1 - x0/n0 with Newcombe's hybrid score interval.

    Newcombe (1998) method 10 combines the two Wilson intervals, so it keeps
    good coverage with small counts and zeros, where the simple Wald
    difference interval fails. A zero total gives NaN with a reason.

    Example:
        >>> ci = proportion_difference_newcombe(30, 100, 60, 400)
        >>> [round(float(v), 4) for v in (ci.estimate, ci.lower, ci.upper)]
        [0.15, 0.0603, 0.2509]
    """
    z = z_value(conf_level)
    g_x, g_n, r_x, r_n = _two_groups(x1, n1, x0, n0)
    empty = (g_n == 0) | (r_n == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = g_x / g_n
        p0 = r_x / r_n
    l1, u1 = _wilson(g_x, g_n, z)
    l0, u0 = _wilson(r_x, r_n, z)
    difference = p1 - p0
    lower = difference - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    upper = difference + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return Interval(
        estimate=np.where(empty, np.nan, difference),
        lower=np.where(empty, np.nan, lower),
        upper=np.where(empty, np.nan, upper),
        note=_notes(difference.shape, [(empty, "a total is zero, so no difference")]),
    )
