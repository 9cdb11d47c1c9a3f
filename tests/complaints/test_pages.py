"""The complaint pages inside a case, the case page's section and the home page's due list."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework.documents import store_document
from accord.casework.models import Case, CaseKey, Document
from accord.casework.vocabularies import Status
from accord.complaints import services
from accord.complaints.home import due_for
from accord.complaints.models import Complaint, ComplaintStep, LinkedMatter
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import WITH_COMPLAINT_CONSENT, canary, make_case, service_of
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def case(advocate: User) -> Case:
    return make_case(advocate, consents=WITH_COMPLAINT_CONSENT)


@pytest.fixture
def browser(advocate: User) -> Client:
    return client_for("advocate", {"advocate": advocate})


def open_one(case: Case, by: User, made: dt.date | None = None, **overrides: str) -> Complaint:
    values = {
        "made_to": "force",
        "force": "met",
        "summary": "",
        "handler": "",
        "officer_in_handling_unit": "not_known",
    }
    values.update(overrides)
    return services.open_complaint(
        None,
        case,
        made_on=made or days_ago(60),
        by=by,
        **values,
    )


def step(complaint: Complaint, by: User, transition: str, **dates: dt.date) -> None:
    services.record_step(None, complaint, transition, dates, TODAY, "", None, by)


def at_handled_otherwise(case: Case, by: User) -> Complaint:
    complaint = open_one(case, by)
    step(complaint, by, "made_to_force")
    step(complaint, by, "recorded", complaint_recorded=days_ago(50))
    step(complaint, by, "handled_otherwise", handling_decided=days_ago(40))
    return complaint


def detail_url(complaint: Complaint) -> str:
    return reverse("complaint_detail", args=[complaint.case.reference, complaint.uid])


def step_url(complaint: Complaint, transition: str) -> str:
    return reverse("complaint_step", args=[complaint.case.reference, complaint.uid, transition])


def text_of(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def actions() -> list[str]:
    return list(AuditEvent.objects.values_list("action", flat=True))


def document_in(case: Case, by: User, name: str = "outcome-letter.txt") -> Document:
    upload = SimpleUploadedFile(name, b"Outcome letter", content_type="text/plain")
    return store_document(None, case, upload, "", by=by)


# --- Adding a complaint ---------------------------------------------------------------------


def test_adding_a_complaint(case: Case, browser: Client) -> None:
    url = reverse("complaint_new", args=[case.reference])
    page = browser.get(url)
    assert page.status_code == 200
    # The force is filled in from the alleged perpetrator's police connection.
    assert re.search(r'<option value="met"[^>]*selected', page.content.decode())
    about = canary("complaint-about")
    response = browser.post(
        url,
        {
            "made_on": days_ago(3).isoformat(),
            "made_to": "force",
            "force": "met",
            "officer_in_handling_unit": "yes",
            "handler": "DS Example, PSD",
            "summary": about,
        },
    )
    complaint = Complaint.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == detail_url(complaint)
    assert complaint.summary == about and about not in complaint.sealed_summary
    assert complaint.officer_in_handling_unit == "yes"
    assert {"casework.complaint.add.view", "casework.complaint.open"} <= set(actions())


def test_a_complaint_made_in_the_future_is_refused_with_the_reason(
    case: Case, browser: Client
) -> None:
    response = browser.post(
        reverse("complaint_new", args=[case.reference]),
        {
            "made_on": (TODAY + dt.timedelta(days=3)).isoformat(),
            "made_to": "force",
            "force": "met",
            "officer_in_handling_unit": "not_known",
        },
    )
    assert response.status_code == 200
    assert "that is after today" in text_of(response)
    assert not Complaint.objects.exists()


# --- The complaint page ---------------------------------------------------------------------


def test_the_complaint_page_shows_stage_deadlines_prompts_steps_and_history(
    case: Case, advocate: User, browser: Client
) -> None:
    complaint = at_handled_otherwise(case, advocate)
    step(
        complaint,
        advocate,
        "outcome_given",
        outcome_letter_dated=days_ago(12),
        outcome_letter_received=days_ago(2),
    )
    response = browser.get(detail_url(complaint))
    assert response.status_code == 200
    text = text_of(response)
    # The stage, in plain words, with who acts.
    assert "Outcome given: review window open" in text
    assert "The outcome letter has arrived and it gives a right of review." in text
    assert "Who acts now: Complainant." in text
    # The deadline table: due date, status, source, and what to confirm.
    due = days_ago(12) + dt.timedelta(days=28)
    assert "Apply for a review" in text
    assert f"{due.day} {due:%B %Y}" in text
    assert "Due soon" in text or "Upcoming" in text
    assert "Source: Police (Complaints and Misconduct) Regulations 2020, reg. 29(2)." in text
    assert "Confirm: Regulation 29(2) counts the 28 days" in text
    # The late letter is a prompt, said once (not repeated in the table).
    assert text.count("arrived 10 days after the date printed on it") == 1
    assert "Who carries out the review?" in text
    # The conflict of interest flagged at intake.
    assert "Could anyone handling this be connected to the officer?" in text
    # Next steps, each a link to its own form.
    html = response.content.decode()
    assert step_url(complaint, "review_applied") in html
    assert step_url(complaint, "review_not_sought") in html
    assert step_url(complaint, "recorded") not in html
    # History: who recorded each step.
    assert "Complaint added to the case" in text
    assert "Force decides to handle it without an investigation" in text
    assert f"by {advocate.display_name}" in text
    assert "casework.complaint.view" in actions()


def test_an_overdue_deadline_is_tagged_and_prompted(
    case: Case, advocate: User, browser: Client
) -> None:
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(40))
    text = text_of(browser.get(detail_url(complaint)))
    assert "Overdue" in text
    assert "No update for four weeks" in text
    assert "Ask the complaint handler in writing for an update." in text


def test_a_step_form_asks_exactly_the_dates_that_step_records(
    case: Case, advocate: User, browser: Client
) -> None:
    complaint = at_handled_otherwise(case, advocate)
    html = browser.get(step_url(complaint, "outcome_given")).content.decode()
    names = set(re.findall(r'type="date" name="(\w+)"|name="(\w+)"[^>]*type="date"', html))
    dates = {a or b for a, b in names}
    assert dates == {"outcome_letter_dated", "outcome_letter_received", "outcome_decided"}
    assert 'name="note"' in html and 'name="evidence"' in html
    assert "Date printed on the outcome letter" in html
    assert "Date the outcome letter arrived (optional)" in html
    assert "The outcome letter, and the envelope or email showing when it arrived." in html
    blank = open_one(case, advocate)
    assert 'type="date"' not in browser.get(step_url(blank, "made_to_force")).content.decode()


def test_a_step_is_recorded_with_its_evidence(case: Case, advocate: User, browser: Client) -> None:
    complaint = at_handled_otherwise(case, advocate)
    letter = document_in(case, advocate)
    response = browser.post(
        step_url(complaint, "outcome_given"),
        {
            "outcome_letter_dated": days_ago(5).isoformat(),
            "outcome_letter_received": days_ago(3).isoformat(),
            "outcome_decided": "",
            "note": "Not upheld. Names the local policing body for a review.",
            "evidence": str(letter.uid),
        },
    )
    assert response.status_code == 302
    recorded = ComplaintStep.objects.get(complaint=complaint, transition="outcome_given")
    assert recorded.evidence == letter
    assert recorded.recorded == {
        "outcome_letter_dated": days_ago(5).isoformat(),
        "outcome_letter_received": days_ago(3).isoformat(),
    }
    page = browser.get(response["Location"])
    html = page.content.decode()
    assert reverse("document_download", args=[case.reference, letter.uid]) in html
    assert "outcome-letter.txt" in html
    assert "Not upheld. Names the local policing body for a review." in text_of(page)


def test_a_refused_step_shows_the_engines_message_and_saves_nothing(
    case: Case, advocate: User, browser: Client
) -> None:
    complaint = at_handled_otherwise(case, advocate)
    count = ComplaintStep.objects.count()
    response = browser.post(
        step_url(complaint, "outcome_given"),
        {
            "outcome_letter_dated": days_ago(3).isoformat(),
            "outcome_letter_received": days_ago(8).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "The outcome letter cannot have arrived before the date printed on it." in text_of(
        response
    )
    missing = browser.post(step_url(complaint, "outcome_given"), {"note": "no date"})
    assert "Enter the date printed on the outcome letter" in text_of(missing)
    assert ComplaintStep.objects.count() == count
    assert Complaint.objects.get(pk=complaint.pk).stage == "handled_otherwise"


def test_evidence_from_another_case_cannot_be_chosen(
    case: Case, advocate: User, browser: Client
) -> None:
    complaint = open_one(case, advocate)
    elsewhere = document_in(make_case(advocate), advocate)
    response = browser.post(step_url(complaint, "made_to_force"), {"evidence": str(elsewhere.uid)})
    assert response.status_code == 200
    assert "Select a valid choice" in text_of(response)
    assert Complaint.objects.get(pk=complaint.pk).stage == "made"


def test_a_step_that_cannot_happen_now(case: Case, advocate: User, browser: Client) -> None:
    complaint = open_one(case, advocate)
    stale = browser.get(step_url(complaint, "review_applied"), follow=True)
    assert stale.redirect_chain[-1][0].startswith(detail_url(complaint))
    assert "cannot be recorded now" in text_of(stale)
    refused = browser.post(
        step_url(complaint, "review_applied"), {"review_applied": TODAY.isoformat()}
    )
    assert refused.status_code == 200
    assert "cannot happen while the complaint is at 'Complaint made'" in text_of(refused)
    assert ComplaintStep.objects.filter(complaint=complaint).count() == 1
    assert browser.get(step_url(complaint, "no_such_step")).status_code == 404


def test_referral_criteria_page(case: Case, advocate: User, browser: Client) -> None:
    complaint = open_one(case, advocate)
    url = reverse("complaint_referral", args=[case.reference, complaint.uid])
    page = text_of(browser.get(url))
    assert "It alleges a serious sexual offence" in page
    assert "None of these apply" in page
    both = browser.post(url, {"criteria": ["none", "serious_assault"]})
    assert "Choose one or the other" in text_of(both)
    assert Complaint.objects.get(pk=complaint.pk).referral_criteria == []
    done = browser.post(url, {"criteria": ["serious_assault"]})
    assert done.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).referral_criteria == ["serious_assault"]
    assert "You recorded this applies" in text_of(browser.get(detail_url(complaint)))


def test_linked_matter_page(case: Case, advocate: User, browser: Client) -> None:
    complaint = open_one(case, advocate)
    url = reverse("complaint_linked_matter", args=[case.reference, complaint.uid])
    assert "Judicial review" in text_of(browser.get(url))
    response = browser.post(
        url, {"kind": "civil_claim", "noted_on": TODAY.isoformat(), "note": "Solicitor acting"}
    )
    assert response.status_code == 302
    assert LinkedMatter.objects.get(complaint=complaint).note == "Solicitor acting"
    text = text_of(browser.get(detail_url(complaint)))
    assert "Civil claim against the police" in text and "Solicitor acting" in text


# --- Who may see what -----------------------------------------------------------------------


def all_urls(complaint: Complaint) -> list[str]:
    reference, uid = complaint.case.reference, complaint.uid
    return [
        reverse("complaint_new", args=[reference]),
        detail_url(complaint),
        step_url(complaint, "made_to_force"),
        reverse("complaint_referral", args=[reference, uid]),
        reverse("complaint_linked_matter", args=[reference, uid]),
        reverse("complaint_details", args=[reference, uid]),
    ]


def test_another_advocate_gets_404_everywhere(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    other = client_for("advocate", {"advocate": colleague})
    for url in all_urls(complaint):
        assert other.get(url).status_code == 404, url
        if url != detail_url(complaint):  # the page itself answers POST with 405, to anyone
            assert other.post(url, {}).status_code == 404, url
    assert Complaint.objects.get(pk=complaint.pk).stage == "made"


def test_a_complaint_is_only_found_through_its_own_case(
    case: Case, advocate: User, browser: Client
) -> None:
    complaint = open_one(case, advocate)
    mine_too = make_case(advocate, consents=WITH_COMPLAINT_CONSENT)
    wrong_case = reverse("complaint_detail", args=[mine_too.reference, complaint.uid])
    assert browser.get(wrong_case).status_code == 404
    wrong_step = reverse(
        "complaint_step", args=[mine_too.reference, complaint.uid, "made_to_force"]
    )
    assert browser.post(wrong_step, {}).status_code == 404
    unknown = reverse(
        "complaint_detail", args=[case.reference, "00000000-0000-4000-8000-000000000000"]
    )
    assert browser.get(unknown).status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).stage == "made"


def test_a_closed_case_shows_its_complaints_read_only(
    case: Case, advocate: User, browser: Client
) -> None:
    complaint = open_one(case, advocate)
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    page = browser.get(detail_url(complaint))
    assert page.status_code == 200
    text = text_of(page)
    assert "read-only" in text
    assert "Record what has happened" not in text
    assert step_url(complaint, "made_to_force") not in page.content.decode()
    for url in [u for u in all_urls(complaint) if u != detail_url(complaint)]:
        assert browser.get(url).status_code == 404, url
        assert browser.post(url, {}).status_code == 404, url
    assert ComplaintStep.objects.filter(complaint=complaint).count() == 1


# --- The case page's section and the home page ---------------------------------------------


def test_the_case_section_lists_complaints_with_stage_and_next_deadline(
    case: Case, advocate: User
) -> None:
    empty = render_to_string("casework/sections/_complaints.html", {"case": case, "can_edit": True})
    assert "No police complaints added yet." in empty
    assert reverse("complaint_new", args=[case.reference]) in empty
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(40))
    html = render_to_string("casework/sections/_complaints.html", {"case": case, "can_edit": False})
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert detail_url(complaint) in html
    assert "Recorded under Schedule 3" in text
    due = days_ago(40) + dt.timedelta(days=28)
    assert f"Update to the complainant from the force: {due:%-d %b %Y}" in text
    assert "Overdue" in text
    assert reverse("complaint_new", args=[case.reference]) not in html


def test_home_lists_deadlines_due_within_a_week_soonest_first(advocate: User) -> None:
    overdue_case, soon_case, later_case, none_case = (
        make_case(advocate, consents=WITH_COMPLAINT_CONSENT) for _ in range(4)
    )
    overdue, soon, later = (open_one(c, advocate) for c in (overdue_case, soon_case, later_case))
    open_one(none_case, advocate)  # nothing due yet
    for complaint, recorded in ((overdue, 30), (soon, 24), (later, 10)):
        step(complaint, advocate, "made_to_force")
        step(complaint, advocate, "recorded", complaint_recorded=days_ago(recorded))
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    theirs = open_one(make_case(colleague, consents=WITH_COMPLAINT_CONSENT), colleague)
    step(theirs, colleague, "made_to_force")
    step(theirs, colleague, "recorded", complaint_recorded=days_ago(30))

    due = due_for(advocate, TODAY)
    assert [(d.reference, d.uid) for d in due] == [
        (overdue_case.reference, overdue.uid),
        (soon_case.reference, soon.uid),
    ]
    assert [d.overdue for d in due] == [True, False]
    assert due[0].rule_label == "Update to the complainant from the force"
    assert due[0].stage_label == "Recorded under Schedule 3"
    # Closed and restricted cases drop off, as on the rest of the home page.
    Case.objects.filter(pk=overdue_case.pk).update(status=Status.CLOSED)
    Case.objects.filter(pk=soon_case.pk).update(restricted=True)
    assert due_for(advocate, TODAY) == []
    # A supervisor of the service sees the service's cases.
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    assert supervisor.active_membership is not None
    assert supervisor.active_membership.organisation == service_of(colleague)
    assert theirs.uid in {d.uid for d in due_for(supervisor, TODAY)}


def test_the_home_list_needs_no_key(case: Case, advocate: User) -> None:
    """Nothing on it is decrypted: it still works with every case key gone."""
    complaint = open_one(case, advocate, summary=canary("about"), handler=canary("handler"))
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(30))
    CaseKey.objects.all().delete()
    due = due_for(advocate, TODAY)
    html = render_to_string("complaints/_home_due.html", {"complaints_due": due})
    assert case.reference in html
    assert detail_url(complaint) in html
    assert "CANARY" not in html
    empty = render_to_string("complaints/_home_due.html", {"complaints_due": []})
    assert "No complaint deadlines are due." in empty


def test_the_case_page_and_home_page_show_complaints(
    case: Case, advocate: User, browser: Client
) -> None:
    """The sections are part of the real pages, not only renderable on their own."""
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(30))

    case_page = browser.get(reverse("case_detail", args=[case.reference]))
    assert case_page.status_code == 200
    assert 'id="complaints"' in case_page.content.decode()
    assert detail_url(complaint) in case_page.content.decode()
    assert "Recorded under Schedule 3" in text_of(case_page)

    home = browser.get(reverse("casework_home"))
    assert home.status_code == 200
    assert 'id="complaint-deadlines"' in home.content.decode()
    assert detail_url(complaint) in home.content.decode()
    assert "Update to the complainant from the force" in text_of(home)


def test_who_is_handling_it_and_the_conflict_answer_can_be_changed_later(
    case: Case, advocate: User, browser: Client
) -> None:
    """CASEWORK.md: who is investigating and the conflict-of-interest answer change as a
    complaint goes on (a new investigator, the IOPC taking over)."""
    complaint = open_one(case, advocate, handler="PSD, DS Example")
    url = reverse("complaint_details", args=[case.reference, complaint.uid])
    before = browser.get(detail_url(complaint))
    assert url in before.content.decode()
    unit_note = "You recorded that the officer serves in the unit handling the complaint."
    assert unit_note not in text_of(before)
    form = browser.get(url)
    assert form.status_code == 200 and "PSD, DS Example" in form.content.decode()

    new_handler = canary("handler")
    response = browser.post(
        url,
        {
            "handler": new_handler,
            "officer_in_handling_unit": "yes",
            "summary": "Stalking by a serving officer.",
        },
    )
    assert response.status_code == 302
    fresh = Complaint.objects.select_related("case").get(pk=complaint.pk)
    assert fresh.handler == new_handler
    assert fresh.officer_in_handling_unit == "yes"
    assert fresh.summary == "Stalking by a serving officer."
    assert new_handler not in fresh.sealed_handler  # still sealed
    assert "casework.complaint.details" in actions()
    # The answer feeds the conflict-of-interest prompt at once.
    assert unit_note in text_of(browser.get(detail_url(complaint)))
    # No step was added: the process did not move.
    assert ComplaintStep.objects.filter(complaint=complaint).count() == 1


def test_a_bad_details_form_keeps_what_was_typed_and_changes_nothing(
    case: Case, advocate: User, browser: Client
) -> None:
    complaint = open_one(case, advocate, handler="PSD")
    url = reverse("complaint_details", args=[case.reference, complaint.uid])
    response = browser.post(url, {"handler": "IOPC, Lead investigator", "summary": "x"})
    assert response.status_code == 200
    assert "Say whether the officer serves in the unit handling it" in text_of(response)
    assert 'value="IOPC, Lead investigator"' in response.content.decode()
    assert Complaint.objects.select_related("case").get(pk=complaint.pk).handler == "PSD"
