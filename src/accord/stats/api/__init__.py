"""The high-level API: from files or tables to published, suppressed measures.

Each function takes the raw events (one row per stop, search, report, ...) as a file
path, a data frame or an ibis table, counts them inside the engine (DuckDB by
default; PySpark or PostgreSQL with ``backend=``), computes the measure with its
interval, and applies disclosure control before returning a tidy pandas frame. Every
row carries ``estimate``, ``lower``, ``upper``, ``method``, ``n`` and ``suppressed``.

Words used throughout:

* ``group``: the column(s) being compared, e.g. ``"officer_defined_ethnicity"``, or
  ``["ethnicity", "sex"]`` for intersectional groups;
* ``by``: strata the comparison is repeated in, e.g. ``"la_name"`` for every borough
  (``None`` for the whole data);
* ``where``: a filter on the events (``{"outcome": "Arrest"}`` or
  ``ibis._.type == "Person search"``).

Notes about the data (events left out for a missing group, the residential
population caveat) are in ``result.attrs["notes"]``.

The public names are the ones below; the modules of this package hold them by kind of
measure (``rate_measures``: rates and ratios; ``proportion_measures``; ``funnels``;
``trends``; ``stages``: the relative rate index; ``tables``: count tables) and share
``loading`` (inputs and counting), ``disclosure`` and ``strata``. ``reuse_counts`` is a
block within which measures that count the same cells of files that cannot change (as
Accord's datasets) count them once.

Example:
    >>> import pandas as pd
    >>> stops = pd.DataFrame({"eth": ["Black"] * 30 + ["White"] * 45})
    >>> people = pd.DataFrame({"eth": ["Black", "White"], "population": [1_000, 9_000]})
    >>> result = ratios(stops, people, group="eth", reference="White")
    >>> result[["group", "estimate", "suppressed"]].values.tolist()
    [['Black', 6.0, False], ['White', 1.0, False]]
"""

from __future__ import annotations

from accord.stats.aggregate import reuse_counts
from accord.stats.api.before_after import before_after
from accord.stats.api.disclosure import Disclosure
from accord.stats.api.funnels import funnel
from accord.stats.api.gap_before_after import gap_before_after
from accord.stats.api.loading import RESIDENTIAL_CAVEAT, Population
from accord.stats.api.proportion_measures import proportions
from accord.stats.api.rate_measures import rates, ratios
from accord.stats.api.stages import rri
from accord.stats.api.tables import tabulate
from accord.stats.api.trends import trend

__all__ = [
    "RESIDENTIAL_CAVEAT",
    "Disclosure",
    "Population",
    "before_after",
    "funnel",
    "gap_before_after",
    "proportions",
    "rates",
    "ratios",
    "reuse_counts",
    "rri",
    "tabulate",
    "trend",
]
