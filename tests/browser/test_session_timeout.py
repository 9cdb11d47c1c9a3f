"""The sign-out warning in Chromium: two minutes before an idle session ends, the page says
so in a dialog (axe-checked), "Stay signed in" keeps the session, and when the time is up
the page signs out by itself and says why.

The browser's clock is Playwright's, so minutes pass at once. The server's clock is real,
so its answer to "how long is left?" is replaced for the two moments that need it; staying
signed in and signing out go to the real server. Screenshot of the dialog:
docs/screenshots/session-timeout-1280.png.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect

from tests.browser.browsing import AccordServer, Browse

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_an_idle_advocate_is_warned_can_stay_and_is_signed_out_when_time_is_up(
    accord_server: AccordServer, browse: Browse
) -> None:
    page = browse.page
    page.set_viewport_size(DESKTOP)
    page.clock.install()
    browse.sign_in(accord_server.take_spare_advocate())
    browse.goto("/casework/")
    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_hidden()

    left = {"idle": 100}
    asked: list[str] = []

    def answer(route: Route) -> None:
        if route.request.method != "GET":
            route.continue_()
            return
        asked.append(route.request.method)
        body = {"idle_seconds_left": left["idle"], "absolute_seconds_left": 20_000}
        route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps({**body, "warning_seconds": 120}),
        )

    page.route("**/account/session-time/", answer)

    # Nothing is asked, and nothing shows, before the last two minutes.
    page.clock.run_for("10:00")
    assert asked == []
    expect(dialog).to_be_hidden()
    with page.expect_response("**/account/session-time/"):
        page.clock.run_for("03:01")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Anything you have not saved will be lost.")
    expect(dialog).to_contain_text(re.compile(r"Time left: 1 minute \d+ seconds"))
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    # The page's quick exit is behind the modal dialog, so the dialog has its own.
    expect(dialog.get_by_role("button", name="Emergency Leave this site quickly")).to_be_visible()
    browse.check()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "session-timeout-1280.png")

    # Staying signed in asks the real server (a POST counts as activity), and the dialog goes.
    with page.expect_response("**/account/session-time/") as reply:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert reply.value.json()["idle_seconds_left"] > 14 * 60
    expect(dialog).to_be_hidden()

    # Another tab kept the session alive: the warning does not show.
    left["idle"] = 900
    with page.expect_response("**/account/session-time/"):
        page.clock.run_for("13:01")
    expect(dialog).to_be_hidden()

    # Left alone until the end: the page signs out by itself and says why.
    left["idle"] = 100
    with page.expect_response("**/account/session-time/"):
        page.clock.run_for("13:01")
    expect(dialog).to_be_visible()
    left["idle"] = 0
    with page.expect_navigation():
        page.clock.run_for("01:41")
    expect(page.locator("main")).to_contain_text(
        "You were signed out because there was no activity"
    )
    page.unroute("**/account/session-time/")
    browse.goto("/casework/")
    assert "/account/login/" in page.url


def test_the_warning_has_its_own_quick_exit(accord_server: AccordServer, browse: Browse) -> None:
    # While the modal dialog is open the page's quick exit cannot be pressed: the dialog's
    # own button leaves for the neutral site in the same way.
    page = browse.page
    page.set_viewport_size(DESKTOP)
    page.clock.install()
    browse.sign_in(accord_server.take_spare_advocate())
    browse.goto("/casework/")
    page.route(
        "**/account/session-time/",
        lambda route: (
            route.fulfill(
                status=200,
                content_type="application/json",
                body=json.dumps(
                    {
                        "idle_seconds_left": 100,
                        "absolute_seconds_left": 20_000,
                        "warning_seconds": 120,
                    }
                ),
            )
            if route.request.method == "GET"
            else route.continue_()
        ),
    )
    with page.expect_response("**/account/session-time/"):
        page.clock.run_for("13:01")
    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Emergency Leave this site quickly").click()
    page.wait_for_url(accord_server.neutral_url)
