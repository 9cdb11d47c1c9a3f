"""The assessment as a PDF: its sections, the attached analysis's charts and tables."""

from __future__ import annotations

import io
from html import escape

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from accord.eia import services
from accord.eia.models import Assessment
from accord.eia.vocabularies import AssessmentStatus
from accord.monitoring.services import start_analysis
from tests.monitoring.data import PARAMS, import_london
from tests.plan.factories import people

pytestmark = pytest.mark.django_db


def test_the_pdf_holds_the_sections_the_charts_their_tables_and_the_ratings() -> None:
    who = people()
    events, population = import_london(who.analyst)
    run = start_analysis(None, who.analyst, events, population, dict(PARAMS))
    initiative = services.create_initiative(
        None,
        title="Stop and search in three boroughs",
        description="Searches.",
        kind="existing",
        boroughs=["Lambeth"],
        by=who.analyst,
    )
    draft = services.start_assessment(None, initiative, by=who.analyst)
    services.attach_analysis(None, draft, run, by=who.analyst)
    services.save_sections(None, draft, aims="Searches only with lawful grounds.", by=who.analyst)
    services.rate_impact(
        None,
        draft,
        group="race",
        impact="negative",
        reasoning="Disparity shown.",
        response="Supervisor review of every search.",
        by=who.analyst,
    )
    Assessment.objects.filter(pk=draft.pk).update(status=AssessmentStatus.PUBLISHED)

    response = Client().get(reverse("public_assessment_pdf", args=[draft.uid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Equality impact assessment: Stop and search in three boroughs" in text
    assert "Searches only with lawful grounds." in text
    assert "Significant disparities" in text and "Black" in text
    assert "How many times the White rate" in text  # a chart's own title, drawn in the PDF
    assert "Compared with White people" in text  # its data table's caption
    assert "Supervisor review of every search." in text
    assert "Sexual orientation" in text and "Immigration status" in text
    assert len(pdf.pages) >= 3
    _assert_caveats_in(text, run.result["notes"])
    # Figures are drawn as vector graphics: the chart pages carry drawing operators.
    assert any(b" re" in page.get_contents().get_data() for page in pdf.pages)
    assert who.analyst.display_name not in text


def test_the_page_and_the_public_page_show_the_charts_and_their_tables() -> None:
    who = people()
    events, population = import_london(who.analyst)
    run = start_analysis(None, who.analyst, events, population, dict(PARAMS))
    initiative = services.create_initiative(
        None, title="Searches", description="Searches.", kind="existing", by=who.analyst
    )
    draft = services.start_assessment(None, initiative, by=who.analyst)
    services.attach_analysis(None, draft, run, by=who.analyst)
    client = Client()
    client.force_login(who.partner, backend="allauth.account.auth_backends.AuthenticationBackend")
    page = client.get(reverse("assessment_detail", args=[draft.uid])).content.decode()
    assert page.count('<svg role="img"') == 5
    assert "Compared with White people: the numbers" in page
    Assessment.objects.filter(pk=draft.pk).update(status=AssessmentStatus.PUBLISHED)
    public = Client().get(reverse("public_assessment", args=[draft.uid])).content.decode()
    assert public.count('<svg role="img"') == 5
    for html in (page, public):
        _assert_caveats_in(" ".join(html.split()), run.result["notes"])


def _assert_caveats_in(text: str, notes: list[str]) -> None:
    """EIA.md: every figure with its caveats (denominators, recording, missing ethnicity)."""
    assert any("residential population" in note for note in notes)
    assert "Read these numbers with care" in text
    for note in notes:
        assert " ".join(escape(note).split()) in text or " ".join(note.split()) in text, note
