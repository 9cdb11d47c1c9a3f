"""Before and after for the gap between two groups: did it narrow more where an initiative ran?

Equality impact assessments ask whether an initiative changed how one group is treated
*compared with another*, not only how many people were searched. Black people searched
3.5 times as often as White people per head before a borough changed its briefings and
3.0 times after: was that the briefings, or did the gap narrow across London anyway?
This compares the change in the gap (the rate ratio, ``focus`` to ``reference``) where
the initiative ran with its change, over the same months, in comparison areas:

    ratio = (gap after / gap before, with the initiative)
            / (gap after / gap before, in the comparison areas)

A ratio of 0.8 means the gap shrank 20% more (or grew 20% less) where the initiative ran.
This is a triple difference (Olden and Moen 2022, "The triple difference estimator",
Econometrics Journal 25:531-553): group, phase and area set.

**The model.** Counts per area, group and phase are Poisson with an effect for every area
and group (so each area's populations, constant over the period, drop out), one for every
area and phase (anything that moved both groups alike in that area: an operation, a data
gap), one for the focus group after the start, and one for the focus group after the
start with the initiative: the estimate. Conditioned on each area's searches of the two
groups in each phase, the focus group's share is binomial with log-odds ``log(focus
population / reference population) + area + after + effect x with the initiative``, so
the model is fitted as that logistic regression. The area effects are profiled out
(their information is diagonal), which leaves two parameters per fit: thousands of
placebo sets are cheap.

**The interval, the placebo check and the trend before the start** follow
:mod:`accord.stats.before_after`: quasi-binomial (Pearson dispersion over the areas, one
residual degree of freedom per area, less two) with Student's t; each set of comparison
areas of the same size in turn given the initiative by pretence; and the monthly gaps
before the start fitted with area and month effects and a separate trend in the gap for
the areas with the initiative.

Reference: ``docs/STATISTICS.md`` ("Before/after against comparison areas").

Example:
    >>> import pandas as pd
    >>> months = pd.period_range("2023-01", periods=6, freq="M")
    >>> rows = [
    ...     {"area": a, "month": m, "group": g,
    ...      "events": 100 if g == "W" else (200 if a == "A" and i >= 3 else 300)}
    ...     for a in ("A", "B", "C") for i, m in enumerate(months) for g in ("B", "W")
    ... ]
    >>> result = gap_before_after(
    ...     pd.DataFrame(rows), area="area", time="month", group="group", focus="B",
    ...     reference="W", treated=["A"], start=months[3],
    ... )
    >>> round(float(result.effect["estimate"].iloc[0]), 3)
    0.667
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats as scipy_stats

from accord.stats.before_after import (
    COMPARISON,
    FEW_DEGREES,
    INITIATIVE,
    PLACEBO_DRAWS,
    TOO_WIDE,
    WIDEST,
    _cells,
    _empty_effect,
    _expit,
    empty_trend,
    label_cells,
    log_interval,
    rank_placebos,
    trend_design,
    yearly_change,
)
from accord.stats.errors import StatsInputError
from accord.stats.intervals import check_conf_level, format_conf_level

__all__ = ["GapBeforeAfter", "gap_before_after"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: The columns of the cells, per area and period.
_VALUES = ("focus_events", "reference_events", "focus_exposure", "reference_exposure")

#: Newton steps larger than this are shortened: a logistic fit started far from its
#: answer can overshoot, and a few more steps cost nothing.
_MAX_STEP = 5.0


@dataclass(frozen=True)
class GapBeforeAfter:
    """The results: four tidy tables.

    ``effect`` (one row): ``estimate`` (the ratio of the changes in the gap), ``lower``,
    ``upper``, ``percent`` (100 x (ratio - 1)), ``dispersion``, ``df``, ``method``,
    ``n`` (events of both groups, both sets, both phases), ``suppressed``, ``note``,
    ``placebo_sets``, ``placebo_as_large``, ``placebo_p`` (as in
    :class:`accord.stats.before_after.BeforeAfter`).

    ``summary`` (one row per set): ``set``, ``areas``, ``focus_before``, ``focus_after``,
    ``reference_before``, ``reference_after`` (events), ``ratio_before``, ``ratio_after``
    (the gap pooled over the set's areas: the focus group's rate over the reference
    group's, per head with populations, else the ratio of the counts), ``estimate`` (the
    change in the gap within the set's areas, after / before, from the model), ``lower``,
    ``upper``, ``method``, ``n``, ``suppressed``.

    ``pre_trend`` (one row): ``estimate`` (how much faster, in per cent a year, the gap
    was changing where the initiative ran than elsewhere, before the start), ``lower``,
    ``upper``, ``p_value``, ``periods`` (fitted: months whose searches are all of one group
    are left out), ``method``, ``note``, ``parallel``.

    ``series`` (one row per set and period): ``set``, ``period``, ``phase``, ``focus``,
    ``reference`` (events), ``focus_exposure``, ``reference_exposure``, ``ratio``.
    """

    effect: pd.DataFrame
    summary: pd.DataFrame
    pre_trend: pd.DataFrame
    series: pd.DataFrame


@dataclass(frozen=True)
class _Arms:
    """Per area: the focus group's events and both groups' together, before and after, and
    the log of the focus group's exposure over the reference group's."""

    focus: FloatArray  # (2, areas): before, after
    both: FloatArray
    offset: FloatArray

    def take(self, keep: BoolArray) -> _Arms:
        return _Arms(self.focus[:, keep], self.both[:, keep], self.offset[:, keep])


@dataclass(frozen=True)
class _GapFit:
    change: FloatArray  # log change in the gap in the comparison areas, one per set
    delta: FloatArray  # extra log change with the initiative
    covariance: FloatArray  # (k, 2, 2), model-based
    pearson: FloatArray
    converged: BoolArray


def _fit_gap(arms: _Arms, treated: BoolArray) -> _GapFit:
    """Fit every row of ``treated`` (k sets x areas) at once, area effects profiled out.

    For area b and phase p the focus group's share is binomial with log-odds
    ``offset + a_b + after_p * (change + delta * treated_b)``. The information of the area
    effects is diagonal, so each Newton step solves a 2 x 2 system in (change, delta): the
    Schur complement weighs area b by h_b = w_before w_after / (w_before + w_after).
    """
    d = treated.astype(np.float64)
    k = d.shape[0]
    y0, y1 = arms.focus
    n0, n1 = arms.both
    o0, o1 = arms.offset

    def logit(y: FloatArray, n: FloatArray) -> FloatArray:
        out: FloatArray = np.log((y + 0.5) / (n - y + 0.5))
        return out

    area_change = logit(y1, n1) - o1 - (logit(y0, n0) - o0)
    weight = n0 * n1 / (n0 + n1)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = ((1.0 - d) * weight * area_change).sum(axis=1) / ((1.0 - d) * weight).sum(axis=1)
        delta = (d * weight * area_change).sum(axis=1) / (d * weight).sum(axis=1) - change
    change = np.where(np.isfinite(change), change, 0.0)
    delta = np.where(np.isfinite(delta), delta, 0.0)
    a = np.broadcast_to(logit(y0 + y1, n0 + n1) - (o0 + o1) / 2.0, (k, y0.size)).copy()
    converged = np.zeros(k, dtype=bool)
    for _ in range(200):
        p0 = _expit(o0 + a)
        p1 = _expit(o1 + a + change[:, None] + delta[:, None] * d)
        r0, r1 = y0 - n0 * p0, y1 - n1 * p1
        w0, w1 = n0 * p0 * (1.0 - p0), n1 * p1 * (1.0 - p1)
        total = w0 + w1
        h = w0 * w1 / total
        g = (r1 * w0 - r0 * w1) / total
        s_cc, s_cd = h.sum(axis=1), (h * d).sum(axis=1)
        g_c, g_d = g.sum(axis=1), (g * d).sum(axis=1)
        det = s_cc * s_cd - s_cd * s_cd
        with np.errstate(divide="ignore", invalid="ignore"):
            step_c = (s_cd * g_c - s_cd * g_d) / det
            step_d = (-s_cd * g_c + s_cc * g_d) / det
        step_c = np.clip(np.where(np.isfinite(step_c), step_c, 0.0), -_MAX_STEP, _MAX_STEP)
        step_d = np.clip(np.where(np.isfinite(step_d), step_d, 0.0), -_MAX_STEP, _MAX_STEP)
        step_a = (r0 + r1 - w1 * (step_c[:, None] + step_d[:, None] * d)) / total
        step_a = np.clip(step_a, -_MAX_STEP, _MAX_STEP)
        change, delta, a = change + step_c, delta + step_d, a + step_a
        converged = (
            (np.abs(step_c) < 1e-10) & (np.abs(step_d) < 1e-10) & (np.abs(step_a) < 1e-9).all(1)
        )
        if converged.all():
            break
    p0 = _expit(o0 + a)
    p1 = _expit(o1 + a + change[:, None] + delta[:, None] * d)
    w0, w1 = n0 * p0 * (1.0 - p0), n1 * p1 * (1.0 - p1)
    h = w0 * w1 / (w0 + w1)
    s_cc, s_cd = h.sum(axis=1), (h * d).sum(axis=1)
    det = s_cc * s_cd - s_cd * s_cd
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.stack([s_cd / det, -s_cd / det], axis=-1)
        second = np.stack([-s_cd / det, s_cc / det], axis=-1)
        covariance = np.stack([first, second], axis=-2)
        pearson = ((y0 - n0 * p0) ** 2 / w0 + (y1 - n1 * p1) ** 2 / w1).sum(axis=1)
    ok = converged & np.isfinite(det) & (det > 0)
    return _GapFit(change, delta, covariance, pearson, ok)


def _group_cells(
    frame: pd.DataFrame,
    area: str,
    time: str,
    group: str,
    focus: Hashable,
    reference: Hashable,
    events: str,
    population: str | None,
) -> pd.DataFrame:
    """One row per area and period: each group's events and exposure (absent = none)."""
    if group not in frame.columns:
        raise StatsInputError(f"The table has no column {group!r}.")
    if focus == reference:
        raise StatsInputError("Choose two different groups to compare.")
    parts = []
    for name, value in (("focus", focus), ("reference", reference)):
        rows = frame.loc[frame[group] == value]
        if rows.empty:
            raise StatsInputError(f"There are no rows for {value!r} in {group!r}.")
        cells = _cells(rows, area, time, events, population).set_index(["area", "time"])
        parts.append(cells.add_prefix(f"{name}_"))
    both = parts[0].join(parts[1], how="outer")
    full = pd.MultiIndex.from_product(
        [both.index.get_level_values(0).unique(), both.index.get_level_values(1).unique()],
        names=["area", "time"],
    )
    both = both.reindex(full).sort_index()
    for name, value in (("focus", focus), ("reference", reference)):
        both[f"{name}_events"] = both[f"{name}_events"].fillna(0).astype(np.int64)
        exposure = both[f"{name}_exposure"]
        if population is None:
            both[f"{name}_exposure"] = exposure.fillna(1.0)
            continue
        # A group's population in an area stands for the months it had no events; an area
        # with no row at all for the group has no population to stand in.
        exposure = exposure.groupby(level="area").transform(lambda s: s.fillna(s.mean()))
        if exposure.isna().any():
            areas = sorted({str(a) for a in exposure[exposure.isna()].index.get_level_values(0)})
            raise StatsInputError(
                f"There is no population for {value!r} in {', '.join(areas[:10])}: give each "
                "area's population of both groups (a row with no events will do)."
            )
        both[f"{name}_exposure"] = exposure
    return both.reset_index()


def gap_before_after(
    frame: pd.DataFrame,
    *,
    area: str,
    time: str,
    group: str,
    focus: Hashable,
    reference: Hashable,
    treated: Collection[Hashable],
    start: object,
    events: str = "events",
    population: str | None = None,
    comparison: Collection[Hashable] | None = None,
    periods_per_year: float | None = None,
    conf_level: float = 0.95,
    placebo_draws: int = PLACEBO_DRAWS,
    seed: int = 20211,
) -> GapBeforeAfter:
    """Did the gap between ``focus`` and ``reference`` change more where the initiative ran?

    ``frame`` has one row per area, period and group (other groups are ignored; rows
    sharing all three are summed; a missing row counts as no events). With ``population``
    (one per area and group, or per area, group and period) the gap is in rates per head;
    without, in counts, which gives the same ratio of changes when populations do not
    change. The other arguments are those of :func:`accord.stats.before_after`, with the
    same refusals; data that cannot support an estimate (no searches of one group before
    the start where the initiative ran, say) gives NaN with a plain reason in ``note``.
    """
    check_conf_level(conf_level)
    cells = _group_cells(frame, area, time, group, focus, reference, events, population)
    cells, chosen, per_year = label_cells(
        cells, treated, comparison, start, time=time, periods_per_year=periods_per_year
    )

    series = _series(cells)
    level = format_conf_level(conf_level)
    unit = "rate" if population is not None else "count"
    method = (
        f"triple difference: ratio of the change in the gap ({focus} {unit} / {reference} "
        f"{unit}, after / before) with the initiative to its change in comparison areas; "
        "Poisson model with area-group and area-phase effects (fitted as the binomial "
        f"share of {focus} among both groups), quasi-binomial {level} CI (Student's t)"
    )
    arms, areas = _arms(cells)
    is_treated = np.array([a in chosen for a in areas], dtype=bool)
    n = int(arms.both.sum())
    usable = _usable(arms)
    summary_rows = _summary_rows(cells, conf_level)
    pre_trend = pd.DataFrame([_pre_trend(cells, chosen, start, conf_level, per_year)])

    missing = [
        f"of {who} {phase} the start {where}"
        for name, where in ((INITIATIVE, "with the initiative"), (COMPARISON, "elsewhere"))
        for phase in ("before", "after")
        for who, column in ((focus, "focus"), (reference, "reference"))
        if cells.loc[(cells["set"] == name) & (cells["phase"] == phase), f"{column}_events"].sum()
        == 0
    ]
    if missing:
        effect = _empty_effect(n, f"no searches {' or '.join(missing)}, so no ratio", method)
        summary = pd.DataFrame(summary_rows)
        return GapBeforeAfter(pd.DataFrame([effect]), summary, pre_trend, series)
    if not (usable & is_treated).any() or not (usable & ~is_treated).any():
        effect = _empty_effect(
            n,
            "no area in one of the sets had searches of both groups both before and after "
            "the start, so no ratio",
            method,
        )
        return GapBeforeAfter(pd.DataFrame([effect]), pd.DataFrame(summary_rows), pre_trend, series)

    fit = _fit_gap(arms.take(usable), is_treated[usable][np.newaxis, :])
    used = int(usable.sum())
    df = used - 2
    delta = float(fit.delta[0])
    row = _empty_effect(n, "", method)
    if not bool(fit.converged[0]):
        row["note"] = (
            "the counts are too few or too one-sided for a ratio (the model did not converge)"
        )
        return GapBeforeAfter(pd.DataFrame([row]), pd.DataFrame(summary_rows), pre_trend, series)
    if abs(delta) >= WIDEST:
        row["note"] = "the counts are too few or too one-sided for a ratio"
        return GapBeforeAfter(pd.DataFrame([row]), pd.DataFrame(summary_rows), pre_trend, series)
    row["estimate"] = math.exp(delta)
    row["percent"] = 100.0 * math.expm1(delta)
    row["df"] = df
    covariance = fit.covariance[0]
    if df < 1:
        row["note"] = (
            "with one area in each set, how much areas differ by themselves cannot be "
            "measured, so there is no interval"
        )
        scale, quantile = 1.0, math.nan  # nor for each set's change
    else:
        phi = float(fit.pearson[0]) / df
        scale = max(phi, 1.0)
        quantile = float(scipy_stats.t.ppf(0.5 + conf_level / 2.0, df))
        se = math.sqrt(float(covariance[1, 1]) * scale)
        row["dispersion"] = phi
        lower, upper = log_interval(delta, quantile * se)
        row["lower"], row["upper"] = lower, upper
        if math.isnan(lower):
            row["note"] = TOO_WIDE
        elif df < FEW_DEGREES:
            row["note"] = (
                f"only {used} areas have searches of both groups before and after the "
                "start, so how much areas change by themselves is poorly known and the "
                "interval is wide"
            )
    # Each set's own change: the same model, read as a change per set.
    change = float(fit.change[0])
    changes = {
        COMPARISON: (change, float(covariance[0, 0])),
        INITIATIVE: (
            change + delta,
            float(covariance[0, 0] + 2.0 * covariance[0, 1] + covariance[1, 1]),
        ),
    }
    for summary_row in summary_rows:
        centre, variance = changes[str(summary_row["set"])]
        if abs(centre) < WIDEST:
            summary_row["estimate"] = math.exp(centre)
            ends = log_interval(centre, quantile * math.sqrt(variance * scale))
            summary_row["lower"], summary_row["upper"] = ends
    row |= _placebo(arms.take(usable), is_treated[usable], delta, placebo_draws, seed)
    return GapBeforeAfter(pd.DataFrame([row]), pd.DataFrame(summary_rows), pre_trend, series)


def _arms(cells: pd.DataFrame) -> tuple[_Arms, list[Hashable]]:
    per_area = cells.pivot_table(index="area", columns="phase", values=list(_VALUES), aggfunc="sum")

    def both_phases(column: str) -> FloatArray:
        out: FloatArray = np.vstack(
            [per_area[(column, phase)].to_numpy(dtype=np.float64) for phase in ("before", "after")]
        )
        return out

    focus = both_phases("focus_events")
    both = focus + both_phases("reference_events")
    offset = np.log(both_phases("focus_exposure") / both_phases("reference_exposure"))
    return _Arms(focus, both, offset), list(per_area.index)


def _usable(arms: _Arms) -> BoolArray:
    """Areas that say something about the change in the gap: searches of both groups, and
    searches before and after. (An area without them has an area effect at infinity and no
    weight in the estimate.)"""
    focus_total = arms.focus.sum(axis=0)
    both_total = arms.both.sum(axis=0)
    out: BoolArray = (
        (arms.both[0] > 0) & (arms.both[1] > 0) & (focus_total > 0) & (focus_total < both_total)
    )
    return out


def _placebo(
    arms: _Arms, is_treated: BoolArray, delta: float, draws: int, seed: int
) -> dict[str, object]:
    """Rank the real change among comparison areas given the initiative by pretence."""
    pool = arms.take(~is_treated)

    def fit(sets: BoolArray) -> tuple[FloatArray, BoolArray]:
        fits = _fit_gap(pool, sets)
        return fits.delta, fits.converged

    size = int(is_treated.sum())
    return rank_placebos(size, int((~is_treated).sum()), delta, draws, seed, fit)


def _ratio(focus: float, focus_exposure: float, reference: float, ref_exposure: float) -> float:
    if focus_exposure <= 0 or reference <= 0 or ref_exposure <= 0:
        return math.nan
    return (focus / focus_exposure) / (reference / ref_exposure)


def _series(cells: pd.DataFrame) -> pd.DataFrame:
    series = cells.groupby(["set", "time", "phase"], sort=True)[list(_VALUES)].sum().reset_index()
    series = series.rename(
        columns={"time": "period", "focus_events": "focus", "reference_events": "reference"}
    )
    series["ratio"] = [
        _ratio(f, fe, r, re)
        for f, fe, r, re in zip(
            series["focus"],
            series["focus_exposure"],
            series["reference"],
            series["reference_exposure"],
            strict=True,
        )
    ]
    return series[["set", "period", "phase", "focus", "reference", *_VALUES[2:], "ratio"]]


def _summary_rows(cells: pd.DataFrame, conf_level: float) -> list[dict[str, object]]:
    level = format_conf_level(conf_level)
    rows: list[dict[str, object]] = []
    for name in (INITIATIVE, COMPARISON):
        part = cells.loc[cells["set"] == name]
        sums = {
            (column, phase): float(part.loc[part["phase"] == phase, column].sum())
            for column in _VALUES
            for phase in ("before", "after")
        }

        def gap(phase: str, sums: dict[tuple[str, str], float] = sums) -> float:
            return _ratio(
                sums[("focus_events", phase)],
                sums[("focus_exposure", phase)],
                sums[("reference_events", phase)],
                sums[("reference_exposure", phase)],
            )

        rows.append(
            {
                "set": name,
                "areas": int(part["area"].nunique()),
                "focus_before": int(sums[("focus_events", "before")]),
                "focus_after": int(sums[("focus_events", "after")]),
                "reference_before": int(sums[("reference_events", "before")]),
                "reference_after": int(sums[("reference_events", "after")]),
                "ratio_before": gap("before"),
                "ratio_after": gap("after"),
                "estimate": np.nan,
                "lower": np.nan,
                "upper": np.nan,
                "method": (
                    "change in the gap (after / before) within the set's areas, from the "
                    f"same model; {level} CI widened for the spread between areas, measured "
                    "over both sets (quasi-binomial, Student's t)"
                ),
                "n": int(
                    sum(value for (column, _), value in sums.items() if column.endswith("_events"))
                ),
                "suppressed": False,
            }
        )
    return rows


@dataclass(frozen=True)
class _LogisticFit:
    coefficients: FloatArray
    covariance: FloatArray
    pearson: float
    df: int
    converged: bool


def _fit_logistic(
    successes: FloatArray, trials: FloatArray, design: FloatArray, offset: FloatArray
) -> _LogisticFit:
    """Binomial regression with a logit link by iteratively reweighted least squares."""
    share = (successes + 0.5) / (trials + 1.0)
    eta = np.log(share / (1.0 - share))
    beta = np.linalg.lstsq(design, eta - offset, rcond=None)[0]
    converged = False
    for _ in range(100):
        eta = design @ beta + offset
        p = np.clip(_expit(eta), 1e-12, 1.0 - 1e-12)
        weight = trials * p * (1.0 - p)
        working = eta - offset + (successes - trials * p) / weight
        root = np.sqrt(weight)
        new = np.linalg.lstsq(design * root[:, None], working * root, rcond=None)[0]
        change = float(np.max(np.abs(new - beta)))
        beta = new
        if change <= 1e-10 * (1.0 + float(np.max(np.abs(beta)))):
            converged = True
            break
    p = np.clip(_expit(design @ beta + offset), 1e-12, 1.0 - 1e-12)
    weight = trials * p * (1.0 - p)
    covariance = np.linalg.pinv(design.T @ (design * weight[:, None]))
    pearson = float(((successes - trials * p) ** 2 / weight).sum())
    rank = int(np.linalg.matrix_rank(design))
    return _LogisticFit(beta, covariance, pearson, design.shape[0] - rank, converged)


def _informative(before: pd.DataFrame) -> pd.DataFrame:
    """The area-periods that say something about a trend in the gap.

    An area (or a period) whose searches are all of one group has its effect at infinity
    and no weight in the trend, and would stop the fit converging: leave it out, and
    again until none is left (leaving out a period can empty an area).
    """
    while True:
        keep = pd.Series(True, index=before.index)
        for key in ("area", "time"):
            sums = before.groupby(key)[["focus_events", "trials"]].transform("sum")
            keep &= (sums["focus_events"] > 0) & (sums["focus_events"] < sums["trials"])
        if keep.all():
            return before.reset_index(drop=True)
        before = before.loc[keep]


def _pre_trend(
    cells: pd.DataFrame, treated: set[Hashable], start: object, conf_level: float, per_year: float
) -> dict[str, object]:
    level = format_conf_level(conf_level)
    method = (
        "difference in yearly change in the gap before the start, binomial regression of "
        "the focus group's share with area and period effects and a trend for the areas "
        f"with the initiative, Wald {level} CI (quasi-binomial when overdispersed)"
    )
    before = cells.loc[cells["time"] < start].copy()
    periods = sorted(before["time"].unique())
    row = empty_trend(method, len(periods))
    if len(periods) < 3:
        row["note"] = (
            "fewer than three periods before the start, so whether the gap was moving alike "
            "in both sets of areas before it cannot be checked"
        )
        return row
    before["trials"] = before["focus_events"] + before["reference_events"]
    before = _informative(before.loc[before["trials"] > 0])
    fitted = int(before["time"].nunique())
    row["periods"] = fitted
    if fitted < 3:
        row["note"] = (
            "fewer than three periods before the start have searches of both groups, so no check"
        )
        return row
    in_set = before["area"].isin(treated).to_numpy()
    if not in_set.any() or in_set.all():
        row["note"] = "no searches of both groups before the start in one of the sets, so no check"
        return row
    design = trend_design(before, in_set, per_year)
    offset = np.log(
        before["focus_exposure"].to_numpy(dtype=np.float64)
        / before["reference_exposure"].to_numpy(dtype=np.float64)
    )
    try:
        fit = _fit_logistic(
            before["focus_events"].to_numpy(dtype=np.float64),
            before["trials"].to_numpy(dtype=np.float64),
            design,
            offset,
        )
    except np.linalg.LinAlgError:
        fit = None
    se = float(np.sqrt(fit.covariance[-1, -1])) if fit is not None else math.nan
    if fit is None or not fit.converged or not math.isfinite(se) or se <= 0:
        row["note"] = "the model of the months before the start did not converge"
        return row
    slope = float(fit.coefficients[-1])
    phi = fit.pearson / fit.df if fit.df > 0 else math.nan
    if math.isfinite(phi) and phi > 1.0:
        se *= math.sqrt(phi)
    return row | yearly_change(slope, se, per_year, conf_level)
