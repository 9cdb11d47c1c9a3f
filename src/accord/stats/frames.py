"""Checking and shaping the small aggregated tables the measures work on.

Every measure takes a pandas DataFrame with one row per cell: the grouping
columns (say ``officer_defined_ethnicity``) and whole-number count columns
whose names the caller gives. These helpers check that contract once, sum
rows that share a group, label groups for people to read and find the
reference group, so the measures themselves stay short.

Example:
    >>> import pandas as pd
    >>> table = pd.DataFrame({"ethnicity": ["Black", "White", "Black"], "events": [3, 5, 4]})
    >>> collapse(table, ["ethnicity"], ["events"]).to_dict("list")
    {'ethnicity': ['Black', 'White'], 'events': [7, 5]}
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from accord.stats.errors import StatsInputError

__all__ = [
    "GROUP_SEPARATOR",
    "By",
    "Reference",
    "as_by",
    "collapse",
    "find_reference",
    "group_labels",
    "tidy",
]

#: Joins the values of several grouping columns into one label, e.g. "Black / Female".
GROUP_SEPARATOR = " / "

type By = str | Sequence[str]
#: A reference group: a value (one grouping column), a tuple of values in the
#: order of ``by``, a mapping from column to value, or a label such as "Black / Female".
type Reference = Hashable | Mapping[str, Any] | None


def as_by(by: By) -> list[str]:
    """Normalise the grouping columns to a list, refusing an empty one.

    Example:
        >>> as_by("la_name"), as_by(["ethnicity", "sex"])
        (['la_name'], ['ethnicity', 'sex'])
    """
    columns = [by] if isinstance(by, str) else list(by)
    if not columns:
        raise StatsInputError("Give at least one grouping column (for example 'ethnicity').")
    if len(set(columns)) != len(columns):
        raise StatsInputError(f"The grouping columns {columns} repeat a column.")
    return columns


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        present = ", ".join(map(str, frame.columns))
        raise StatsInputError(
            f"The table has no column {', '.join(map(repr, missing))}. Columns present: {present}."
        )


def _check_counts(frame: pd.DataFrame, columns: Sequence[str], whole: Sequence[str]) -> None:
    for column in columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            raise StatsInputError(f"Column {column!r} must hold numbers.")
        if values.isna().any():
            raise StatsInputError(
                f"Column {column!r} has missing values; fill them in or drop those rows."
            )
        array = values.to_numpy(dtype=np.float64)
        if not np.isfinite(array).all():
            raise StatsInputError(f"Column {column!r} has infinite values.")
        if (array < 0).any():
            raise StatsInputError(
                f"Column {column!r} has negative values; counts cannot be negative."
            )
        if column in whole and (array != np.floor(array)).any():
            raise StatsInputError(f"Column {column!r} must hold whole numbers; it has fractions.")


def collapse(
    frame: pd.DataFrame,
    by: By,
    values: Sequence[str],
    *,
    whole: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Check the count columns and sum rows that share a group.

    Rows are summed within each group, in the order groups first appear, so
    a table by ethnicity and month can be read by ethnicity alone. Summing
    must make sense for the columns: events add up, but a population summed
    over months is person-months, so divide or choose the columns with care.
    ``whole`` names the columns that must hold whole numbers (all by default).
    Missing grouping values are kept as their own group, not dropped.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"sex": ["F", "M"], "events": [1, 2]})
        >>> collapse(table, "sex", ["events"])["events"].tolist()
        [1, 2]
    """
    columns = as_by(by)
    if not isinstance(frame, pd.DataFrame):
        raise StatsInputError("Pass the table as a pandas DataFrame.")
    _require(frame, [*columns, *values])
    clash = set(columns) & set(values)
    if clash:
        raise StatsInputError(f"Column {sorted(clash)[0]!r} cannot be both a group and a count.")
    if frame.empty:
        raise StatsInputError("The table is empty; there is nothing to measure.")
    _check_counts(frame, values, list(values) if whole is None else whole)
    grouped = frame.groupby(columns, sort=False, dropna=False, observed=True)[list(values)].sum()
    return grouped.reset_index()


def group_labels(frame: pd.DataFrame, by: By) -> pd.Series:
    """A readable label per row: the grouping values joined by " / ".

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"ethnicity": ["Black"], "sex": ["Female"]})
        >>> group_labels(table, ["ethnicity", "sex"]).tolist()
        ['Black / Female']
    """
    columns = as_by(by)
    parts = [frame[column].astype(str) for column in columns]
    label = parts[0]
    for part in parts[1:]:
        label = label + GROUP_SEPARATOR + part
    return label.rename("group")


def _reference_label(reference: Reference, columns: Sequence[str]) -> str:
    if isinstance(reference, Mapping):
        unknown = [key for key in reference if key not in columns]
        missing = [column for column in columns if column not in reference]
        if unknown or missing:
            raise StatsInputError(
                f"The reference group must give a value for each grouping column {list(columns)}."
            )
        return GROUP_SEPARATOR.join(str(reference[column]) for column in columns)
    if isinstance(reference, tuple):
        if len(reference) != len(columns):
            raise StatsInputError(
                f"The reference group {reference!r} must give one value for each grouping "
                f"column {list(columns)}."
            )
        return GROUP_SEPARATOR.join(str(value) for value in reference)
    return str(reference)


def find_reference(
    frame: pd.DataFrame,
    by: By,
    reference: Reference,
    size_column: str,
) -> int:
    """Position of the reference group's row in a collapsed table.

    With no reference given, the group with the largest ``size_column`` (the
    population, or the trials) is used, because the biggest group gives the
    most precise comparison; ties go to the group listed first.

    Example:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"eth": ["Black", "White"], "population": [10, 90]})
        >>> find_reference(table, "eth", None, "population")
        1
        >>> find_reference(table, "eth", "Black", "population")
        0
    """
    columns = as_by(by)
    if reference is None:
        return int(np.argmax(frame[size_column].to_numpy(dtype=np.float64)))
    label = _reference_label(reference, columns)
    matches = np.flatnonzero((group_labels(frame, columns) == label).to_numpy())
    if matches.size == 0:
        present = ", ".join(repr(value) for value in group_labels(frame, columns))
        raise StatsInputError(
            f"Reference group {label!r} is not in the data. Groups present: {present}."
        )
    return int(matches[0])


def tidy(groups: pd.DataFrame, by: By, columns: Mapping[str, Any]) -> pd.DataFrame:
    """Assemble a measure's result: grouping columns, ``group``, then ``columns``.

    ``n`` becomes a nullable integer (so a later step can blank it) and
    ``suppressed`` is False unless given: disclosure control is a later,
    separate step that sets it.

    Example:
        >>> import pandas as pd
        >>> groups = pd.DataFrame({"sex": ["F"]})
        >>> list(tidy(groups, "sex", {"estimate": [1.0], "n": [3]}).columns)
        ['sex', 'group', 'estimate', 'n', 'suppressed']
    """
    keys = as_by(by)
    base = groups[keys].reset_index(drop=True)
    # One frame built at once: adding a dozen columns one by one costs more than the
    # measures' arithmetic on a table of a few hundred cells.
    data: dict[str, Any] = {key: base[key] for key in keys}
    data["group"] = group_labels(base, keys)
    data.update(columns)
    data.setdefault("suppressed", False)
    result = pd.DataFrame(data, index=base.index)
    if "n" in result.columns:
        result["n"] = result["n"].astype("Int64")
    result["suppressed"] = result["suppressed"].astype(bool)
    return result
