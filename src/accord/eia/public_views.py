"""Published equality impact assessments: no sign-in, organisations named, people not."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accord.eia import published, report
from accord.eia.models import Assessment
from accord.eia.services import REVIEW_SECTIONS
from accord.eia.vocabularies import PROTECTED, AssessmentStatus, Group
from accord.policy.views import public


@public
@require_safe
def public_register(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "eia/public_register.html",
        {"entries": published.register(timezone.localdate())},
    )


@public
@require_safe
def public_assessment(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    assessment = get_object_or_404(
        Assessment.objects.select_related("initiative", "initiative__owner"),
        uid=uid,
        status=AssessmentStatus.PUBLISHED,
    )
    ratings = {r.group: r for r in assessment.impacts.all()}
    groups = [
        {"key": k, "label": label, "protected": k in PROTECTED, "rating": ratings.get(k)}
        for k, label in Group.choices
    ]
    return render(
        request,
        "eia/public_assessment.html",
        {
            "assessment": assessment,
            "newer": published.newer_version(assessment),
            "initiative": assessment.initiative,
            "groups": groups,
            "analyses": report.analyses(assessment),
            "comments": assessment.review_comments.select_related("organisation"),
            "sections": REVIEW_SECTIONS,
            "commitments": assessment.initiative.commitments.filter(
                published=True, plan__published=True
            ).select_related("plan"),
        },
    )


@public
@require_safe
def public_assessment_pdf(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    from accord.eia.views import pdf_response

    assessment = get_object_or_404(
        Assessment.objects.select_related("initiative", "initiative__owner"),
        uid=uid,
        status=AssessmentStatus.PUBLISHED,
    )
    return pdf_response(assessment)
