"""Screenshots of the import form and the analysis results for docs/screenshots/.

Rewritten on every run. The results page is also checked on a phone-sized screen: the page
itself must not scroll sideways (wide tables and charts scroll inside their own box).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import AccordServer, Browse
from tests.browser.partnership import (
    STOP_AND_SEARCH,
    LondonData,
    fill_import_form,
    menu_link,
    show_analysis,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def page_overflow(browse: Browse) -> int:
    return int(browse.page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_import_form_and_analysis_results_at_desktop_and_phone_widths(
    accord_server: AccordServer, browse: Browse, partner_london_data: LondonData, tmp_path: Path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browse.page
    page.set_viewport_size(DESKTOP)
    browse.sign_in(accord_server.take_like("plan-owner"))

    browse.goto("/datasets/import/")
    example = tmp_path / "met-stop-and-search-2022-11.csv"
    example.write_text("date,officer_defined_ethnicity\n", encoding="utf-8")
    fill_import_form(browse, example, STOP_AND_SEARCH, "Metropolitan Police stop and search, 2022")
    # No focus ring or hover halo in the picture.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / "import-1280.png", full_page=True)

    browse.goto("/home/")
    browse.submit(menu_link(browse, "Analysis"))
    show_analysis(browse, partner_london_data)
    page.screenshot(path=SCREENSHOTS / "analysis-1280.png", full_page=True)

    page.set_viewport_size(PHONE)
    browse.check()
    page.screenshot(path=SCREENSHOTS / "analysis-375.png", full_page=True)
    overflow = page_overflow(browse)
    assert overflow <= 0, f"the analysis page is {overflow}px wider than a 375px screen"
    for chart in page.locator("figure.accord-chart").all():
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport()

    # Outcomes within each sex: its own section, chart and table.
    page.set_viewport_size(DESKTOP)
    browse.goto("/analysis/")
    show_analysis(browse, partner_london_data, split="Sex: women, and men with the few others")
    section = page.locator("section#within")
    expect(section.get_by_role("heading", level=2)).to_have_text("Arrest after a search, by sex")
    expect(section.get_by_role("row", name="Female Black")).to_be_visible()
    expect(section.locator("figure.accord-chart svg")).to_be_visible()
    section.scroll_into_view_if_needed()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    section.screenshot(path=SCREENSHOTS / "analysis-by-sex-1280.png")
    page.set_viewport_size(PHONE)
    browse.check()
    overflow = page_overflow(browse)
    assert overflow <= 0, f"the split analysis is {overflow}px wider than a 375px screen"

    # The list of datasets has a wide table too.
    browse.goto("/datasets/")
    overflow = page_overflow(browse)
    assert overflow <= 0, f"the data page is {overflow}px wider than a 375px screen"
