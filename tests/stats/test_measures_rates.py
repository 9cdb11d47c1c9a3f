"""Counts, rates and rate ratios on small hand-checked tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from accord.stats import StatsInputError, counts, rate_ratios, rates
from accord.stats.frames import collapse, find_reference

Z95 = 1.959963984540054

# Searches per resident: Black 20 per 1,000, White 5, Asian 2, Other none.
TABLE = pd.DataFrame(
    {
        "ethnicity": ["Black", "White", "Asian", "Other"],
        "events": [200, 300, 40, 0],
        "population": [10_000, 60_000, 20_000, 5_000],
    }
)

CONTRACT = ["estimate", "lower", "upper", "method", "n", "suppressed"]


def by_group(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("group")


def test_rates_per_thousand_with_garwood_intervals() -> None:
    result = by_group(rates(TABLE, "ethnicity"))
    assert set(CONTRACT) <= set(result.columns)
    assert result["estimate"].to_dict() == {"Black": 20.0, "White": 5.0, "Asian": 2.0, "Other": 0.0}
    # Garwood for 40 events: (28.5766, 54.4686), over 20,000 people, per 1,000.
    assert result.loc["Asian", "lower"] == pytest.approx(28.5766 / 20, abs=1e-5)
    assert result.loc["Asian", "upper"] == pytest.approx(54.4686 / 20, abs=1e-5)
    assert result.loc["Other", "lower"] == 0.0
    assert result.loc["Other", "upper"] == pytest.approx(3.68888 / 5, abs=1e-5)
    assert result["method"].iloc[0] == "rate per 1,000, exact Poisson (Garwood) 95% CI"
    assert result["n"].tolist() == [200, 300, 40, 0]
    assert str(result["n"].dtype) == "Int64"
    assert not result["suppressed"].any()


def test_rates_sum_rows_of_the_same_group_and_honour_names_and_levels() -> None:
    monthly = pd.DataFrame(
        {
            "eth": ["Black", "Black", "White"],
            "month": ["2024-01", "2024-02", "2024-01"],
            "searches": [3, 5, 10],
            "residents": [1_000, 1_000, 4_000],
        }
    )
    result = rates(
        monthly, "eth", events="searches", population="residents", per=100_000, conf_level=0.9
    )
    assert result["group"].tolist() == ["Black", "White"]
    assert result["events"].tolist() == [8, 10]
    assert result["estimate"].tolist() == [400.0, 250.0]
    assert result["method"].iloc[0] == "rate per 100,000, exact Poisson (Garwood) 90% CI"
    assert (result["conf_level"] == 0.9).all()


def test_counts_give_garwood_interval_for_the_count() -> None:
    result = counts(TABLE, "ethnicity")
    assert result["estimate"].tolist() == [200.0, 300.0, 40.0, 0.0]
    assert result.loc[3, "upper"] == pytest.approx(3.68888, abs=1e-5)
    assert result["method"].iloc[0] == "count, exact Poisson (Garwood) 95% CI"


def test_poisson_rate_ratios_against_the_largest_population_by_default() -> None:
    result = by_group(rate_ratios(TABLE, "ethnicity"))
    assert set(result["reference_group"]) == {"White"}
    assert set(result["form"]) == {"poisson rate ratio"}
    assert result.loc["Black", "estimate"] == pytest.approx(4.0)
    assert result.loc["Asian", "estimate"] == pytest.approx(0.4)
    spread = math.exp(Z95 * math.sqrt(1 / 200 + 1 / 300))
    assert result.loc["Black", "lower"] == pytest.approx(4.0 / spread, rel=1e-12)
    assert result.loc["Black", "upper"] == pytest.approx(4.0 * spread, rel=1e-12)
    # By hand: 3.3447 to 4.7837.
    assert result.loc["Black", "lower"] == pytest.approx(3.3447, abs=1e-4)
    assert result.loc["Black", "upper"] == pytest.approx(4.7837, abs=1e-4)
    # The reference row is there, at 1, without an interval.
    assert result.loc["White", "estimate"] == 1.0
    assert bool(result.loc["White", "is_reference"])
    assert math.isnan(result.loc["White", "lower"])
    assert result.loc["White", "note"] == "reference group"
    assert result.loc["Black", "reference_events"] == 300
    assert result.loc["Black", "reference_population"] == 60_000
    assert "exact conditional" in result.loc["Black", "method"]


def test_zero_events_give_ratio_zero_without_log_interval_but_with_exact_interval() -> None:
    result = by_group(rate_ratios(TABLE, "ethnicity"))
    other = result.loc["Other"]
    assert other["estimate"] == 0.0
    assert math.isnan(other["lower"]) and math.isnan(other["upper"])
    assert other["note"] == "no events in the group, so the log interval is undefined"
    assert other["exact_lower"] == 0.0
    assert 0.0 < other["exact_upper"] < math.inf


def test_exact_interval_columns_match_the_conditional_binomial() -> None:
    from scipy import stats

    result = by_group(rate_ratios(TABLE, "ethnicity"))
    n = 40 + 300
    pi_low = stats.beta.ppf(0.025, 40, n - 40 + 1)
    pi_high = stats.beta.ppf(0.975, 41, n - 40)
    scale = 60_000 / 20_000
    assert result.loc["Asian", "exact_lower"] == pytest.approx(pi_low / (1 - pi_low) * scale)
    assert result.loc["Asian", "exact_upper"] == pytest.approx(pi_high / (1 - pi_high) * scale)


def test_risk_ratio_form_uses_epitools_wald_interval() -> None:
    result = by_group(rate_ratios(TABLE, "ethnicity", form="risk"))
    assert set(result["form"]) == {"binomial risk ratio"}
    assert "exact_lower" not in result.columns
    ratio = (200 / 10_000) / (300 / 60_000)
    spread = math.exp(Z95 * math.sqrt(1 / 200 - 1 / 10_000 + 1 / 300 - 1 / 60_000))
    assert result.loc["Black", "estimate"] == pytest.approx(ratio)
    assert result.loc["Black", "lower"] == pytest.approx(ratio / spread, rel=1e-12)
    assert result.loc["Black", "upper"] == pytest.approx(ratio * spread, rel=1e-12)
    assert "epitools" in result.loc["Black", "method"]


def test_odds_ratio_form_uses_woolf_interval() -> None:
    result = by_group(rate_ratios(TABLE, "ethnicity", form="odds"))
    assert set(result["form"]) == {"odds ratio"}
    a, b, c, d = 200, 9_800, 300, 59_700
    ratio = (a * d) / (b * c)
    spread = math.exp(Z95 * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d))
    assert result.loc["Black", "estimate"] == pytest.approx(ratio)
    assert result.loc["Black", "lower"] == pytest.approx(ratio / spread, rel=1e-12)
    assert result.loc["Black", "method"] == "odds ratio, Woolf log 95% CI"


def test_chosen_reference_group_is_used_and_named() -> None:
    result = by_group(rate_ratios(TABLE, "ethnicity", reference="Asian"))
    assert set(result["reference_group"]) == {"Asian"}
    assert result.loc["Black", "estimate"] == pytest.approx(10.0)
    assert result.loc["Asian", "estimate"] == 1.0


def test_reference_for_several_grouping_columns() -> None:
    table = pd.DataFrame(
        {
            "eth": ["Black", "Black", "White", "White"],
            "sex": ["F", "M", "F", "M"],
            "events": [20, 180, 30, 270],
            "population": [5_000, 5_000, 30_000, 30_000],
        }
    )
    for reference in ({"eth": "White", "sex": "M"}, ("White", "M"), "White / M"):
        result = by_group(rate_ratios(table, ["eth", "sex"], reference=reference))
        assert set(result["reference_group"]) == {"White / M"}
        assert result.loc["Black / M", "estimate"] == pytest.approx(4.0)
        assert result.loc["Black / F", "eth"] == "Black"


def test_absent_reference_group_is_named_in_the_error() -> None:
    with pytest.raises(StatsInputError, match=r"Reference group 'Mixed' is not in the data"):
        rate_ratios(TABLE, "ethnicity", reference="Mixed")


def test_reference_group_without_events_is_named_in_the_error() -> None:
    with pytest.raises(StatsInputError, match=r"Reference group 'Other' has no events"):
        rate_ratios(TABLE, "ethnicity", reference="Other")


def test_binomial_forms_refuse_more_events_than_people() -> None:
    table = pd.DataFrame(
        {"la": ["Westminster", "Brent"], "events": [900, 100], "population": [800, 10_000]}
    )
    with pytest.raises(StatsInputError, match="'Westminster' has more events than people"):
        rate_ratios(table, "la", form="risk")
    # The Poisson form allows it: one person can be searched many times.
    assert rate_ratios(table, "la")["estimate"].iloc[0] == pytest.approx(112.5)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (TABLE.drop(columns="population"), "no column 'population'"),
        (TABLE.assign(events=[1, -2, 3, 4]), "negative"),
        (TABLE.assign(events=[1.5, 2, 3, 4]), "whole numbers"),
        (TABLE.assign(events=[1, None, 3, 4]), "missing"),
        (TABLE.assign(events=["1", "2", "3", "4"]), "numbers"),
        (TABLE.iloc[0:0], "empty"),
    ],
)
def test_bad_tables_are_refused_with_a_useful_message(table: pd.DataFrame, message: str) -> None:
    with pytest.raises(StatsInputError, match=message):
        rates(table, "ethnicity")


def test_unknown_form_is_refused() -> None:
    with pytest.raises(StatsInputError, match="Unknown ratio form"):
        rate_ratios(TABLE, "ethnicity", form="relative")  # type: ignore[arg-type]


def test_collapse_keeps_missing_group_values_as_their_own_group() -> None:
    table = pd.DataFrame({"eth": ["Black", None, None], "events": [1, 2, 3]})
    result = collapse(table, "eth", ["events"])
    assert result["events"].tolist() == [1, 5]


def test_default_reference_ties_go_to_the_first_group() -> None:
    table = pd.DataFrame({"eth": ["A", "B"], "population": [10, 10]})
    assert find_reference(table, "eth", None, "population") == 0


def test_population_of_zero_gives_nan_rate_with_reason() -> None:
    table = pd.DataFrame({"eth": ["A", "B"], "events": [0, 3], "population": [0, 100]})
    result = rates(table, "eth")
    assert np.isnan(result["estimate"].iloc[0])
    assert result["note"].iloc[0] == "population is zero, so no rate"
    assert result["note"].iloc[1] == ""
