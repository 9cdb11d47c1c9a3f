"""The action plan co-produced in Chromium: a police plan owner drafts a commitment, a VAWG
partner comments and rates it, the owner answers and records progress with evidence, and
the public page shows the result, contested. axe checks every page (see ``browsing.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import AccordServer, Browse

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
TODAY = dt.date.today()


def _shot(browse: Browse, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browse.page.screenshot(path=SCREENSHOTS / f"plan-{name}-1280.png", full_page=True)


def test_owner_drafts_partner_comments_and_rates_owner_answers_and_the_public_sees_it(
    accord_server: AccordServer, browse: Browse
) -> None:
    page = browse.page
    page.set_viewport_size(DESKTOP)
    owner = accord_server.take_like("plan-owner")
    partner = accord_server.take_like("partner")

    # 1. The police plan owner starts a plan and drafts a commitment co-owned with a partner.
    browse.sign_in(owner)
    browse.goto("/plans/")
    browse.submit(page.get_by_role("button", name="Start a plan"))
    page.get_by_label("Title").fill("Rebuilding trust: journey plan")
    page.get_by_label("Short name for web addresses").fill("journey-plan")
    browse.submit(page.get_by_role("button", name="Create the plan"))
    browse.no_errors()
    plan_path = browse.path
    assert plan_path == "/plans/journey-plan/", browse.where()
    browse.submit(page.get_by_role("button", name="Open a consultation round"))
    page.get_by_label("Name of the round").fill("Partners' first review")
    page.get_by_label("Opening date").fill(TODAY.isoformat())
    page.get_by_label("Closing date").fill((TODAY + dt.timedelta(days=28)).isoformat())
    browse.submit(page.get_by_role("button", name="Open the round"))
    browse.no_errors()
    browse.submit(page.get_by_role("button", name="Add a commitment"))
    page.get_by_label("Number").fill("3.1")
    page.get_by_label("Short title").fill("Independent advisory service")
    page.get_by_label("What the police promise").fill(
        "Fund a specialist VAWG organisation to advise victims of abuse by police officers."
    )
    page.get_by_label("Police lead (post, not name)").fill("Commander, Professionalism")
    page.get_by_label(partner.organisation).check()
    page.get_by_label("Show it on the public page").check()
    _shot(browse, "draft")
    browse.submit(page.get_by_role("button", name="Save the commitment"))
    browse.no_errors()
    commitment_path = browse.path
    browse.goto(plan_path)
    browse.submit(page.get_by_role("button", name="Publish the plan"))
    browse.confirm_it_is_me(owner)  # publishing asks for the code again (SE-5)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("on the public pages")
    browse.sign_out()

    # 2. The partner cannot change the police's wording, but comments and rates.
    browse.sign_in(partner)
    browse.goto(commitment_path)
    expect(page.get_by_role("button", name="Change the commitment")).to_have_count(0)
    browse.submit(page.get_by_role("button", name="Comment on this commitment"))
    page.get_by_label("How progress is measured").check()
    page.get_by_label("Your comment").fill("Say when the service starts and how it is measured.")
    browse.submit(page.get_by_role("button", name="Send the comment"))
    browse.no_errors()
    browse.submit(page.get_by_role("button", name="Rate this commitment"))
    page.get_by_label("Specific enough to check").check()
    page.get_by_label("Relevant", exact=True).check()
    page.get_by_label("Transformative").check()
    page.get_by_label("Limited").check()
    page.get_by_role(
        "group", name="Where does it stand, in your organisation's view?"
    ).get_by_label("In progress, behind").check()
    page.get_by_label("Your reasons (optional)").fill("No funding has been agreed yet.")
    browse.submit(page.get_by_role("button", name="Record the rating"))
    browse.no_errors()
    browse.sign_out()

    # 3. The owner answers the comment and records progress with evidence.
    browse.sign_in(owner)
    browse.goto(commitment_path)
    browse.submit(page.get_by_role("link", name=re.compile("^Respond")))
    page.get_by_label("Accepted with changes").check()
    page.get_by_label("Reasons").fill("A start date and a measure make it checkable.")
    page.get_by_label("What changed because of it").fill(
        "The commitment now starts in April 2027 and counts referrals each quarter."
    )
    browse.submit(page.get_by_role("button", name="Record the response"))
    browse.no_errors()
    browse.submit(page.get_by_role("button", name="Record progress"))
    page.get_by_label("Date of the update").fill(TODAY.isoformat())
    page.get_by_label("In progress, on track").check()
    page.get_by_label("How much is done (per cent)").fill("30")
    page.get_by_label("What has happened").fill(
        "Funding agreed in principle with the Mayor's office."
    )
    page.get_by_label("Evidence link: title (optional)").fill("Board minutes")
    page.get_by_label("Evidence link: web address (optional)").fill("https://example.org/minutes")
    browse.submit(page.get_by_role("button", name="Record the update"))
    browse.no_errors()
    expect(page.locator(".govuk-warning-text")).to_contain_text("Contested")
    _shot(browse, "commitment")
    browse.sign_out()

    # 4. The public page, signed out: the promise, the partner's view beside the police's.
    browse.goto("/public/plans/journey-plan/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rebuilding trust: journey plan")
    row = page.locator("table tbody tr", has_text="Independent advisory service")
    expect(row).to_contain_text("Contested")
    expect(page.locator("#changes ~ ul")).to_contain_text("starts in April 2027")
    _shot(browse, "public")
    browse.submit(row.get_by_role("link", name="3.1 Independent advisory service"))
    expect(page.locator("body")).to_contain_text(partner.organisation)
    expect(page.locator("body")).to_contain_text("No funding has been agreed yet.")
    expect(page.locator("body")).not_to_contain_text(owner.name)
    expect(page.locator("body")).not_to_contain_text(partner.name)
    with page.expect_download() as arrival:
        page.goto(accord_server.url("/public/plans/journey-plan/"))
        page.get_by_role("link", name=re.compile(r"Progress report, \d{4} Q\d")).first.click()
    assert arrival.value.suggested_filename.startswith("journey-plan-")
