"""Tests of whether an outcome is independent of group.

For example: is the share of searches leading to arrest the same for every
ethnic group? The table is groups x (outcome, no outcome), built from
``successes`` and ``trials`` columns.

* Pearson chi-square (no continuity correction) or the G-test (likelihood
  ratio) when every expected count is at least ``min_expected`` (5 by
  default, the usual rule).
* Otherwise, unless told not to, an exact test instead: Fisher's exact test
  for two groups; for more groups the Fisher-Freeman-Halton test, by full
  enumeration of the tables with the same margins, or, if there are too
  many tables to list, by a Monte Carlo sample of them with a fixed seed.
  Both two-sided p-values count tables no more probable than the one seen
  (to a relative tolerance of 1e-7, as R's ``fisher.test`` and SciPy do).

Every result says which test was used and why.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {"eth": ["Black", "White"], "successes": [30, 60], "trials": [100, 400]}
    ... )
    >>> result = independence_test(table, "eth")
    >>> result["test"].iloc[0], round(float(result["p_value"].iloc[0]), 5)
    ('Pearson chi-square', 0.00048)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from accord.stats.errors import StatsInputError
from accord.stats.frames import By, Reference, as_by, collapse, find_reference, group_labels, tidy
from accord.stats.multiplicity import ADJUSTMENT_NAMES, Adjustment, adjust_p_values

__all__ = [
    "TestMethod",
    "exact_test_r_by_2",
    "independence_test",
    "pairwise_tests",
]

TestMethod = Literal["pearson", "g-test", "exact"]

_TEST_NAMES = {"pearson": "Pearson chi-square", "g-test": "G-test (likelihood ratio)"}
#: Tables to enumerate before switching to Monte Carlo (memory stays well under 1 GB).
_ENUMERATION_LIMIT = 2_000_000
_RELATIVE_TOLERANCE = 1e-7


def _log_choose(n: npt.ArrayLike, k: npt.ArrayLike) -> npt.NDArray[np.float64]:
    n_ = np.asarray(n, dtype=np.float64)
    k_ = np.asarray(k, dtype=np.float64)
    return np.asarray(
        special.gammaln(n_ + 1) - special.gammaln(k_ + 1) - special.gammaln(n_ - k_ + 1),
        dtype=np.float64,
    )


def exact_test_r_by_2(
    successes: npt.ArrayLike,
    trials: npt.ArrayLike,
    *,
    monte_carlo_tables: int = 100_000,
    seed: int = 20_240_601,
) -> tuple[float, str]:
    """Exact test of independence for a groups x 2 table, and how it was done.

    Conditional on the margins, a table's probability is the multivariate
    hypergeometric product of C(n_i, x_i) over C(N, X). The two-sided
    p-value sums the probabilities of the tables no more probable than the
    one observed. With two groups this is Fisher's exact test.

    Returns the p-value and a description: "enumerated", or "Monte Carlo"
    with the number of tables and the seed when there were too many tables
    to list.

    Example:
        >>> p, how = exact_test_r_by_2([1, 9], [10, 12])
        >>> round(p, 6), how
        (0.003691, 'enumerated')
    """
    x = np.asarray(successes, dtype=np.int64)
    n = np.asarray(trials, dtype=np.int64)
    total = int(x.sum())
    log_observed = float(_log_choose(n, x).sum())
    threshold = log_observed + np.log1p(_RELATIVE_TOLERANCE)
    log_all = float(_log_choose(int(n.sum()), total))
    # Capacity of the rows after each one, to prune partial tables that cannot reach the total.
    capacity_after = np.concatenate([np.cumsum(n[::-1])[::-1][1:], [0]])
    sums = np.zeros(1, dtype=np.int64)
    weights = np.zeros(1)
    for row, size in enumerate(n):
        choices = np.arange(min(int(size), total) + 1)
        if sums.size * choices.size > _ENUMERATION_LIMIT:
            rng = np.random.default_rng(seed)
            tables = rng.multivariate_hypergeometric(n, total, size=monte_carlo_tables)
            log_tables = _log_choose(n[np.newaxis, :], tables).sum(axis=1)
            extreme = int(np.count_nonzero(log_tables <= threshold))
            p_value = (extreme + 1) / (monte_carlo_tables + 1)
            return p_value, f"Monte Carlo ({monte_carlo_tables:,} tables, seed {seed})"
        new_sums = (sums[:, np.newaxis] + choices[np.newaxis, :]).ravel()
        new_weights = (weights[:, np.newaxis] + _log_choose(size, choices)[np.newaxis, :]).ravel()
        keep = (new_sums <= total) & (new_sums + capacity_after[row] >= total)
        sums, weights = new_sums[keep], new_weights[keep]
    probabilities = np.exp(weights[weights <= threshold] - log_all)
    return float(min(1.0, probabilities.sum())), "enumerated"


def _table(x: npt.NDArray[np.float64], n: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.column_stack([x, n - x])


def _run(
    x: npt.NDArray[np.float64],
    n: npt.NDArray[np.float64],
    method: TestMethod,
    exact_when_sparse: bool,
    min_expected: float,
) -> dict[str, object]:
    """One test on the table of rows (x, n - x); a dict of result columns."""
    if method not in ("pearson", "g-test", "exact"):
        raise StatsInputError(f"Unknown test {method!r}; use 'pearson', 'g-test' or 'exact'.")
    observed = _table(x, n)
    groups = len(x)
    total = observed.sum()
    column_totals = observed.sum(axis=0)
    if groups < 2 or total == 0 or (column_totals == 0).any():
        return {
            "test": "none",
            "statistic": np.nan,
            "dof": np.nan,
            "p_value": np.nan,
            "min_expected": np.nan,
            "note": "every group has the same outcome, or fewer than two groups have data, "
            "so there is nothing to test",
        }
    expected = np.outer(observed.sum(axis=1), column_totals) / total
    smallest = float(expected.min())
    note = ""
    use_exact = method == "exact"
    if not use_exact and smallest < min_expected:
        if exact_when_sparse:
            use_exact = True
            note = (
                f"an expected count is below {min_expected:g} (smallest {smallest:.2g}), so an "
                f"exact test was used instead of the {_TEST_NAMES[method]}"
            )
        else:
            note = (
                f"an expected count is below {min_expected:g} (smallest {smallest:.2g}), so the "
                "chi-square approximation may be poor"
            )
    if use_exact:
        p_value, how = exact_test_r_by_2(x, n)
        name = "Fisher exact" if groups == 2 else "Fisher-Freeman-Halton exact"
        if how != "enumerated":
            name = f"{name}, {how}"
        return {
            "test": name,
            "statistic": np.nan,
            "dof": np.nan,
            "p_value": p_value,
            "min_expected": smallest,
            "note": note,
        }
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "pearson":
            statistic = float((((observed - expected) ** 2) / expected).sum())
        else:
            terms = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
            statistic = float(2.0 * terms.sum())
    dof = groups - 1
    return {
        "test": _TEST_NAMES[method],
        "statistic": statistic,
        "dof": float(dof),
        "p_value": float(stats.chi2.sf(statistic, dof)),
        "min_expected": smallest,
        "note": note,
    }


def _collapsed(
    frame: pd.DataFrame, keys: list[str], successes: str, trials: str
) -> tuple[pd.DataFrame, pd.Series]:
    groups = collapse(frame, keys, [successes, trials])
    labels = group_labels(groups, keys)
    over = np.flatnonzero(groups[successes].to_numpy() > groups[trials].to_numpy())
    if over.size:
        raise StatsInputError(
            f"Group {str(labels.iloc[over[0]])!r} has more {successes!r} than {trials!r}."
        )
    return groups, labels


def independence_test(
    frame: pd.DataFrame,
    by: By,
    *,
    successes: str = "successes",
    trials: str = "trials",
    method: TestMethod = "pearson",
    exact_when_sparse: bool = True,
    min_expected: float = 5.0,
) -> pd.DataFrame:
    """One test of whether the outcome share differs across the groups.

    Groups with no trials are left out (they add nothing to the table). With
    ``exact_when_sparse`` (the default) a chi-square or G-test request falls
    back to the exact test when an expected count is below ``min_expected``,
    and ``note`` says so.

    Returns one row: ``grouping`` (the grouping columns), ``groups`` (how many
    entered the test), ``test`` (which test was used), ``statistic``
    (chi-square or G; NaN for exact tests), ``dof``, ``p_value``,
    ``min_expected``, ``estimate`` (the statistic again), ``lower`` and
    ``upper`` (NaN: a test has no interval), ``method``, ``n`` (total
    trials), ``suppressed`` and ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"eth": ["A", "B"], "successes": [1, 9], "trials": [10, 12]})
        >>> independence_test(table, "eth")["test"].iloc[0]
        'Fisher exact'
    """
    keys = as_by(by)
    groups, _ = _collapsed(frame, keys, successes, trials)
    used = groups[groups[trials] > 0]
    x = used[successes].to_numpy(dtype=np.float64)
    n = used[trials].to_numpy(dtype=np.float64)
    result = _run(x, n, method, exact_when_sparse, min_expected)
    test = str(result["test"])
    return pd.DataFrame(
        {
            "grouping": [", ".join(keys)],
            "groups": [len(used)],
            "test": [test],
            "statistic": [result["statistic"]],
            "dof": [result["dof"]],
            "p_value": [result["p_value"]],
            "min_expected": [result["min_expected"]],
            "estimate": [result["statistic"]],
            "lower": [np.nan],
            "upper": [np.nan],
            "method": [f"test of independence of {successes} among {trials} across groups: {test}"],
            "n": pd.array([int(n.sum())], dtype="Int64"),
            "suppressed": [False],
            "note": [result["note"]],
        }
    )


def pairwise_tests(
    frame: pd.DataFrame,
    by: By,
    *,
    successes: str = "successes",
    trials: str = "trials",
    reference: Reference = None,
    method: TestMethod = "pearson",
    exact_when_sparse: bool = True,
    min_expected: float = 5.0,
    adjustment: Adjustment | None = "holm",
) -> pd.DataFrame:
    """Test each group against the reference group, with adjusted p-values.

    Each comparison is a 2x2 test (chi-square, G or exact, as in
    :func:`independence_test`). All comparisons in the call form one family
    for ``adjustment``: ``"holm"`` (default), ``"bh"``, or None.

    Returns one row per group other than the reference: the grouping
    columns, ``group``, ``reference_group``, ``proportion``,
    ``reference_proportion``, ``test``, ``statistic``, ``dof``, ``p_value``,
    ``p_adjusted``, ``adjustment``, ``min_expected``, ``estimate`` (the
    statistic), ``lower``, ``upper`` (NaN), ``method``, ``n`` (the group's
    trials), ``suppressed`` and ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame(
        ...     {"eth": ["A", "B", "C"], "successes": [30, 60, 14], "trials": [100, 400, 100]}
        ... )
        >>> pairwise_tests(table, "eth", adjustment="bh")["group"].tolist()
        ['A', 'C']
    """
    keys = as_by(by)
    groups, labels = _collapsed(frame, keys, successes, trials)
    ref = find_reference(groups, keys, reference, trials)
    ref_label = str(labels.iloc[ref])
    x = groups[successes].to_numpy(dtype=np.float64)
    n = groups[trials].to_numpy(dtype=np.float64)
    if n[ref] == 0:
        raise StatsInputError(f"Reference group {ref_label!r} has no {trials!r} to compare with.")
    others = [i for i in range(len(groups)) if i != ref]
    if not others:
        raise StatsInputError("There is only one group, so there is nothing to compare.")
    rows = [_run(x[[i, ref]], n[[i, ref]], method, exact_when_sparse, min_expected) for i in others]
    p_values = np.array([row["p_value"] for row in rows], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n > 0, x / n, np.nan)
    subset = groups.iloc[others].reset_index(drop=True)
    return tidy(
        subset,
        keys,
        {
            "reference_group": ref_label,
            "proportion": share[others],
            "reference_proportion": share[ref],
            "test": [row["test"] for row in rows],
            "statistic": [row["statistic"] for row in rows],
            "dof": [row["dof"] for row in rows],
            "p_value": p_values,
            "p_adjusted": p_values if adjustment is None else adjust_p_values(p_values, adjustment),
            "adjustment": "none" if adjustment is None else ADJUSTMENT_NAMES[adjustment],
            "min_expected": [row["min_expected"] for row in rows],
            "estimate": [row["statistic"] for row in rows],
            "lower": np.nan,
            "upper": np.nan,
            "method": [
                f"{successes} among {trials} compared with {ref_label}: {row['test']}"
                for row in rows
            ],
            "n": n[others].astype(np.int64),
            "suppressed": False,
            "note": [row["note"] for row in rows],
        },
    )
