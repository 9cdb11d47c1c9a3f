"""Proportions within events, their comparisons, and the relative rate index."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from accord.stats import (
    StatsInputError,
    proportion_differences,
    proportion_ratios,
    proportions,
    relative_rate_index,
)

Z95 = 1.959963984540054

# Arrests among searches: Black 30 of 100, White 60 of 400, Asian 0 of 20.
ARRESTS = pd.DataFrame(
    {
        "ethnicity": ["Black", "White", "Asian"],
        "arrests": [30, 60, 0],
        "searches": [100, 400, 20],
    }
)


def call(function, **kwargs):  # type: ignore[no-untyped-def]
    result = function(ARRESTS, "ethnicity", successes="arrests", trials="searches", **kwargs)
    return result.set_index("group")


def test_proportions_use_wilson_by_default() -> None:
    result = call(proportions)
    assert result.loc["Black", "estimate"] == 0.3
    low, high = proportion_confint(30, 100, method="wilson")
    assert result.loc["Black", "lower"] == pytest.approx(low, abs=1e-12)
    assert result.loc["Black", "upper"] == pytest.approx(high, abs=1e-12)
    assert result.loc["Black", "method"] == "proportion, Wilson score 95% CI"
    assert result.loc["Asian", "lower"] == 0.0
    assert result["n"].tolist() == [30, 60, 0]
    assert result["trials"].tolist() == [100, 400, 20]


def test_proportions_clopper_pearson_on_request() -> None:
    result = call(proportions, method="clopper-pearson")
    _, high = proportion_confint(0, 20, method="beta")
    assert result.loc["Asian", "lower"] == 0.0
    assert result.loc["Asian", "upper"] == pytest.approx(high, abs=1e-12)
    # By hand: 1 - 0.025^(1/20).
    assert result.loc["Asian", "upper"] == pytest.approx(1 - 0.025 ** (1 / 20), abs=1e-12)
    assert result.loc["Asian", "method"] == "proportion, exact Clopper-Pearson 95% CI"


def test_proportion_ratios_against_most_trials_by_default() -> None:
    result = call(proportion_ratios)
    assert set(result["reference_group"]) == {"White"}
    assert result.loc["Black", "estimate"] == pytest.approx(2.0)
    spread = math.exp(Z95 * math.sqrt(1 / 30 - 1 / 100 + 1 / 60 - 1 / 400))
    assert result.loc["Black", "lower"] == pytest.approx(2.0 / spread, rel=1e-12)
    assert result.loc["Black", "upper"] == pytest.approx(2.0 * spread, rel=1e-12)
    assert result.loc["White", "estimate"] == 1.0
    assert result.loc["Asian", "estimate"] == 0.0
    assert math.isnan(result.loc["Asian", "lower"])
    assert result.loc["Black", "proportion"] == 0.3
    assert result.loc["Black", "reference_proportion"] == 0.15
    assert result.loc["Black", "method"] == "ratio of proportions, Katz log 95% CI"


def test_proportion_differences_use_newcombe() -> None:
    result = call(proportion_differences)
    assert result.loc["Black", "estimate"] == pytest.approx(0.15)
    low, high = confint_proportions_2indep(30, 100, 60, 400, method="newcomb", compare="diff")
    assert result.loc["Black", "lower"] == pytest.approx(low, abs=1e-12)
    assert result.loc["Black", "upper"] == pytest.approx(high, abs=1e-12)
    # By hand, from the two Wilson intervals: 0.0603 to 0.2509.
    assert result.loc["Black", "lower"] == pytest.approx(0.0603, abs=1e-4)
    assert result.loc["Black", "upper"] == pytest.approx(0.2509, abs=1e-4)
    assert result.loc["White", "estimate"] == 0.0
    # A zero proportion still has a difference interval.
    assert not math.isnan(result.loc["Asian", "lower"])


def test_proportion_ratio_reference_without_successes_is_named() -> None:
    with pytest.raises(StatsInputError, match=r"Reference group 'Asian' has no 'arrests'"):
        call(proportion_ratios, reference="Asian")
    # Differences against it are fine.
    assert call(proportion_differences, reference="Asian").loc["Black", "estimate"] == 0.3


def test_more_successes_than_trials_is_refused() -> None:
    table = ARRESTS.assign(arrests=[130, 60, 0])
    with pytest.raises(StatsInputError, match="'Black' has more 'arrests' than 'searches'"):
        proportions(table, "ethnicity", successes="arrests", trials="searches")


def test_unknown_proportion_method_is_refused() -> None:
    with pytest.raises(StatsInputError, match="Unknown proportion method"):
        call(proportions, method="wald")


# --- relative rate index -----------------------------------------------------------------

STAGES = pd.DataFrame(
    {
        "ethnicity": ["Black", "White"],
        "population": [10_000, 60_000],
        "stops": [200, 300],
        "arrests": [30, 60],
        "charges": [15, 20],
    }
)


def test_relative_rate_index_stage_by_stage() -> None:
    result = relative_rate_index(STAGES, "ethnicity", ["population", "stops", "arrests", "charges"])
    black = result[result["group"] == "Black"].set_index("stage")
    assert list(black.index) == ["stops", "arrests", "charges"]
    assert black["previous_stage"].tolist() == ["population", "stops", "arrests"]
    # Stops per resident: 0.02 vs 0.005 -> 4; arrests per stop: 0.15 vs 0.2 -> 0.75;
    # charges per arrest: 0.5 vs 1/3 -> 1.5.
    assert black["estimate"].tolist() == pytest.approx([4.0, 0.75, 1.5])
    assert black["rate"].tolist() == pytest.approx([0.02, 0.15, 0.5])
    assert black["reference_rate"].tolist() == pytest.approx([0.005, 0.2, 1 / 3])
    poisson = math.exp(Z95 * math.sqrt(1 / 200 + 1 / 300))
    binomial = math.exp(Z95 * math.sqrt(1 / 30 - 1 / 200 + 1 / 60 - 1 / 300))
    assert black.loc["stops", "lower"] == pytest.approx(4.0 / poisson, rel=1e-12)
    assert black.loc["arrests", "upper"] == pytest.approx(0.75 * binomial, rel=1e-12)
    assert "Poisson" in black.loc["stops", "method"]
    assert "binomial" in black.loc["arrests", "method"]
    white = result[result["group"] == "White"]
    assert white["estimate"].tolist() == [1.0, 1.0, 1.0]
    assert set(result["reference_group"]) == {"White"}


def test_relative_rate_index_without_a_population_stage_is_all_binomial() -> None:
    result = relative_rate_index(
        STAGES, "ethnicity", ["stops", "arrests"], first_stage_is_population=False
    )
    assert "binomial" in result["method"].iloc[0]


def test_relative_rate_index_reference_with_nothing_at_a_stage_gives_nan_with_reason() -> None:
    table = STAGES.assign(charges=[15, 0])
    result = relative_rate_index(table, "ethnicity", ["population", "stops", "arrests", "charges"])
    charges = result[result["stage"] == "charges"].set_index("group")
    assert math.isnan(charges.loc["Black", "estimate"])
    assert charges.loc["Black", "note"] == (
        "no events in the reference group, so the ratio is undefined"
    )
    assert math.isnan(charges.loc["White", "estimate"])


def test_relative_rate_index_refuses_a_stage_larger_than_the_one_before() -> None:
    table = STAGES.assign(arrests=[300, 60])
    with pytest.raises(StatsInputError, match="'Black' has more 'arrests' than 'stops'"):
        relative_rate_index(table, "ethnicity", ["population", "stops", "arrests"])


def test_relative_rate_index_needs_two_stages_and_a_known_reference() -> None:
    with pytest.raises(StatsInputError, match="at least two stages"):
        relative_rate_index(STAGES, "ethnicity", ["stops"])
    with pytest.raises(StatsInputError, match="'Asian' is not in the data"):
        relative_rate_index(STAGES, "ethnicity", ["population", "stops"], reference="Asian")
