"""Complaint letters: drafted from the case, edited, kept on the timeline, exported."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
import zipfile

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import documents
from accord.casework.models import Activity, Case
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import ActivityKind, Force, Status, YesNoUnknown
from accord.complaints import consent, letters
from accord.complaints.models import Complaint, MadeTo
from accord.complaints.process import ComplaintState, load_process
from accord.policy.roles import OrgKind, Role
from accord.web import file_checks
from tests.casework.factories import WITH_COMPLAINT_CONSENT, canary, make_case
from tests.complaints.walk import follow
from tests.data_dirs import data_dirs
from tests.factories import person
from tests.security.principals import client_for

__all__ = ["data_dirs"]
pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def advocate() -> User:
    return person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)


def add_complaint(
    case: Case,
    state: ComplaintState,
    *,
    force: str = Force.MET,
    criteria: list[str] | None = None,
    in_handling_unit: str = YesNoUnknown.NOT_KNOWN,
    summary: str | None = None,
    handler: str = "",
) -> Complaint:
    complaint = Complaint(
        case=case,
        process_version=state.version,
        stage=state.stage,
        state=state.to_data(),
        made_to=MadeTo.FORCE,
        force=force,
        officer_in_handling_unit=in_handling_unit,
        referral_criteria=criteria or [],
    )
    complaint.summary = canary("complaint-summary") if summary is None else summary
    complaint.handler = handler
    complaint.save()
    return complaint


def recorded(
    today: dt.date = TODAY, *, made_ago: int = 45, recorded_ago: int = 40
) -> ComplaintState:
    return follow(
        load_process(),
        today - days(made_ago),
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": today - days(recorded_ago)}),
    )


def at_outcome(
    dated: dt.date, received: dt.date | None = None, *, via_iopc: bool = False
) -> ComplaintState:
    made = dated - days(90)
    moves: list[tuple[str, dict[str, dt.date]]] = [
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": made + days(5)}),
    ]
    if via_iopc:
        moves += [
            ("referred_to_iopc", {"referred_to_iopc": made + days(6)}),
            ("iopc_local_investigation", {"investigation_mode_decided": made + days(20)}),
        ]
    else:
        moves.append(("handled_otherwise", {"handling_decided": made + days(10)}))
    outcome = {"outcome_letter_dated": dated}
    if received is not None:
        outcome["outcome_letter_received"] = received
    moves.append(("outcome_given", outcome))
    return follow(load_process(), made, *moves)


def names_of(case: Case) -> tuple[str, str]:
    client = case.client
    assert client is not None
    perpetrator = case.parties.get(role="perpetrator")
    perpetrator.case = case
    return client.name, perpetrator.name


# --- Drafts ------------------------------------------------------------------------------------


def test_the_complaint_letter_is_filled_from_the_case() -> None:
    worker = advocate()
    unit = canary("unit")
    case = make_case(worker, consents=WITH_COMPLAINT_CONSENT, unit=unit)
    complaint = add_complaint(
        case,
        recorded(),
        criteria=["serious_sexual_offence", "police_perpetrated_domestic_abuse", "none"],
        in_handling_unit=YesNoUnknown.YES,
        handler="DS Example, PSD",
    )
    client_name, officer_name = names_of(case)

    text = letters.draft_letter(case, complaint, "complaint", by=worker, today=TODAY)

    assert text.startswith(f"{worker.display_name}\n{case.organisation.name}\n\n2 March 2026\n")
    assert "Directorate of Professional Standards\nMetropolitan Police Service\n" in text
    assert "For the attention of: DS Example, PSD" in text
    assert client_name in text
    assert complaint.summary in text
    assert f"serves with the Metropolitan Police Service, in {unit}." in text
    assert "first made on 16 January 2026" in text
    process = load_process()
    criteria = {c.id: c.text for c in process.prompts["mandatory_referral"].criteria}
    assert f"- {criteria['serious_sexual_offence']}" in text
    assert f"- {criteria['police_perpetrated_domestic_abuse']}" in text
    assert criteria["serious_assault"] not in text
    assert "someone with no connection to the officer" in text
    # Never the officer's name, never the client's contact details.
    assert officer_name not in text
    client = case.client
    assert client is not None
    contact = client.details["contact"]
    assert contact["times"] not in text and contact["code_word"] not in text
    assert contact["phone"] not in text
    assert "CANARY-safe" not in text and "CANARY-code" not in text
    # The address is a gap the advocate must fill.
    assert letters.GAP in text


def test_without_complaint_consent_the_officer_force_and_unit_are_left_out() -> None:
    worker = advocate()
    unit = canary("unit")
    case = make_case(worker, unit=unit)  # consents: keep a record, contact; not a complaint
    complaint = add_complaint(case, recorded())

    text = letters.draft_letter(case, complaint, "complaint", by=worker, today=TODAY)

    assert unit not in text
    assert "serves with" not in text
    assert consent.missing(case) == [consent.ACTING]
    # The force complained about is still the addressee: that is where the letter goes.
    assert "Metropolitan Police Service" in text


def test_a_force_accord_cannot_name_is_a_gap() -> None:
    worker = advocate()
    case = make_case(worker, consents=WITH_COMPLAINT_CONSENT, force=Force.OTHER)
    complaint = add_complaint(case, recorded(), force=Force.OTHER)
    text = letters.draft_letter(case, complaint, "complaint", by=worker, today=TODAY)
    assert "Professional Standards Department\n[FILL IN: the name of the police force]" in text
    assert "The officer complained about serves in CANARY-unit-" in text


def test_the_update_request_says_when_the_last_update_was_and_that_it_is_late() -> None:
    worker = advocate()
    case = make_case(worker)
    complaint = add_complaint(case, recorded())  # recorded 40 days ago, no update since

    text = letters.draft_letter(case, complaint, "update", by=worker, today=TODAY)

    assert "complaint made on 16 January 2026 and recorded on 21 January 2026" in text
    assert "We have not had an update since the complaint was recorded." in text
    assert "more than four weeks ago" in text
    assert "Metropolitan Police Service" in text

    fresh = add_complaint(case, recorded(made_ago=12, recorded_ago=10))
    fresh_text = letters.draft_letter(case, fresh, "update", by=worker, today=TODAY)
    assert "more than four weeks ago" not in fresh_text


def test_the_update_request_goes_to_the_iopc_while_it_has_the_complaint() -> None:
    worker = advocate()
    case = make_case(worker)
    state = follow(
        load_process(),
        TODAY - days(30),
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": TODAY - days(28)}),
        ("referred_to_iopc", {"referred_to_iopc": TODAY - days(20)}),
        ("update_received", {"update_received": TODAY - days(7)}),
    )
    complaint = add_complaint(case, state)

    text = letters.draft_letter(case, complaint, "update", by=worker, today=TODAY)

    assert "\nIndependent Office for Police Conduct\n" in text
    assert "Directorate of Professional Standards" not in text
    assert "referred to the IOPC on 10 February 2026" in text
    assert "The last update we received is dated 23 February 2026." in text


def test_a_review_application_in_time_gives_the_time_limit() -> None:
    worker = advocate()
    case = make_case(worker)
    complaint = add_complaint(case, at_outcome(TODAY - days(10)))

    text = letters.draft_letter(case, complaint, "review", by=worker, today=TODAY)

    assert "The outcome letter is dated 20 February 2026." in text
    assert "This application is made within the time limit" in text
    assert "by 20 March 2026" in text
    assert "this application is late" not in text
    assert "exceptional circumstances" not in text
    # Handled by the force without the IOPC: the local policing body reviews (MOPAC here).
    assert "\nMayor's Office for Policing and Crime (MOPAC)\n" in text


def test_a_late_review_application_asks_for_it_to_be_accepted() -> None:
    worker = advocate()
    case = make_case(worker)
    dated = TODAY - days(35)
    complaint = add_complaint(case, at_outcome(dated, received=dated + days(9), via_iopc=True))

    text = letters.draft_letter(case, complaint, "review", by=worker, today=TODAY)

    assert "The outcome letter is dated 26 January 2026 and arrived on 4 February 2026." in text
    assert "That time ended on 23 February 2026, so this application is late." in text
    assert "arrived 9 days after the date printed on it" in text
    assert "exceptional circumstances" in text
    assert "[FILL IN: why the application is late" in text
    # Referred to the IOPC: the first guess is that the IOPC reviews it.
    assert "\nIndependent Office for Police Conduct\n" in text
    # The advocate can say the letter names the local policing body instead.
    other = letters.draft_letter(
        case, complaint, "review", by=worker, review_body=letters.LOCAL_POLICING_BODY, today=TODAY
    )
    assert "Mayor's Office for Policing and Crime (MOPAC)" in other
    assert "Independent Office for Police Conduct" not in other


def test_a_review_application_before_the_outcome_is_recorded_leaves_the_date_to_fill() -> None:
    worker = advocate()
    case = make_case(worker)
    complaint = add_complaint(case, recorded())

    text = letters.draft_letter(case, complaint, "review", by=worker, today=TODAY)

    assert "The outcome letter is dated [FILL IN: the date printed on the outcome letter]." in text
    assert "An application for a review must be made within 28 days, counting from" in text
    assert "late" not in text.split("Why we ask")[0]


def test_an_unknown_letter_or_another_cases_complaint_is_refused() -> None:
    worker = advocate()
    case = make_case(worker)
    complaint = add_complaint(case, recorded())
    with pytest.raises(letters.LetterError, match="no letter of that kind"):
        letters.draft_letter(case, complaint, "threat", by=worker)
    other = add_complaint(make_case(worker), recorded())
    with pytest.raises(letters.LetterError, match="does not belong to this case"):
        letters.draft_letter(case, other, "update", by=worker)


# --- Saving ------------------------------------------------------------------------------------


def test_a_saved_letter_is_a_sealed_timeline_letter_with_an_audit_event() -> None:
    worker = advocate()
    case = make_case(worker, consents=WITH_COMPLAINT_CONSENT)
    complaint = add_complaint(case, recorded())
    secret = canary("letter-body")
    text = f"Dear Sir or Madam,\n\n{secret}\n\nYours faithfully,\nA. Advocate\n"

    activity = letters.save_letter(None, case, complaint, "update", text, worker)

    assert activity.kind == ActivityKind.LETTER
    assert activity.occurred_at is not None and activity.due_on is None
    stored = Activity.objects.get(pk=activity.pk)
    stored.case = case
    assert stored.text == f"Request for an update on the complaint\n\n{text}"
    assert letters.split_saved(stored.text) == ("Request for an update on the complaint", text)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_text FROM casework_activity WHERE id = %s", [activity.pk])
        (raw,) = cursor.fetchone()
    assert secret not in raw
    assert AuditEvent.objects.filter(
        action="casework.complaints.letter.update.save", object_id=case.reference
    ).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   \n ", "The letter is empty"),
        ("Dear Sir,\n\n[FILL IN: the address]\n", "still has gaps"),
        ("x" * (letters.MAX_LETTER_CHARS + 1), "at most 20,000 characters"),
    ],
)
def test_a_letter_that_is_not_ready_is_not_saved(text: str, message: str) -> None:
    worker = advocate()
    case = make_case(worker, consents=WITH_COMPLAINT_CONSENT)
    complaint = add_complaint(case, recorded())
    with pytest.raises(letters.LetterError, match=message):
        letters.save_letter(None, case, complaint, "complaint", text, worker)
    assert not Activity.objects.filter(case=case, kind=ActivityKind.LETTER).exists()


def test_nothing_is_saved_to_a_closed_case() -> None:
    worker = advocate()
    case = make_case(worker)
    complaint = add_complaint(case, recorded())
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    case.refresh_from_db()
    with pytest.raises(CaseworkError, match="closed"):
        letters.save_letter(None, case, complaint, "complaint", "Dear Sir,\nText\n", worker)
    assert not Activity.objects.filter(case=case).exists()


def test_a_letter_written_on_the_timeline_exports_whole() -> None:
    assert letters.split_saved("Wrote to PSD\n\nasking for an update") == (
        "Letter",
        "Wrote to PSD\n\nasking for an update",
    )


# --- Exports -----------------------------------------------------------------------------------


def parse(data: bytes) -> ET.Element:
    """Parse a part of a file Accord itself just wrote (no DTD, no entities: checked below)."""
    assert b"<!DOCTYPE" not in data and b"<!ENTITY" not in data
    return ET.fromstring(data)  # noqa: S314


AWKWARD = "Line with <tags> & \"quotes\" & 'apostrophes'\n\n  indented line\n\x0bEnd: £5 – ✓\n"


def test_the_word_file_is_valid_and_holds_one_paragraph_per_line() -> None:
    data = letters.letter_docx(AWKWARD, "Request for an update on the complaint")

    assert documents.check_file(data, "letter.docx") is file_checks.DOCX
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"
        assert {"_rels/.rels", "word/document.xml", "docProps/core.xml"} <= set(names)
        for name in names:
            parse(archive.read(name))  # every part is well-formed XML
        body = parse(archive.read("word/document.xml")).find(f"{W}body")
        core = parse(archive.read("docProps/core.xml"))
        rels = parse(archive.read("_rels/.rels"))
    assert body is not None
    paragraphs = body.findall(f"{W}p")
    texts = ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in paragraphs]
    assert texts == [
        "Line with <tags> & \"quotes\" & 'apostrophes'",
        "",
        "  indented line",
        "End: £5 – ✓",  # the vertical tab cannot be held in XML at all: removed
        "",
    ]
    assert core.findtext("{http://purl.org/dc/elements/1.1/}title") == (
        "Request for an update on the complaint"
    )
    targets = {r.get("Target") for r in rels}
    assert targets == {"word/document.xml", "docProps/core.xml"}


def test_the_pdf_holds_the_letter_and_its_title() -> None:
    secret = canary("pdf-line")
    data = letters.letter_pdf(f"Dear Sir or Madam,\n\n{secret}\n\nYours faithfully,\n", "Title")

    assert documents.check_file(data, "letter.pdf") is file_checks.PDF
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata is not None and reader.metadata.title == "Title"
    assert secret in "".join(page.extract_text() for page in reader.pages)


def test_download_names_say_what_the_letter_is_not_who_it_is_about() -> None:
    assert letters.download_name("Application for a review of the complaint outcome", "pdf") == (
        "application-for-a-review-of-the-complaint-outcome.pdf"
    )
    assert letters.download_name("!!!", "docx") == "letter.docx"


# --- Pages -------------------------------------------------------------------------------------


def _draft_url(case: Case, complaint: Complaint, kind: str) -> str:
    return reverse("complaint_letter_draft", args=[case.reference, complaint.uid, kind])


def test_draft_edit_save_and_download_through_the_pages() -> None:
    worker = advocate()
    case = make_case(worker, consents=WITH_COMPLAINT_CONSENT)
    complaint = add_complaint(case, recorded())
    client = client_for("advocate", {"advocate": worker})
    client_name, _ = names_of(case)

    page = client.get(_draft_url(case, complaint, "update"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Request for an update on the complaint" in body
    assert client_name in body  # in the textarea, ready to edit
    assert 'autocomplete="off"' in body
    assert AuditEvent.objects.filter(
        action="casework.complaints.letter.update.draft", object_id=case.reference
    ).exists()

    # Saved as drafted: the gaps are still there, so it is refused and nothing is saved.
    draft = letters.draft_letter(case, complaint, "update", by=worker)
    refused = client.post(_draft_url(case, complaint, "update"), {"text": draft})
    assert refused.status_code == 200
    assert "still has gaps marked [FILL IN: ...]" in refused.content.decode()
    assert not Activity.objects.filter(case=case, kind=ActivityKind.LETTER).exists()

    edited = draft.replace(
        "[FILL IN: the address or email address to send this to]", "psd@example.police.uk"
    )
    saved = client.post(_draft_url(case, complaint, "update"), {"text": edited})
    activity = Activity.objects.get(case=case, kind=ActivityKind.LETTER)
    detail_url = reverse("complaint_letter_detail", args=[case.reference, activity.uid])
    assert saved.status_code == 302 and saved["Location"] == detail_url

    detail = client.get(detail_url)
    assert detail.status_code == 200
    assert "psd@example.police.uk" in detail.content.decode()

    for fmt, kind in (("pdf", file_checks.PDF), ("docx", file_checks.DOCX)):
        response = client.get(
            reverse(f"complaint_letter_{fmt}", args=[case.reference, activity.uid])
        )
        assert response.status_code == 200
        assert response["Content-Disposition"] == (
            f'attachment; filename="request-for-an-update-on-the-complaint.{fmt}"'
        )
        assert response["Cache-Control"] == "no-store"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert documents.check_file(response.content, f"letter.{fmt}") is kind
        assert client_name not in response["Content-Disposition"]
        assert AuditEvent.objects.filter(
            action=f"casework.complaints.letter.download.{fmt}", object_id=case.reference
        ).exists()
    docx = client.get(reverse("complaint_letter_docx", args=[case.reference, activity.uid]))
    with zipfile.ZipFile(io.BytesIO(docx.content)) as archive:
        document = archive.read("word/document.xml").decode()
    assert "psd@example.police.uk" in document
    assert "Request for an update on the complaint</w:t>" not in document  # title is metadata


def test_the_review_page_offers_the_review_body_and_redrafts_for_it() -> None:
    worker = advocate()
    case = make_case(worker)
    complaint = add_complaint(case, at_outcome(TODAY - days(10)))
    client = client_for("advocate", {"advocate": worker})

    guessed = client.get(_draft_url(case, complaint, "review")).content.decode()
    assert "Who does the outcome letter say carries out the review?" in guessed
    assert "Mayor&#x27;s Office for Policing and Crime (MOPAC)" in guessed

    chosen = client.get(_draft_url(case, complaint, "review") + "?to=iopc").content.decode()
    assert "Independent Office for Police Conduct" in chosen
    assert "Mayor&#x27;s Office" not in chosen
    assert "You cannot save or send this letter" in chosen


def test_pages_are_only_for_the_cases_people() -> None:
    worker = advocate()
    case = make_case(worker, consents=WITH_COMPLAINT_CONSENT)
    complaint = add_complaint(case, recorded())
    activity = letters.save_letter(None, case, complaint, "update", "Dear Sir,\nText\n", worker)
    outsider = client_for("advocate", {"advocate": advocate()})
    urls = [
        _draft_url(case, complaint, "update"),
        reverse("complaint_letter_detail", args=[case.reference, activity.uid]),
        reverse("complaint_letter_pdf", args=[case.reference, activity.uid]),
        reverse("complaint_letter_docx", args=[case.reference, activity.uid]),
    ]
    for url in urls:
        assert outsider.get(url).status_code == 404

    own = client_for("advocate", {"advocate": worker})
    assert own.get(_draft_url(case, complaint, "threat")).status_code == 404
    other_case = make_case(worker)
    assert own.get(_draft_url(other_case, complaint, "update")).status_code == 404
    note = Activity(case=case, kind=ActivityKind.NOTE, created_by=worker)
    note.text = "a note, not a letter"
    note.save()
    assert (
        own.get(reverse("complaint_letter_pdf", args=[case.reference, note.uid])).status_code == 404
    )

    # A closed case: no new letters, but the saved ones can still be read and downloaded.
    Case.objects.filter(pk=case.pk).update(status=Status.CLOSED)
    assert own.get(urls[0]).status_code == 404
    for url in urls[1:]:
        assert own.get(url).status_code == 200


def test_the_complaint_page_offers_every_letter_and_the_timeline_links_a_saved_one() -> None:
    worker = advocate()
    case = make_case(worker, consents=WITH_COMPLAINT_CONSENT)
    complaint = add_complaint(case, recorded())
    client = client_for("advocate", {"advocate": worker})

    page = client.get(reverse("complaint_detail", args=[case.reference, complaint.uid]))
    body = page.content.decode()
    for kind in letters.KINDS:
        assert _draft_url(case, complaint, kind) in body

    draft = letters.draft_letter(case, complaint, "update", by=worker)
    edited = draft.replace(
        "[FILL IN: the address or email address to send this to]", "psd@example.police.uk"
    )
    client.post(_draft_url(case, complaint, "update"), {"text": edited})
    activity = Activity.objects.get(case=case, kind=ActivityKind.LETTER)
    case_page = client.get(reverse("case_detail", args=[case.reference]))
    detail_url = reverse("complaint_letter_detail", args=[case.reference, activity.uid])
    assert detail_url in case_page.content.decode()
    assert "Open the letter to download it" in case_page.content.decode()
