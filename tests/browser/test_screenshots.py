"""Screenshots for docs/screenshots/, rewritten on every run, and a check that nothing
spills off a phone-sized screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import AccordServer, Browse

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def test_login_and_home_pages_at_desktop_and_phone_widths(
    accord_server: AccordServer, browse: Browse
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browse.page
    page.set_viewport_size(DESKTOP)
    browse.goto("/account/login/")
    page.screenshot(path=SCREENSHOTS / "login-1280.png", full_page=True)

    advocate = accord_server.take("screenshot-advocate")
    browse.sign_in(advocate)
    browse.goto("/home/")  # again, without the one-off "signed in" banner
    page.screenshot(path=SCREENSHOTS / "home-1280.png", full_page=True)

    page.set_viewport_size(PHONE)
    browse.check()
    page.screenshot(path=SCREENSHOTS / "home-375.png", full_page=True)

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the home page is {overflow}px wider than a 375px screen"
    for name in ("Leave this site quickly", "Sign out"):
        button = page.get_by_role("button", name=name)
        expect(button).to_be_in_viewport(ratio=1)
