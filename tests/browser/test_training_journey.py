"""Officer training coverage in Chromium: a partner imports a training file through the data
page and reads the borough comparison, with axe on every page, at desktop and phone widths.
Screenshots for docs/screenshots/ (rewritten on every run)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.browsing import AccordServer, Browse
from tests.browser.partnership import expect_imported, import_file, menu_link

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
TRAINING = "Officer training coverage by borough (one row per borough, course and period)"


def _section_screenshot(page: Page, first: str, last: str, name: str) -> None:
    """A desktop screenshot of the page from heading ``first`` to the end of the table after
    heading ``last``."""
    top, bottom = page.evaluate(
        "([first, last]) => [document.getElementById(first).getBoundingClientRect().top,"
        " document.querySelector(`#${last} ~ .accord-table-wrapper`)"
        ".getBoundingClientRect().bottom].map((y) => y + window.scrollY)",
        [first, last],
    )
    page.screenshot(
        path=SCREENSHOTS / f"{name}-1280.png",
        full_page=True,
        clip={"x": 0, "y": top - 16, "width": DESKTOP["width"], "height": bottom - top + 32},
    )


def test_a_partner_imports_training_figures_and_compares_the_boroughs(
    accord_server: AccordServer, browse: Browse, tmp_path: Path
) -> None:
    from accord.monitoring.training_demo import COURSES, RANKS, TEAMS, quarters, write_demo_csv

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browse.page
    page.set_viewport_size(DESKTOP)
    browse.sign_in(accord_server.take_like("partner"))

    path = write_demo_csv(tmp_path / "training-coverage.csv", dt.date.today())
    browse.goto("/datasets/")
    browse.submit(page.get_by_role("link", name="Import data"))
    import_file(browse, path, TRAINING, "Browser training figures (invented)")
    expect_imported(browse, 32 * len(COURSES) * 4 * len(RANKS) * len(TEAMS))

    browse.goto("/home/")
    browse.submit(menu_link(browse, "Training"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Officer training coverage")
    page.get_by_label("Course").select_option("Domestic abuse (specialist)")
    browse.submit(page.get_by_role("button", name="Show coverage"))
    latest = quarters(dt.date.today())[-1]
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        f"Domestic abuse (specialist), {latest}"
    )
    expect(page.locator("main")).to_contain_text("Ahead of London, beyond chance:")
    # The funnel, and the chart of each borough's change against London's.
    expect(page.locator("figure.accord-chart svg")).to_have_count(2)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    page.screenshot(path=SCREENSHOTS / "training-1280.png", full_page=True)

    # The invented borough that changed how it trains stands out from London's own rise.
    expect(page.locator("main")).to_contain_text("Changed more than London, beyond chance: Croydon")
    changes = page.get_by_role("table", name="per cent trained in each borough at the end")
    expect(changes.get_by_role("row", name="Croydon")).to_contain_text(
        "Above London's change, beyond chance"
    )
    expect(page.get_by_role("img", name="Each borough's change in the share")).to_contain_text(
        "Croydon"
    )
    _section_screenshot(page, "boroughs-over-time", "boroughs-over-time", "training-changes")

    page.set_viewport_size(PHONE)
    browse.check()
    overflow = int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
    assert overflow <= 0, f"the training page is {overflow}px wider than a 375px screen"
    page.screenshot(path=SCREENSHOTS / "training-375.png", full_page=True)

    with page.expect_download() as arrival:
        page.get_by_role("link", name="Download this table (CSV)").click()
    saved = tmp_path / arrival.value.suggested_filename
    arrival.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").startswith("borough_code,borough,course,rank,team")

    # One rank across the boroughs, and that rank against the others.
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Course").select_option("Cultural competency")
    page.get_by_label("Rank", exact=True).select_option("Sergeant")
    browse.submit(page.get_by_role("button", name="Show coverage"))
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        f"Cultural competency, {latest} (Sergeant)"
    )
    ranks = page.get_by_role("table", name="London's coverage in each rank")
    expect(ranks.get_by_role("row", name="Sergeant")).to_contain_text(
        "Lower than other officers, beyond chance"
    )
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    page.locator("#by-rank").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "training-by-rank-1280.png", full_page=True)

    # One borough's teams against the same teams in the rest of London.
    page.get_by_label("Course").select_option("Sexual violence (specialist)")
    page.get_by_label("Rank", exact=True).select_option("")
    page.get_by_label("Look into one borough").select_option("Hackney")
    browse.submit(page.get_by_role("button", name="Show coverage"))
    teams = page.get_by_role("table", name="Hackney's coverage in each team")
    expect(teams.get_by_role("row", name="Response")).to_contain_text(
        "Lower than in the rest of London, beyond chance"
    )
    expect(teams.get_by_role("row", name="Neighbourhood")).to_contain_text(
        "Higher than in the rest of London, beyond chance"
    )
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    _section_screenshot(page, "borough-by-rank", "borough-by-team", "training-one-borough")
    page.set_viewport_size(PHONE)
    browse.check()
    overflow = int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
    assert overflow <= 0, f"the one-borough page is {overflow}px wider than a 375px screen"
