"""Funnel plots for comparing areas (Spiegelhalter 2005).

Ranking areas by their rates exaggerates differences that are mostly
chance: small areas swing most. A funnel plot instead plots each unit's rate
(or proportion) against its size, with control limits around the overall
target that narrow as size grows. A unit outside the 99.8% limits is unlikely
to differ by chance alone; data quality is the first explanation to check.

Limits without overdispersion are exact Poisson (rates) or binomial
(proportions) quantiles at each unit's size, with Spiegelhalter's
interpolation to smooth the steps of a discrete distribution:
limit = (r_p - a) / size, where r_p is the p-quantile and
a = (P(X <= r_p) - p) / P(X = r_p). Lower limits are cut at 0 (and upper
proportion limits at 1).

Many real indicators are overdispersed: more spread than chance allows,
which flags too many outliers. The dispersion phi is estimated from
z-scores Winsorised at 10% in each tail (the 10% most extreme at each end,
rounded down, set to the nearest remaining value). If phi times the number of
units exceeds the chi-square expectation (units - 1), the limits can be
widened multiplicatively (sqrt(phi)) or by an additive random-effects
variance tau^2 (Spiegelhalter 2005, "Handling over-dispersion of performance
indicators", Quality and Safety in Health Care 14:347-351), both with
normal-approximation limits.

Reference: Spiegelhalter D J (2005), "Funnel plots for comparing
institutional performance", Statistics in Medicine 24:1185-1202.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {
    ...         "la": ["A", "B", "C"],
    ...         "events": [30, 250, 90],
    ...         "population": [10_000, 100_000, 10_000],
    ...     }
    ... )
    >>> funnel(table, "la")[["group", "outlier"]].values.tolist()
    [['A', ''], ['B', 'below 99.8%'], ['C', 'above 99.8%']]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from accord.stats.errors import StatsInputError
from accord.stats.frames import By, as_by, collapse, tidy
from accord.stats.intervals import (
    check_conf_level,
    format_conf_level,
    poisson_rate_ci,
    proportion_ci,
)
from accord.stats.rates import format_per

__all__ = [
    "FUNNEL_LEVELS",
    "Dispersion",
    "FunnelKind",
    "Overdispersion",
    "check_overdispersion",
    "dispersion",
    "exact_funnel_limit",
    "funnel",
    "funnel_limits",
    "winsorised_dispersion",
]

FloatArray = npt.NDArray[np.float64]
FunnelKind = Literal["rate", "proportion"]
Overdispersion = Literal["none", "multiplicative", "additive"]

#: The two standard funnel limits: about 2 and 3 standard deviations.
FUNNEL_LEVELS = (0.95, 0.998)


def exact_funnel_limit(
    target: float, sizes: npt.ArrayLike, p: float, kind: FunnelKind = "rate"
) -> FloatArray:
    """The interpolated exact p-quantile of a unit's rate or proportion under the target.

    ``target`` is per person (a rate of 0.004, not 4 per 1,000) or a
    proportion; ``sizes`` are populations or trials. Binomial sizes must be
    whole numbers. A size of 0 gives NaN.

    Example:
        >>> exact_funnel_limit(0.1, [100], 0.975, "proportion").round(4).tolist()
        [0.1577]
    """
    size = np.asarray(sizes, dtype=np.float64)
    if (size < 0).any() or not np.isfinite(size).all():
        raise StatsInputError("Unit sizes must be zero or more.")
    if not 0.0 < p < 1.0:
        raise StatsInputError(f"The quantile must be between 0 and 1; got {p!r}.")
    safe = np.where(size > 0, size, 1.0)
    if kind == "rate":
        quantile = np.asarray(stats.poisson.ppf(p, target * safe), dtype=np.float64)
        below = np.asarray(stats.poisson.cdf(quantile, target * safe), dtype=np.float64)
        mass = np.asarray(stats.poisson.pmf(quantile, target * safe), dtype=np.float64)
    elif kind == "proportion":
        if (size != np.round(size)).any():
            raise StatsInputError("Trials must be whole numbers for binomial funnel limits.")
        quantile = np.asarray(stats.binom.ppf(p, safe, target), dtype=np.float64)
        below = np.asarray(stats.binom.cdf(quantile, safe, target), dtype=np.float64)
        mass = np.asarray(stats.binom.pmf(quantile, safe, target), dtype=np.float64)
    else:
        raise StatsInputError(f"Unknown funnel kind {kind!r}; use 'rate' or 'proportion'.")
    with np.errstate(divide="ignore", invalid="ignore"):
        interpolation = np.where(mass > 0, (below - p) / mass, 0.0)
    limit = np.maximum((quantile - interpolation) / safe, 0.0)
    if kind == "proportion":
        limit = np.minimum(limit, 1.0)
    return np.where(size > 0, limit, np.nan)


def _standard_error(target: float, sizes: FloatArray, kind: FunnelKind) -> FloatArray:
    variance = target if kind == "rate" else target * (1.0 - target)
    with np.errstate(divide="ignore"):
        return np.where(sizes > 0, np.sqrt(variance / np.where(sizes > 0, sizes, 1.0)), np.nan)


def winsorised_dispersion(z_scores: npt.ArrayLike, fraction: float = 0.1) -> float:
    """Dispersion phi: the mean square of the Winsorised z-scores.

    In each tail the floor(fraction x units) most extreme z-scores are set to
    the nearest remaining one, so a few genuine outliers do not inflate phi
    (as ``scipy.stats.mstats.winsorize`` with the same limits).

    Example:
        >>> round(winsorised_dispersion([-1.0, 0.0, 1.0, 0.5, -0.5]), 3)
        0.5
    """
    z = np.sort(np.asarray(z_scores, dtype=np.float64))
    z = z[np.isfinite(z)]
    if z.size == 0:
        return float("nan")
    if not 0.0 <= fraction < 0.5:
        raise StatsInputError("The Winsorising fraction must be at least 0 and below 0.5.")
    cut = int(np.floor(fraction * z.size))
    if cut:
        z[:cut] = z[cut]
        z[z.size - cut :] = z[z.size - cut - 1]
    return float(np.mean(z**2))


@dataclass(frozen=True)
class Dispersion:
    """How far units spread beyond chance, and the adjustment applied for it.

    ``phi_hat`` is the estimated dispersion; ``phi`` and ``tau2`` are what the limits use
    (1 and 0 when nothing is applied); ``applied`` says which in words.
    """

    phi_hat: float
    phi: float
    tau2: float
    applied: str


def check_overdispersion(overdispersion: str) -> None:
    """Refuse an adjustment this module does not know, naming the ones it does."""
    if overdispersion not in ("none", "multiplicative", "additive"):
        raise StatsInputError(
            f"Unknown overdispersion adjustment {overdispersion!r}; "
            "use 'none', 'multiplicative' or 'additive'."
        )


def dispersion(
    z_scores: FloatArray,
    se: FloatArray,
    overdispersion: Overdispersion,
    winsor_fraction: float = 0.1,
) -> Dispersion:
    """The overdispersion adjustment for units with these unadjusted z-scores and
    standard errors (Spiegelhalter 2005, "Handling over-dispersion").

    Why applied only when found: phi x units above its chi-square expectation (units - 1)
    is the test; below it, widening the limits would hide real differences.
    """
    units = int(np.isfinite(z_scores).sum())
    phi_hat = winsorised_dispersion(z_scores, winsor_fraction)
    overdispersed = units > 1 and phi_hat * units > units - 1
    if overdispersion != "none" and not overdispersed:
        return Dispersion(phi_hat, 1.0, 0.0, f"none: no overdispersion found (phi = {phi_hat:.3g})")
    if overdispersion == "multiplicative":
        return Dispersion(phi_hat, phi_hat, 0.0, "multiplicative")
    if overdispersion == "additive":
        weights = 1.0 / se[np.isfinite(se) & np.isfinite(z_scores)] ** 2
        tau2 = max(
            0.0,
            (units * phi_hat - (units - 1)) / (weights.sum() - (weights**2).sum() / weights.sum()),
        )
        return Dispersion(phi_hat, 1.0, tau2, "additive")
    return Dispersion(phi_hat, 1.0, 0.0, "none")


def _limits(
    target: float,
    sizes: FloatArray,
    kind: FunnelKind,
    level: float,
    phi: float,
    tau2: float,
) -> tuple[FloatArray, FloatArray]:
    """Lower and upper limits per person (not per ``per``) at one level."""
    tail = (1.0 - level) / 2.0
    if phi == 1.0 and tau2 == 0.0:
        return (
            exact_funnel_limit(target, sizes, tail, kind),
            exact_funnel_limit(target, sizes, 1.0 - tail, kind),
        )
    z = float(stats.norm.isf(tail))
    spread = np.sqrt(phi * _standard_error(target, sizes, kind) ** 2 + tau2)
    lower = np.maximum(target - z * spread, 0.0)
    upper = target + z * spread
    if kind == "proportion":
        upper = np.minimum(upper, 1.0)
    return lower, upper


def _limit_method(kind: FunnelKind, levels: Sequence[float], phi: float, tau2: float) -> str:
    named = " and ".join(format_conf_level(level) for level in levels)
    family = "Poisson" if kind == "rate" else "binomial"
    if phi == 1.0 and tau2 == 0.0:
        return f"exact {family} {named} control limits with interpolation (Spiegelhalter 2005)"
    if tau2 > 0.0:
        return (
            f"normal {named} control limits with additive random-effects variance "
            f"tau^2 = {tau2:.3g} for overdispersion"
        )
    return (
        f"normal {named} control limits widened by sqrt(phi), phi = {phi:.3g}, for overdispersion"
    )


def funnel_limits(
    target: float,
    sizes: npt.ArrayLike,
    *,
    kind: FunnelKind = "rate",
    per: float = 1000.0,
    phi: float = 1.0,
    tau2: float = 0.0,
    conf_levels: Sequence[float] = FUNNEL_LEVELS,
) -> pd.DataFrame:
    """Control-limit curves over a grid of sizes, for drawing the funnel.

    ``target`` is on the published scale (a rate per ``per``, or a
    proportion, as in :func:`funnel`'s ``target`` column). With ``phi`` 1 and
    ``tau2`` 0 the limits are exact; otherwise they are the overdispersed
    normal limits (pass :func:`funnel`'s ``phi`` and ``tau2``). Binomial sizes
    are rounded to whole numbers.

    Returns a long table, one row per size and level: ``size``,
    ``conf_level``, ``lower``, ``upper``, ``target`` and ``method``.

    Example:
        >>> import numpy as np
        >>> curves = funnel_limits(4.0, np.geomspace(1_000, 100_000, 50))
        >>> len(curves), sorted(curves["conf_level"].unique().tolist())
        (100, [0.95, 0.998])
    """
    grid = np.asarray(sizes, dtype=np.float64).ravel()
    scale = per if kind == "rate" else 1.0
    if kind == "proportion":
        grid = np.round(grid)
        if not 0.0 <= target <= 1.0:
            raise StatsInputError("A proportion target must lie between 0 and 1.")
    if target < 0:
        raise StatsInputError("The target cannot be negative.")
    if phi <= 0 or tau2 < 0:
        raise StatsInputError("phi must be above 0 and tau2 at least 0.")
    levels = [check_conf_level(level) for level in conf_levels]
    parts = []
    for level in levels:
        lower, upper = _limits(target / scale, grid, kind, level, phi, tau2)
        parts.append(
            pd.DataFrame(
                {
                    "size": grid,
                    "conf_level": level,
                    "lower": lower * scale,
                    "upper": upper * scale,
                    "target": target,
                }
            )
        )
    result = pd.concat(parts, ignore_index=True)
    result["method"] = _limit_method(kind, levels, phi, tau2)
    return result


def _unit_flags(
    frame: pd.DataFrame, units: pd.DataFrame, keys: list[str], column: str
) -> npt.NDArray[np.bool_]:
    """``column`` (true if true on any of its rows) for each unit of ``units``."""
    flags = frame.groupby(keys, sort=False, dropna=False, observed=True)[column].any()
    looked_up = units[keys].merge(flags.reset_index(), on=keys, how="left")[column]
    return np.asarray(looked_up.fillna(False).astype(bool).to_numpy(), dtype=bool)


def _flag(values: FloatArray, lower: FloatArray, upper: FloatArray, label: str) -> list[str]:
    return [
        f"above {label}" if value > high else f"below {label}" if value < low else ""
        for value, low, high in zip(values, lower, upper, strict=True)
    ]


def funnel(
    frame: pd.DataFrame,
    unit: By,
    *,
    events: str = "events",
    size: str = "population",
    kind: FunnelKind = "rate",
    per: float = 1000.0,
    target: float | None = None,
    overdispersion: Overdispersion = "none",
    winsor_fraction: float = 0.1,
    conf_level: float = 0.95,
    unpublished: str | None = None,
) -> pd.DataFrame:
    """Each unit's rate or proportion against the target, with funnel limits and flags.

    ``kind`` is ``"rate"`` (events per ``per`` of ``size``, Poisson) or
    ``"proportion"`` (events among ``size`` trials, binomial; ``per`` is not
    used). ``target`` defaults to the overall value (total events over total
    size), on the published scale. ``overdispersion`` chooses the
    adjustment, applied only when overdispersion is found. ``unpublished`` names a
    boolean column of ``frame`` marking units whose counts are not published (hidden to
    protect small numbers): the dispersion is estimated without them, because the
    dispersion (and the limits it widens) would otherwise carry their z-scores.

    Returns one row per unit: the unit columns, ``group``, ``events``,
    ``size``, ``estimate`` (the unit's rate or proportion), ``lower`` and
    ``upper`` (the unit's own interval: exact Poisson, or Wilson),
    ``target``, ``z_score`` (after any adjustment), ``lower_95``,
    ``upper_95``, ``lower_998``, ``upper_998`` (control limits at the unit's
    size), ``beyond_95`` and ``outlier`` ("above 99.8%", "below 99.8%" or
    ""), ``phi``, ``tau2``, ``overdispersion`` (what was applied),
    ``conf_level``, ``method``, ``n`` (the events), ``suppressed`` and ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"la": ["A", "B"], "events": [5, 20], "population": [50, 100]})
        >>> funnel(table, "la", kind="proportion")["target"].round(4).tolist()
        [0.1667, 0.1667]
    """
    if kind not in ("rate", "proportion"):
        raise StatsInputError(f"Unknown funnel kind {kind!r}; use 'rate' or 'proportion'.")
    check_overdispersion(overdispersion)
    keys = as_by(unit)
    groups = collapse(
        frame, keys, [events, size], whole=[events] if kind == "rate" else [events, size]
    )
    k = groups[events].to_numpy(dtype=np.float64)
    sizes = groups[size].to_numpy(dtype=np.float64)
    if kind == "proportion" and (k > sizes).any():
        raise StatsInputError(f"A unit has more {events!r} than {size!r}.")
    if sizes.sum() == 0:
        raise StatsInputError(f"Every unit has a {size!r} of zero; there is nothing to compare.")
    scale = per if kind == "rate" else 1.0
    theta = float(k.sum() / sizes.sum()) if target is None else target / scale
    if kind == "proportion" and not 0.0 < theta < 1.0:
        raise StatsInputError("The target proportion must lie strictly between 0 and 1.")
    if kind == "rate" and theta <= 0:
        raise StatsInputError("The target rate must be above zero (are there no events at all?).")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(sizes > 0, k / sizes, np.nan)
    se = _standard_error(theta, sizes, kind)
    z = (value - theta) / se
    known = z
    if unpublished is not None:
        hidden = _unit_flags(frame, groups, keys, unpublished)
        known = np.where(hidden, np.nan, z)
    spread = dispersion(known, se, overdispersion, winsor_fraction)
    phi_hat, phi, tau2, applied = spread.phi_hat, spread.phi, spread.tau2, spread.applied
    adjusted_z = (value - theta) / np.sqrt(phi * se**2 + tau2)
    limits = {level: _limits(theta, sizes, kind, level, phi, tau2) for level in FUNNEL_LEVELS}
    own = (
        poisson_rate_ci(k, sizes, per, conf_level)
        if kind == "rate"
        else proportion_ci(k, sizes, conf_level)
    )
    what = f"rate per {format_per(per)}" if kind == "rate" else "proportion"
    method = (
        f"{what} against the overall {'rate' if kind == 'rate' else 'proportion'}: "
        f"{_limit_method(kind, FUNNEL_LEVELS, phi, tau2)}; own "
        f"{format_conf_level(conf_level)} CI "
        f"{'exact Poisson (Garwood)' if kind == 'rate' else 'Wilson score'}"
    )
    return tidy(
        groups,
        keys,
        {
            "events": groups[events].to_numpy(),
            "size": sizes,
            "estimate": value * scale,
            "lower": own.lower,
            "upper": own.upper,
            "target": theta * scale,
            "z_score": adjusted_z,
            "lower_95": limits[0.95][0] * scale,
            "upper_95": limits[0.95][1] * scale,
            "lower_998": limits[0.998][0] * scale,
            "upper_998": limits[0.998][1] * scale,
            "beyond_95": _flag(value, *limits[0.95], "95%"),
            "outlier": _flag(value, *limits[0.998], "99.8%"),
            "phi": phi_hat,
            "tau2": tau2,
            "overdispersion": applied,
            "conf_level": conf_level,
            "method": method,
            "n": groups[events].to_numpy(),
            "suppressed": False,
            "note": np.where(sizes > 0, "", f"{size} is zero, so no {what}"),
        },
    )
