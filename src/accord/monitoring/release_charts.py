"""Charts of a received release's tables, beside the tables themselves.

Drawn here, on the partnership side, from the figures the release carries and nothing
else: a hidden figure has no bar and says "hidden", and the total rows are left out of the
picture (the table shows them), since a bar for the total would dwarf the rest. Tables of
measures (days in a stage) stay tables: their figures are not counts to compare as bars.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from accord.releases.presentation import ShownTable, label, slugs
from accord.reports.charts import SERIES, Spec, bar_chart, render_svg

TOTAL = "Total"
#: How many hidden figures the alt text names before "and N more".
HIDDEN_NAMED = 5


def chart_spec(table: dict[str, Any]) -> Spec | None:
    """A bar chart of one counts table with one or two label columns, else None.

    No chart where one could not be read truthfully: repeated column names or label rows
    (which bar is which?), more series than the palette tells apart, or every figure
    hidden (a frame of "hidden" says less than the table does).
    """
    columns: list[str] = table["columns"]
    if table.get("kind") != "counts" or not 1 <= len(columns) <= 2:
        return None
    value: str = table["value"]
    if len({*columns, value}) != len(columns) + 1:
        return None
    rows = [
        {**{c: str(row[c]) for c in columns}, value: row.get(value)}
        for row in table["rows"]
        if all(str(row[c]) != TOTAL for c in columns)
    ]
    keys = [tuple(row[c] for c in columns) for row in rows]
    if not rows or len(set(keys)) != len(keys):
        return None
    series = columns[1] if len(columns) == 2 else None
    if series and len({row[series] for row in rows}) > len(SERIES):
        return None
    hidden = [
        " ".join(key) if series is None else f"{key[0]} ({key[1]})"
        for key, row in zip(keys, rows, strict=True)
        if row[value] is None
    ]
    if len(hidden) == len(rows):
        return None
    frame = pd.DataFrame(rows, columns=[*columns, value])
    title = str(table["title"])
    by = f" by {label(columns[0]).lower()}" + (f" and {label(series).lower()}" if series else "")
    return bar_chart(
        frame,
        category=columns[0],
        value=value,
        series=series,
        title=title,
        value_title=label(value).lower(),
        description=f"Bar chart: {title}: {label(value).lower()}{by}{_hidden_words(hidden)}",
    )


def _hidden_words(hidden: list[str]) -> str:
    """What the alt text says of hidden figures: which ones, or nothing when none are."""
    if not hidden:
        return ""
    named = ", ".join(hidden[:HIDDEN_NAMED])
    rest = len(hidden) - HIDDEN_NAMED
    more = f" and {rest} more" if rest > 0 else ""
    return f"; hidden to protect small numbers, so no bar: {named}{more}"


def with_charts(context: dict[str, object], content: dict[str, Any]) -> dict[str, object]:
    """``context`` (from ``page_context``) with each table's chart drawn in."""
    charts: dict[str, str] = {}
    for slug, table in zip(slugs(content["tables"]), content["tables"], strict=True):
        spec = chart_spec(table)
        if spec is not None:
            charts[slug] = render_svg(spec)
    tables: list[ShownTable] = context["tables"]  # type: ignore[assignment]
    return {**context, "tables": [replace(t, chart=charts.get(t.slug, "")) for t in tables]}
