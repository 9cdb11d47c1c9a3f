"""Funnel plots of changes: each unit's change in a proportion against the overall change."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import mstats

from accord.stats import StatsInputError, change_funnel
from accord.stats.intervals import proportion_difference_newcombe

Z_998 = 3.090232306167813
Z_95 = 1.959963984540054


def frame(before: list[tuple[int, int]], after: list[tuple[int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": [f"U{i:02d}" for i in range(len(before))],
            "trained_before": [k for k, _ in before],
            "officers_before": [n for _, n in before],
            "trained_after": [k for k, _ in after],
            "officers_after": [n for _, n in after],
        }
    )


def test_target_standard_error_and_flags_follow_spiegelhalter() -> None:
    table = frame(
        [(40, 100), (90, 200), (50, 100), (20, 100)],
        [(50, 100), (110, 200), (60, 100), (70, 100)],
    )
    result = change_funnel(table, "unit").set_index("group")
    theta0, theta1 = 200 / 500, 290 / 500
    target = theta1 - theta0
    assert result["target"].tolist() == pytest.approx([target] * 4)
    for unit, n0, n1, k0, k1 in (("U01", 200, 200, 90, 110), ("U03", 100, 100, 20, 70)):
        se = math.sqrt(theta1 * (1 - theta1) / n1 + theta0 * (1 - theta0) / n0)
        change = k1 / n1 - k0 / n0
        row = result.loc[unit]
        assert row["estimate"] == pytest.approx(change)
        assert row["difference"] == pytest.approx(change - target)
        assert row["se"] == pytest.approx(se)
        assert row["z_score"] == pytest.approx((change - target) / se)
        assert row["upper_998"] == pytest.approx(target + Z_998 * se)
        assert row["lower_95"] == pytest.approx(target - Z_95 * se)
    # U03 rose 50 points against London's 18: far beyond chance.
    assert result.loc["U03", "outlier"] == "above 99.8%"
    assert result.loc["U00", "outlier"] == ""
    # U01 (+10 on 200 officers) is 8 points below the target: z = -1.7, inside 95%.
    assert result.loc["U01", "beyond_95"] == ""
    assert "Spiegelhalter 2005" in result["method"].iloc[0]
    assert "independent" in result["method"].iloc[0]


def test_own_interval_is_newcombes_for_the_two_periods() -> None:
    table = frame([(3, 30), (40, 100)], [(12, 30), (45, 100)])
    result = change_funnel(table, "unit")
    expected = proportion_difference_newcombe([12, 45], [30, 100], [3, 40], [30, 100])
    np.testing.assert_allclose(result["lower"], expected.lower)
    np.testing.assert_allclose(result["upper"], expected.upper)


def test_a_unit_that_changed_as_everyone_did_is_flagged_about_one_time_in_twenty() -> None:
    """Calibration: with every unit's true coverage rising from 40% to 55%, the 95% limits
    should hold about 95% of units. Leaving out either period's variance flags far more."""
    rng = np.random.default_rng(20211)
    units = 4000
    n0 = rng.integers(50, 400, units)
    n1 = n0 + rng.integers(-20, 20, units)
    k0 = rng.binomial(n0, 0.40)
    k1 = rng.binomial(n1, 0.55)
    table = frame(list(zip(k0, n0, strict=True)), list(zip(k1, n1, strict=True)))
    result = change_funnel(table, "unit")
    beyond = float((result["beyond_95"] != "").mean())
    assert 0.04 < beyond < 0.06
    assert float((result["outlier"] != "").mean()) < 0.006


def test_additive_overdispersion_uses_random_effects_tau_squared() -> None:
    rng = np.random.default_rng(3)
    units = 32
    n = rng.integers(150, 900, units)
    k0 = rng.binomial(n, 0.5)
    # Boroughs' true changes differ by far more than chance: 0 to 30 points.
    k1 = rng.binomial(n, 0.5 + rng.uniform(0.0, 0.3, units))
    table = frame(list(zip(k0, n, strict=True)), list(zip(k1, n, strict=True)))
    plain = change_funnel(table, "unit")
    result = change_funnel(table, "unit", overdispersion="additive")
    theta0, theta1 = k0.sum() / n.sum(), k1.sum() / n.sum()
    variance = theta1 * (1 - theta1) / n + theta0 * (1 - theta0) / n
    z = (k1 / n - k0 / n - (theta1 - theta0)) / np.sqrt(variance)
    phi = float(np.mean(np.asarray(mstats.winsorize(z, limits=(0.1, 0.1))) ** 2))
    assert phi * units > units - 1
    weights = 1 / variance
    tau2 = (units * phi - (units - 1)) / (weights.sum() - (weights**2).sum() / weights.sum())
    assert result["tau2"].iloc[0] == pytest.approx(tau2, rel=1e-9)
    assert result["phi"].iloc[0] == pytest.approx(phi)
    np.testing.assert_allclose(
        result["upper_998"], np.minimum(theta1 - theta0 + Z_998 * np.sqrt(variance + tau2), 1.0)
    )
    assert set(result["overdispersion"]) == {"additive"}
    assert "random-effects" in result["method"].iloc[0]
    assert (plain["outlier"] != "").sum() > (result["outlier"] != "").sum()
    multiplicative = change_funnel(table, "unit", overdispersion="multiplicative")
    np.testing.assert_allclose(
        multiplicative["z_score"], z / math.sqrt(phi), rtol=1e-9, equal_nan=False
    )


def test_no_adjustment_when_changes_spread_no_more_than_chance() -> None:
    table = frame([(50, 100)] * 5, [(60, 100), (61, 100), (59, 100), (60, 100), (60, 100)])
    result = change_funnel(table, "unit", overdispersion="additive")
    assert result["overdispersion"].iloc[0].startswith("none: no overdispersion found")
    assert result["tau2"].iloc[0] == 0.0
    assert "random-effects" not in result["method"].iloc[0]


def test_a_unit_without_figures_in_one_period_has_no_change_and_no_weight() -> None:
    table = frame([(40, 100), (0, 0), (50, 100)], [(50, 100), (90, 100), (70, 100)])
    result = change_funnel(table, "unit").set_index("group")
    assert math.isnan(result.loc["U01", "estimate"])
    assert math.isnan(result.loc["U01", "z_score"])
    assert result.loc["U01", "outlier"] == ""
    assert result.loc["U01", "note"] == "no figures in one of the two periods, so no change"
    # The target is of the units with both periods only: (120 - 90) / 200.
    assert result.loc["U00", "target"] == pytest.approx(0.15)
    assert result.loc["U00", "note"] == ""


def test_rows_of_one_unit_are_added_together() -> None:
    table = pd.concat(
        [frame([(10, 50)], [(20, 50)]), frame([(30, 50)], [(40, 50)]), frame([(5, 10)], [(5, 10)])]
    )
    table["unit"] = ["A", "A", "B"]
    result = change_funnel(table, "unit").set_index("group")
    assert result.loc["A", "officers_before"] == 100
    assert result.loc["A", "estimate"] == pytest.approx(0.2)


def test_change_funnel_input_errors() -> None:
    with pytest.raises(StatsInputError, match="more 'trained_after' than 'officers_after'"):
        change_funnel(frame([(1, 10)], [(11, 10)]), "unit")
    with pytest.raises(StatsInputError, match="No unit has figures in both periods"):
        change_funnel(frame([(0, 0), (1, 10)], [(1, 10), (0, 0)]), "unit")
    with pytest.raises(StatsInputError, match="0% or 100% in both periods"):
        change_funnel(frame([(0, 10), (0, 20)], [(0, 10), (0, 20)]), "unit")
    with pytest.raises(StatsInputError, match="Unknown overdispersion"):
        change_funnel(frame([(1, 10)], [(2, 10)]), "unit", overdispersion="both")  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="'trained_before' has negative values"):
        change_funnel(frame([(-1, 10)], [(2, 10)]), "unit")
    with pytest.raises(StatsInputError, match="no column 'trained_after'"):
        change_funnel(frame([(1, 10)], [(2, 10)]).drop(columns="trained_after"), "unit")
