"""The quarterly report: what was promised, by whom, what happened, what partners say.

One HTML template is rendered for the PDF (WeasyPrint, which may fetch nothing), with the
status-over-time chart drawn from the same Vega-Lite spec as on the page, and a data table
beside it. Only published commitments are in it; organisations are named, people are not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from accord.plan import services
from accord.plan.exports import commitments_of
from accord.plan.models import Plan
from accord.plan.vocabularies import Status
from accord.reports.charts import render_svg, status_chart
from accord.reports.pdf import html_to_pdf

STATUS_COLOURS = {
    Status.NOT_STARTED: "#b1b4b6",
    Status.ON_TRACK: "#1d70b8",
    Status.BEHIND: "#f47738",
    Status.COMPLETE: "#00703c",
    Status.DROPPED: "#d4351c",
}
QUARTERS_SHOWN = 6


class ReportError(ValueError):
    pass


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        if self.number == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.number + 1, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.number}"

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )


def quarter_of(day: dt.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def checked_quarter(year: int, number: int, today: dt.date) -> Quarter:
    if number not in {1, 2, 3, 4} or not 2000 <= year <= 2100:
        raise ReportError("There is no such quarter: give a year and a quarter from 1 to 4.")
    quarter = Quarter(year, number)
    if quarter.start > today:
        raise ReportError(f"{quarter.label} has not started yet.")
    return quarter


def status_on(updates: list[Any], day: dt.date) -> str:
    """The status the latest update on or before ``day`` gave (not started before any)."""
    dated = [u for u in updates if u.on <= day]
    return max(dated, key=lambda u: (u.on, u.created_at)).status if dated else Status.NOT_STARTED


def ratings_as_of(commitment: Any, day: dt.date) -> list[Any]:
    """Each partner organisation's latest rating made on or before ``day``."""
    return services.current_ratings(commitment, before=day + dt.timedelta(days=1))


def status_history(plan: Plan, last: Quarter) -> list[dict[str, Any]]:
    """For each of the last quarters, how many published commitments stood at each status."""
    quarters = [last]
    while len(quarters) < QUARTERS_SHOWN:
        quarters.insert(0, quarters[0].previous())
    commitments = commitments_of(plan, public=True)
    updates = {c.pk: list(c.updates.all()) for c in commitments}
    ranks = {status: rank for rank, status in enumerate(STATUS_COLOURS)}
    rows = []
    for quarter in quarters:
        counts = dict.fromkeys(STATUS_COLOURS, 0)
        for commitment in commitments:
            counts[Status(status_on(updates[commitment.pk], quarter.end))] += 1
        rows += [
            {"period": quarter.label, "status": status.label, "count": n, "rank": ranks[status]}
            for status, n in counts.items()
        ]
    return rows


def chart(plan: Plan, quarter: Quarter) -> tuple[str, list[dict[str, Any]]]:
    rows = status_history(plan, quarter)
    spec = status_chart(
        rows,
        title="Commitments by police-reported status at the end of each quarter",
        description=f"Stacked bars: for each of the {QUARTERS_SHOWN} quarters up to "
        f"{quarter.label}, the number of published commitments at each status.",
        order=[s.label for s in STATUS_COLOURS],
        colours=list(STATUS_COLOURS.values()),
    )
    return render_svg(spec), rows


def chart_context(plan: Plan, quarter: Quarter) -> dict[str, Any]:
    """The chart and the same figures as a table, for the page and for the PDF."""
    svg, rows = chart(plan, quarter)
    periods = list(dict.fromkeys(row["period"] for row in rows))
    table = [
        {"period": p, "counts": [r["count"] for r in rows if r["period"] == p]} for p in periods
    ]
    return {
        "chart_svg": svg,
        "chart_table": table,
        "status_labels": [s.label for s in STATUS_COLOURS],
    }


def report_context(plan: Plan, quarter: Quarter) -> dict[str, Any]:
    items = []
    for commitment in commitments_of(plan, public=True):
        ratings = ratings_as_of(commitment, quarter.end)
        status = Status(status_on(list(commitment.updates.all()), quarter.end))
        items.append(
            {
                "commitment": commitment,
                "status_label": status.label,
                "updates": [
                    u for u in commitment.updates.all() if quarter.start <= u.on <= quarter.end
                ],
                "milestones": [m for m in commitment.milestones.all() if m.due_on <= quarter.end],
                "ratings": ratings,
                "contested": any(r.status != status for r in ratings),
                "status": status,
                "comments": [
                    c
                    for c in commitment.comments.all()
                    if quarter.start <= timezone.localdate(c.created_at) <= quarter.end
                ],
            }
        )
    return {
        "plan": plan,
        "quarter": quarter,
        "items": items,
        **chart_context(plan, quarter),
        "contested_count": sum(1 for item in items if item["contested"]),
        "generated_on": timezone.localdate(),
    }


def report_pdf(plan: Plan, quarter: Quarter) -> bytes:
    html = render_to_string("plan/report_pdf.html", report_context(plan, quarter))
    return html_to_pdf(html)
