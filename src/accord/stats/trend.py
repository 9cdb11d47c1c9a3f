"""Trends over time: Poisson regression and the annual percentage change.

Monthly or quarterly counts are modelled as Poisson with log(mean) linear in
time, optionally with log(population) as an offset so the trend is in the
rate rather than the count. The slope becomes an annual percentage change
(APC) with a Wald interval: 100 * (exp(slope * periods per year) - 1).

Real counts are often more variable than Poisson (overdispersed): seasonal
swings, operations, one-off events. The Pearson dispersion (chi-square over
residual degrees of freedom) is always reported; when it exceeds 1.5 the
interval is widened by its square root (quasi-Poisson) and ``method`` says
so, because a Poisson interval would then be too narrow.

The fit is iteratively reweighted least squares in NumPy (statsmodels is
used only in the tests, to check it).

Example:
    >>> import pandas as pd
    >>> counts = [round(100 * 1.01**t) for t in range(24)]
    >>> table = pd.DataFrame({"month": range(24), "events": counts})
    >>> result = poisson_trend(table, "month", periods_per_year=12)
    >>> result[["estimate", "lower", "upper"]].round(1).values.tolist()
    [[12.7, 5.6, 20.3]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from accord.stats.errors import StatsInputError
from accord.stats.frames import GROUP_SEPARATOR, By, as_by, collapse
from accord.stats.intervals import format_conf_level, z_value

__all__ = ["PoissonFit", "fit_poisson_glm", "poisson_trend"]

FloatArray = npt.NDArray[np.float64]

_PERIODS_PER_YEAR = {"D": 365.25, "W": 365.25 / 7.0, "M": 12.0, "Q": 4.0, "Y": 1.0, "A": 1.0}


@dataclass(frozen=True, slots=True)
class PoissonFit:
    """A fitted Poisson log-linear model.

    ``covariance`` is the model-based (dispersion 1) covariance of the
    coefficients; multiply by ``dispersion`` for quasi-Poisson.
    """

    coefficients: FloatArray
    covariance: FloatArray
    fitted: FloatArray
    deviance: float
    pearson_chi2: float
    df_resid: int
    iterations: int
    converged: bool

    @property
    def dispersion(self) -> float:
        """Pearson chi-square over residual degrees of freedom (NaN with none left)."""
        return self.pearson_chi2 / self.df_resid if self.df_resid > 0 else float("nan")


def _deviance(y: FloatArray, mu: FloatArray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)
    return float(2.0 * terms.sum())


def fit_poisson_glm(
    y: npt.ArrayLike,
    design: npt.ArrayLike,
    offset: npt.ArrayLike | None = None,
    *,
    tol: float = 1e-12,
    max_iter: int = 100,
) -> PoissonFit:
    """Fit log E[y] = design @ beta + offset by iteratively reweighted least squares.

    Each step solves a weighted least-squares problem with weights mu and
    working response eta - offset + (y - mu)/mu, until the coefficients
    change by less than ``tol`` (relative). Starts from mu = (y + mean y)/2,
    as statsmodels does.

    Example:
        >>> import numpy as np
        >>> t = np.arange(5.0)
        >>> fit = fit_poisson_glm([10, 12, 15, 17, 21], np.column_stack([np.ones(5), t]))
        >>> round(float(fit.coefficients[1]), 4), fit.converged
        (0.1826, True)
    """
    response = np.asarray(y, dtype=np.float64)
    x = np.asarray(design, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != response.shape[0]:
        raise StatsInputError("The design matrix must have one row per observation.")
    shift = np.zeros_like(response) if offset is None else np.asarray(offset, dtype=np.float64)
    mu = (response + response.mean()) / 2.0
    eta = np.log(mu)
    beta = np.zeros(x.shape[1])
    converged = False
    iterations = 0
    while not converged and iterations < max_iter:
        iterations += 1
        working = eta - shift + (response - mu) / mu
        root_w = np.sqrt(mu)
        new_beta = np.linalg.lstsq(x * root_w[:, np.newaxis], working * root_w, rcond=None)[0]
        change = float(np.max(np.abs(new_beta - beta)))
        beta = new_beta
        eta = x @ beta + shift
        mu = np.exp(eta)
        converged = change <= tol * (1.0 + float(np.max(np.abs(beta))))
    information = x.T @ (x * mu[:, np.newaxis])
    covariance = np.linalg.inv(information)
    return PoissonFit(
        coefficients=beta,
        covariance=covariance,
        fitted=mu,
        deviance=_deviance(response, mu),
        pearson_chi2=float((((response - mu) ** 2) / mu).sum()),
        df_resid=int(x.shape[0] - x.shape[1]),
        iterations=iterations,
        converged=converged,
    )


def _time_in_periods(values: pd.Series, periods_per_year: float | None) -> tuple[FloatArray, float]:
    """Numeric time and how many of its units make a year."""
    if isinstance(values.dtype, pd.PeriodDtype):
        ordinals = values.map(lambda period: period.ordinal).to_numpy(dtype=np.float64)
        if periods_per_year is None:
            code = values.dtype.freq.rule_code[:1].upper()
            if code not in _PERIODS_PER_YEAR:
                raise StatsInputError(
                    f"Cannot tell how many {values.dtype.freq.rule_code!r} periods make a year; "
                    "give periods_per_year."
                )
            periods_per_year = _PERIODS_PER_YEAR[code]
        return ordinals, periods_per_year
    if pd.api.types.is_datetime64_any_dtype(values):
        days = (values - values.min()).dt.total_seconds().to_numpy(dtype=np.float64) / 86_400.0
        return days / 365.25, 1.0
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        if periods_per_year is None:
            raise StatsInputError(
                "The time column holds plain numbers, so say how many make a year: "
                "periods_per_year=12 for months, 4 for quarters."
            )
        return values.to_numpy(dtype=np.float64), float(periods_per_year)
    raise StatsInputError(
        "The time column must hold numbers, dates or pandas periods (for example months)."
    )


def _trend_row(
    group: pd.DataFrame,
    time: str,
    events: str,
    population: str | None,
    periods_per_year: float | None,
    conf_level: float,
    dispersion_threshold: float,
) -> dict[str, object]:
    t, per_year = _time_in_periods(group[time], periods_per_year)
    y = group[events].to_numpy(dtype=np.float64)
    offset = None
    keep = np.ones(len(group), dtype=bool)
    if population is not None:
        pop = group[population].to_numpy(dtype=np.float64)
        if ((pop == 0) & (y > 0)).any():
            raise StatsInputError("A period has events but a population of zero.")
        keep = pop > 0
        offset = np.log(pop[keep])
    t, y = t[keep], y[keep]
    level = format_conf_level(conf_level)
    base = "annual percentage change, Poisson regression on time"
    base += " with log population offset" if population is not None else ""
    row: dict[str, object] = {
        "periods": int(t.size),
        "estimate": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "slope": np.nan,
        "slope_se": np.nan,
        "dispersion": np.nan,
        "quasi_poisson": False,
        "conf_level": conf_level,
        "method": f"{base}, Wald {level} CI",
        "n": int(y.sum()),
        "suppressed": False,
        "note": "",
    }
    if np.unique(t).size < 3:
        row["note"] = "fewer than three periods, so no trend or dispersion can be estimated"
        return row
    if y.sum() == 0:
        row["note"] = "no events in any period, so no trend"
        return row
    if np.unique(t[y > 0]).size < 2:
        row["note"] = "events in only one period, so no trend can be estimated"
        return row
    centred = t - t.mean()
    fit = fit_poisson_glm(y, np.column_stack([np.ones_like(centred), centred]), offset)
    if not fit.converged:
        row["note"] = "the Poisson regression did not converge, so no trend is reported"
        return row
    slope = float(fit.coefficients[1])
    se = float(np.sqrt(fit.covariance[1, 1]))
    phi = fit.dispersion
    row["dispersion"] = phi
    if phi > dispersion_threshold:
        se *= float(np.sqrt(phi))
        row["quasi_poisson"] = True
        row["method"] = (
            f"{base}, quasi-Poisson Wald {level} CI (widened by the square root of the "
            f"Pearson dispersion {phi:.2f}, which is above {dispersion_threshold:g})"
        )
    z = z_value(conf_level)
    row["slope"] = slope
    row["slope_se"] = se
    row["estimate"] = 100.0 * np.expm1(slope * per_year)
    row["lower"] = 100.0 * np.expm1((slope - z * se) * per_year)
    row["upper"] = 100.0 * np.expm1((slope + z * se) * per_year)
    return row


def poisson_trend(
    frame: pd.DataFrame,
    time: str,
    *,
    events: str = "events",
    population: str | None = None,
    by: By | None = None,
    periods_per_year: float | None = None,
    conf_level: float = 0.95,
    dispersion_threshold: float = 1.5,
) -> pd.DataFrame:
    """Annual percentage change in events (or in the rate) per group.

    ``time`` may hold pandas periods (months, quarters: the year length is
    read from the frequency), dates (time is measured in years), or plain
    numbers, in which case ``periods_per_year`` is required. Rows sharing a
    group and time are summed. Periods with zero population and no events
    are left out; with ``population`` the trend is in the rate.

    Returns one row per group (one row, group "all", without ``by``): the
    grouping columns, ``group``, ``periods``, ``estimate`` (APC, per cent a
    year), ``lower``, ``upper``, ``slope`` (log change per time unit),
    ``slope_se`` (after any widening), ``dispersion`` (Pearson chi-square /
    df), ``quasi_poisson`` (whether the interval was widened),
    ``conf_level``, ``method``, ``n`` (total events), ``suppressed`` and
    ``note``. Fewer than three periods, or no events, give NaN with a reason.

    Example:
        >>> import pandas as pd
        >>> months = pd.period_range("2023-01", periods=12, freq="M")
        >>> table = pd.DataFrame({"month": months, "events": [50] * 12})
        >>> flat = poisson_trend(table, "month")["estimate"].round(6)
        >>> (flat + 0.0).tolist()  # + 0.0 turns a fitted -0.0 into 0.0
        [0.0]
    """
    keys = [] if by is None else as_by(by)
    if time in keys:
        raise StatsInputError(f"Column {time!r} cannot be both the time and a group.")
    values = [events] if population is None else [events, population]
    whole = [events]
    if time not in frame.columns:
        raise StatsInputError(f"The table has no time column {time!r}.")
    cells = collapse(frame, [*keys, time], values, whole=whole)
    rows: list[dict[str, object]] = []
    grouped: list[tuple[tuple[object, ...], pd.DataFrame]] = (
        [((), cells)]
        if not keys
        else [(tuple(name), part) for name, part in cells.groupby(keys, sort=False, dropna=False)]
    )
    for name, group in grouped:
        row: dict[str, object] = dict(zip(keys, name, strict=True))
        row["group"] = GROUP_SEPARATOR.join(map(str, name)) if keys else "all"
        row |= _trend_row(
            group.sort_values(time),
            time,
            events,
            population,
            periods_per_year,
            conf_level,
            dispersion_threshold,
        )
        rows.append(row)
    result = pd.DataFrame(rows)
    result["n"] = result["n"].astype("Int64")
    result["suppressed"] = result["suppressed"].astype(bool)
    return result
