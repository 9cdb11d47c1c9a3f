"""The public self-referral form in Chromium: no sign-in, no cookies, quick exit, no JS needed."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.browsing import AccordServer, AxeAudit, Browse

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _fill(browse: Browse, name: str) -> None:
    page = browse.page
    page.get_by_label("What should we call you?").fill(name)
    page.get_by_label("Text message").check()
    page.get_by_label("Phone number").fill("07700 900321")
    page.get_by_label("When is it safe?").fill("Weekday mornings")
    page.get_by_role("group", name="Is it safe to leave a voicemail or message?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("Former police officer").check()
    page.get_by_label("Which police force? (if you know)").select_option("met")
    page.get_by_label("I agree that the service keeps").check()


def test_someone_asks_for_support_and_nothing_is_left_in_the_browser(
    accord_server: AccordServer, browse: Browse
) -> None:
    page = browse.page
    page.set_viewport_size({"width": 1280, "height": 900})
    browse.goto("/get-help/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for support")
    expect(page.get_by_role("button", name="Leave this site quickly")).to_be_visible()
    # A missing answer: a specific error, and what was typed is kept.
    page.get_by_label("What should we call you?").fill("Robin")
    page.get_by_label("Text message").check()
    browse.submit(page.get_by_role("button", name="Send"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a mobile number for texts, or choose another way"
    )
    expect(page.get_by_label("What should we call you?")).to_have_value("Robin")
    page.screenshot(path=SCREENSHOTS / "self-referral-error-1280.png", full_page=True)

    _fill(browse, "Robin")
    browse.submit(page.get_by_role("button", name="Send"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sent")
    page.screenshot(path=SCREENSHOTS / "self-referral-sent-1280.png", full_page=True)
    assert browse.context.cookies() == [], browse.context.cookies()


def test_the_form_works_without_javascript(accord_server: AccordServer, chromium: Browser) -> None:
    context = chromium.new_context(java_script_enabled=False)
    audit = AxeAudit(accord_server)
    try:
        page = context.new_page()
        page.goto(accord_server.url("/get-help/"))
        browse = Browse.__new__(Browse)
        browse.server, browse.context, browse.audit, browse.page = (
            accord_server,
            context,
            audit,
            page,
        )
        _fill(browse, "Jordan")
        with page.expect_navigation():
            page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sent")
        assert context.cookies() == []
        # Quick exit is a plain link to /exit/, which redirects to the neutral site.
        page.goto(accord_server.url("/get-help/"))
        with page.expect_navigation():
            page.get_by_role("button", name="Leave this site quickly").click()
        page.wait_for_url(accord_server.neutral_url)
    finally:
        context.close()


def test_quick_exit_from_the_form(accord_server: AccordServer, browse: Browse) -> None:
    page = browse.page
    page.goto(accord_server.neutral_site_url("/news"))
    browse.goto("/get-help/")
    page.get_by_label("What should we call you?").fill("Casey")
    history_length = page.evaluate("history.length")
    page.get_by_role("button", name="Leave this site quickly").click()
    page.wait_for_url(accord_server.neutral_url)
    assert page.evaluate("history.length") == history_length, "the form is still in history"
    assert browse.context.cookies() == []
