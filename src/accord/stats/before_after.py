"""Before and after, against comparison areas: did an initiative change the rate?

Some boroughs try something new (a scrutiny panel, a new way of briefing officers) from
a given month. Their rate before and after says little on its own: rates move across
London for other reasons (seasons, operations, the data itself). Difference in
differences compares the change in the areas with the initiative with the change, over
the same months, in areas without it:

    ratio = (rate after / rate before, with the initiative)
            / (rate after / rate before, in the comparison areas)

A ratio of 0.8 means the rate fell 20% more (or rose 20% less) where the initiative ran.

**The model.** Counts per area and period are Poisson with an effect for each area, one
for "after" and one for "after, with the initiative" (log population as offset, so the
change is in the rate). The months are pooled into before and after for each area:
monthly counts of one area are correlated (a busy spring is busy every week), and
treating each month as new evidence makes the interval far too narrow (Bertrand, Duflo
and Mullainathan 2004, "How much should we trust differences-in-differences
estimates?", QJE 119:249-275). With the area effects, the model is the same as a
binomial one for each area's share of its events that fall after the start, so it is
fitted by Newton's method on two parameters.

**The interval.** Areas' changes differ more than Poisson chance allows. The Pearson
dispersion over the areas (one residual degree of freedom per area, less two) widens
the interval by its square root when above 1 (quasi-Poisson), with Student's t on those
degrees of freedom: with few areas the interval is wide, as it should be.

**The placebo check.** With one or two areas with the initiative, the interval leans on
the model. The placebo check does not: each comparison area (or set of the same size)
is treated in turn as if it had had the initiative, and the real ratio is ranked among
those placebo ratios (Abadie, Diamond and Hainmueller 2010; Conley and Taber 2011). If
many comparison areas changed as much by themselves, the change is not remarkable.

**Parallel trends.** The comparison only holds if both sets of areas were moving alike
before the start. The monthly counts before the start are fitted with area and month
effects and a separate linear trend for the areas with the initiative; the difference
in yearly change is reported with its interval (quasi-Poisson, as above). Show it, and
show the monthly rates, beside every result.

Reference: ``docs/STATISTICS.md`` ("Before/after against comparison areas").

Example:
    >>> import pandas as pd
    >>> months = pd.period_range("2023-01", periods=6, freq="M")
    >>> rows = [
    ...     {"area": area, "month": month, "events": 100 if i < 3 or area != "A" else 80}
    ...     for area in ("A", "B", "C") for i, month in enumerate(months)
    ... ]
    >>> result = before_after(
    ...     pd.DataFrame(rows), area="area", time="month", treated=["A"], start=months[3]
    ... )
    >>> round(float(result.effect["estimate"].iloc[0]), 3)
    0.8
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as scipy_stats

from accord.stats.errors import StatsInputError
from accord.stats.intervals import check_conf_level, format_conf_level, z_value
from accord.stats.trend import _time_in_periods, fit_poisson_glm

__all__ = ["COMPARISON", "INITIATIVE", "BeforeAfter", "before_after", "log_interval"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: The two sets of areas, as named in the ``set`` column of the results.
INITIATIVE = "with the initiative"
COMPARISON = "comparison"

#: Below this many residual degrees of freedom (areas less two) the note says the
#: interval rests on too few areas to be narrow (Student's t with 4 df is 2.8, not 2).
FEW_DEGREES = 5

#: Placebo sets drawn at random when there are more possible sets than this.
PLACEBO_DRAWS = 1999


@dataclass(frozen=True)
class BeforeAfter:
    """The results: four tidy tables.

    ``effect`` (one row): ``estimate`` (the ratio of changes), ``lower``, ``upper``,
    ``percent`` (100 x (ratio - 1)), ``dispersion``, ``df``, ``method``, ``n`` (events
    in both sets, both phases), ``suppressed``, ``note``, and the placebo check:
    ``placebo_sets`` (how many were compared), ``placebo_as_large`` (how many changed
    at least as much, either way) and ``placebo_p`` ((1 + as large) / (1 + sets)).

    ``summary`` (one row per set): ``set``, ``areas``, ``events_before``,
    ``events_after``, ``exposure_before``, ``exposure_after``, ``rate_before``,
    ``rate_after`` (events per unit of exposure: per head per period with a population,
    per area per period without), ``estimate`` (rate after / rate before), ``lower``,
    ``upper``, ``method``, ``n``, ``suppressed``.

    ``pre_trend`` (one row): ``estimate`` (how much faster, in per cent a year, the
    areas with the initiative were changing before the start), ``lower``, ``upper``,
    ``p_value``, ``periods`` (fitted: months with no events anywhere are left out),
    ``method``, ``note``, ``parallel`` (False when the
    interval leaves out zero; NA when it could not be checked).

    ``series`` (one row per set and period): ``set``, ``period``, ``phase`` ("before"
    or "after"), ``events``, ``exposure``, ``rate``.
    """

    effect: pd.DataFrame
    summary: pd.DataFrame
    pre_trend: pd.DataFrame
    series: pd.DataFrame


@dataclass(frozen=True)
class _Fit:
    gamma: FloatArray  # log change in the comparison areas, one per fitted set
    delta: FloatArray  # extra log change with the initiative
    covariance: FloatArray  # (k, 2, 2), model-based
    pearson: FloatArray
    converged: BoolArray


#: Ratios (or interval ends) beyond a millionfold either way say nothing a reader can use,
#: and far beyond it ``exp`` overflows: such a result is left out, with a note.
WIDEST = math.log(1e6)

#: What the note says when an interval is left out for that reason.
TOO_WIDE = (
    "the interval would be too wide to mean anything (areas differ far more than chance "
    "allows, or there are very few events), so it is left out"
)


def log_interval(centre: float, half: float) -> tuple[float, float]:
    """``exp(centre - half)`` and ``exp(centre + half)``, or NaNs when either end is beyond
    a millionfold (or not a number)."""
    if not (math.isfinite(centre) and math.isfinite(half)) or abs(centre) + half > WIDEST:
        return math.nan, math.nan
    return math.exp(centre - half), math.exp(centre + half)


def _expit(x: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * x))
    return out


def _fit_changes(
    after: FloatArray, total: FloatArray, offset: FloatArray, treated: BoolArray
) -> _Fit:
    """Fit every row of ``treated`` (k sets x areas) at once.

    Given each area's total, its events after the start are binomial with log-odds
    ``offset + gamma + delta * treated``: the Poisson model with area effects,
    conditioned on the area totals (same estimates, same covariance for gamma and delta).
    ``offset`` is log(exposure after / exposure before).
    """
    d = treated.astype(np.float64)
    k = d.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        comparison = d == 0
        start_c = np.log(
            np.maximum((comparison * after).sum(axis=1), 0.5)
            / np.maximum((comparison * (total - after)).sum(axis=1), 0.5)
        )
        start_t = np.log(
            np.maximum((d * after).sum(axis=1), 0.5)
            / np.maximum((d * (total - after)).sum(axis=1), 0.5)
        )
    mean_offset = float(np.average(offset, weights=np.maximum(total, 1e-12)))
    gamma = start_c - mean_offset
    delta = start_t - start_c
    converged = np.zeros(k, dtype=bool)
    for _ in range(100):
        p = _expit(offset[np.newaxis, :] + gamma[:, np.newaxis] + delta[:, np.newaxis] * d)
        residual = after[np.newaxis, :] - total[np.newaxis, :] * p
        weight = total[np.newaxis, :] * p * (1.0 - p)
        s_g, s_d = residual.sum(axis=1), (residual * d).sum(axis=1)
        i_gg, i_gd = weight.sum(axis=1), (weight * d).sum(axis=1)
        det = i_gg * i_gd - i_gd * i_gd
        with np.errstate(divide="ignore", invalid="ignore"):
            step_g = (i_gd * s_g - i_gd * s_d) / det
            step_d = (-i_gd * s_g + i_gg * s_d) / det
        step_g = np.where(np.isfinite(step_g), step_g, 0.0)
        step_d = np.where(np.isfinite(step_d), step_d, 0.0)
        gamma, delta = gamma + step_g, delta + step_d
        converged = (np.abs(step_g) < 1e-10) & (np.abs(step_d) < 1e-10)
        if converged.all():
            break
    p = _expit(offset[np.newaxis, :] + gamma[:, np.newaxis] + delta[:, np.newaxis] * d)
    weight = total[np.newaxis, :] * p * (1.0 - p)
    i_gg, i_gd = weight.sum(axis=1), (weight * d).sum(axis=1)
    det = i_gg * i_gd - i_gd * i_gd
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.stack([i_gd / det, -i_gd / det], axis=-1)
        second = np.stack([-i_gd / det, i_gg / det], axis=-1)
        covariance = np.stack([first, second], axis=-2)
        pearson = np.where(
            weight > 0, (after[np.newaxis, :] - total[np.newaxis, :] * p) ** 2 / weight, 0.0
        ).sum(axis=1)
    return _Fit(gamma, delta, covariance, pearson, converged & np.isfinite(det) & (det > 0))


def _placebo_sets(size: int, pool: int, draws: int, seed: int) -> BoolArray:
    """Every way of choosing ``size`` of ``pool`` comparison areas, or ``draws`` at random."""
    if math.comb(pool, size) <= draws:
        chosen = list(itertools.combinations(range(pool), size))
    else:
        rng = np.random.default_rng(seed)
        chosen = [tuple(rng.choice(pool, size=size, replace=False)) for _ in range(draws)]
    sets = np.zeros((len(chosen), pool), dtype=bool)
    for row, members in enumerate(chosen):
        sets[row, list(members)] = True
    return sets


def _cells(
    frame: pd.DataFrame,
    area: str,
    time: str,
    events: str,
    population: str | None,
) -> pd.DataFrame:
    """Events and exposure for every area and period, absent cells counted as no events."""
    for column in (area, time, events, *([population] if population else [])):
        if column not in frame.columns:
            raise StatsInputError(f"The table has no column {column!r}.")
    counts = pd.to_numeric(frame[events], errors="coerce")
    if counts.isna().any() or (counts < 0).any() or (counts % 1 != 0).any():
        raise StatsInputError(f"Column {events!r} must hold whole numbers of events, 0 or more.")
    if frame[[area, time]].isna().any().any():
        raise StatsInputError(f"Some rows have no {area!r} or no {time!r}.")
    work = pd.DataFrame({"area": frame[area], "time": frame[time], "events": counts})
    if population is not None:
        pop = pd.to_numeric(frame[population], errors="coerce")
        if pop.isna().any() or (pop <= 0).any():
            raise StatsInputError(
                f"Column {population!r} must hold a population above zero in every row."
            )
        work["exposure"] = pop.astype(np.float64)
    else:
        work["exposure"] = 1.0
    summed = work.groupby(["area", "time"], sort=True, observed=True).agg(
        events=("events", "sum"), exposure=("exposure", "max")
    )
    full = pd.MultiIndex.from_product(
        [summed.index.get_level_values(0).unique(), summed.index.get_level_values(1).unique()],
        names=["area", "time"],
    )
    summed = summed.reindex(full)
    summed["events"] = summed["events"].fillna(0.0).astype(np.int64)
    if summed["exposure"].isna().any():
        if population is not None:
            # An area's population stands for the months it had no events.
            summed["exposure"] = summed.groupby(level="area")["exposure"].transform(
                lambda s: s.fillna(s.mean())
            )
        else:
            summed["exposure"] = summed["exposure"].fillna(1.0)
    return summed.reset_index()


def _empty_effect(n: int, note: str, method: str) -> dict[str, object]:
    return {
        "estimate": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "percent": np.nan,
        "dispersion": np.nan,
        "df": 0,
        "method": method,
        "n": n,
        "suppressed": False,
        "note": note,
        "placebo_sets": 0,
        "placebo_as_large": 0,
        "placebo_p": np.nan,
    }


def empty_trend(method: str, periods: int) -> dict[str, object]:
    """The trend check's row before anything is known: no estimate, no verdict."""
    return {
        "estimate": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "p_value": np.nan,
        "periods": periods,
        "method": method,
        "note": "",
        "parallel": pd.NA,
    }


def trend_design(before: pd.DataFrame, in_set: BoolArray, per_year: float) -> FloatArray:
    """Columns for each area, each period but the first, and a linear trend (centred, in
    periods) for the areas with the initiative: the last column's coefficient is the check."""
    areas = np.array(sorted(before["area"].unique(), key=str), dtype=object)
    periods = sorted(before["time"].unique())
    t, _ = _time_in_periods(pd.Series(before["time"].to_numpy()), per_year)
    t = t - t.mean()
    area_dummies = (before["area"].to_numpy()[:, None] == areas[None, :]).astype(np.float64)
    period_index = {p: i for i, p in enumerate(periods)}
    period_dummies = np.zeros((len(before), len(periods) - 1))
    for r, p in enumerate(before["time"]):
        if period_index[p] > 0:
            period_dummies[r, period_index[p] - 1] = 1.0
    design: FloatArray = np.column_stack(
        [area_dummies, period_dummies, t * in_set.astype(np.float64)]
    )
    return design


def _pre_trend(
    cells: pd.DataFrame, treated: set[Hashable], start: object, conf_level: float, per_year: float
) -> dict[str, object]:
    level = format_conf_level(conf_level)
    method = (
        "difference in yearly change before the start, Poisson regression with area and "
        f"period effects and a trend for the areas with the initiative, Wald {level} CI "
        "(quasi-Poisson when overdispersed)"
    )
    before = cells.loc[cells["time"] < start]
    periods = sorted(before["time"].unique())
    row = empty_trend(method, len(periods))
    if len(periods) < 3:
        row["note"] = (
            "fewer than three periods before the start, so whether both sets of areas were "
            "moving alike before it cannot be checked"
        )
        return row
    # An area or a month with no events has its effect at minus infinity and says nothing
    # about the trend: leave it out (a month first, as it can leave an area empty).
    before = before.loc[before.groupby("time")["events"].transform("sum") > 0]
    before = before.loc[before.groupby("area")["events"].transform("sum") > 0]
    in_set = before["area"].isin(treated).to_numpy()
    if not in_set.any() or in_set.all():
        row["note"] = "no events before the start in one of the sets, so no check"
        return row
    row["periods"] = fitted = before["time"].nunique()
    if fitted < 3:
        row["note"] = "fewer than three periods before the start have events, so no check"
        return row
    design = trend_design(before, in_set, per_year)
    try:
        fit = fit_poisson_glm(
            before["events"].to_numpy(dtype=np.float64),
            design,
            np.log(before["exposure"].to_numpy(dtype=np.float64)),
        )
    except np.linalg.LinAlgError:  # so few events that the months cannot be told apart
        fit = None
    if fit is None or not fit.converged:
        row["note"] = "the model of the months before the start did not converge"
        return row
    slope = float(fit.coefficients[-1])
    se = float(np.sqrt(fit.covariance[-1, -1]))
    phi = fit.dispersion
    if math.isfinite(phi) and phi > 1.0:
        se *= math.sqrt(phi)
    return row | yearly_change(slope, se, per_year, conf_level)


def yearly_change(slope: float, se: float, per_year: float, conf_level: float) -> dict[str, object]:
    """A trend's slope as per cent a year with its interval and whether it leaves out 0;
    a note instead when the interval is beyond a millionfold (far too few events)."""
    z = z_value(conf_level)
    ends = log_interval(slope * per_year, z * se * per_year)
    if math.isnan(ends[0]) or not se > 0:
        return {"note": "too few events before the start to check how they were moving"}
    lower, upper = (100.0 * (end - 1.0) for end in ends)
    return {
        "estimate": 100.0 * math.expm1(slope * per_year),
        "lower": lower,
        "upper": upper,
        "p_value": float(2.0 * scipy_stats.norm.sf(abs(slope / se))),
        "parallel": not (lower > 0.0 or upper < 0.0),
    }


def label_cells(
    cells: pd.DataFrame,
    treated: Collection[Hashable],
    comparison: Collection[Hashable] | None,
    start: object,
    *,
    time: str,
    periods_per_year: float | None,
) -> tuple[pd.DataFrame, set[Hashable], float]:
    """The cells of the two sets of areas, each labelled with its ``set`` and ``phase``;
    the areas with the initiative; and how many periods make a year.

    Raises :class:`StatsInputError` for sets or a start that cannot be right.
    """
    known = set(cells["area"].unique())
    chosen = set(treated)
    if not chosen:
        raise StatsInputError("Choose at least one area with the initiative.")
    if unknown := sorted(map(str, chosen - known)):
        raise StatsInputError(f"These areas are not in the data: {', '.join(unknown)}.")
    others = known - chosen if comparison is None else set(comparison)
    if both := sorted(map(str, chosen & others)):
        raise StatsInputError(
            f"An area cannot be both with the initiative and a comparison: {', '.join(both)}."
        )
    if unknown := sorted(map(str, others - known)):
        raise StatsInputError(f"These comparison areas are not in the data: {', '.join(unknown)}.")
    if not others:
        raise StatsInputError("Choose at least one comparison area without the initiative.")
    cells = cells.loc[cells["area"].isin(chosen | others)].reset_index(drop=True)
    try:
        after_mask = (cells["time"] >= start).to_numpy(dtype=bool)
    except TypeError as error:
        raise StatsInputError(
            f"The start {start!r} cannot be compared with the periods in {time!r}."
        ) from error
    if after_mask.all():
        raise StatsInputError("There is no period before the start to compare with.")
    if not after_mask.any():
        raise StatsInputError("There is no period from the start on: choose an earlier start.")
    _, per_year = _time_in_periods(pd.Series(cells["time"].to_numpy()), periods_per_year)
    cells["phase"] = np.where(after_mask, "after", "before")
    cells["set"] = np.where(cells["area"].isin(chosen), INITIATIVE, COMPARISON)
    return cells, chosen, per_year


def before_after(
    frame: pd.DataFrame,
    *,
    area: str,
    time: str,
    treated: Collection[Hashable],
    start: object,
    events: str = "events",
    population: str | None = None,
    comparison: Collection[Hashable] | None = None,
    periods_per_year: float | None = None,
    conf_level: float = 0.95,
    placebo_draws: int = PLACEBO_DRAWS,
    seed: int = 20211,
) -> BeforeAfter:
    """Difference in differences of rates, with the placebo and parallel-trend checks.

    ``frame`` has one row per area and period (rows sharing both are summed; a missing
    pair counts as no events). ``time`` holds pandas periods, dates or numbers (then give
    ``periods_per_year``); periods from ``start`` on are "after". ``treated`` names the
    areas with the initiative; ``comparison`` the others to compare with (default: every
    other area in the table). With ``population`` (one per area, or per area and
    period) the change is in the rate per head.

    Raises :class:`StatsInputError` for input that cannot be right: no areas with the
    initiative, an area in both sets, an unknown area, no period before or after the
    start. Data that cannot support an estimate (no events before the start where the
    initiative ran, say) gives NaN with a plain reason in ``note``.
    """
    check_conf_level(conf_level)
    cells = _cells(frame, area, time, events, population)
    cells, chosen, per_year = label_cells(
        cells, treated, comparison, start, time=time, periods_per_year=periods_per_year
    )

    series = (
        cells.groupby(["set", "time", "phase"], sort=True)[["events", "exposure"]]
        .sum()
        .reset_index()
        .rename(columns={"time": "period"})
    )
    series["rate"] = series["events"] / series["exposure"]
    series = series[["set", "period", "phase", "events", "exposure", "rate"]]

    per_area = cells.pivot_table(
        index="area", columns="phase", values=["events", "exposure"], aggfunc="sum"
    )
    area_names = list(per_area.index)
    after = per_area[("events", "after")].to_numpy(dtype=np.float64)
    before = per_area[("events", "before")].to_numpy(dtype=np.float64)
    offset = np.log(
        per_area[("exposure", "after")].to_numpy(dtype=np.float64)
        / per_area[("exposure", "before")].to_numpy(dtype=np.float64)
    )
    is_treated = np.array([a in chosen for a in area_names], dtype=bool)
    total = after + before
    level = format_conf_level(conf_level)
    unit = "rate" if population is not None else "count"
    method = (
        f"difference in differences: ratio of the change in the {unit} (after / before) with "
        "the initiative to the change in comparison areas; Poisson model with area effects "
        f"on each area's events before and after, quasi-Poisson {level} CI (Student's t)"
    )
    n = int(total.sum())
    phases = {
        (name, phase): float(
            cells.loc[(cells["set"] == name) & (cells["phase"] == phase), "events"].sum()
        )
        for name in (INITIATIVE, COMPARISON)
        for phase in ("before", "after")
    }
    summary = _summary(cells, conf_level)
    pre_trend = pd.DataFrame([_pre_trend(cells, chosen, start, conf_level, per_year)])
    missing = [
        f"{phase} the start {where}"
        for (name, phase), count in phases.items()
        if count == 0
        for where in ["with the initiative" if name == INITIATIVE else "in the comparison areas"]
    ]
    if missing:
        effect = _empty_effect(n, f"no events {' or '.join(missing)}, so no ratio", method)
        return BeforeAfter(pd.DataFrame([effect]), summary, pre_trend, series)

    fit = _fit_changes(after, total, offset, is_treated[np.newaxis, :])
    used = int((total > 0).sum())
    df = used - 2
    delta = float(fit.delta[0])
    row = _empty_effect(n, "", method)
    if not (bool(fit.converged[0]) and abs(delta) < WIDEST):
        row["note"] = "the counts are too few or too one-sided for a ratio"
        return BeforeAfter(pd.DataFrame([row]), summary, pre_trend, series)
    row["estimate"] = math.exp(delta)
    row["percent"] = 100.0 * math.expm1(delta)
    row["df"] = df
    if df < 1:
        row["note"] = (
            "with one area in each set, how much areas differ by themselves cannot be "
            "measured, so there is no interval"
        )
    else:
        phi = float(fit.pearson[0]) / df
        se = math.sqrt(float(fit.covariance[0, 1, 1])) * math.sqrt(max(phi, 1.0))
        quantile = float(scipy_stats.t.ppf(0.5 + conf_level / 2.0, df))
        row["dispersion"] = phi
        lower, upper = log_interval(delta, quantile * se)
        row["lower"], row["upper"] = lower, upper
        if math.isnan(lower):
            row["note"] = TOO_WIDE
        elif df < FEW_DEGREES:
            row["note"] = (
                f"only {used} areas have events, so how much areas change by themselves is "
                "poorly known and the interval is wide"
            )
    row |= _placebo(after, total, offset, is_treated, delta, placebo_draws, seed)
    return BeforeAfter(pd.DataFrame([row]), summary, pre_trend, series)


def _placebo(
    after: FloatArray,
    total: FloatArray,
    offset: FloatArray,
    is_treated: BoolArray,
    delta: float,
    draws: int,
    seed: int,
) -> dict[str, object]:
    """Rank the real change among comparison areas given the initiative by pretence."""
    pool = ~is_treated & (total > 0)

    def fit(sets: BoolArray) -> tuple[FloatArray, BoolArray]:
        fits = _fit_changes(after[pool], total[pool], offset[pool], sets)
        return fits.delta, fits.converged

    size = int((is_treated & (total > 0)).sum())
    return rank_placebos(size, int(pool.sum()), delta, draws, seed, fit)


def rank_placebos(
    size: int,
    pool: int,
    delta: float,
    draws: int,
    seed: int,
    fit: Callable[[BoolArray], tuple[FloatArray, BoolArray]],
) -> dict[str, object]:
    """How many placebo sets (``size`` of the ``pool`` comparison areas, given the initiative
    by pretence and fitted by ``fit``, which returns each set's log change and whether it
    converged) changed at least as much as the real ``delta``, either way."""
    if pool - size < 1 or size < 1:
        return {"placebo_sets": 0, "placebo_as_large": 0, "placebo_p": np.nan}
    deltas, converged = fit(_placebo_sets(size, pool, draws, seed))
    ok = converged & np.isfinite(deltas)
    as_large = int((np.abs(deltas[ok]) >= abs(delta) - 1e-12).sum())
    return {
        "placebo_sets": int(ok.sum()),
        "placebo_as_large": as_large,
        "placebo_p": (1 + as_large) / (1 + int(ok.sum())),
    }


def _summary(cells: pd.DataFrame, conf_level: float) -> pd.DataFrame:
    """Each set's rate before and after, and the change with its interval.

    The interval is the same quasi-Poisson one as the ratio's: the Poisson model with
    area effects and a change for each set, its extra spread measured over every area of
    both sets. Measuring it within one set alone would rest a set of two boroughs on a
    single degree of freedom (an interval from x0.08 to x9.6 on 13,000 searches), while a
    set of one would get no widening at all.
    """
    level = format_conf_level(conf_level)
    rows: list[dict[str, object]] = []
    fitted: list[tuple[dict[str, object], float, float]] = []
    pearson, df = 0.0, 0
    for name in (INITIATIVE, COMPARISON):
        part = cells.loc[cells["set"] == name]
        pivot = part.pivot_table(
            index="area", columns="phase", values=["events", "exposure"], aggfunc="sum"
        )
        ev_b = pivot[("events", "before")].to_numpy(dtype=np.float64)
        ev_a = pivot[("events", "after")].to_numpy(dtype=np.float64)
        ex_b = pivot[("exposure", "before")].to_numpy(dtype=np.float64)
        ex_a = pivot[("exposure", "after")].to_numpy(dtype=np.float64)
        rate_before = float(ev_b.sum() / ex_b.sum())
        rate_after = float(ev_a.sum() / ex_a.sum())
        row: dict[str, object] = {
            "set": name,
            "areas": len(pivot),
            "events_before": int(ev_b.sum()),
            "events_after": int(ev_a.sum()),
            "exposure_before": float(ex_b.sum()),
            "exposure_after": float(ex_a.sum()),
            "rate_before": rate_before,
            "rate_after": rate_after,
            "estimate": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "method": (
                f"rate after / rate before, pooled over the set's areas; {level} CI widened "
                "for the spread between areas, measured over both sets (quasi-Poisson, "
                "Student's t)"
            ),
            "n": int(ev_b.sum() + ev_a.sum()),
            "suppressed": False,
        }
        rows.append(row)
        if ev_b.sum() > 0 and ev_a.sum() > 0:
            log_change = math.log(rate_after / rate_before)
            row["estimate"] = math.exp(log_change)
            total = ev_a + ev_b
            keep = total > 0
            p = _expit(np.log(ex_a[keep] / ex_b[keep]) + log_change)
            weight = total[keep] * p * (1.0 - p)
            pearson += float(((ev_a[keep] - total[keep] * p) ** 2 / weight).sum())
            df += int(keep.sum()) - 1
            fitted.append((row, log_change, 1.0 / float(weight.sum())))
    if df >= 1:
        scale = max(pearson / df, 1.0)
        quantile = float(scipy_stats.t.ppf(0.5 + conf_level / 2.0, df))
    else:
        scale, quantile = 1.0, z_value(conf_level)
    for row, log_change, variance in fitted:
        row["lower"], row["upper"] = log_interval(
            log_change, quantile * math.sqrt(variance * scale)
        )
    return pd.DataFrame(rows)
