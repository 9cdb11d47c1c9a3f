"""Plain-language sentences for headline results."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from accord.stats import (
    TOO_SMALL,
    describe_outlier,
    describe_proportion,
    describe_rate,
    describe_ratio,
    describe_trend,
    intersectional_rates,
    rate_ratios,
)
from accord.stats.sentences import format_number


def ratio_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "group": "Black",
        "reference_group": "White",
        "form": "poisson rate ratio",
        "is_reference": False,
        "estimate": 4.1,
        "lower": 3.9,
        "upper": 4.3,
        "conf_level": 0.95,
        "suppressed": False,
        "note": "",
    }
    return row | changes


def test_headline_ratio_sentence() -> None:
    assert describe_ratio(ratio_row()) == (
        "Black people were searched at 4.1 times the rate of White people (95% CI 3.9 to 4.3)."
    )


def test_ratio_below_one() -> None:
    row = ratio_row(group="Asian", estimate=0.6, lower=0.52, upper=0.71)
    assert describe_ratio(row) == (
        "Asian people were searched at 0.6 times the rate of White people (95% CI 0.5 to 0.7)."
    )


@pytest.mark.parametrize(
    ("estimate", "lower", "upper", "said"),
    [
        # London, officer-defined: to one decimal these read "1.0 (1.0 to 1.0)" and
        # "0.9 (0.9 to 1.0)", as if the same rate, or a difference that may be chance.
        # 0.9961 is "1.00" to two decimals, so the first takes three.
        (0.9808, 0.9658, 0.9961, "0.981 times the rate of White people (95% CI 0.966 to 0.996)"),
        (0.9513, 0.9292, 0.9740, "0.95 times the rate of White people (95% CI 0.93 to 0.97)"),
        (3.0303, 2.9946, 3.0664, "3.0 times the rate of White people (95% CI 3.0 to 3.1)"),
        (1.02, 0.96, 1.09, "1.02 times the rate of White people (95% CI 0.96 to 1.09)"),
    ],
)
def test_ratios_near_one_get_the_decimals_they_need(
    estimate: float, lower: float, upper: float, said: str
) -> None:
    row = ratio_row(group="Asian", estimate=estimate, lower=lower, upper=upper)
    assert said in describe_ratio(row)


def test_verbs_nouns_and_level_are_parameters() -> None:
    row = ratio_row(conf_level=0.9)
    sentence = describe_ratio(row, group_noun="women", event_verb="stopped", digits=2)
    assert sentence == (
        "Black women were stopped at 4.10 times the rate of White women (90% CI 3.90 to 4.30)."
    )


@pytest.mark.parametrize("flag", ["suppressed", "below_min_cell_size"])
def test_hidden_rows_say_too_small_and_nothing_else(flag: str) -> None:
    row = ratio_row(**{flag: True})
    assert describe_ratio(row) == "The number is too small to publish."
    assert describe_rate(row) == TOO_SMALL
    assert describe_proportion(row) == TOO_SMALL
    assert describe_trend(row) == TOO_SMALL
    assert describe_outlier(row) == TOO_SMALL


def test_blanked_intersectional_row_never_leaks_a_number() -> None:
    table = pd.DataFrame(
        {"eth": ["A", "B"], "sex": ["F", "F"], "events": [3, 50], "population": [900, 7_000]}
    )
    rows = intersectional_rates(table, ["eth", "sex"])
    sentence = describe_rate(rows.iloc[0])
    assert sentence == TOO_SMALL
    assert not re.search(r"\d", sentence)


def test_missing_bounds_are_explained() -> None:
    row = ratio_row(lower=math.nan, upper=math.nan, note="the interval needs more data")
    assert describe_ratio(row) == (
        "Black people were searched at 4.1 times the rate of White people. "
        "No confidence interval can be given: the interval needs more data."
    )


def test_zero_and_undefined_ratios() -> None:
    zero = ratio_row(group="Chinese", estimate=0.0, lower=math.nan, upper=math.nan)
    assert describe_ratio(zero) == "No Chinese people were searched, so the ratio is zero."
    undefined = ratio_row(estimate=math.nan, note="a population is zero, so no rate ratio")
    assert describe_ratio(undefined) == (
        "The ratio for Black people cannot be calculated: a population is zero, so no rate ratio."
    )


def test_infinite_exact_upper_bound() -> None:
    row = ratio_row(exact_lower=1.23, exact_upper=math.inf)
    sentence = describe_ratio(row, lower="exact_lower", upper="exact_upper")
    assert sentence.endswith("(95% CI 1.2 or more).")


def test_reference_and_other_forms() -> None:
    assert describe_ratio(ratio_row(is_reference=True)) == (
        "White people are the group the others are compared with."
    )
    assert describe_ratio(ratio_row(form="binomial risk ratio")) == (
        "Black people were 4.1 times as likely to be searched as White people (95% CI 3.9 to 4.3)."
    )
    assert describe_ratio(ratio_row(form="odds ratio")) == (
        "The odds of Black people being searched were 4.1 times the odds for White people "
        "(95% CI 3.9 to 4.3)."
    )


def test_sentence_from_a_real_result_row() -> None:
    table = pd.DataFrame(
        {"eth": ["Black", "White"], "events": [200, 300], "population": [10_000, 60_000]}
    )
    row = rate_ratios(table, "eth").iloc[0]
    assert describe_ratio(row) == (
        "Black people were searched at 4.0 times the rate of White people (95% CI 3.3 to 4.8)."
    )


def test_rate_and_proportion_sentences() -> None:
    rate = {"group": "Black", "estimate": 24.04, "lower": 21.1, "upper": 27.26, "per": 1000.0}
    assert describe_rate(rate | {"conf_level": 0.95}) == (
        "Black people were searched at a rate of 24.0 per 1,000 people (95% CI 21.1 to 27.3)."
    )
    share = {"group": "White", "estimate": 0.15, "lower": 0.1186, "upper": 0.1879}
    assert describe_proportion(share | {"conf_level": 0.95}, outcome="ended in arrest") == (
        "For White people, 15.0% of searches ended in arrest (95% CI 11.9% to 18.8%)."
    )


def test_trend_sentences() -> None:
    rising = {"group": "all", "estimate": 12.7, "lower": 5.56, "upper": 20.35, "conf_level": 0.95}
    assert describe_trend(rising) == (
        "Searches rose by 12.7% a year (95% CI from a rise of 5.6% to a rise of 20.4% a year)."
    )
    level = {"group": "Black", "estimate": 0.01, "lower": -2.0, "upper": 2.0, "conf_level": 0.95}
    assert describe_trend(level, event_noun="stops") == (
        "For Black people, stops stayed about level "
        "(95% CI from a fall of 2.0% to a rise of 2.0% a year)."
    )
    missing = {"group": "all", "estimate": math.nan, "note": "fewer than three periods"}
    expected = "No trend can be given for searches: fewer than three periods."
    assert describe_trend(missing) == expected


def test_outlier_sentences() -> None:
    assert describe_outlier({"group": "Westminster", "outlier": "above 99.8%"}).startswith(
        "Westminster is above the 99.8% control limit"
    )
    assert describe_outlier({"group": "Brent", "outlier": ""}, unit_noun="borough") == (
        "Brent is within the 99.8% control limits for boroughs of its size."
    )


def test_number_formatting() -> None:
    assert format_number(4.14) == "4.1"
    assert format_number(0.042) == "0.042"
    assert format_number(1234.56) == "1,234.6"
    assert format_number(0) == "0"
