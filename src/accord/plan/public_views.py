"""The public accountability pages: no sign-in, published plans and commitments only.

What partners said and what the police answered is published with each commitment (by
organisation, never by person); drafts, unpublished commitments and people's names are not.
"""

from __future__ import annotations

import uuid

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accord.eia import published
from accord.plan import report, services
from accord.plan.models import Comment, Commitment, EvidenceFile, Plan
from accord.plan.views import commitment_rows, evidence_response
from accord.policy.views import public


def _published_plan(slug: str) -> Plan:
    return get_object_or_404(Plan.objects.select_related("owner"), slug=slug, published=True)


@public
@require_safe
def public_plan(request: HttpRequest, slug: str) -> HttpResponse:
    plan = _published_plan(slug)
    rows = commitment_rows(plan, public=True)
    changes = (
        Comment.objects.filter(
            commitment__plan=plan, commitment__published=True, response__isnull=False
        )
        .exclude(response__change_made="")
        .select_related("organisation", "commitment", "response")
        .order_by("-response__created_at")
    )
    return render(
        request,
        "plan/public_plan.html",
        {
            "plan": plan,
            "rows": rows,
            "contested_count": sum(1 for row in rows if row["contested"]),
            "changes": changes,
            "quarters": _recent_quarters(),
            **_chart(plan),
        },
    )


def _chart(plan: Plan) -> dict[str, object]:
    """The status-over-time chart and its table, as in the quarterly report."""
    return report.chart_context(plan, report.quarter_of(timezone.localdate()))


def _recent_quarters() -> list[report.Quarter]:
    """This quarter and the three before it, newest first."""
    quarters = [report.quarter_of(timezone.localdate())]
    while len(quarters) < 4:
        quarters.append(quarters[-1].previous())
    return quarters


@public
@require_safe
def public_commitment(request: HttpRequest, slug: str, uid: uuid.UUID) -> HttpResponse:
    plan = _published_plan(slug)
    commitment = get_object_or_404(
        Commitment.objects.select_related("plan", "theme").prefetch_related(Prefetch("co_owners")),
        plan=plan,
        uid=uid,
        published=True,
    )
    today = timezone.localdate()
    return render(
        request,
        "plan/public_commitment.html",
        {
            "plan": plan,
            "commitment": commitment,
            "co_owners": commitment.co_owners.all(),
            "milestones": commitment.milestones.all(),
            "measures": commitment.measures.select_related("dataset"),
            "sub_actions": commitment.actions.all(),
            "overdue": services.overdue_milestones(commitment, today),
            "updates": commitment.updates.prefetch_related("files"),
            "ratings": services.current_ratings(commitment),
            "contested": services.is_contested(commitment),
            "comments": commitment.comments.select_related("organisation", "response"),
            "assessments": published.for_commitment(commitment),
            "public": True,
        },
    )


@public
@require_safe
def public_evidence(
    request: HttpRequest, slug: str, uid: uuid.UUID, file: uuid.UUID
) -> HttpResponse:
    plan = _published_plan(slug)
    found = get_object_or_404(
        EvidenceFile,
        update__commitment__plan=plan,
        update__commitment__uid=uid,
        update__commitment__published=True,
        uid=file,
    )
    return evidence_response(found)
