"""Funnel plots: exact limits with interpolation, overdispersion, flags and curves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import mstats

from accord.stats import (
    StatsInputError,
    exact_funnel_limit,
    funnel,
    funnel_limits,
    winsorised_dispersion,
)


def interpolated_quantile(pmf: list[float], p: float) -> float:
    """Spiegelhalter (2005) appendix, from a list of probabilities: r_p - alpha."""
    cumulative = 0.0
    for r, mass in enumerate(pmf):
        if cumulative + mass >= p:
            return r - (cumulative + mass - p) / mass
        cumulative += mass
    raise AssertionError("p beyond the support")


def poisson_pmf(mean: float, upto: int) -> list[float]:
    return [math.exp(r * math.log(mean) - mean - math.lgamma(r + 1)) for r in range(upto)]


def binomial_pmf(n: int, p: float) -> list[float]:
    return [
        math.exp(
            math.lgamma(n + 1)
            - math.lgamma(r + 1)
            - math.lgamma(n - r + 1)
            + r * math.log(p)
            + (n - r) * math.log1p(-p)
        )
        for r in range(n + 1)
    ]


@given(
    size=st.integers(min_value=100, max_value=200_000),
    rate=st.floats(min_value=1e-4, max_value=0.05),
    p=st.sampled_from([0.001, 0.025, 0.975, 0.999]),
)
def test_exact_poisson_limit_matches_summed_probabilities(size: int, rate: float, p: float) -> None:
    mean = rate * size
    expected = max(interpolated_quantile(poisson_pmf(mean, int(mean * 3 + 60)), p), 0.0) / size
    assert float(exact_funnel_limit(rate, [size], p, "rate")[0]) == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


@given(
    n=st.integers(min_value=5, max_value=3_000),
    target=st.floats(min_value=0.02, max_value=0.98),
    p=st.sampled_from([0.001, 0.025, 0.975, 0.999]),
)
def test_exact_binomial_limit_matches_summed_probabilities(n: int, target: float, p: float) -> None:
    expected = min(max(interpolated_quantile(binomial_pmf(n, target), p), 0.0) / n, 1.0)
    assert float(exact_funnel_limit(target, [n], p, "proportion")[0]) == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


@given(
    z=st.lists(st.floats(min_value=-10, max_value=10, allow_nan=False), min_size=1, max_size=60),
)
def test_winsorised_dispersion_matches_scipy_winsorize(z: list[float]) -> None:
    expected = float(np.mean(np.asarray(mstats.winsorize(np.array(z), limits=(0.1, 0.1))) ** 2))
    assert winsorised_dispersion(z) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def boroughs(seed: int, spread: float) -> pd.DataFrame:
    """32 boroughs with a true rate of 4 per 1,000, varied by a log-normal of sd ``spread``."""
    generator = np.random.default_rng(seed)
    population = generator.integers(150_000, 400_000, 32)
    rate = 0.004 * np.exp(generator.normal(0, spread, 32))
    return pd.DataFrame(
        {
            "la_name": [f"Borough {i:02d}" for i in range(32)],
            "events": generator.poisson(rate * population),
            "population": population,
        }
    )


def test_funnel_flags_units_against_exact_limits() -> None:
    table = pd.DataFrame(
        {
            "la": ["A", "B", "C", "D"],
            "events": [30, 250, 90, 3],
            "population": [10_000, 100_000, 10_000, 1_000],
        }
    )
    result = funnel(table, "la").set_index("group")
    target = 373 / 121_000 * 1_000
    assert result["target"].tolist() == pytest.approx([target] * 4)
    assert result.loc["C", "outlier"] == "above 99.8%"
    assert result.loc["B", "outlier"] == "below 99.8%"
    assert result.loc["A", "outlier"] == ""
    assert result.loc["D", "outlier"] == ""
    assert result.loc["C", "beyond_95"] == "above 95%"
    for unit, row in result.iterrows():
        size = row["size"]
        lower = float(exact_funnel_limit(target / 1000, [size], 0.001)[0]) * 1000
        upper = float(exact_funnel_limit(target / 1000, [size], 0.999)[0]) * 1000
        assert row["lower_998"] == pytest.approx(lower), unit
        assert row["upper_998"] == pytest.approx(upper), unit
        assert row["lower_95"] >= row["lower_998"]
        assert row["upper_95"] < row["upper_998"]
    # z-scores on the rate scale against the target.
    theta = target / 1000
    assert result.loc["C", "z_score"] == pytest.approx((0.009 - theta) / math.sqrt(theta / 10_000))
    assert result.loc["C", "estimate"] == 9.0
    assert "exact Poisson 95% and 99.8% control limits" in result.loc["C", "method"]
    assert set(result["overdispersion"]) == {"none"}


def test_multiplicative_overdispersion_widens_limits_by_sqrt_phi() -> None:
    table = boroughs(seed=3, spread=0.3)
    plain = funnel(table, "la_name")
    adjusted = funnel(table, "la_name", overdispersion="multiplicative")
    theta = table["events"].sum() / table["population"].sum()
    se = np.sqrt(theta / table["population"])
    z = (table["events"] / table["population"] - theta) / se
    phi = float(np.mean(np.asarray(mstats.winsorize(z.to_numpy(), limits=(0.1, 0.1))) ** 2))
    assert phi * 32 > 31  # overdispersed
    assert adjusted["phi"].iloc[0] == pytest.approx(phi)
    assert set(adjusted["overdispersion"]) == {"multiplicative"}
    expected_upper = (theta + 3.090232306167813 * math.sqrt(phi) * se) * 1000
    np.testing.assert_allclose(adjusted["upper_998"], expected_upper, rtol=1e-9)
    assert (plain["outlier"] != "").sum() > (adjusted["outlier"] != "").sum()
    assert "widened by sqrt(phi)" in adjusted["method"].iloc[0]


def test_additive_overdispersion_uses_random_effects_tau_squared() -> None:
    table = boroughs(seed=3, spread=0.3)
    result = funnel(table, "la_name", overdispersion="additive")
    theta = table["events"].sum() / table["population"].sum()
    variance = theta / table["population"].to_numpy()
    z = (table["events"].to_numpy() / table["population"].to_numpy() - theta) / np.sqrt(variance)
    phi = float(np.mean(np.asarray(mstats.winsorize(z, limits=(0.1, 0.1))) ** 2))
    weights = 1 / variance
    tau2 = (32 * phi - 31) / (weights.sum() - (weights**2).sum() / weights.sum())
    assert result["tau2"].iloc[0] == pytest.approx(tau2, rel=1e-9)
    expected_lower = (theta - 1.959963984540054 * np.sqrt(variance + tau2)) * 1000
    np.testing.assert_allclose(result["lower_95"], expected_lower, rtol=1e-9)
    assert set(result["overdispersion"]) == {"additive"}
    assert result["z_score"].tolist() == pytest.approx(
        list((z * np.sqrt(variance)) / np.sqrt(variance + tau2))
    )


def test_no_adjustment_when_no_overdispersion_is_found() -> None:
    table = boroughs(seed=5, spread=0.0)
    result = funnel(table, "la_name", overdispersion="multiplicative")
    assert result["overdispersion"].iloc[0].startswith("none: no overdispersion found")
    assert "exact Poisson" in result["method"].iloc[0]


def test_proportion_funnel_uses_binomial_limits() -> None:
    table = pd.DataFrame(
        {"la": ["A", "B", "C"], "arrests": [5, 40, 90], "searches": [50, 400, 400]}
    )
    result = funnel(table, "la", events="arrests", size="searches", kind="proportion")
    target = 135 / 850
    assert result["target"].iloc[0] == pytest.approx(target)
    expected = float(exact_funnel_limit(target, [400], 0.999, "proportion")[0])
    assert result["upper_998"].iloc[2] == pytest.approx(expected)
    assert result["outlier"].iloc[2] == "above 99.8%"
    assert "exact binomial" in result["method"].iloc[0]
    assert "Wilson" in result["method"].iloc[0]
    assert (result["lower_998"] >= 0).all() and (result["upper_998"] <= 1).all()


def test_limit_curves_over_a_grid() -> None:
    sizes = np.geomspace(1_000, 1_000_000, 40)
    curves = funnel_limits(4.0, sizes)
    assert len(curves) == 80
    assert set(curves.columns) == {"size", "conf_level", "lower", "upper", "target", "method"}
    outer = curves[curves["conf_level"] == 0.998]
    inner = curves[curves["conf_level"] == 0.95]
    assert (outer["upper"].to_numpy() >= inner["upper"].to_numpy()).all()
    # The funnel narrows towards the target as size grows.
    assert outer["upper"].iloc[-1] - outer["lower"].iloc[-1] < 0.1 * (
        outer["upper"].iloc[0] - outer["lower"].iloc[0]
    )
    # At a large size the exact limits approach the normal ones.
    theta = 0.004
    normal = (theta + 3.090232306167813 * math.sqrt(theta / 1_000_000)) * 1000
    assert outer["upper"].iloc[-1] == pytest.approx(normal, rel=0.01)
    widened = funnel_limits(4.0, sizes, phi=2.0)
    assert (widened["upper"] > curves["upper"]).all()


def test_curves_agree_with_unit_limits() -> None:
    table = boroughs(seed=1, spread=0.0)
    result = funnel(table, "la_name")
    curves = funnel_limits(result["target"].iloc[0], result["size"])
    outer = curves[curves["conf_level"] == 0.998]
    np.testing.assert_allclose(outer["upper"], result["upper_998"], rtol=1e-12)


def test_funnel_input_errors() -> None:
    table = pd.DataFrame({"la": ["A"], "events": [5], "population": [2]})
    with pytest.raises(StatsInputError, match="more 'events' than 'population'"):
        funnel(table, "la", kind="proportion")
    with pytest.raises(StatsInputError, match="Unknown funnel kind"):
        funnel(table, "la", kind="ratio")  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="Unknown overdispersion"):
        funnel(table, "la", overdispersion="both")  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="Trials must be whole numbers"):
        exact_funnel_limit(0.1, [10.5], 0.5, "proportion")
