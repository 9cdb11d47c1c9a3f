"""A release from drafting to the public page: two supervisors, the file, the partnership.

The one door out of casework, walked in Chromium with axe on every page: a supervisor drafts
a release, a second supervisor checks it, confirms with their code and downloads the signed
file, an analyst receives that file on the partnership side, and the public reads it. Then
the first supervisor withdraws it, and the public page shows the notice instead.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import AccordServer, Browse

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
MOBILE = {"width": 375, "height": 812}


def _shot(browse: Browse, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = browse.page.viewport_size["width"] if browse.page.viewport_size else 1280
    browse.page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)


def _past_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The four whole quarters before this one: the demo's past cases fall in them."""
    this_quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return this_quarter.replace(year=this_quarter.year - 1), this_quarter - dt.timedelta(days=1)


def test_a_release_goes_from_two_supervisors_to_the_public(
    accord_server: AccordServer, browse: Browse, tmp_path: Path
) -> None:
    page = browse.page
    page.set_viewport_size(DESKTOP)

    # 1. A supervisor drafts a release of the demo's past year.
    drafter = accord_server.take_like("supervisor")
    browse.sign_in(drafter)
    browse.goto("/casework/")
    browse.submit(page.get_by_role("link", name="Releases: figures for partners"))
    browse.submit(page.get_by_role("button", name="Draft a release"))
    page.get_by_label("Title").fill("Browser release: the past year")
    import datetime as dt

    from accord.releases.demo import past_period

    start, end = past_period(dt.date.today())
    page.get_by_label("First day of the period").fill(start.isoformat())
    page.get_by_label("Last day of the period").fill(end.isoformat())
    page.get_by_label("Everyone (published on the public pages)").check()
    browse.submit(page.get_by_role("button", name="Count the figures"))
    browse.no_errors()
    expect(page.get_by_role("heading", level=1)).to_have_text("Browser release: the past year")
    expect(page.get_by_text("Another supervisor must check every figure")).to_be_visible()
    expect(page.get_by_role("button", name="Approve and sign")).to_have_count(0)
    release_path = browse.path
    browse.sign_out()

    # 2. A second supervisor checks it, confirms it is them, and downloads the signed file.
    approver = accord_server.take_like("supervisor-2")
    browse.sign_in(approver)
    browse.goto(release_path)
    expect(
        page.get_by_role("heading", name="New cases by quarter and how they came to us")
    ).to_be_visible()
    expect(page.locator("table").first).to_contain_text("hidden (fewer than 10)")
    _shot(browse, "release-draft")
    browse.submit(page.get_by_role("button", name="Approve and sign"))
    browse.confirm_it_is_me(approver)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Approved and signed")
    with page.expect_download() as arrival:
        page.get_by_role("button", name="Download the release file").click()
    saved = tmp_path / arrival.value.suggested_filename
    arrival.value.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["format"] == "accord-release/1"
    assert document["signature"]["algorithm"] == "Ed25519"
    assert "demo)" not in json.dumps(document["release"]["tables"])  # no client names
    browse.sign_out()

    # 3. An analyst receives the file on the partnership side.
    analyst = accord_server.take_like("analyst")
    browse.sign_in(analyst)
    browse.goto("/releases/")
    browse.submit(page.get_by_role("link", name="Receive a release file"))
    page.get_by_label("Release file").set_input_files(saved)
    browse.submit(page.get_by_role("button", name="Check and receive"))
    browse.no_errors()
    expect(page.get_by_role("heading", level=1)).to_have_text("Browser release: the past year")
    expect(page.locator("body")).to_contain_text("Independent Advisory Service (demo)")
    # Each counts table has its chart, drawn from the same figures.
    quarter_chart = page.get_by_role("img", name="Bar chart: New cases by quarter")
    expect(quarter_chart).to_be_visible()
    expect(page.locator("figure.accord-chart svg").first).to_be_visible()
    _shot(browse, "release-received")

    # The same file again is refused, with the reason.
    browse.goto("/releases/receive/")
    page.get_by_label("Release file").set_input_files(saved)
    browse.submit(page.get_by_role("button", name="Check and receive"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("already received")
    browse.sign_out()

    # 4. The public reads it, on a phone.
    page.set_viewport_size(MOBILE)
    browse.goto("/public/releases/")
    browse.submit(page.get_by_role("link", name="Browser release: the past year"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Browser release: the past year")
    expect(page.locator("body")).to_contain_text("Serving police officer")
    overflow = int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
    assert overflow <= 0, f"the public release is {overflow}px wider than a 375px screen"
    _shot(browse, "release-public")

    # 5. The figures turn out wrong: the first supervisor withdraws the release.
    page.set_viewport_size(DESKTOP)
    browse.sign_in(drafter)
    browse.goto(release_path)
    browse.submit(page.get_by_role("link", name="Withdraw this release"))
    page.get_by_label("Why is the release withdrawn?").fill(
        "Cases from one month were counted twice."
    )
    browse.submit(page.get_by_role("button", name="Withdraw the release"))
    browse.confirm_it_is_me(drafter)
    browse.no_errors()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The release is withdrawn")
    with page.expect_download() as arrival:
        page.get_by_role("button", name="Download the withdrawal notice").click()
    notice = tmp_path / arrival.value.suggested_filename
    arrival.value.save_as(notice)
    assert json.loads(notice.read_text(encoding="utf-8"))["format"] == (
        "accord-release-withdrawal/1"
    )
    browse.sign_out()

    # 6. The analyst receives the notice; the public page now shows it instead of figures.
    browse.sign_in(analyst)
    browse.goto("/releases/receive/")
    page.get_by_label("Release file").set_input_files(notice)
    browse.submit(page.get_by_role("button", name="Check and receive"))
    browse.no_errors()
    expect(page.locator("body")).to_contain_text("Cases from one month were counted twice.")
    browse.sign_out()
    page.set_viewport_size(MOBILE)
    browse.goto("/public/releases/")
    expect(page.locator("main")).to_contain_text("Withdrawn")
    browse.submit(page.get_by_role("link", name="Browser release: the past year"))
    expect(page.locator("body")).to_contain_text("Cases from one month were counted twice.")
    expect(page.locator("body")).not_to_contain_text("Serving police officer")
    _shot(browse, "release-withdrawn")
