"""A plan as CSV and JSON: what was promised, by whom, what happened, what partners say.

The CSV has one row per commitment in the columns the importer reads (``imports.COLUMNS``),
followed by read-only columns (status, progress, partners' views); the importer ignores
those, so an exported file can be edited and imported back. Every text cell is made safe
for spreadsheets (``accord.datasets.export``). Organisations are named; people are not.
"""

from __future__ import annotations

import io
from typing import Any

from accord.datasets.export import write_csv
from accord.plan import services
from accord.plan.models import Commitment, Plan

EDITABLE = (
    "number",
    "parent",
    "theme_number",
    "theme_title",
    "title",
    "statement",
    "lead_title",
    "co_owners",
    "source_quote",
    "source_reference",
    "published",
)
READ_ONLY = (
    "status",
    "progress_percent",
    "status_date",
    "contested",
    "partner_views",
    "milestones_overdue",
    "comments",
    "comments_answered",
)
SEPARATOR = "; "


def commitments_of(plan: Plan, *, public: bool) -> list[Commitment]:
    found = plan.commitments.select_related("theme", "parent").prefetch_related(
        "co_owners", "milestones", "ratings__organisation", "comments__response"
    )
    if public:
        found = found.filter(published=True)
    return list(found)


def _record(commitment: Commitment, today: Any) -> dict[str, Any]:
    ratings = services.current_ratings(commitment)
    comments = list(commitment.comments.all())
    return {
        "number": commitment.number,
        "parent": commitment.parent.number if commitment.parent else "",
        "theme_number": commitment.theme.number if commitment.theme else "",
        "theme_title": commitment.theme.title if commitment.theme else "",
        "title": commitment.title,
        "statement": commitment.statement,
        "lead_title": commitment.lead_title,
        "co_owners": [o.name for o in commitment.co_owners.all()],
        "source_quote": commitment.source_quote,
        "source_reference": commitment.source_reference,
        "published": commitment.published,
        "status": commitment.status,
        "progress_percent": commitment.progress,
        "status_date": commitment.status_on.isoformat() if commitment.status_on else None,
        "contested": any(r.status != commitment.status for r in ratings),
        "partner_views": [
            {
                "organisation": r.organisation.name,
                "status": r.status,
                "verifiability": r.verifiability,
                "relevance": r.relevance,
                "impact": r.impact,
                "completion": r.completion,
                "rated_on": r.created_at.date().isoformat(),
            }
            for r in ratings
        ],
        "milestones_overdue": len(services.overdue_milestones(commitment, today)),
        "comments": len(comments),
        "comments_answered": sum(1 for c in comments if hasattr(c, "response")),
    }


def plan_records(plan: Plan, today: Any, *, public: bool) -> list[dict[str, Any]]:
    return [_record(c, today) for c in commitments_of(plan, public=public)]


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return SEPARATOR.join(f"{v['organisation']}: {v['status']}" for v in value)
    if isinstance(value, list):
        return SEPARATOR.join(value)
    return value


def plan_csv(plan: Plan, today: Any, *, public: bool) -> str:
    handle = io.StringIO()
    header = (*EDITABLE, *READ_ONLY)
    rows = (
        [_cell(record[name]) for name in header]
        for record in plan_records(plan, today, public=public)
    )
    write_csv(handle, header, rows)
    return handle.getvalue()


def plan_json(plan: Plan, today: Any, *, public: bool) -> dict[str, Any]:
    return {
        "plan": {
            "title": plan.title,
            "owner": plan.owner.name,
            "version": plan.version,
            "status": plan.status,
            "source_title": plan.source_title,
            "source_url": plan.source_url,
            "source_date": plan.source_date.isoformat() if plan.source_date else None,
        },
        "as_of": today.isoformat(),
        "commitments": plan_records(plan, today, public=public),
    }
