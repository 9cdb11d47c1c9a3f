"""Measures for intersectional groups, with a minimum cell size.

Crossing ethnicity with sex and age band shows disparities that a single
breakdown hides, but the cells get small fast: a rate resting on three
events is mostly noise, and publishing it can identify people. Any
combination of grouping columns can be given; cells whose count is below
``min_cell_size`` are flagged in ``below_min_cell_size`` and their numbers
blanked (NaN or missing) with the reason in ``note``. They are never shown
raw: counts and everything a count could be worked back from (rates,
proportions, bounds) are blanked together.

This is an analytical floor, separate from disclosure control, which the
suppression module applies to published tables afterwards.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame(
    ...     {
    ...         "eth": ["Black", "Black", "White", "White"],
    ...         "sex": ["Female", "Male", "Female", "Male"],
    ...         "events": [4, 120, 60, 240],
    ...         "population": [5_000, 5_000, 30_000, 30_000],
    ...     }
    ... )
    >>> result = intersectional_rates(table, ["eth", "sex"])
    >>> result[["group", "below_min_cell_size", "estimate"]].values.tolist()[:2]
    [['Black / Female', True, nan], ['Black / Male', False, 24.0]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from accord.stats.errors import StatsInputError
from accord.stats.frames import Reference
from accord.stats.rates import rates
from accord.stats.ratios import RatioForm, rate_ratios

__all__ = [
    "BLANKED_COLUMNS",
    "apply_min_cell_size",
    "intersectional_rate_ratios",
    "intersectional_rates",
]

#: Columns blanked in a small cell when present: the counts themselves and
#: everything from which a count could be worked back.
BLANKED_COLUMNS = (
    "events",
    "successes",
    "count",
    "n",
    "estimate",
    "lower",
    "upper",
    "exact_lower",
    "exact_upper",
    "rate",
    "proportion",
    "statistic",
    "p_value",
    "p_adjusted",
)


def _check_size(min_cell_size: int) -> int:
    if isinstance(min_cell_size, bool) or int(min_cell_size) != min_cell_size or min_cell_size < 1:
        raise StatsInputError(
            f"The minimum cell size must be a whole number of at least 1; got {min_cell_size!r}."
        )
    return int(min_cell_size)


def apply_min_cell_size(
    result: pd.DataFrame,
    min_cell_size: int = 10,
    *,
    count_column: str = "n",
) -> pd.DataFrame:
    """Flag rows whose ``count_column`` is below ``min_cell_size`` and blank their numbers.

    Works on the result of any measure. Adds ``below_min_cell_size``;
    blanks the columns in :data:`BLANKED_COLUMNS` that are present (counts
    become missing, measures NaN) and puts the reason in ``note``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"n": [3, 12], "estimate": [0.5, 0.7], "note": ["", ""]})
        >>> apply_min_cell_size(table)["estimate"].tolist()
        [nan, 0.7]
    """
    size = _check_size(min_cell_size)
    if count_column not in result.columns:
        raise StatsInputError(f"The result has no count column {count_column!r}.")
    flagged = pd.to_numeric(result[count_column]).fillna(0).to_numpy(dtype=np.float64) < size
    output = result.copy()
    output["below_min_cell_size"] = flagged
    for column in BLANKED_COLUMNS:
        if column not in output.columns:
            continue
        if pd.api.types.is_integer_dtype(output[column]):
            output[column] = output[column].astype("Int64")
            output.loc[flagged, column] = pd.NA
        else:
            output[column] = output[column].astype(np.float64)
            output.loc[flagged, column] = np.nan
    reason = f"fewer than {size} in this cell, so its numbers are not shown"
    if "note" in output.columns:
        output["note"] = np.where(flagged, reason, output["note"].astype(object))
    else:
        output["note"] = np.where(flagged, reason, "")
    return output


def intersectional_rates(
    frame: pd.DataFrame,
    by: Sequence[str],
    *,
    events: str = "events",
    population: str = "population",
    min_cell_size: int = 10,
    per: float = 1000.0,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Rates for every combination of ``by`` columns, small cells blanked.

    Columns as :func:`accord.stats.rates.rates`, plus ``below_min_cell_size``.
    A cell is small when its events are fewer than ``min_cell_size``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame(
        ...     {"eth": ["A"], "sex": ["F"], "events": [12], "population": [1_000]}
        ... )
        >>> intersectional_rates(table, ["eth", "sex"])["estimate"].tolist()
        [12.0]
    """
    size = _check_size(min_cell_size)
    result = rates(
        frame, list(by), events=events, population=population, per=per, conf_level=conf_level
    )
    return apply_min_cell_size(result, size)


def intersectional_rate_ratios(
    frame: pd.DataFrame,
    by: Sequence[str],
    *,
    events: str = "events",
    population: str = "population",
    reference: Reference = None,
    form: RatioForm = "poisson",
    min_cell_size: int = 10,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Rate ratios for every combination of ``by`` columns, small cells blanked.

    The reference cell (default: the largest population) must itself have
    at least ``min_cell_size`` events, or :class:`StatsInputError` is raised
    naming it: a ratio against a tiny reference would be noise. Columns as
    :func:`accord.stats.ratios.rate_ratios`, plus ``below_min_cell_size``.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame(
        ...     {
        ...         "eth": ["Black", "White"],
        ...         "sex": ["Male", "Male"],
        ...         "events": [120, 240],
        ...         "population": [5_000, 30_000],
        ...     }
        ... )
        >>> intersectional_rate_ratios(table, ["eth", "sex"])["estimate"].tolist()
        [3.0, 1.0]
    """
    size = _check_size(min_cell_size)
    result = rate_ratios(
        frame,
        list(by),
        events=events,
        population=population,
        reference=reference,
        form=form,
        conf_level=conf_level,
    )
    reference_events = int(result["reference_events"].iloc[0])
    if reference_events < size:
        raise StatsInputError(
            f"Reference group {result['reference_group'].iloc[0]!r} has fewer than {size} "
            "events, too few to compare with. Choose a larger reference group."
        )
    return apply_min_cell_size(result, size)
