"""accord.stats: disproportionality statistics, as a plain library.

No Django here (a test enforces it): the web app, the command line and
notebooks all call the same functions. Aggregation happens in a database
engine; what arrives here is a small pandas table, one row per cell, with
grouping columns and whole-number counts. Every measure returns a tidy
table with ``estimate``, ``lower``, ``upper``, ``method`` (the exact method
in words), ``n`` (the count the estimate rests on) and ``suppressed``, so
no number travels without its interval, its method and its disclosure flag.

Methods and references: ``docs/STATISTICS.md``.

Example:
    >>> import pandas as pd
    >>> import accord.stats as st
    >>> table = pd.DataFrame(
    ...     {"eth": ["Black", "White"], "events": [200, 300], "population": [10_000, 60_000]}
    ... )
    >>> row = st.rate_ratios(table, "eth").iloc[0]
    >>> st.describe_ratio(row)
    'Black people were searched at 4.0 times the rate of White people (95% CI 3.3 to 4.8).'
"""

from __future__ import annotations

# api (data layer: files and tables in, suppressed measures out)
from accord.stats import api
from accord.stats.api import Disclosure, Population, tabulate

# before_after
from accord.stats.before_after import BeforeAfter, before_after

# change_funnel
from accord.stats.change_funnel import change_funnel

# errors
from accord.stats.errors import StatsInputError

# frames
from accord.stats.frames import GROUP_SEPARATOR, collapse, group_labels

# funnel
from accord.stats.funnel import (
    FUNNEL_LEVELS,
    exact_funnel_limit,
    funnel,
    funnel_limits,
    winsorised_dispersion,
)

# gap_before_after
from accord.stats.gap_before_after import GapBeforeAfter, gap_before_after

# inputs
from accord.stats.inputs import open_duckdb, read

# intersections
from accord.stats.intersections import (
    apply_min_cell_size,
    intersectional_rate_ratios,
    intersectional_rates,
)

# intervals
from accord.stats.intervals import (
    Interval,
    odds_ratio_woolf,
    poisson_exact_ci,
    poisson_rate_ci,
    proportion_ci,
    proportion_difference_newcombe,
    rate_ratio_exact,
    rate_ratio_katz,
    risk_ratio_katz,
)

# multiplicity
from accord.stats.multiplicity import (
    add_adjusted_p_values,
    adjust_p_values,
    benjamini_hochberg,
    holm,
)

# proportions
from accord.stats.proportions import proportion_differences, proportion_ratios, proportions

# rates
from accord.stats.rates import counts, rates

# ratios
from accord.stats.ratios import rate_ratios

# rri
from accord.stats.rri import relative_rate_index

# sentences
from accord.stats.sentences import (
    TOO_SMALL,
    describe_outlier,
    describe_proportion,
    describe_rate,
    describe_ratio,
    describe_trend,
)

# significance
from accord.stats.significance import exact_test_r_by_2, independence_test, pairwise_tests

# suppression
from accord.stats.suppression import suppress, suppress_measures, suppress_wide

# trend
from accord.stats.trend import fit_poisson_glm, poisson_trend

__all__ = [
    "FUNNEL_LEVELS",
    "GROUP_SEPARATOR",
    "TOO_SMALL",
    "BeforeAfter",
    "Disclosure",
    "GapBeforeAfter",
    "Interval",
    "Population",
    "StatsInputError",
    "add_adjusted_p_values",
    "adjust_p_values",
    "api",
    "apply_min_cell_size",
    "before_after",
    "benjamini_hochberg",
    "change_funnel",
    "collapse",
    "counts",
    "describe_outlier",
    "describe_proportion",
    "describe_rate",
    "describe_ratio",
    "describe_trend",
    "exact_funnel_limit",
    "exact_test_r_by_2",
    "fit_poisson_glm",
    "funnel",
    "funnel_limits",
    "gap_before_after",
    "group_labels",
    "holm",
    "independence_test",
    "intersectional_rate_ratios",
    "intersectional_rates",
    "odds_ratio_woolf",
    "open_duckdb",
    "pairwise_tests",
    "poisson_exact_ci",
    "poisson_rate_ci",
    "poisson_trend",
    "proportion_ci",
    "proportion_difference_newcombe",
    "proportion_differences",
    "proportion_ratios",
    "proportions",
    "rate_ratio_exact",
    "rate_ratio_katz",
    "rate_ratios",
    "rates",
    "read",
    "relative_rate_index",
    "risk_ratio_katz",
    "suppress",
    "suppress_measures",
    "suppress_wide",
    "tabulate",
    "winsorised_dispersion",
]
