"""The consent gate: no complaint, step or letter for the client without their consent.

Without consent to "Act for you in a police complaint" in force (never given, or withdrawn),
the advocate cannot add a complaint, record a step that acts for the client, or save a letter;
a complaint made to the IOPC, or a letter to it, also needs "Share with the IOPC". Noting what
the force or the IOPC did, and ending the complaint, stay possible. A refusal names the
consent, says what to do, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import people, referrals
from accord.casework.models import Activity, Case
from accord.casework.vocabularies import ActivityKind, ConsentMethod, ConsentPurpose
from accord.complaints import consent, letters, services
from accord.complaints.models import Complaint, ComplaintStep
from accord.complaints.services import ComplaintConsentMissing
from tests.casework.factories import WITH_COMPLAINT_CONSENT, make_case
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ACTING_LABEL = "“Act for you in a police complaint”"
IOPC_LABEL = "“Share with the IOPC”"
LETTER = "Dear Sir or Madam,\n\nPlease tell me where the complaint has got to.\n\nYours,\nA.\n"


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def agreed(advocate: User) -> Case:
    """A case whose client agreed to us acting for them in a complaint (not to the IOPC)."""
    return make_case(advocate, consents=WITH_COMPLAINT_CONSENT)


@pytest.fixture
def never_agreed(advocate: User) -> Case:
    """A case with only the intake's consents: keep a record, contact."""
    return make_case(advocate)


@pytest.fixture
def browser(advocate: User) -> Client:
    return client_for("advocate", {"advocate": advocate})


def open_one(case: Case, by: User, made_to: str = "force", summary: str = "") -> Complaint:
    return services.open_complaint(
        None,
        case,
        made_on=days_ago(60),
        made_to=made_to,
        force="met",
        summary=summary,
        handler="",
        officer_in_handling_unit="not_known",
        by=by,
    )


def step(complaint: Complaint, by: User, transition: str, **dates: dt.date) -> ComplaintStep:
    return services.record_step(None, complaint, transition, dates, TODAY, "", None, by)


def withdraw(case: Case, purpose: str, by: User, on: dt.date = TODAY) -> None:
    agreement = people.active_consent(case, purpose)
    assert agreement is not None
    people.withdraw_consent(None, case, agreement, withdrawn_on=on, by=by)


def agree(case: Case, purpose: str, by: User) -> None:
    people.add_consent(
        None, case, purpose=purpose, given_on=TODAY, method=ConsentMethod.VERBAL, by=by
    )


def with_iopc(case: Case, by: User) -> Complaint:
    """A complaint the force has referred to the IOPC: an update request goes to the IOPC."""
    complaint = open_one(case, by)
    step(complaint, by, "made_to_force")
    step(complaint, by, "recorded", complaint_recorded=days_ago(50))
    step(complaint, by, "referred_to_iopc", referred_to_iopc=days_ago(45))
    return complaint


def at_outcome(case: Case, by: User) -> Complaint:
    complaint = open_one(case, by)
    step(complaint, by, "made_to_force")
    step(complaint, by, "recorded", complaint_recorded=days_ago(50))
    step(complaint, by, "handled_otherwise", handling_decided=days_ago(40))
    step(complaint, by, "outcome_given", outcome_letter_dated=days_ago(5))
    return complaint


def actions() -> list[str]:
    return list(AuditEvent.objects.values_list("action", flat=True))


def text_of(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- Which steps act for the client ----------------------------------------------------------


def test_the_steps_that_act_for_the_client_are_the_client_sides_except_the_endings() -> None:
    process = services.current_process()
    acting = {
        step.id for step in process.transitions.values() if consent.acts_for_client(process, step)
    }
    assert acting == {
        "made_to_force",
        "referral_criteria_noted",
        "resumption_reply_sent",
        "review_applied",
        "review_not_sought",
        "judicial_review_claim_filed",
    }
    # Ending the complaint stays possible: the client's own signed withdrawal, and closing.
    assert process.transitions["withdrawn"].actor == "complainant"
    assert process.transitions["case_closed"].actor == "advocate"


# --- Adding a complaint -----------------------------------------------------------------------


def test_no_complaint_is_added_for_a_client_who_never_agreed(
    never_agreed: Case, advocate: User
) -> None:
    with pytest.raises(ComplaintConsentMissing) as refused:
        open_one(never_agreed, advocate)
    assert refused.value.purpose == ConsentPurpose.COMPLAINT
    message = str(refused.value)
    assert f"The client has not given consent to {ACTING_LABEL}." in message
    assert "we cannot add a complaint for them" in message
    assert "record their consent on the case page" in message
    assert not Complaint.objects.exists()
    assert not ComplaintStep.objects.exists()
    assert "casework.complaint.open" not in actions()


def test_no_complaint_is_added_once_the_client_withdrew(agreed: Case, advocate: User) -> None:
    agreed.consents.update(given_on=days_ago(30))
    withdraw(agreed, ConsentPurpose.COMPLAINT, advocate, on=days_ago(3))
    with pytest.raises(ComplaintConsentMissing) as refused:
        open_one(agreed, advocate)
    day = days_ago(3)
    assert f"The client withdrew consent to {ACTING_LABEL} on {day.day} {day:%B %Y}." in str(
        refused.value
    )
    assert not Complaint.objects.exists()


def test_a_complaint_made_to_the_iopc_also_needs_consent_to_share_with_it(
    agreed: Case, advocate: User
) -> None:
    with pytest.raises(ComplaintConsentMissing) as refused:
        open_one(agreed, advocate, made_to="iopc")
    assert refused.value.purpose == ConsentPurpose.SHARE_IOPC
    assert f"The client has not given consent to {IOPC_LABEL}." in str(refused.value)
    assert not Complaint.objects.exists()

    agree(agreed, ConsentPurpose.SHARE_IOPC, advocate)
    assert open_one(agreed, advocate, made_to="iopc").made_to == "iopc"


def test_with_consent_a_complaint_to_the_force_needs_nothing_more(
    agreed: Case, advocate: User
) -> None:
    complaint = open_one(agreed, advocate)
    assert complaint.steps.count() == 1
    assert "casework.complaint.open" in actions()


def test_the_iopc_consent_alone_is_not_enough(never_agreed: Case, advocate: User) -> None:
    agree(never_agreed, ConsentPurpose.SHARE_IOPC, advocate)
    with pytest.raises(ComplaintConsentMissing) as refused:
        open_one(never_agreed, advocate, made_to="iopc")
    assert refused.value.purpose == ConsentPurpose.COMPLAINT


# --- Recording steps --------------------------------------------------------------------------


def test_after_withdrawal_a_step_that_acts_for_the_client_is_refused_and_nothing_changes(
    agreed: Case, advocate: User
) -> None:
    complaint = open_one(agreed, advocate)
    withdraw(agreed, ConsentPurpose.COMPLAINT, advocate)
    before = (complaint.stage, complaint.state, complaint.next_due_on)

    with pytest.raises(ComplaintConsentMissing) as refused:
        step(complaint, advocate, "made_to_force")

    assert refused.value.purpose == ConsentPurpose.COMPLAINT
    assert "we cannot record “Made to the force directly”" in str(refused.value)
    assert "You can still record what the force, the IOPC or others do." in str(refused.value)
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.stage, fresh.state, fresh.next_due_on) == before
    assert fresh.steps.count() == 1  # only the opening entry
    assert "casework.complaint.step" not in actions()


def test_after_withdrawal_what_the_police_do_can_still_be_noted(
    agreed: Case, advocate: User
) -> None:
    complaint = open_one(agreed, advocate)
    step(complaint, advocate, "made_to_force")
    withdraw(agreed, ConsentPurpose.COMPLAINT, advocate)

    step(complaint, advocate, "recorded", complaint_recorded=days_ago(50))
    step(complaint, advocate, "handled_otherwise", handling_decided=days_ago(40))
    step(complaint, advocate, "outcome_given", outcome_letter_dated=days_ago(5))

    assert Complaint.objects.get(pk=complaint.pk).stage == "outcome_given"
    # ...but applying for a review is acting for the client.
    with pytest.raises(ComplaintConsentMissing):
        step(complaint, advocate, "review_applied", review_applied=TODAY)
    assert Complaint.objects.get(pk=complaint.pk).stage == "outcome_given"


def test_after_withdrawal_the_clients_own_withdrawal_of_the_complaint_can_be_recorded(
    agreed: Case, advocate: User
) -> None:
    complaint = open_one(agreed, advocate)
    withdraw(agreed, ConsentPurpose.COMPLAINT, advocate)
    step(complaint, advocate, "withdrawn", withdrawal_notified=TODAY)
    assert Complaint.objects.get(pk=complaint.pk).stage == "withdrawn"


def test_with_consent_the_clients_steps_are_recorded(agreed: Case, advocate: User) -> None:
    complaint = at_outcome(agreed, advocate)
    step(complaint, advocate, "review_applied", review_applied=TODAY)
    assert Complaint.objects.get(pk=complaint.pk).stage == "review_requested"


def test_telling_the_force_the_referral_criteria_are_met_is_acting_for_the_client(
    agreed: Case, advocate: User
) -> None:
    complaint = open_one(agreed, advocate)
    withdraw(agreed, ConsentPurpose.COMPLAINT, advocate)
    with pytest.raises(ComplaintConsentMissing):
        step(complaint, advocate, "referral_criteria_noted", referral_criteria_met=TODAY)


# --- Letters ----------------------------------------------------------------------------------


def test_no_letter_is_saved_without_consent_to_act(never_agreed: Case, advocate: User) -> None:
    agree(never_agreed, ConsentPurpose.COMPLAINT, advocate)
    complaint = open_one(never_agreed, advocate)
    withdraw(never_agreed, ConsentPurpose.COMPLAINT, advocate)
    for kind in letters.KINDS:
        with pytest.raises(letters.LetterConsentMissing) as refused:
            letters.save_letter(None, never_agreed, complaint, kind, LETTER, advocate)
        assert refused.value.purpose == ConsentPurpose.COMPLAINT
        assert "this letter cannot be saved" in str(refused.value)
    assert not Activity.objects.filter(case=never_agreed, kind=ActivityKind.LETTER).exists()
    assert not [a for a in actions() if a.startswith("casework.complaints.letter.")]


def test_a_letter_to_the_iopc_also_needs_consent_to_share_with_it(
    agreed: Case, advocate: User
) -> None:
    complaint = with_iopc(agreed, advocate)
    assert letters.addressed_to_iopc(complaint, "update")
    with pytest.raises(letters.LetterConsentMissing) as refused:
        letters.save_letter(None, agreed, complaint, "update", LETTER, advocate)
    assert refused.value.purpose == ConsentPurpose.SHARE_IOPC
    assert "This letter goes to the IOPC" in str(refused.value)
    assert not Activity.objects.filter(case=agreed, kind=ActivityKind.LETTER).exists()

    # The complaint letter itself goes to the force: consent to act is enough for it.
    letters.save_letter(None, agreed, complaint, "complaint", LETTER, advocate)
    agree(agreed, ConsentPurpose.SHARE_IOPC, advocate)
    letters.save_letter(None, agreed, complaint, "update", LETTER, advocate)
    assert Activity.objects.filter(case=agreed, kind=ActivityKind.LETTER).count() == 2


def test_a_review_application_needs_the_iopc_consent_only_when_the_iopc_reviews(
    agreed: Case, advocate: User
) -> None:
    complaint = at_outcome(agreed, advocate)
    with pytest.raises(letters.LetterConsentMissing):
        letters.save_letter(
            None, agreed, complaint, "review", LETTER, advocate, review_body=letters.IOPC
        )
    saved = letters.save_letter(
        None,
        agreed,
        complaint,
        "review",
        LETTER,
        advocate,
        review_body=letters.LOCAL_POLICING_BODY,
    )
    assert saved.kind == ActivityKind.LETTER


# --- The pages --------------------------------------------------------------------------------


def test_the_add_page_warns_refuses_and_keeps_what_was_typed(
    never_agreed: Case, browser: Client
) -> None:
    url = reverse("complaint_new", args=[never_agreed.reference])
    warned = text_of(browser.get(url))
    assert "You cannot add a complaint for this client" in warned
    assert (
        reverse("consent_new", args=[never_agreed.reference]) in browser.get(url).content.decode()
    )

    summary = "Typed by the advocate before the refusal"
    response = browser.post(
        url,
        {
            "made_on": days_ago(5).isoformat(),
            "made_to": "force",
            "force": "met",
            "officer_in_handling_unit": "not_known",
            "summary": summary,
        },
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert f"The client has not given consent to {ACTING_LABEL}." in page
    assert summary in page
    assert reverse("consent_new", args=[never_agreed.reference]) in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_iopc_refusal_is_shown_beside_who_the_complaint_was_made_to(
    agreed: Case, browser: Client
) -> None:
    url = reverse("complaint_new", args=[agreed.reference])
    assert "A complaint made to the IOPC also needs" in text_of(browser.get(url))
    response = browser.post(
        url,
        {
            "made_on": days_ago(5).isoformat(),
            "made_to": "iopc",
            "force": "met",
            "officer_in_handling_unit": "not_known",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    beside = re.search(
        r'<p id="id_made_to-error" class="govuk-error-message">(.*?)</p>', html, re.S
    )
    assert beside is not None
    assert "Share with the IOPC" in unescape(beside.group(1))
    assert not Complaint.objects.exists()


def test_the_step_page_warns_and_refuses_a_step_for_the_client(
    agreed: Case, advocate: User, browser: Client
) -> None:
    complaint = open_one(agreed, advocate)
    withdraw(agreed, ConsentPurpose.COMPLAINT, advocate)
    url = reverse("complaint_step", args=[agreed.reference, complaint.uid, "made_to_force"])

    assert "You cannot record this step" in text_of(browser.get(url))
    response = browser.post(url, {"note": "Phoned PSD"})
    assert response.status_code == 200
    page = text_of(response)
    assert f"The client withdrew consent to {ACTING_LABEL}" in page
    assert "Phoned PSD" in page
    assert Complaint.objects.get(pk=complaint.pk).steps.count() == 1

    # Noting what the IOPC did needs no consent, and the page gives no warning.
    noted = reverse("complaint_step", args=[agreed.reference, complaint.uid, "passed_on_to_force"])
    assert "You cannot record this step" not in text_of(browser.get(noted))
    done = browser.post(noted, {"passed_to_force": days_ago(50).isoformat()})
    assert done.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).stage == "initial_handling"


def test_the_letter_page_refuses_to_save_and_keeps_the_letter(
    agreed: Case, advocate: User, browser: Client
) -> None:
    complaint = open_one(agreed, advocate)
    withdraw(agreed, ConsentPurpose.COMPLAINT, advocate)
    url = reverse("complaint_letter_draft", args=[agreed.reference, complaint.uid, "complaint"])

    drafted = browser.get(url)
    assert "You cannot save or send this letter" in text_of(drafted)
    assert reverse("consent_new", args=[agreed.reference]) in drafted.content.decode()

    typed = "Dear Sir or Madam,\n\nWritten by the advocate, word for word.\n\nYours,\nA.\n"
    response = browser.post(url, {"text": typed})
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert f"The client withdrew consent to {ACTING_LABEL}" in page
    assert "Written by the advocate, word for word." in page
    assert not Activity.objects.filter(case=agreed, kind=ActivityKind.LETTER).exists()


def test_the_review_page_refuses_a_letter_to_the_iopc_without_that_consent(
    agreed: Case, advocate: User, browser: Client
) -> None:
    complaint = at_outcome(agreed, advocate)
    url = reverse("complaint_letter_draft", args=[agreed.reference, complaint.uid, "review"])

    to_iopc = browser.post(f"{url}?to=iopc", {"text": LETTER})
    assert to_iopc.status_code == 200
    assert f"The client has not given consent to {IOPC_LABEL}." in text_of(to_iopc)
    assert not Activity.objects.filter(case=agreed, kind=ActivityKind.LETTER).exists()

    to_lpb = browser.post(f"{url}?to=local_policing_body", {"text": LETTER})
    assert to_lpb.status_code == 302
    assert Activity.objects.filter(case=agreed, kind=ActivityKind.LETTER).count() == 1


def test_with_consent_the_pages_give_no_warning(
    agreed: Case, advocate: User, browser: Client
) -> None:
    complaint = open_one(agreed, advocate)
    pages = [
        reverse("complaint_step", args=[agreed.reference, complaint.uid, "made_to_force"]),
        reverse("complaint_letter_draft", args=[agreed.reference, complaint.uid, "update"]),
    ]
    for url in pages:
        page = text_of(browser.get(url))
        assert "You cannot" not in page
        assert "Not in force for this client" not in page
    # The add page only mentions that a complaint made to the IOPC needs more.
    adding = text_of(browser.get(reverse("complaint_new", args=[agreed.reference])))
    assert "You cannot" not in adding
    assert "A complaint made to the IOPC also needs" in adding
    agree(agreed, ConsentPurpose.SHARE_IOPC, advocate)
    adding = text_of(browser.get(reverse("complaint_new", args=[agreed.reference])))
    assert "Not in force for this client" not in adding


# --- One wording for every consent refusal ----------------------------------------------------


def test_referrals_and_complaints_say_the_same_about_a_withdrawn_consent(
    advocate: User,
) -> None:
    case = make_case(advocate, consents=[*WITH_COMPLAINT_CONSENT, ConsentPurpose.SHARE_IOPC])
    withdraw(case, ConsentPurpose.SHARE_IOPC, advocate)
    said = people.consent_not_in_force(case, ConsentPurpose.SHARE_IOPC)
    with pytest.raises(referrals.ConsentMissing) as referral:
        referrals.make_referral(None, case, to="iopc", made_on=TODAY, by=advocate)
    with pytest.raises(ComplaintConsentMissing) as complaint:
        open_one(case, advocate, made_to="iopc")
    assert str(referral.value).startswith(said)
    assert str(complaint.value).startswith(said)
    assert isinstance(complaint.value, people.ConsentMissing)
