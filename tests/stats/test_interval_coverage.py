"""Coverage simulations: each 95% interval covers the truth as often as theory says.

Each scenario draws 20,000 replicates with a fixed seed, so the test is
stable; the Monte Carlo standard error of a coverage near 0.95 is then about
0.0015. What theory says, per interval:

* Exact intervals (Garwood, Clopper-Pearson, exact conditional rate ratio)
  are conservative: coverage is at least 95% for every true value. Assert
  >= 0.95.
* Wilson, Katz (rate ratio and risk ratio), Woolf and Newcombe are
  approximate: close to 95% at moderate counts, oscillating a little with
  the true value. The exact coverage in each scenario below was computed
  by enumerating the sampling distribution (noted in each test). Assert
  within [0.94, 0.965].
* The trend's Wald interval for a Poisson slope is near nominal; the
  quasi-Poisson interval, with the dispersion estimated on df residual
  degrees of freedom, covers about P(|t_df| < 1.96): 0.948 for df = 118.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from accord.stats.intervals import (
    odds_ratio_woolf,
    poisson_exact_ci,
    proportion_ci,
    proportion_difference_newcombe,
    rate_ratio_exact,
    rate_ratio_katz,
    risk_ratio_katz,
)
from accord.stats.trend import fit_poisson_glm, poisson_trend

REPLICATES = 20_000
NEAR_NOMINAL = (0.94, 0.965)


def coverage(lower: npt.ArrayLike, upper: npt.ArrayLike, truth: float) -> float:
    """Share of intervals containing the truth; an undefined (NaN) interval does not."""
    low, high = np.asarray(lower), np.asarray(upper)
    return float(np.mean((low <= truth) & (truth <= high)))


def rng() -> np.random.Generator:
    return np.random.default_rng(20_240_601)


@pytest.mark.parametrize("mean", [3.0, 12.0, 40.0])
def test_garwood_is_conservative(mean: float) -> None:
    # Exact coverage: 0.988, 0.958, 0.961.
    k = rng().poisson(mean, REPLICATES)
    ci = poisson_exact_ci(k)
    assert coverage(ci.lower, ci.upper, mean) >= 0.95


def test_clopper_pearson_is_conservative() -> None:
    # n = 30, p = 0.2: exact coverage 0.980.
    x = rng().binomial(30, 0.2, REPLICATES)
    ci = proportion_ci(x, 30, method="clopper-pearson")
    assert coverage(ci.lower, ci.upper, 0.2) >= 0.95


def test_wilson_is_near_nominal() -> None:
    # n = 50, p = 0.2: exact coverage 0.951.
    x = rng().binomial(50, 0.2, REPLICATES)
    ci = proportion_ci(x, 50)
    low, high = NEAR_NOMINAL
    assert low <= coverage(ci.lower, ci.upper, 0.2) <= high


def test_katz_rate_ratio_is_near_nominal() -> None:
    # Expected counts 60 and 240 (populations 1,000 and 8,000): exact coverage 0.951.
    generator = rng()
    k1 = generator.poisson(60, REPLICATES)
    k0 = generator.poisson(240, REPLICATES)
    truth = (60 / 1_000) / (240 / 8_000)
    ci = rate_ratio_katz(k1, 1_000, k0, 8_000)
    low, high = NEAR_NOMINAL
    assert low <= coverage(ci.lower, ci.upper, truth) <= high


def test_exact_conditional_rate_ratio_is_conservative() -> None:
    # Expected counts 8 and 30: exact coverage 0.969.
    generator = rng()
    k1 = generator.poisson(8, REPLICATES)
    k0 = generator.poisson(30, REPLICATES)
    truth = (8 / 1_000) / (30 / 8_000)
    ci = rate_ratio_exact(k1, 1_000, k0, 8_000)
    assert coverage(ci.lower, ci.upper, truth) >= 0.95


def test_katz_risk_ratio_is_near_nominal() -> None:
    # 300 at p = 0.2 against 1,200 at p = 0.1: exact coverage 0.951.
    generator = rng()
    x1 = generator.binomial(300, 0.2, REPLICATES)
    x0 = generator.binomial(1_200, 0.1, REPLICATES)
    ci = risk_ratio_katz(x1, 300, x0, 1_200)
    low, high = NEAR_NOMINAL
    assert low <= coverage(ci.lower, ci.upper, 2.0) <= high


def test_woolf_odds_ratio_is_near_nominal() -> None:
    # 300 at p = 0.2 against 600 at p = 0.1: exact coverage 0.949.
    generator = rng()
    x1 = generator.binomial(300, 0.2, REPLICATES)
    x0 = generator.binomial(600, 0.1, REPLICATES)
    truth = (0.2 / 0.8) / (0.1 / 0.9)
    ci = odds_ratio_woolf(x1, 300, x0, 600)
    low, high = NEAR_NOMINAL
    assert low <= coverage(ci.lower, ci.upper, truth) <= high


def test_newcombe_difference_is_near_nominal() -> None:
    # 60 at p = 0.3 against 100 at p = 0.15: exact coverage 0.952.
    generator = rng()
    x1 = generator.binomial(60, 0.3, REPLICATES)
    x0 = generator.binomial(100, 0.15, REPLICATES)
    ci = proportion_difference_newcombe(x1, 60, x0, 100)
    low, high = NEAR_NOMINAL
    assert low <= coverage(ci.lower, ci.upper, 0.15) <= high


def test_poisson_trend_slope_interval_is_near_nominal() -> None:
    # 24 months of Poisson counts around 50 growing 1% a month; 5,000 fits.
    generator = rng()
    months = np.arange(24.0)
    design = np.column_stack([np.ones(24), months - months.mean()])
    slope, z = 0.01, 1.959963984540054
    covered = 0
    fits = 5_000
    for _ in range(fits):
        fit = fit_poisson_glm(generator.poisson(50 * np.exp(slope * months)), design)
        se = float(np.sqrt(fit.covariance[1, 1]))
        covered += abs(float(fit.coefficients[1]) - slope) <= z * se
    low, high = NEAR_NOMINAL
    assert low <= covered / fits <= high


def test_quasi_poisson_widening_restores_coverage_under_overdispersion() -> None:
    # Gamma-Poisson counts with variance exactly 3 x mean (the quasi-Poisson model, phi = 3),
    # mean about 50, over 120 months; 8,000 replicates (Monte Carlo SE 0.0024).
    generator = rng()
    replicates, months = 8_000, 120
    t = np.arange(months)
    mean = 50 * np.exp(0.002 * t)
    size = mean / 2  # variance = mean + mean^2 / size = 3 x mean
    counts = generator.negative_binomial(size, size / (size + mean), size=(replicates, months))
    frame = pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(replicates), months),
            "month": np.tile(t, replicates),
            "events": counts.ravel(),
        }
    )
    result = poisson_trend(frame, "month", by="replicate", periods_per_year=12)
    truth = 100 * np.expm1(0.002 * 12)
    assert result["quasi_poisson"].all()
    low, high = NEAR_NOMINAL
    assert low <= coverage(result["lower"], result["upper"], truth) <= high
    # Without the widening the interval would cover far too rarely (theory: about 0.74).
    naive_se = result["slope_se"] / np.sqrt(result["dispersion"])
    naive_cover = np.mean(np.abs(result["slope"] - 0.002) <= 1.959963984540054 * naive_se)
    assert naive_cover < 0.85
