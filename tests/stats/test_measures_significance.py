"""Tests of independence, exact fallbacks, and multiplicity control."""

from __future__ import annotations

import gc
import itertools
import math
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

import accord.stats.significance as significance
from accord.stats import (
    StatsInputError,
    add_adjusted_p_values,
    adjust_p_values,
    benjamini_hochberg,
    exact_test_r_by_2,
    holm,
    independence_test,
    pairwise_tests,
)

LARGE = pd.DataFrame(
    {
        "eth": ["Asian", "Black", "Mixed", "White"],
        "successes": [40, 90, 25, 160],
        "trials": [300, 500, 150, 1_400],
    }
)


def as_table(frame: pd.DataFrame) -> np.ndarray:
    x = frame["successes"].to_numpy()
    return np.column_stack([x, frame["trials"].to_numpy() - x])


def test_pearson_chi_square_matches_scipy() -> None:
    result = independence_test(LARGE, "eth").iloc[0]
    expected = stats.chi2_contingency(as_table(LARGE), correction=False)
    assert result["test"] == "Pearson chi-square"
    assert result["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert result["dof"] == 3
    assert result["groups"] == 4
    assert result["n"] == 2_350
    assert result["note"] == ""
    assert result["min_expected"] == pytest.approx(expected.expected_freq.min())


def test_g_test_matches_scipy_log_likelihood() -> None:
    result = independence_test(LARGE, "eth", method="g-test").iloc[0]
    expected = stats.chi2_contingency(as_table(LARGE), correction=False, lambda_="log-likelihood")
    assert result["test"] == "G-test (likelihood ratio)"
    assert result["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_sparse_two_by_two_falls_back_to_fisher_and_says_why() -> None:
    table = pd.DataFrame({"eth": ["A", "B"], "successes": [1, 9], "trials": [10, 12]})
    result = independence_test(table, "eth").iloc[0]
    assert result["test"] == "Fisher exact"
    assert math.isnan(result["statistic"])
    expected = stats.fisher_exact([[1, 9], [9, 3]])
    assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert "exact test was used instead of the Pearson chi-square" in result["note"]


def test_sparse_table_can_keep_the_chi_square_with_a_warning_note() -> None:
    table = pd.DataFrame({"eth": ["A", "B"], "successes": [1, 9], "trials": [10, 12]})
    result = independence_test(table, "eth", exact_when_sparse=False).iloc[0]
    assert result["test"] == "Pearson chi-square"
    assert "approximation may be poor" in result["note"]


def brute_force_exact(x: list[int], n: list[int]) -> float:
    """Every table with the same margins, listed with itertools: the textbook definition."""
    total = sum(x)
    log_all = special.gammaln(sum(n) + 1) - special.gammaln(total + 1)
    log_all -= special.gammaln(sum(n) - total + 1)

    def log_prob(cells: tuple[int, ...]) -> float:
        return float(
            sum(
                special.gammaln(size + 1)
                - special.gammaln(cell + 1)
                - special.gammaln(size - cell + 1)
                for cell, size in zip(cells, n, strict=True)
            )
            - log_all
        )

    observed = log_prob(tuple(x))
    p = 0.0
    for cells in itertools.product(*(range(size + 1) for size in n)):
        if sum(cells) == total:
            value = log_prob(cells)
            if value <= observed + 1e-7:
                p += math.exp(value)
    return p


@given(
    rows=st.lists(
        st.integers(min_value=1, max_value=7).flatmap(
            lambda size: st.tuples(st.integers(min_value=0, max_value=size), st.just(size))
        ),
        min_size=2,
        max_size=4,
    )
)
def test_exact_test_matches_brute_force_enumeration(rows: list[tuple[int, int]]) -> None:
    x = [row[0] for row in rows]
    n = [row[1] for row in rows]
    p, how = exact_test_r_by_2(x, n)
    assert how == "enumerated"
    assert p == pytest.approx(min(1.0, brute_force_exact(x, n)), abs=1e-9)


@given(a=st.integers(0, 40), b=st.integers(0, 40), c=st.integers(0, 40), d=st.integers(0, 40))
def test_exact_test_on_two_groups_is_fisher(a: int, b: int, c: int, d: int) -> None:
    p, _ = exact_test_r_by_2([a, c], [a + b, c + d])
    assert p == pytest.approx(stats.fisher_exact([[a, b], [c, d]]).pvalue, abs=1e-9)


def test_sparse_many_groups_use_freeman_halton() -> None:
    table = pd.DataFrame({"eth": ["A", "B", "C"], "successes": [0, 3, 4], "trials": [6, 7, 5]})
    result = independence_test(table, "eth").iloc[0]
    assert result["test"] == "Fisher-Freeman-Halton exact"
    assert result["p_value"] == pytest.approx(brute_force_exact([0, 3, 4], [6, 7, 5]), abs=1e-9)


def test_too_many_tables_switch_to_seeded_monte_carlo(monkeypatch: pytest.MonkeyPatch) -> None:
    x, n = [0, 3, 4, 2], [6, 7, 5, 9]
    exact = brute_force_exact(x, n)
    monkeypatch.setattr(significance, "_ENUMERATION_LIMIT", 10)
    p, how = exact_test_r_by_2(x, n, monte_carlo_tables=40_000, seed=7)
    assert how == "Monte Carlo (40,000 tables, seed 7)"
    # Within four Monte Carlo standard errors of the exact value, and reproducible.
    assert abs(p - exact) < 4 * math.sqrt(exact * (1 - exact) / 40_000)
    assert exact_test_r_by_2(x, n, monte_carlo_tables=40_000, seed=7)[0] == p


def test_no_variation_in_outcome_means_nothing_to_test() -> None:
    table = pd.DataFrame({"eth": ["A", "B"], "successes": [0, 0], "trials": [10, 12]})
    result = independence_test(table, "eth").iloc[0]
    assert math.isnan(result["p_value"])
    assert "nothing to test" in result["note"]


def test_pairwise_tests_against_reference_with_holm() -> None:
    result = pairwise_tests(LARGE, "eth").set_index("group")
    assert list(result.index) == ["Asian", "Black", "Mixed"]
    assert set(result["reference_group"]) == {"White"}
    raw = []
    for group in ["Asian", "Black", "Mixed"]:
        pair = LARGE.set_index("eth").loc[[group, "White"]]
        raw.append(stats.chi2_contingency(as_table(pair), correction=False).pvalue)
    assert result["p_value"].tolist() == pytest.approx(raw, rel=1e-9)
    expected = multipletests(raw, method="holm")[1]
    assert result["p_adjusted"].tolist() == pytest.approx(list(expected), rel=1e-12)
    assert set(result["adjustment"]) == {"Holm (family-wise error rate)"}
    assert result.loc["Black", "proportion"] == pytest.approx(0.18)


def test_pairwise_tests_with_benjamini_hochberg_or_none() -> None:
    bh = pairwise_tests(LARGE, "eth", adjustment="bh")
    assert set(bh["adjustment"]) == {"Benjamini-Hochberg (false discovery rate)"}
    none = pairwise_tests(LARGE, "eth", adjustment=None)
    assert (none["p_adjusted"] == none["p_value"]).all()
    assert set(none["adjustment"]) == {"none"}


def test_pairwise_tests_need_another_group() -> None:
    with pytest.raises(StatsInputError, match="only one group"):
        pairwise_tests(LARGE.iloc[:1], "eth")


p_value_lists = st.lists(
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False), min_size=1, max_size=30
)


@given(p=p_value_lists)
def test_holm_matches_statsmodels(p: list[float]) -> None:
    # statsmodels' Holm calls gc.collect() on every call (0.1 s in a full test process);
    # skipping that housekeeping changes nothing in its result.
    with patch.object(gc, "collect", return_value=0):
        expected = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(holm(p), expected, rtol=1e-12, atol=1e-15)


@given(p=p_value_lists)
def test_benjamini_hochberg_matches_statsmodels(p: list[float]) -> None:
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12, atol=1e-15)


def test_missing_p_values_stay_missing_and_do_not_count() -> None:
    adjusted = holm([0.01, float("nan"), 0.02])
    assert math.isnan(adjusted[1])
    assert adjusted[[0, 2]].tolist() == pytest.approx([0.02, 0.02])


def test_adjustment_helpers_and_errors() -> None:
    frame = add_adjusted_p_values(pd.DataFrame({"p_value": [0.01, 0.04, 0.03]}), "holm")
    assert frame["p_adjusted"].tolist() == pytest.approx([0.03, 0.06, 0.06])
    with pytest.raises(StatsInputError, match="Unknown adjustment"):
        adjust_p_values([0.1], "bonferroni")  # type: ignore[arg-type]
    with pytest.raises(StatsInputError, match="between 0 and 1"):
        holm([1.5])
    with pytest.raises(StatsInputError, match="no column 'p'"):
        add_adjusted_p_values(frame, "bh", column="p")
