"""A police complaint inside a case, from 'made' through the outcome to a review application.

In Chromium with axe on every page. The outcome letter arrives late, so the page must say
how many of the 28 review days were lost; a letter dated after it arrived is refused with
the engine's own message first.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import AccordServer, Account, Browse

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
TODAY = dt.date.today()


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


def _shot(browse: Browse, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browse.page.screenshot(path=SCREENSHOTS / f"complaint-{name}-1280.png", full_page=True)


def _advocate(server: AccordServer) -> Account:
    if "complaint-advocate" in server.accounts:
        return server.take("complaint-advocate")
    return server.take_spare_advocate()


def _record(browse: Browse, step: str, **dates: str) -> None:
    """Follow a next-step link on the complaint page, fill its dates and record it."""
    page = browse.page
    browse.submit(page.get_by_role("link", name=step, exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(step)
    for label, day in dates.items():
        page.get_by_label(label, exact=True).fill(day)
    browse.submit(page.get_by_role("button", name="Record this step"))
    browse.no_errors()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Recorded: {step}.")


def test_advocate_takes_a_complaint_from_made_to_a_review_application(
    accord_server: AccordServer, browse: Browse, tmp_path: Path
) -> None:
    page = browse.page
    page.set_viewport_size(DESKTOP)
    browse.sign_in(_advocate(accord_server))
    browse.goto("/casework/")

    # 1. A referral by phone: the officer's colleagues could handle a complaint.
    browse.submit(page.get_by_role("button", name="Take a new referral"))
    page.get_by_label("Client's name, or the name they want to be called by").fill("Robin")
    page.get_by_label("Phone call").check()
    page.get_by_label("Phone number").fill("07700 900456")
    voicemail = page.get_by_role("group", name="Is it safe to leave a voicemail or message?")
    voicemail.get_by_label("No", exact=True).check()
    page.get_by_label("Reason for referral").fill("Wants to complain about her ex, a PC.")
    page.get_by_label("Their connection to the police").select_option("serving_officer")
    page.get_by_label("Force").select_option("met")
    colleagues = page.get_by_role(
        "group", name="Could their colleagues handle this case or a complaint about it?"
    )
    colleagues.get_by_label("Yes", exact=True).check()
    page.get_by_label("Keep a record so we can support you").check()
    page.get_by_label("Act for you in a police complaint").check()
    browse.submit(page.get_by_role("button", name="Open the case"))
    browse.no_errors()
    case_path = browse.path
    assert re.fullmatch(r"/casework/cases/[^/]+/", case_path), case_path

    # 2. The outcome letter, uploaded to the case so a step can point at it.
    browse.submit(page.get_by_role("button", name="Upload a document"))
    letter = tmp_path / "outcome-letter.txt"
    letter.write_text("Outcome of your complaint. Not upheld.", encoding="utf-8")
    page.get_by_label("Choose the file").set_input_files(str(letter))
    browse.submit(page.get_by_role("button", name="Upload"))
    browse.no_errors()

    # 3. Add the complaint, made 70 days ago to the force.
    browse.goto(case_path)
    browse.submit(page.get_by_role("button", name="Add a police complaint"))
    page.get_by_label("Date the complaint was made").fill(days_ago(70))
    page.get_by_label("The police force (its professional standards department)").check()
    expect(page.get_by_label("Which force is the complaint about?")).to_have_value("met")
    unit = page.get_by_role(
        "group", name="Does the officer serve in the unit handling the complaint?"
    )
    unit.get_by_label("Yes", exact=True).check()
    page.get_by_label("Who is handling the complaint? (optional)").fill("PSD, ref 2026/0412")
    page.get_by_label("What is the complaint about? (optional)").fill(
        "How her report of his threats was handled."
    )
    _shot(browse, "add")
    browse.submit(page.get_by_role("button", name="Add the complaint"))
    browse.no_errors()
    expect(page.get_by_role("heading", level=1)).to_have_text("Police complaint")
    expect(page.locator("#stage")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Complaint made")
    expect(page.locator("#prompt-conflict_of_interest")).to_contain_text(
        "serves in the unit handling the complaint"
    )
    complaint_path = browse.path

    # The force names a new investigator: the details change, and no step is added.
    browse.submit(page.get_by_role("link", name="Change who is handling it"))
    expect(page.get_by_label("Who is handling the complaint? (optional)")).to_have_value(
        "PSD, ref 2026/0412"
    )
    page.get_by_label("Who is handling the complaint? (optional)").fill(
        "PSD, DS Okafor, ref 2026/0412"
    )
    browse.submit(page.get_by_role("button", name="Save"))
    browse.no_errors()
    assert browse.path == complaint_path, browse.where()
    expect(page.locator("body")).to_contain_text("PSD, DS Okafor, ref 2026/0412")

    # 4. The mandatory referral check: none of the criteria apply.
    browse.submit(page.get_by_role("link", name="Record which of these apply"))
    page.get_by_label("None of these apply").check()
    browse.submit(page.get_by_role("button", name="Save"))
    browse.no_errors()
    expect(page.locator("#prompt-mandatory_referral")).to_have_count(0)

    # 5. Through the force's handling, with an update that is now overdue.
    _record(browse, "Made to the force directly")
    _record(
        browse, "Recorded under Schedule 3", **{"Date the complaint was recorded": days_ago(63)}
    )
    _record(
        browse,
        "Update received from the complaint handler",
        **{"Date of the latest update from the complaint handler": days_ago(35)},
    )
    expect(page.locator("#prompt-update_overdue")).to_contain_text("No update for four weeks")
    expect(page.locator("#deadlines")).to_be_visible()
    expect(page.locator("#deadlines + table")).to_contain_text("Overdue")
    _shot(browse, "overdue")
    _record(
        browse,
        "Force decides to handle it without an investigation",
        **{"Date the force decided to handle it without an investigation": days_ago(30)},
    )

    # 6. The outcome letter: dates the wrong way round are refused, saving nothing.
    outcome = "Outcome letter received: it gives a right of review"
    browse.submit(page.get_by_role("link", name=outcome, exact=True))
    page.get_by_label("Date printed on the outcome letter", exact=True).fill(days_ago(12))
    page.get_by_label("Date the outcome letter arrived (optional)").fill(days_ago(20))
    browse.submit(page.get_by_role("button", name="Record this step"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The outcome letter cannot have arrived before the date printed on it."
    )
    _shot(browse, "refused")
    # Corrected: dated 20 days ago, it arrived 12 days ago (8 of the 28 days gone).
    page.get_by_label("Date printed on the outcome letter", exact=True).fill(days_ago(20))
    page.get_by_label("Date the outcome letter arrived (optional)").fill(days_ago(12))
    page.get_by_label("Evidence (optional)").select_option(index=1)
    page.get_by_label("Note (optional)").fill("Not upheld. Review by the local policing body.")
    browse.submit(page.get_by_role("button", name="Record this step"))
    browse.no_errors()
    assert browse.path == complaint_path
    expect(page.locator("#prompt-late_letter")).to_contain_text(
        "arrived 8 days after the date printed on it"
    )
    due = TODAY - dt.timedelta(days=20) + dt.timedelta(days=28)
    expect(page.locator("#deadlines")).to_be_visible()
    expect(page.locator("body")).to_contain_text(f"{due.day} {due:%B %Y}")
    expect(page.get_by_role("link", name="outcome-letter.txt")).to_be_visible()
    _shot(browse, "outcome")

    # 7. The review application, in time.
    _record(
        browse,
        "Review applied for",
        **{"Date the review body received the application": days_ago(1)},
    )
    expect(page.locator("#stage")).to_be_visible()
    expect(page.locator("body")).to_contain_text("The review body is looking at whether")
    expect(page.locator("#deadlines + table")).to_contain_text("Met")
    _shot(browse, "review")

    # 8. The case page lists the complaint and where it is now.
    browse.goto(case_path)
    section = page.locator("#complaints + table")
    expect(section).to_contain_text("Review applied for")
    _shot(browse, "case-section")

    # 9. The review application letter: drafted from the case, gaps filled, saved, downloaded.
    browse.goto(complaint_path)
    browse.submit(page.get_by_role("link", name="Draft a review application"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Application for a review of the complaint outcome"
    )
    letter_box = page.get_by_label("The letter")
    drafted = letter_box.input_value()
    assert "Robin" in drafted, drafted
    letter_box.fill(re.sub(r"\[FILL IN: [^\]]*\]", "Written in by the advocate.", drafted))
    _shot(browse, "letter")
    browse.submit(page.get_by_role("button", name="Save to the timeline"))
    browse.no_errors()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The letter is saved on the case timeline."
    )
    with page.expect_download() as arrival:
        page.get_by_role("link", name="Download as a PDF").click()
    download = arrival.value
    assert download.failure() is None
    assert download.suggested_filename == (
        "application-for-a-review-of-the-complaint-outcome.pdf"
    ), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    browse.goto(case_path)
    expect(
        page.get_by_role("link", name=re.compile("Open the letter to download it"))
    ).to_be_visible()
