"""A received release's tables as CSV files (the pages use ``accord.releases.presentation``).

Hidden figures are empty cells and a last column says why, so the figures stay numbers in a
spreadsheet and nobody has to know what "primary" means.
"""

from __future__ import annotations

import io
from typing import Any

from accord.datasets.export import Cell, write_csv
from accord.monitoring.models import ReceivedRelease
from accord.releases.presentation import hidden_reason, measures, slugs


def table_csv(release: ReceivedRelease, slug: str) -> str | None:
    """One table as CSV (cells made safe for spreadsheets), or None if there is no such table."""
    content = release.content
    tables: list[dict[str, Any]] = content["tables"]
    threshold = int(content["threshold"])
    for candidate, table in zip(slugs(tables), tables, strict=True):
        if candidate != slug:
            continue
        columns: list[str] = table["columns"]
        value: str = table["value"]
        extra = measures(table)
        rows: list[list[Cell]] = []
        for row in table["rows"]:
            flag = str(row.get("flag", ""))
            cells: list[Cell] = [str(row[c]) for c in columns]
            cells += [row.get(name) for name in [value, *extra]]
            cells.append(hidden_reason(flag, threshold) if row.get(value) is None else "")
            rows.append(cells)
        buffer = io.StringIO()
        write_csv(buffer, [*columns, value, *extra, "hidden_because"], rows)
        return buffer.getvalue()
    return None
