"""How a release's tables read on a page: headings, figures, and hidden cells in words.

Shared by both sides of the door, the supervisors checking a draft and the partners (and
the public) reading what arrived, so that both see the same table in the same words. Like
``accord.releases.file`` it imports nothing from the casework zone and nothing from Django,
and takes the release's content (a plain dict), never a model.

Hidden cells carry no figure, only the reason in words: a reader who sees a blank cannot tell
a hidden count from a missing one. Only the columns the release declares are shown, so an
unexpected member of a row never reaches a page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SECONDARY_REASON = "to protect another hidden figure"
#: Headings for the columns Accord's releases use; any other column is spelled out.
HEADINGS = {
    "quarter": "Quarter",
    "came_by": "How they came to us",
    "connection": "Police connection",
    "stage": "Stage",
    "rating": "Rating",
    "change": "At the end of support",
    "age_band": "Age",
    "sex": "Sex",
    "gender_same_as_birth": "Gender the same as sex registered at birth",
    "sexual_orientation": "Sexual orientation",
    "ethnic_group": "Ethnic group",
    "religion": "Religion",
    "disability": "Disability or long-term condition",
    "immigration_status": "Immigration status",
    "no_recourse_to_public_funds": "No recourse to public funds",
    "median_days": "Median (days)",
    "lower_quartile_days": "Lower quartile (days)",
    "upper_quartile_days": "Upper quartile (days)",
}
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_UNIT_SUFFIX = "_days"


def hidden_reason(flag: str, threshold: int) -> str:
    """Why a cell is hidden, as the page and the CSV say it."""
    return f"fewer than {threshold}" if flag == "primary" else SECONDARY_REASON


def label(name: str) -> str:
    """``came_by`` -> "How they came to us"; an unknown ``wait_days`` -> "Wait (days)"."""
    if name in HEADINGS:
        return HEADINGS[name]
    unit = ""
    if name.endswith(_UNIT_SUFFIX) and len(name) > len(_UNIT_SUFFIX):
        name, unit = name.removesuffix(_UNIT_SUFFIX), " (days)"
    words = name.replace("_", " ").strip()
    return (words[:1].upper() + words[1:] + unit) or name


@dataclass(frozen=True)
class ShownCell:
    text: str
    hidden_because: str = ""
    numeric: bool = False


@dataclass(frozen=True)
class ShownTable:
    slug: str
    title: str
    note: str
    label_headers: list[str]
    figure_headers: list[str]
    #: Each row: the label cells (the first is the row's header), then the figures.
    rows: list[tuple[list[str], list[ShownCell]]]
    has_hidden: bool
    #: The table as an inline SVG chart, drawn on the partnership side
    #: (``accord.monitoring.release_charts``); empty where there is none.
    chart: str = ""


def _number(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def slugs(tables: list[dict[str, Any]]) -> list[str]:
    """URL-safe, unique names: the table's id when it is one, else its position."""
    found: list[str] = []
    for number, table in enumerate(tables, start=1):
        slug = str(table.get("id", ""))
        if not _SLUG.fullmatch(slug) or slug in found:
            slug = f"table-{number}"
        found.append(slug)
    return found


def measures(table: Mapping[str, Any]) -> list[str]:
    return list(table.get("measures", [])) if table.get("kind") == "measures" else []


def _figure(value: Any, flag: str, threshold: int, *, hidden_row: bool) -> ShownCell:
    if value is not None:
        return ShownCell(_number(value), numeric=True)
    if hidden_row:
        return ShownCell("hidden", hidden_reason(flag, threshold), numeric=True)
    return ShownCell("not available", numeric=True)


def shown_tables(content: Mapping[str, Any]) -> list[ShownTable]:
    """Every table of a release, ready for an HTML table with row and column headers."""
    tables: list[dict[str, Any]] = content["tables"]
    threshold = int(content["threshold"])
    shown: list[ShownTable] = []
    for slug, table in zip(slugs(tables), tables, strict=True):
        columns: list[str] = table["columns"]
        value: str = table["value"]
        extra = measures(table)
        rows: list[tuple[list[str], list[ShownCell]]] = []
        for row in table["rows"]:
            flag = str(row.get("flag", ""))
            hidden_row = row.get(value) is None
            figures = [
                _figure(row.get(name), flag, threshold, hidden_row=hidden_row)
                for name in [value, *extra]
            ]
            rows.append(([str(row[c]) for c in columns], figures))
        shown.append(
            ShownTable(
                slug=slug,
                title=str(table["title"]),
                note=str(table.get("note") or ""),
                label_headers=[label(c) for c in columns],
                figure_headers=[label(c) for c in [value, *extra]],
                rows=rows,
                has_hidden=any(cell.hidden_because for _, cells in rows for cell in cells),
            )
        )
    return shown


def page_context(content: Mapping[str, Any]) -> dict[str, object]:
    """What the shared ``releases/_tables.html`` needs."""
    tables = shown_tables(content)
    threshold = int(content["threshold"])
    return {
        "method": str(content.get("method", "")),
        "tables": tables,
        "threshold": threshold,
        "any_hidden": any(table.has_hidden for table in tables),
        "primary_reason": hidden_reason("primary", threshold),
        "secondary_reason": hidden_reason("secondary", threshold),
    }
