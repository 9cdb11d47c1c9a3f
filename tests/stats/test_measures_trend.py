"""The Poisson trend: the fit agrees with statsmodels, and the reporting is right."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import assume, given
from hypothesis import strategies as st

from accord.stats import StatsInputError, fit_poisson_glm, poisson_trend

Z95 = 1.959963984540054


def statsmodels_fit(
    y: np.ndarray, t: np.ndarray, population: np.ndarray | None, scale: str | None = None
):  # type: ignore[no-untyped-def]
    design = sm.add_constant(t - t.mean())
    offset = None if population is None else np.log(population)
    model = sm.GLM(y, design, family=sm.families.Poisson(), offset=offset)
    return model.fit(tol=1e-14, scale=scale)


# statsmodels warns when some fitted means are nearly zero; its answer is still the reference.
@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.PerfectSeparationWarning")
@given(
    counts=st.lists(st.integers(min_value=0, max_value=400), min_size=3, max_size=36),
    growth=st.floats(min_value=-0.05, max_value=0.05),
    use_population=st.booleans(),
)
def test_fit_matches_statsmodels_glm(
    counts: list[int], growth: float, use_population: bool
) -> None:
    y = np.array(counts, dtype=float)
    # With events in fewer than two periods the maximum likelihood slope is infinite.
    assume(np.count_nonzero(y) >= 2)
    t = np.arange(len(y), dtype=float)
    population = (10_000 * np.exp(growth * t)).round() if use_population else None
    reference = statsmodels_fit(y, t, population)
    design = np.column_stack([np.ones_like(t), t - t.mean()])
    fit = fit_poisson_glm(y, design, None if population is None else np.log(population))
    assert fit.converged
    np.testing.assert_allclose(fit.coefficients, reference.params, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.covariance)), reference.bse, rtol=1e-7)
    assert fit.pearson_chi2 == pytest.approx(reference.pearson_chi2, rel=1e-7, abs=1e-9)
    assert fit.deviance == pytest.approx(reference.deviance, rel=1e-7, abs=1e-9)


def test_annual_percentage_change_for_monthly_periods_with_offset() -> None:
    months = pd.period_range("2022-01", periods=24, freq="M")
    y = np.array([120, 131, 118, 140, 125, 150, 138, 149, 160, 142, 171, 158] * 2)
    y[12:] += 20
    population = np.linspace(100_000, 103_000, 24).round()
    frame = pd.DataFrame({"month": months, "events": y, "population": population})
    result = poisson_trend(frame, "month", population="population").iloc[0]
    reference = statsmodels_fit(y.astype(float), np.arange(24.0), population)
    slope, se = reference.params[1], reference.bse[1]
    dispersion = reference.pearson_chi2 / reference.df_resid
    assert result["dispersion"] == pytest.approx(dispersion, rel=1e-8)
    assert result["quasi_poisson"] == (dispersion > 1.5)
    if result["quasi_poisson"]:
        se = statsmodels_fit(y.astype(float), np.arange(24.0), population, scale="X2").bse[1]
    assert result["slope"] == pytest.approx(slope, rel=1e-8)
    assert result["slope_se"] == pytest.approx(se, rel=1e-8)
    assert result["estimate"] == pytest.approx(100 * math.expm1(12 * slope), rel=1e-8)
    assert result["lower"] == pytest.approx(100 * math.expm1(12 * (slope - Z95 * se)), rel=1e-8)
    assert result["upper"] == pytest.approx(100 * math.expm1(12 * (slope + Z95 * se)), rel=1e-8)
    assert result["periods"] == 24
    assert result["n"] == y.sum()
    assert "log population offset" in result["method"]
    assert result["group"] == "all"


def test_overdispersion_widens_the_interval_and_says_so() -> None:
    y = np.array([50, 90, 40, 100, 45, 95, 55, 110, 50, 120, 60, 115])
    frame = pd.DataFrame({"quarter": np.arange(12), "events": y})
    result = poisson_trend(frame, "quarter", periods_per_year=4).iloc[0]
    reference = statsmodels_fit(y.astype(float), np.arange(12.0), None, scale="X2")
    assert result["dispersion"] > 1.5
    assert result["quasi_poisson"]
    assert result["slope_se"] == pytest.approx(reference.bse[1], rel=1e-8)
    assert "quasi-Poisson" in result["method"]
    assert "widened by the square root of the Pearson dispersion" in result["method"]
    assert result["estimate"] == pytest.approx(100 * math.expm1(4 * reference.params[1]))


def test_dispersion_below_threshold_keeps_poisson_interval() -> None:
    frame = pd.DataFrame({"t": np.arange(10), "events": [100, 101, 99, 102, 100] * 2})
    result = poisson_trend(frame, "t", periods_per_year=12, dispersion_threshold=1.5).iloc[0]
    assert not result["quasi_poisson"]
    assert "quasi" not in result["method"]


def test_quarterly_periods_and_dates_set_the_year_length() -> None:
    y = [100, 110, 121, 133, 146, 161, 177, 195]
    quarters = pd.period_range("2020Q1", periods=8, freq="Q")
    quarterly = poisson_trend(pd.DataFrame({"q": quarters, "events": y}), "q").iloc[0]
    numeric = poisson_trend(
        pd.DataFrame({"q": range(8), "events": y}), "q", periods_per_year=4
    ).iloc[0]
    assert quarterly["estimate"] == pytest.approx(numeric["estimate"], rel=1e-10)
    # Growth of 10% a quarter is about 46% a year.
    assert quarterly["estimate"] == pytest.approx(100 * (1.1**4 - 1), abs=1.0)
    dates = pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01", "2023-01-01"])
    yearly = poisson_trend(pd.DataFrame({"d": dates, "events": [100, 120, 144, 173]}), "d")
    assert yearly["estimate"].iloc[0] == pytest.approx(20.0, abs=0.5)


def test_trend_by_group() -> None:
    frame = pd.DataFrame(
        {
            "eth": ["A"] * 6 + ["B"] * 6,
            "t": list(range(6)) * 2,
            "events": [10, 12, 14, 17, 20, 24, 30, 29, 31, 30, 30, 29],
        }
    )
    result = poisson_trend(frame, "t", by="eth", periods_per_year=1).set_index("group")
    assert result.loc["A", "estimate"] > 15
    assert abs(result.loc["B", "estimate"]) < 5
    assert result.loc["A", "eth"] == "A"


def test_too_few_periods_or_no_events_give_nan_with_reason() -> None:
    short = poisson_trend(pd.DataFrame({"t": [0, 1], "events": [3, 4]}), "t", periods_per_year=12)
    assert math.isnan(short["estimate"].iloc[0])
    assert "fewer than three periods" in short["note"].iloc[0]
    empty = poisson_trend(
        pd.DataFrame({"t": [0, 1, 2], "events": [0, 0, 0]}), "t", periods_per_year=12
    )
    assert math.isnan(empty["estimate"].iloc[0])
    assert empty["note"].iloc[0] == "no events in any period, so no trend"
    single = poisson_trend(
        pd.DataFrame({"t": [0, 1, 2, 3], "events": [5, 0, 0, 0]}), "t", periods_per_year=12
    )
    assert math.isnan(single["estimate"].iloc[0])
    assert single["note"].iloc[0] == "events in only one period, so no trend can be estimated"


def test_trend_input_errors() -> None:
    frame = pd.DataFrame({"t": [0, 1, 2], "events": [1, 2, 3], "population": [10, 0, 10]})
    with pytest.raises(StatsInputError, match="periods_per_year"):
        poisson_trend(frame, "t")
    with pytest.raises(StatsInputError, match="population of zero"):
        poisson_trend(frame, "t", population="population", periods_per_year=12)
    with pytest.raises(StatsInputError, match="no time column 'month'"):
        poisson_trend(frame, "month")
    with pytest.raises(StatsInputError, match="numbers, dates or pandas periods"):
        poisson_trend(frame.assign(t=["a", "b", "c"]), "t")
