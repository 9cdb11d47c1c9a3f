"""Before and after against comparison areas (difference in differences): the estimate and
its interval against statsmodels, the placebo ranking against a plain recount, the check of
trends before the start, and every input that cannot be right."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as scipy_stats

from accord.stats import StatsInputError, before_after
from accord.stats.before_after import COMPARISON, INITIATIVE

MONTHS = pd.period_range("2022-01", periods=12, freq="M")
START = MONTHS[6]


def _london(
    seed: int = 7, areas: int = 12, effect: float = 0.75, drift: float = 0.0
) -> pd.DataFrame:
    """Invented monthly counts: extra spread between areas and months, an effect from START
    in areas A0 and A1, and ``drift`` (a monthly log change) in A0 and A1 throughout."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(areas):
        name = f"A{a}"
        population = int(rng.integers(150_000, 350_000))
        level = rng.gamma(25, 1 / 25)
        for i, month in enumerate(MONTHS):
            mean = population * 0.002 * level * rng.gamma(40, 1 / 40) * 1.01**i
            if name in ("A0", "A1"):
                mean *= math.exp(drift * i) * (effect if month >= START else 1.0)
            rows.append(
                {
                    "area": name,
                    "month": month,
                    "events": int(rng.poisson(mean)),
                    "people": population,
                }
            )
    return pd.DataFrame(rows)


def _collapsed_glm(frame: pd.DataFrame, treated: set[str]) -> sm.GLM:
    data = frame.assign(after=(frame["month"] >= START).astype(int))
    cells = data.groupby(["area", "after"], as_index=False).agg(
        events=("events", "sum"), exposure=("people", "sum")
    )
    design = pd.get_dummies(cells["area"], dtype=float)
    design["after"] = cells["after"].astype(float)
    design["effect"] = (cells["area"].isin(treated) & (cells["after"] == 1)).astype(float)
    return sm.GLM(
        cells["events"], design, family=sm.families.Poisson(), offset=np.log(cells["exposure"])
    ).fit()


def test_the_ratio_and_its_interval_are_statsmodels_poisson_with_area_effects() -> None:
    frame = _london()
    result = before_after(
        frame, area="area", time="month", treated=["A0", "A1"], start=START, population="people"
    )
    fit = _collapsed_glm(frame, {"A0", "A1"})
    effect = result.effect.iloc[0]
    assert effect["estimate"] == pytest.approx(math.exp(fit.params["effect"]), rel=1e-8)
    phi = fit.pearson_chi2 / fit.df_resid
    assert phi > 1  # the invented areas vary more than chance, so the interval is widened
    assert effect["dispersion"] == pytest.approx(phi, rel=1e-6)
    assert effect["df"] == fit.df_resid == 10
    se = fit.bse["effect"] * math.sqrt(phi)
    t = scipy_stats.t.ppf(0.975, fit.df_resid)
    assert effect["lower"] == pytest.approx(math.exp(fit.params["effect"] - t * se), rel=1e-6)
    assert effect["upper"] == pytest.approx(math.exp(fit.params["effect"] + t * se), rel=1e-6)
    assert effect["lower"] < 0.75 < effect["upper"]
    assert effect["n"] == frame["events"].sum()
    assert "quasi-Poisson" in effect["method"]


@pytest.mark.parametrize("treated", [{"A0"}, {"A0", "A1"}])
def test_each_sets_change_is_statsmodels_with_a_change_for_each_set(treated: set[str]) -> None:
    # The spread between areas is measured over both sets, so a set of one or two boroughs
    # gets neither an unwidened interval nor one resting on a single degree of freedom.
    frame = _london()
    result = before_after(
        frame, area="area", time="month", treated=sorted(treated), start=START, population="people"
    )
    data = frame.assign(after=(frame["month"] >= START).astype(int))
    cells = data.groupby(["area", "after"], as_index=False).agg(
        events=("events", "sum"), exposure=("people", "sum")
    )
    design = pd.get_dummies(cells["area"], dtype=float)
    with_it = cells["area"].isin(treated)
    design["change_with"] = (with_it & (cells["after"] == 1)).astype(float)
    design["change_without"] = (~with_it & (cells["after"] == 1)).astype(float)
    fit = sm.GLM(
        cells["events"], design, family=sm.families.Poisson(), offset=np.log(cells["exposure"])
    ).fit(scale="X2")
    t = scipy_stats.t.ppf(0.975, fit.df_resid)
    summary = result.summary.set_index("set")
    for name, term in ((INITIATIVE, "change_with"), (COMPARISON, "change_without")):
        centre, se = fit.params[term], fit.bse[term]
        assert summary.at[name, "estimate"] == pytest.approx(math.exp(centre), rel=1e-8)
        assert summary.at[name, "lower"] == pytest.approx(math.exp(centre - t * se), rel=1e-6)
        assert summary.at[name, "upper"] == pytest.approx(math.exp(centre + t * se), rel=1e-6)


def test_with_exact_counts_the_ratio_is_the_ratio_of_the_two_changes() -> None:
    rows = []
    for area, before, after in (("T", 100, 60), ("C1", 200, 180), ("C2", 50, 45)):
        for i, month in enumerate(MONTHS[:4]):
            rows.append({"area": area, "month": month, "events": before if i < 2 else after})
    frame = pd.DataFrame(rows)
    result = before_after(frame, area="area", time="month", treated=["T"], start=MONTHS[2])
    assert result.effect["estimate"].iloc[0] == pytest.approx((60 / 100) / (225 / 250))
    summary = result.summary.set_index("set")
    assert summary.at[INITIATIVE, "estimate"] == pytest.approx(0.6)
    assert summary.at[COMPARISON, "estimate"] == pytest.approx(0.9)
    assert summary.at[COMPARISON, "events_before"] == 500
    assert summary.at[INITIATIVE, "areas"] == 1


def test_the_placebo_check_ranks_the_change_among_every_comparison_area() -> None:
    frame = _london(effect=0.6)
    result = before_after(frame, area="area", time="month", treated=["A0"], start=START)
    after = frame.assign(after=frame["month"] >= START)
    totals = after.groupby(["area", "after"])["events"].sum().unstack()
    real = math.log(totals.at["A0", True] / totals.at["A0", False])
    pool = [a for a in totals.index if a != "A0"]
    larger = 0
    for area in pool:  # each comparison area pretends, the rest stay the comparison
        rest = [a for a in pool if a != area]
        own = math.log(totals.at[area, True] / totals.at[area, False])
        others = math.log(totals.loc[rest, True].sum() / totals.loc[rest, False].sum())
        comparison = math.log(totals.loc[pool, True].sum() / totals.loc[pool, False].sum())
        larger += abs(own - others) >= abs(real - comparison) - 1e-12
    effect = result.effect.iloc[0]
    assert effect["placebo_sets"] == 11
    assert effect["placebo_as_large"] == larger
    assert effect["placebo_p"] == pytest.approx((1 + larger) / 12)


def test_many_possible_placebo_sets_are_drawn_at_random_but_the_same_each_time() -> None:
    frame = _london(areas=30)
    first = before_after(frame, area="area", time="month", treated=["A0", "A1", "A2"], start=START)
    again = before_after(frame, area="area", time="month", treated=["A0", "A1", "A2"], start=START)
    assert first.effect["placebo_sets"].iloc[0] == 1999  # C(27, 3) = 2925 possible sets
    assert first.effect["placebo_as_large"].iloc[0] == again.effect["placebo_as_large"].iloc[0]


def test_the_trend_before_the_start_is_statsmodels_with_area_and_month_effects() -> None:
    frame = _london(drift=0.15)
    result = before_after(
        frame, area="area", time="month", treated=["A0", "A1"], start=START, population="people"
    )
    before = frame.loc[frame["month"] < START].reset_index(drop=True)
    design = pd.concat(
        [
            pd.get_dummies(before["area"], dtype=float),
            pd.get_dummies(before["month"].astype(str), dtype=float, drop_first=True),
        ],
        axis=1,
    )
    ordinal = before["month"].map(lambda m: m.ordinal).astype(float)
    design["trend"] = (ordinal - ordinal.mean()) * before["area"].isin(["A0", "A1"])
    fit = sm.GLM(
        before["events"], design, family=sm.families.Poisson(), offset=np.log(before["people"])
    ).fit()
    slope = fit.params["trend"]
    trend = result.pre_trend.iloc[0]
    assert trend["estimate"] == pytest.approx(100 * math.expm1(12 * slope), rel=1e-6)
    phi = max(fit.pearson_chi2 / fit.df_resid, 1.0)
    upper = 100 * math.expm1(12 * (slope + 1.959964 * fit.bse["trend"] * math.sqrt(phi)))
    assert trend["upper"] == pytest.approx(upper, rel=1e-4)
    assert trend["periods"] == 6
    assert bool(trend["parallel"]) is False


def test_areas_moving_alike_before_the_start_pass_the_check() -> None:
    result = before_after(_london(), area="area", time="month", treated=["A0", "A1"], start=START)
    assert bool(result.pre_trend["parallel"].iloc[0]) is True


def test_too_few_months_before_the_start_cannot_be_checked_and_says_so() -> None:
    result = before_after(_london(), area="area", time="month", treated=["A0"], start=MONTHS[2])
    trend = result.pre_trend.iloc[0]
    assert pd.isna(trend["parallel"]) and math.isnan(trend["estimate"])
    assert trend["note"].startswith("fewer than three periods before the start")


def test_a_missing_area_month_counts_as_no_events() -> None:
    frame = _london()
    gap = frame.loc[~((frame["area"] == "A3") & (frame["month"] == MONTHS[8]))]
    zero = frame.assign(
        events=frame["events"].where(~((frame["area"] == "A3") & (frame["month"] == MONTHS[8])), 0)
    )
    left = before_after(
        gap, area="area", time="month", treated=["A0"], start=START, population="people"
    )
    right = before_after(
        zero, area="area", time="month", treated=["A0"], start=START, population="people"
    )
    pd.testing.assert_frame_equal(left.effect, right.effect)
    pd.testing.assert_frame_equal(left.series, right.series)


def test_comparison_areas_can_be_chosen() -> None:
    frame = _london()
    result = before_after(
        frame, area="area", time="month", treated=["A0"], comparison=["A5", "A6", "A7"], start=START
    )
    assert result.summary.set_index("set").at[COMPARISON, "areas"] == 3
    assert result.effect["placebo_sets"].iloc[0] == 3


def test_no_events_after_the_start_where_the_initiative_ran_gives_no_ratio_and_says_why() -> None:
    frame = _london()
    frame.loc[(frame["area"] == "A0") & (frame["month"] >= START), "events"] = 0
    result = before_after(frame, area="area", time="month", treated=["A0"], start=START)
    effect = result.effect.iloc[0]
    assert math.isnan(effect["estimate"])
    assert effect["note"] == "no events after the start with the initiative, so no ratio"


def test_an_interval_on_few_areas_says_it_is_wide() -> None:
    few = before_after(
        _london().query("area in ['A0', 'A1', 'A2', 'A3']"),
        area="area",
        time="month",
        treated=["A0"],
        start=START,
    )
    assert few.effect["note"].iloc[0] == (
        "only 4 areas have events, so how much areas change by themselves is poorly known "
        "and the interval is wide"
    )
    many = before_after(_london(), area="area", time="month", treated=["A0"], start=START)
    assert many.effect["note"].iloc[0] == ""


def test_one_area_each_gives_the_ratio_without_an_interval() -> None:
    frame = _london().query("area in ['A0', 'A1']")
    result = before_after(frame, area="area", time="month", treated=["A0"], start=START)
    effect = result.effect.iloc[0]
    assert effect["estimate"] > 0 and math.isnan(effect["lower"])
    assert "cannot be measured" in effect["note"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"treated": []}, "Choose at least one area with the initiative."),
        ({"treated": ["Z9"]}, "These areas are not in the data: Z9."),
        (
            {"comparison": ["A0", "A2"]},
            "An area cannot be both with the initiative and a comparison: A0.",
        ),
        ({"comparison": ["Q1"]}, "These comparison areas are not in the data: Q1."),
        ({"comparison": []}, "Choose at least one comparison area without the initiative."),
        ({"start": MONTHS[0]}, "There is no period before the start to compare with."),
        (
            {"start": pd.Period("2030-01", freq="M")},
            "There is no period from the start on: choose an earlier start.",
        ),
        ({"start": "soon"}, "The start 'soon' cannot be compared with the periods in 'month'."),
        ({"events": "people_x"}, "The table has no column 'people_x'."),
    ],
)
def test_input_that_cannot_be_right_is_refused_with_the_reason(
    changes: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "area": "area",
        "time": "month",
        "treated": ["A0"],
        "start": START,
    }
    arguments |= changes
    with pytest.raises(StatsInputError) as refused:
        before_after(_london(), **arguments)  # type: ignore[arg-type]
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("events", -1, "Column 'events' must hold whole numbers of events, 0 or more."),
        ("events", 2.5, "Column 'events' must hold whole numbers of events, 0 or more."),
        ("people", 0, "Column 'people' must hold a population above zero in every row."),
    ],
)
def test_bad_counts_are_refused(column: str, value: float, message: str) -> None:
    frame = _london()
    frame[column] = frame[column].astype(float)
    frame.loc[3, column] = value
    with pytest.raises(StatsInputError) as refused:
        before_after(
            frame, area="area", time="month", treated=["A0"], start=START, population="people"
        )
    assert str(refused.value) == message


def test_very_few_events_before_the_start_give_a_reason_not_an_error() -> None:
    # Each month before the start has one event, in one area or the other: area and month
    # effects cannot be told apart, so there is no check, only the reason.
    counts = {"A0": [0, 0, 1, 0, 0, 0], "A1": [1, 1, 0, 1, 0, 1]}
    frame = pd.DataFrame(
        [
            {"area": area, "month": MONTHS[i], "events": n, "people": 100}
            for area, row in counts.items()
            for i, n in enumerate(row)
        ]
    )
    result = before_after(
        frame, area="area", time="month", treated=["A0"], start=MONTHS[3], population="people"
    )
    trend = result.pre_trend.iloc[0]
    assert pd.isna(trend["parallel"])
    assert trend["note"] == "the model of the months before the start did not converge"


def test_a_month_with_no_events_anywhere_is_left_out_of_the_trend_check() -> None:
    frame = _london()
    frame.loc[frame["month"] == MONTHS[1], "events"] = 0
    trend = before_after(
        frame, area="area", time="month", treated=["A0", "A1"], start=START, population="people"
    ).pre_trend.iloc[0]
    assert math.isfinite(trend["estimate"]) and trend["note"] == ""
    assert trend["periods"] == 5  # the months fitted


def test_an_interval_beyond_a_millionfold_is_left_out_with_the_reason() -> None:
    # Two comparison areas swing a hundredfold in opposite directions: the spread between
    # areas is enormous, and the interval would overflow. It is left out, not an error.
    months = MONTHS[:2]
    swings = {"T": (1, 1), "C1": (3000, 30), "C2": (30, 3000)}
    frame = pd.DataFrame(
        [
            {"area": area, "month": months[i], "events": counts[i]}
            for area, counts in swings.items()
            for i in range(2)
        ]
    )
    effect = before_after(
        frame, area="area", time="month", treated=["T"], start=months[1]
    ).effect.iloc[0]
    assert effect["estimate"] == pytest.approx(1.0)
    assert math.isnan(effect["lower"]) and math.isnan(effect["upper"])
    assert effect["note"].startswith("the interval would be too wide to mean anything")
