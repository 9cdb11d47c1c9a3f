"""An assessment as a PDF: the same sections as the page, each attached analysis drawn from
the same Vega-Lite specs as the analysis page, each chart with its alt text and its data
table. WeasyPrint may fetch nothing (no files, no network)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from accord.eia.models import Assessment
from accord.eia.services import REVIEW_SECTIONS
from accord.eia.vocabularies import PROTECTED, Group
from accord.reports.charts import render_svg
from accord.reports.pdf import html_to_pdf


def analyses(assessment: Assessment) -> list[dict[str, Any]]:
    from accord.monitoring.presentation import sections
    from accord.monitoring.services import frames

    found = []
    for attached in assessment.analyses.select_related("run"):
        run = attached.run
        parts = []
        for section in sections(frames(run), run.parameters):
            parts.append(
                {
                    "section": section,
                    "svg": render_svg(section.spec) if section.spec else "",
                    "alt": str((section.spec or {}).get("description", "")),
                }
            )
        # The caveats travel with the figures (EIA.md: denominators, recording practice,
        # missing ethnicity), on the public page and in the PDF as on the analysis page.
        notes = list(run.result.get("notes", [])) if run.result else []
        found.append({"attached": attached, "parts": parts, "notes": notes})
    return found


def context(assessment: Assessment) -> dict[str, Any]:
    ratings = {r.group: r for r in assessment.impacts.all()}
    return {
        "assessment": assessment,
        "initiative": assessment.initiative,
        "groups": [
            {"label": label, "protected": key in PROTECTED, "rating": ratings.get(key)}
            for key, label in Group.choices
        ],
        "analyses": analyses(assessment),
        "comments": assessment.review_comments.select_related("organisation"),
        "sections": REVIEW_SECTIONS,
        "actions": assessment.actions.select_related("milestone", "milestone__commitment"),
        "approvals": assessment.approvals.count(),
        "generated_on": timezone.localdate(),
    }


def assessment_pdf(assessment: Assessment) -> bytes:
    html = render_to_string("eia/assessment_pdf.html", context(assessment))
    return html_to_pdf(html)
