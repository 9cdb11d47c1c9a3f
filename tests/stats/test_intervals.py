"""Every interval agrees with an independent computation, and edge cases are explicit.

The independent computations are: direct numerical inversion of the Poisson
and binomial distributions (scipy.optimize on scipy.stats cdfs), statsmodels
(proportion_confint, confint_proportions_2indep, Table2x2, confint_poisson),
scipy.stats.contingency (relative_risk, odds_ratio), scipy.stats.binomtest,
and, where no library has the method, the formula written out again with the
standard library's ``statistics.NormalDist`` and ``math``.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import optimize, stats
from scipy.stats.contingency import odds_ratio, relative_risk
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.rates import confint_poisson

from accord.stats.errors import StatsInputError
from accord.stats.intervals import (
    format_conf_level,
    odds_ratio_woolf,
    poisson_exact_ci,
    poisson_rate_ci,
    proportion_ci,
    proportion_difference_newcombe,
    rate_ratio_exact,
    rate_ratio_katz,
    risk_ratio_katz,
    z_value,
)

TOLERANCE = 1e-9

levels = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998])
small_counts = st.integers(min_value=0, max_value=3_000)
positive_counts = st.integers(min_value=1, max_value=3_000)
populations = st.integers(min_value=1, max_value=10_000_000)


@st.composite
def count_and_total(draw: st.DrawFn, minimum: int = 0) -> tuple[int, int]:
    total = draw(st.integers(min_value=max(1, minimum), max_value=5_000))
    return draw(st.integers(min_value=minimum, max_value=total)), total


def close(actual: float, expected: float, tol: float = TOLERANCE) -> bool:
    return math.isclose(actual, expected, rel_tol=tol, abs_tol=1e-12)


def normal_z(level: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


# --- Garwood ------------------------------------------------------------------------------


@given(k=small_counts, level=levels)
def test_garwood_matches_direct_poisson_inversion(k: int, level: float) -> None:
    alpha = 1 - level
    ci = poisson_exact_ci(k, level)
    # Upper: the mean at which P(X <= k) = alpha/2. Lower: the mean at which P(X >= k) = alpha/2.
    upper = optimize.brentq(
        lambda mu: stats.poisson.cdf(k, mu) - alpha / 2, 1e-9, 10 * k + 50, xtol=1e-14, rtol=1e-15
    )
    assert close(float(ci.upper), upper)
    if k == 0:
        assert float(ci.lower) == 0.0
    else:
        lower = optimize.brentq(
            lambda mu: stats.poisson.sf(k - 1, mu) - alpha / 2, 1e-12, k, xtol=1e-14, rtol=1e-15
        )
        assert close(float(ci.lower), lower)


@given(k=small_counts, level=levels)
def test_garwood_matches_statsmodels_exact_central(k: int, level: float) -> None:
    low, high = confint_poisson(k, 1.0, method="exact-c", alpha=1 - level)
    ci = poisson_exact_ci(k, level)
    assert close(float(ci.lower), float(low))
    assert close(float(ci.upper), float(high))


@given(k=small_counts, population=populations, level=levels)
def test_rate_is_count_interval_over_population(k: int, population: int, level: float) -> None:
    counts = poisson_exact_ci(k, level)
    rate = poisson_rate_ci(k, population, per=1000, conf_level=level)
    assert close(float(rate.estimate), k / population * 1000)
    assert close(float(rate.lower), float(counts.lower) / population * 1000)
    assert close(float(rate.upper), float(counts.upper) / population * 1000)


def test_garwood_known_values() -> None:
    # Standard table values of the exact interval: k = 0 -> (0, 3.689); k = 10 -> (4.795, 18.39).
    ci = poisson_exact_ci([0, 10])
    np.testing.assert_allclose(ci.lower, [0.0, 4.7954], atol=5e-5)
    np.testing.assert_allclose(ci.upper, [3.6889, 18.3904], atol=5e-5)


def test_zero_population_gives_nan_with_reason() -> None:
    rate = poisson_rate_ci([3, 0], [0, 0])
    assert np.isnan(rate.estimate).all()
    assert np.isnan(rate.lower).all()
    assert list(rate.note) == ["population is zero, so no rate"] * 2


# --- rate ratios ---------------------------------------------------------------------------


@given(k1=positive_counts, p1=populations, k0=positive_counts, p0=populations, level=levels)
def test_katz_rate_ratio_matches_formula(k1: int, p1: int, k0: int, p0: int, level: float) -> None:
    ci = rate_ratio_katz(k1, p1, k0, p0, level)
    ratio = (k1 / p1) / (k0 / p0)
    half = normal_z(level) * math.sqrt(1 / k1 + 1 / k0)
    assert close(float(ci.estimate), ratio)
    assert close(float(ci.lower), math.exp(math.log(ratio) - half))
    assert close(float(ci.upper), math.exp(math.log(ratio) + half))


@given(k1=small_counts, p1=populations, k0=small_counts, p0=populations, level=levels)
def test_exact_conditional_rate_ratio_matches_binomtest(
    k1: int, p1: int, k0: int, p0: int, level: float
) -> None:
    assume(k1 + k0 > 0)
    ci = rate_ratio_exact(k1, p1, k0, p0, level)
    reference = stats.binomtest(k1, k1 + k0).proportion_ci(level, method="exact")

    def to_pi(ratio: float) -> float:
        # pi = RR p1 / (RR p1 + p0), the binomial probability the ratio maps to.
        return 1.0 if math.isinf(ratio) else ratio * p1 / (ratio * p1 + p0)

    assert to_pi(float(ci.lower)) == pytest.approx(reference.low, abs=TOLERANCE)
    assert to_pi(float(ci.upper)) == pytest.approx(reference.high, abs=TOLERANCE)


@given(k1=positive_counts, p1=populations, k0=positive_counts, p0=populations, level=levels)
def test_exact_conditional_rate_ratio_matches_beta_quantiles(
    k1: int, p1: int, k0: int, p0: int, level: float
) -> None:
    alpha = 1 - level
    n = k1 + k0
    pi_low = stats.beta.ppf(alpha / 2, k1, n - k1 + 1)
    pi_high = stats.beta.ppf(1 - alpha / 2, k1 + 1, n - k1)
    ci = rate_ratio_exact(k1, p1, k0, p0, level)
    assert close(float(ci.lower), pi_low / (1 - pi_low) * p0 / p1)
    assert close(float(ci.upper), pi_high / (1 - pi_high) * p0 / p1)


def test_exact_conditional_handles_zero_counts() -> None:
    group_zero = rate_ratio_exact(0, 1_000, 20, 5_000)
    assert float(group_zero.estimate) == 0.0
    assert float(group_zero.lower) == 0.0
    assert math.isfinite(float(group_zero.upper))
    reference_zero = rate_ratio_exact(5, 1_000, 0, 5_000)
    assert math.isnan(float(reference_zero.estimate))
    assert math.isinf(float(reference_zero.upper))
    assert float(reference_zero.lower) > 0
    assert "upper bound is infinite" in str(reference_zero.note)
    nothing = rate_ratio_exact(0, 1_000, 0, 5_000)
    assert math.isnan(float(nothing.lower))
    assert str(nothing.note) == "no events in either group, so no interval"


def test_katz_zero_counts_give_nan_bounds_with_reasons() -> None:
    ci = rate_ratio_katz([0, 4, 4], [100, 100, 0], [5, 0, 5], [100, 100, 100])
    assert ci.estimate[0] == 0.0
    assert np.isnan(ci.lower).all()
    assert np.isnan(ci.upper).all()
    assert np.isnan(ci.estimate[1:]).all()
    assert list(ci.note) == [
        "no events in the group, so the log interval is undefined",
        "no events in the reference group, so the ratio is undefined",
        "a population is zero, so no rate ratio",
    ]


# --- risk and odds ratios ------------------------------------------------------------------


@given(group=count_and_total(1), reference=count_and_total(1), level=levels)
def test_risk_ratio_matches_scipy_relative_risk(
    group: tuple[int, int], reference: tuple[int, int], level: float
) -> None:
    (x1, n1), (x0, n0) = group, reference
    ci = risk_ratio_katz(x1, n1, x0, n0, level)
    expected = relative_risk(x1, n1, x0, n0)
    bounds = expected.confidence_interval(level)
    assert close(float(ci.estimate), expected.relative_risk)
    assert close(float(ci.lower), bounds.low)
    assert close(float(ci.upper), bounds.high)


@given(group=count_and_total(1), reference=count_and_total(1), level=levels)
def test_risk_ratio_matches_epitools_wald_formula(
    group: tuple[int, int], reference: tuple[int, int], level: float
) -> None:
    # R epitools riskratio.wald: exp(log RR +/- z sqrt(1/a - 1/n1 + 1/c - 1/n0)).
    (a, n1), (c, n0) = group, reference
    ratio = (a / n1) / (c / n0)
    half = normal_z(level) * math.sqrt(max(0.0, 1 / a - 1 / n1 + 1 / c - 1 / n0))
    ci = risk_ratio_katz(a, n1, c, n0, level)
    assert close(float(ci.lower), ratio * math.exp(-half))
    assert close(float(ci.upper), ratio * math.exp(half))


@given(group=count_and_total(1), reference=count_and_total(1), level=levels)
def test_risk_ratio_matches_statsmodels_log_ratio(
    group: tuple[int, int], reference: tuple[int, int], level: float
) -> None:
    (x1, n1), (x0, n0) = group, reference
    low, high = confint_proportions_2indep(
        x1, n1, x0, n0, method="log", compare="ratio", alpha=1 - level
    )
    ci = risk_ratio_katz(x1, n1, x0, n0, level)
    assert close(float(ci.lower), float(low))
    assert close(float(ci.upper), float(high))


nonzero_table = st.tuples(*[st.integers(min_value=1, max_value=5_000)] * 4)


@given(cells=nonzero_table, level=levels)
def test_woolf_matches_statsmodels_table2x2(cells: tuple[int, int, int, int], level: float) -> None:
    a, b, c, d = cells
    table = Table2x2(np.array([[a, b], [c, d]]))
    low, high = table.oddsratio_confint(alpha=1 - level)
    ci = odds_ratio_woolf(a, a + b, c, c + d, level)
    assert close(float(ci.estimate), table.oddsratio)
    assert close(float(ci.lower), low)
    assert close(float(ci.upper), high)


@given(cells=nonzero_table, level=levels)
def test_woolf_matches_scipy_sample_odds_ratio(
    cells: tuple[int, int, int, int], level: float
) -> None:
    a, b, c, d = cells
    result = odds_ratio([[a, b], [c, d]], kind="sample")
    bounds = result.confidence_interval(level)
    ci = odds_ratio_woolf(a, a + b, c, c + d, level)
    assert close(float(ci.estimate), result.statistic)
    assert close(float(ci.lower), bounds.low)
    assert close(float(ci.upper), bounds.high)


def test_woolf_zero_cells_are_explained() -> None:
    ci = odds_ratio_woolf([0, 5, 5], [10, 10, 5], [3, 3, 3], [10, 10, 10])
    assert ci.estimate[0] == 0.0
    assert ci.estimate[1] == pytest.approx((5 * 7) / (5 * 3))
    assert np.isnan(ci.estimate[2])  # b = 0: the odds ratio itself is infinite
    assert np.isnan(ci.lower[[0, 2]]).all()
    assert not np.isnan(ci.lower[1])
    assert ci.note[0] == "a zero cell makes the log interval undefined"
    assert ci.note[2] == "a zero cell makes the odds ratio undefined"


def test_risk_ratio_zero_counts_are_explained() -> None:
    ci = risk_ratio_katz([0, 5], [10, 10], [4, 0], [10, 10])
    assert ci.estimate[0] == 0.0
    assert np.isnan(ci.estimate[1])
    assert np.isnan(ci.lower).all()
    assert ci.note[1] == "no events in the reference group, so the ratio is undefined"


# --- proportions ---------------------------------------------------------------------------


@given(pair=count_and_total(), level=levels)
def test_wilson_matches_statsmodels(pair: tuple[int, int], level: float) -> None:
    x, n = pair
    low, high = proportion_confint(x, n, alpha=1 - level, method="wilson")
    ci = proportion_ci(x, n, level)
    assert close(float(ci.lower), float(low))
    assert close(float(ci.upper), float(high))


@given(pair=count_and_total(), level=levels)
def test_wilson_matches_scipy_binomtest(pair: tuple[int, int], level: float) -> None:
    x, n = pair
    bounds = stats.binomtest(x, n).proportion_ci(level, method="wilson")
    ci = proportion_ci(x, n, level, method="wilson")
    assert close(float(ci.lower), bounds.low)
    assert close(float(ci.upper), bounds.high)


@given(pair=count_and_total(), level=levels)
def test_clopper_pearson_matches_statsmodels_beta(pair: tuple[int, int], level: float) -> None:
    x, n = pair
    low, high = proportion_confint(x, n, alpha=1 - level, method="beta")
    ci = proportion_ci(x, n, level, method="clopper-pearson")
    assert close(float(ci.lower), float(low))
    assert close(float(ci.upper), float(high))


@given(pair=count_and_total(), level=levels)
def test_clopper_pearson_matches_binomial_inversion(pair: tuple[int, int], level: float) -> None:
    x, n = pair
    bounds = stats.binomtest(x, n).proportion_ci(level, method="exact")
    ci = proportion_ci(x, n, level, method="clopper-pearson")
    assert float(ci.lower) == pytest.approx(bounds.low, abs=TOLERANCE)
    assert float(ci.upper) == pytest.approx(bounds.high, abs=TOLERANCE)


@given(group=count_and_total(), reference=count_and_total(), level=levels)
def test_newcombe_matches_statsmodels(
    group: tuple[int, int], reference: tuple[int, int], level: float
) -> None:
    (x1, n1), (x0, n0) = group, reference
    low, high = confint_proportions_2indep(
        x1, n1, x0, n0, method="newcomb", compare="diff", alpha=1 - level
    )
    ci = proportion_difference_newcombe(x1, n1, x0, n0, level)
    assert float(ci.estimate) == pytest.approx(x1 / n1 - x0 / n0, abs=1e-12)
    assert float(ci.lower) == pytest.approx(float(low), abs=TOLERANCE)
    assert float(ci.upper) == pytest.approx(float(high), abs=TOLERANCE)


def test_zero_total_proportion_is_nan_with_reason() -> None:
    ci = proportion_ci(0, 0)
    assert math.isnan(float(ci.estimate))
    assert str(ci.note) == "the total is zero, so no proportion"
    difference = proportion_difference_newcombe(1, 0 + 1, 0, 0)
    assert math.isnan(float(difference.lower))


# --- shapes, inputs and errors -------------------------------------------------------------


@given(
    data=st.lists(
        st.tuples(positive_counts, populations, positive_counts, populations),
        min_size=1,
        max_size=8,
    )
)
def test_vectorised_calls_equal_elementwise_calls(data: list[tuple[int, int, int, int]]) -> None:
    k1, p1, k0, p0 = (np.array(column) for column in zip(*data, strict=True))
    together = rate_ratio_exact(k1, p1, k0, p0)
    for i, row in enumerate(data):
        alone = rate_ratio_exact(*row)
        assert together.lower[i] == float(alone.lower)
        assert together.upper[i] == float(alone.upper)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: poisson_exact_ci(-1), "negative"),
        (lambda: poisson_exact_ci(1.5), "whole numbers"),
        (lambda: poisson_exact_ci(float("nan")), "missing"),
        (lambda: proportion_ci(5, 3), "subset"),
        (lambda: risk_ratio_katz(5, 3, 1, 10), "subset"),
        (lambda: proportion_ci(1, 3, conf_level=95), "between 0 and 1"),
        (lambda: proportion_ci(1, 3, method="wald"), "Unknown proportion method"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_raises_stats_input_error(call: object, message: str) -> None:
    with pytest.raises(StatsInputError, match=message):
        call()  # type: ignore[operator]


def test_stats_input_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        poisson_exact_ci(-3)


def test_conf_level_helpers() -> None:
    assert z_value(0.95) == pytest.approx(1.959963984540054, abs=1e-12)
    assert format_conf_level(0.998) == "99.8%"
    assert format_conf_level(0.95) == "95%"
