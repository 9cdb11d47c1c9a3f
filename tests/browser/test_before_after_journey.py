"""Before and after (what works) in Chromium: a VAWG partner goes from the analysis page to
the comparison, chooses the borough and the month, reads the result, the chart and its
table, and downloads the numbers, then asks the same of the gap between Black and White
people; axe on every page, at desktop and phone widths.
Screenshots for docs/screenshots/ (rewritten on every run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import AccordServer, Browse
from tests.browser.partnership import LondonData, menu_link

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def test_a_partner_compares_a_borough_before_and_after_with_the_others(
    accord_server: AccordServer, browse: Browse, partner_london_data: LondonData, tmp_path: Path
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browse.page
    page.set_viewport_size(DESKTOP)
    browse.sign_in(accord_server.take_like("partner"))

    browse.goto("/home/")
    browse.submit(menu_link(browse, "Analysis"))
    browse.submit(page.get_by_role("link", name="compare their figures before and after"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Before and after: what works")
    page.get_by_label("Stop and search data").select_option(label=partner_london_data.stops_option)
    page.get_by_label("Population").select_option(label=partner_london_data.census_option)

    # Forgetting the borough is explained, and nothing else chosen is lost.
    page.get_by_label("Month it started").select_option("2022-05")
    browse.submit(page.get_by_role("button", name="Compare"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose at least one borough where the initiative ran"
    )
    expect(page.get_by_label("Month it started")).to_have_value("2022-05")

    page.get_by_role("group", name="Boroughs where the initiative ran").get_by_label(
        "Richmond upon Thames"
    ).check()
    browse.submit(page.get_by_role("button", name="Compare"))
    expect(page.get_by_role("heading", name="What changed")).to_be_visible()
    result = page.locator(".accord-result")
    expect(result).to_contain_text("Where the initiative ran, the rate of searches")
    expect(result).to_contain_text("Placebo check: of 2 comparison boroughs")
    expect(page.locator("main")).to_contain_text("Compared with: City of London, Sutton.")
    expect(page.locator("figure.accord-chart svg")).to_have_count(1)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    page.get_by_role("heading", name="What changed").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "before-after-1280.png", full_page=True)

    page.set_viewport_size(PHONE)
    browse.check()
    overflow = int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
    assert overflow <= 0, f"the before-and-after page is {overflow}px wider than a 375px screen"
    page.screenshot(path=SCREENSHOTS / "before-after-375.png", full_page=True)

    with page.expect_download() as arrival:
        page.get_by_role("link", name="Download the month-by-month numbers (CSV)").click()
    saved = tmp_path / arrival.value.suggested_filename
    arrival.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("month,before_or_after,boroughs,searches,residents,per_1000_residents")
    assert "2022-05,after,Boroughs with the initiative," in text

    # The same boroughs, now asking whether the gap between two groups changed.
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Whose searches").select_option(
        label="Black people (ethnicity as recorded by the officer)"
    )
    page.get_by_label("Compared with (optional)").select_option(label="White people")
    browse.submit(page.get_by_role("button", name="Compare"))
    expect(result).to_contain_text("Black people were searched")
    expect(result).to_contain_text("times as often as White people (per head) before the start")
    expect(result).to_contain_text("as often Black people were searched as White people where")
    expect(page.get_by_role("table", name="Searches of Black and White people")).to_be_visible()
    expect(page.locator("figure.accord-chart svg")).to_have_count(1)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    page.get_by_role("heading", name="What changed").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "before-after-gap-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    browse.check()
    overflow = int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
    assert overflow <= 0, f"the gap comparison is {overflow}px wider than a 375px screen"
    with page.expect_download() as arrival:
        page.get_by_role("link", name="Download the month-by-month numbers (CSV)").click()
    saved = tmp_path / ("gap-" + arrival.value.suggested_filename)
    arrival.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").startswith(
        "month,before_or_after,boroughs,group,searches,residents,compared_with,their_searches,"
    )
