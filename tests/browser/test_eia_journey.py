"""An equality impact assessment from draft through partner review and two sign-offs to
publication, in Chromium with axe on every page; the published PDF is read back.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.browsing import AccordServer, Browse
from tests.browser.partnership import LondonData, show_analysis

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}


def _shot(browse: Browse, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browse.page.screenshot(path=SCREENSHOTS / f"eia-{name}-1280.png", full_page=True)


def _rate(browse: Browse, group: str, impact: str, reasoning: str, response: str = "") -> None:
    page = browse.page
    browse.submit(page.get_by_role("link", name=f"Rate the impact on {group.lower()}", exact=True))
    page.get_by_label(impact, exact=True).check()
    page.get_by_label("Evidence and reasoning").fill(reasoning)
    if response:
        page.get_by_label("Mitigation or justification").fill(response)
    browse.submit(page.get_by_role("button", name="Save"))
    browse.no_errors()


def test_an_assessment_goes_from_draft_to_publication(
    accord_server: AccordServer, browse: Browse, partner_london_data: LondonData, tmp_path: Path
) -> None:
    page = browse.page
    page.set_viewport_size(DESKTOP)
    analyst = accord_server.take_like("analyst")

    # 1. The analyst runs the analysis, registers the initiative and drafts the assessment.
    browse.sign_in(analyst)
    browse.goto("/analysis/")
    show_analysis(browse, partner_london_data)
    browse.goto("/eia/")
    browse.submit(page.get_by_role("button", name="Add an initiative"))
    page.get_by_label("Name of the initiative").fill("Stop and search: supervisor review")
    page.get_by_label("What it does").fill("Every search is reviewed by a supervisor.")
    page.get_by_label("Already running").check()
    page.get_by_label("Lead (post, not name)").fill("Commander, Frontline Policing")
    browse.submit(page.get_by_role("button", name="Add to the register"))
    browse.no_errors()
    browse.submit(page.get_by_role("button", name="Start an assessment"))
    assessment_path = browse.path
    assert re.fullmatch(r"/eia/assessments/[0-9a-f-]+/", assessment_path), browse.where()

    browse.submit(page.get_by_role("button", name="Attach an analysis"))
    page.locator("input[name=run]").first.check()
    browse.submit(page.get_by_role("button", name="Attach"))
    browse.no_errors()
    expect(page.locator("#evidence ~ .govuk-inset-text").first).to_contain_text(
        "Significant disparities"
    )

    browse.submit(page.get_by_role("button", name="Change the assessment"))
    page.get_by_label("Aims of the initiative").fill("Searches only on lawful grounds.")
    page.get_by_label("Who it affects, where and when").fill("Everyone searched in London.")
    page.get_by_label("Evidence", exact=True).fill("The attached analysis of police.uk data.")
    page.get_by_label("Engagement").fill("Two 'by and for' organisations were consulted.")
    page.get_by_label("Mitigations").fill("Supervisor review of every search.")
    page.get_by_label("Monitoring plan").fill("Ratios each quarter, by borough.")
    page.get_by_label("Decision", exact=True).select_option("adjust")
    page.get_by_label("Reasons for the decision").fill("Continue with closer supervision.")
    page.get_by_label("Review the assessment by").fill("2027-12-01")
    browse.submit(page.get_by_role("button", name="Save"))
    browse.no_errors()

    # The flagged disparity blocks sending it to partners until race is rated with a response.
    expect(page.locator("#submit ~ ul")).to_contain_text("rate the impact on race")
    _shot(browse, "blocked")
    _rate(
        browse,
        "Race",
        "Negative",
        "Black Londoners are searched about three times as often as White Londoners.",
        "Supervisor review of every search; community scrutiny of body-worn video.",
    )
    for group in (
        "Age",
        "Disability",
        "Gender reassignment",
        "Marriage and civil partnership",
        "Pregnancy and maternity",
        "Religion or belief",
        "Sex",
        "Sexual orientation",
        "Immigration status",
        "Socio-economic disadvantage",
        "Intersections (for example Black women)",
    ):
        _rate(browse, group, "Neutral", "No difference expected from the evidence.")
    browse.submit(page.get_by_role("button", name="Send to partners for review"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("with the partners")
    browse.sign_out()

    # 2. The partner comments; the analyst answers.
    browse.sign_in(accord_server.take_like("partner"))
    browse.goto(assessment_path)
    browse.submit(page.get_by_role("button", name="Comment on the assessment"))
    page.get_by_label("Engagement", exact=True).check()
    page.get_by_label("Your comment").fill("Name the organisations and what changed.")
    browse.submit(page.get_by_role("button", name="Send the comment"))
    browse.no_errors()
    browse.sign_out()
    browse.sign_in(analyst)
    browse.goto(assessment_path)
    browse.submit(page.get_by_role("link", name=re.compile("^Respond")))
    page.get_by_label("Changed the assessment").check()
    page.get_by_label("Reasons").fill("Agreed.")
    page.get_by_label("What changed because of it").fill("The organisations are named.")
    browse.submit(page.get_by_role("button", name="Record the response"))
    browse.no_errors()
    browse.sign_out()

    # 3. Two different plan owners sign it off; the second publishes it.
    for owner in ("plan-owner", "plan-owner-2"):
        signing = accord_server.take_like(owner)
        browse.sign_in(signing)
        browse.goto(assessment_path)
        browse.submit(page.get_by_role("button", name="Sign off the assessment"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("sign-off is recorded")
        if owner == "plan-owner-2":
            browse.submit(page.get_by_role("button", name="Publish the assessment"))
            browse.confirm_it_is_me(signing)  # publishing asks for the code again (SE-5)
            expect(page.locator(".govuk-notification-banner")).to_contain_text("published")
            public_link = page.get_by_role("link", name="See the published assessment")
            public_path = public_link.get_attribute("href")
        browse.sign_out()

    # 4. The public page and its PDF, signed out.
    assert public_path
    browse.goto(public_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop and search: supervisor review")
    expect(page.locator("body")).to_contain_text("The organisations are named.")
    _shot(browse, "public")
    with page.expect_download() as arrival:
        page.get_by_role("link", name="Download the assessment as PDF").click()
    saved = tmp_path / "eia.pdf"
    arrival.value.save_as(saved)
    pdf = PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Equality impact assessment: Stop and search: supervisor review" in text
    assert "How many times the White rate" in text  # a chart, drawn from its spec
    assert "Compared with White people" in text  # and its data table
    assert "Significant disparities" in text

    # 5. The public finds it from the home page, through the register.
    browse.goto("/")
    browse.submit(page.get_by_role("link", name="Published equality impact assessments"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Published equality impact assessments"
    )
    browse.submit(page.get_by_role("link", name="Stop and search: supervisor review"))
    assert browse.path == public_path
