"""An advocate's journey from referral to closure, in Chromium with axe on every page."""

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


def _shot(browse: Browse, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browse.page.screenshot(path=SCREENSHOTS / f"{name}-1280.png", full_page=True)


def test_advocate_takes_a_referral_through_to_closure(
    accord_server: AccordServer, browse: Browse, tmp_path: Path
) -> None:
    page = browse.page
    page.set_viewport_size(DESKTOP)
    browse.sign_in(accord_server.take("casework-advocate"))
    browse.goto("/casework/")

    # 1. Take a referral by phone.
    browse.submit(page.get_by_role("button", name="Take a new referral"))
    page.get_by_label("Client's name, or the name they want to be called by").fill("Dana")
    page.get_by_label("Phone call").check()
    page.get_by_label("Phone number").fill("07700 900555")
    page.get_by_label("When is it safe?").fill("Tuesdays after 6pm")
    voicemail = page.get_by_role("group", name="Is it safe to leave a voicemail or message?")
    voicemail.get_by_label("No", exact=True).check()
    page.get_by_label("A code word (optional)").fill("Heron")
    page.get_by_label("Reason for referral").fill("Her partner is a serving sergeant.")
    page.get_by_label("Their connection to the police").select_option("serving_officer")
    page.get_by_label("Force").select_option("met")
    colleagues = page.get_by_role(
        "group", name="Could their colleagues handle this case or a complaint about it?"
    )
    colleagues.get_by_label("Yes", exact=True).check()
    page.get_by_label("Keep a record so we can support you").check()
    page.get_by_label("Contact you in the ways you chose").check()
    page.get_by_label("Share with a MARAC (risk conference)").check()
    page.get_by_label("How safe does the client feel now?").select_option("2")
    browse.submit(page.get_by_role("button", name="Open the case"))
    browse.no_errors()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case")
    expect(page.get_by_text("Conflict of interest")).to_be_visible()
    expect(page.get_by_text("Do not leave a message")).to_be_visible()
    case_path = browse.path
    reference = re.search(r"/casework/cases/([^/]+)/", case_path)
    assert reference is not None, case_path

    # 2. Risk: 15 'yes' answers is high risk by count; refer to MARAC.
    browse.submit(page.get_by_role("button", name="Complete a risk checklist"))
    for number in range(1, 28):
        answer = "yes" if number <= 15 else "no"
        page.locator(f"input[name=q{number}][value={answer}]").check()
    page.get_by_label("Refer to MARAC").check()
    page.get_by_label("Notes and professional judgement").fill("Threats to kill; strangulation.")
    browse.submit(page.get_by_role("button", name="Save the checklist"))
    browse.no_errors()
    browse.goto(case_path)
    expect(page.locator("#risk, h2:has-text('Risk')").first).to_be_visible()
    expect(page.get_by_text("15", exact=False).first).to_be_visible()

    # 3. A safety plan with one action.
    browse.submit(page.get_by_role("button", name="Start a safety plan"))
    in_two_weeks = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    page.get_by_label("When will you review this plan with the client?").fill(in_two_weeks)
    browse.submit(page.get_by_role("button", name="Save the plan"))
    browse.no_errors()
    if browse.path == case_path:
        browse.submit(page.get_by_role("button", name="Add an action"))
    else:
        browse.goto(case_path)
        browse.submit(page.get_by_role("button", name="Add an action"))
    page.get_by_label("What needs to be done?").fill("Agree a safe word with a neighbour.")
    page.get_by_role("group", name="Who will do it?").get_by_label("Client").check()
    browse.submit(page.get_by_role("button", name="Add the action"))
    browse.no_errors()

    # 4. A call on the timeline and a document.
    browse.goto(case_path)
    browse.submit(page.get_by_role("button", name="Add a call, meeting, letter or note"))
    page.get_by_label("Phone call").check()
    # Yesterday, so that 10:30 is in the past whatever time the test runs.
    yesterday = dt.date.today() - dt.timedelta(days=1)
    page.get_by_label("Date it happened").fill(yesterday.isoformat())
    page.get_by_label("Time it happened").fill("10:30")
    page.get_by_label("What happened, or what is planned").fill(
        "Called at the agreed time; she used the code word."
    )
    browse.submit(page.get_by_role("button", name="Save"))
    browse.no_errors()
    browse.goto(case_path)
    browse.submit(page.get_by_role("button", name="Upload a document"))
    letter = tmp_path / "letter.txt"
    letter.write_text("Letter from professional standards, 1 March.", encoding="utf-8")
    page.get_by_label("Choose the file").set_input_files(str(letter))
    browse.submit(page.get_by_role("button", name="Upload"))
    browse.no_errors()

    # 5. Refer to MARAC (consent recorded at intake).
    browse.goto(case_path)
    browse.submit(page.get_by_role("button", name="Make a referral"))
    page.get_by_label("MARAC (multi-agency risk assessment conference)").check()
    browse.submit(page.get_by_role("button", name="Record the referral"))
    browse.no_errors()
    browse.goto(case_path)
    expect(page.locator("body")).to_contain_text("MARAC")
    expect(page.locator("body")).to_contain_text("letter.txt")

    # 5b. Equality monitoring: optional answers, one declined, immigration status not asked.
    browse.submit(page.get_by_role("link", name=re.compile("Record or change the answers")))
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=SCREENSHOTS / "casework-equality-375.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.get_by_label("What is your ethnic group?").select_option("black_caribbean")
    page.get_by_role("group", name=re.compile("sexual orientation")).get_by_label(
        "Bisexual"
    ).check()
    page.get_by_role("group", name="What is your religion?").get_by_label(
        "Prefers not to say"
    ).check()
    browse.submit(page.get_by_role("button", name="Save the answers"))
    browse.no_errors()
    equality = page.locator("#equality + p + dl")
    expect(equality).to_contain_text("Black, Black British, Caribbean or African: Caribbean")
    expect(equality).to_contain_text("Bisexual")
    expect(equality).to_contain_text("Prefers not to say")
    expect(equality).to_contain_text("Not asked")
    _shot(browse, "casework-case")
    browse.goto("/casework/")
    expect(page.locator("body")).to_contain_text(reference.group(1))
    _shot(browse, "casework-home")
    browse.goto(case_path)

    # 6. Close, with the client's own ratings.
    browse.submit(page.get_by_role("button", name="Close the case"))
    page.get_by_label("Support complete").check()
    page.get_by_label("How safe does the client feel now?").select_option("4")
    page.get_by_label(
        "How much does the client trust the police complaints process?"
    ).select_option("3")
    browse.submit(page.get_by_role("button", name="Close the case"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    _shot(browse, "casework-closed")


def test_supervisor_finds_every_case_about_a_person_asking_for_their_information(
    accord_server: AccordServer, browse: Browse
) -> None:
    page = browse.page
    page.set_viewport_size(DESKTOP)
    browse.sign_in(accord_server.take_like("supervisor"))
    browse.goto("/casework/")
    browse.submit(page.get_by_role("button", name="Take a new referral"))
    page.get_by_label("Client's name, or the name they want to be called by").fill(
        "Zoë Person-Search"
    )
    page.get_by_label("Phone call").check()
    page.get_by_label("Phone number").fill("07700 900556")
    page.get_by_label("Reason for referral").fill("Asked for her records.")
    page.get_by_label("Their connection to the police").select_option("former_officer")
    page.get_by_label("Force").select_option("met")
    page.get_by_label("Keep a record so we can support you").check()
    browse.submit(page.get_by_role("button", name="Open the case"))
    browse.no_errors()
    case_path = browse.path

    browse.goto("/casework/")
    browse.submit(page.get_by_role("link", name="Find the cases about a person"))
    page.get_by_label("The name of the person asking").fill("person-search zoe")
    browse.submit(page.get_by_role("button", name="Search"))
    assert browse.path == "/casework/access-requests/find/", browse.where()  # never in the URL
    expect(page.locator("#results")).to_have_text("1 person found")
    expect(page.locator("tbody")).to_contain_text("Zoë Person-Search")
    browse.submit(page.get_by_role("link", name="Record the request"))
    assert browse.path.startswith(case_path), browse.where()
    expect(page.get_by_label("Client: Zoë Person-Search")).to_be_checked()
