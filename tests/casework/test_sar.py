"""Subject access: the accused officer gets nothing that identifies or locates the client; the
client gets their record without the officer's details; nothing leaves without a second
supervisor's approval."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accord.audit.models import AuditEvent
from accord.casework import sar
from accord.casework.models import Activity, Case, Party, SubjectAccessRequest
from accord.casework.vocabularies import ActivityKind
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import canary, make_case
from tests.factories import person
from tests.security.matrix_casework_rights import (
    access_request,
    populate,
    reauthenticated_client,
    supervisor,
)
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    settings.ACCORD_CASE_FILES_DIR = tmp_path / "case-files"
    return Path(settings.ACCORD_CASE_FILES_DIR)


def _case() -> tuple[Case, dict[str, str], dict[str, str]]:
    """A case whose notes name the client and the officer. Returns the case, the victim's
    canaries (must never reach the officer) and the officer's own."""
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    perpetrator_name = f"Officer {canary('perp')}"
    case = make_case(advocate, perpetrator_name=perpetrator_name)
    victim = populate(case, advocate)
    client = Party.objects.get(case=case, role=Party.Role.CLIENT)
    client.case = case
    contact = client.details["contact"]
    victim.update(
        summary=case.summary,
        client_name=client.name,
        phone=contact["phone"],
        times=contact["times"],
        code_word=contact["code_word"],
    )
    note = Activity(case=case, kind=ActivityKind.NOTE, occurred_at=timezone.now())
    note.text = f"{client.name} said {perpetrator_name} followed her to {victim['times']}."
    note.save()
    officer = Party.objects.get(case=case, role=Party.Role.PERPETRATOR)
    officer.case = case
    own = {"name": officer.name, "unit": officer.unit}
    return case, victim, own


def _approve(
    found: SubjectAccessRequest, included: list[str] | None = None, reason: str = ""
) -> SubjectAccessRequest:
    reviewer, approver = supervisor(), supervisor()
    items = sar.items_for(found)
    chosen = [i.key for i in items if i.own] if included is None else included
    prepared = sar.prepare(None, found, included=chosen, reason=reason, by=reviewer)
    return sar.approve(None, prepared, by=approver)


def _pdf_text(data: bytes) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)  # a canary split across lines is still found


def _exports(found: SubjectAccessRequest) -> tuple[str, str]:
    fresh = SubjectAccessRequest.objects.get(pk=found.pk)
    fresh.case.refresh_from_db()
    return sar.export_json(fresh).decode(), _pdf_text(sar.export_pdf(fresh))


def test_an_officers_request_contains_nothing_about_the_victim() -> None:
    case, victim, own = _case()
    found = _approve(access_request(case, role=Party.Role.PERPETRATOR))

    text, pdf = _exports(found)

    export = json.loads(text)
    for value in own.values():  # their own data is there (so the search below can find text)
        assert value in text and re.sub(r"\s+", "", value) in pdf
    for label, value in victim.items():
        assert value not in text, label
        assert re.sub(r"\s+", "", value) not in pdf, label
    assert case.reference not in text
    assert "colleagues" not in text, "her fear of a cover-up is hers, not his"
    assert export["withheld"] and all("paragraph 16" in w["exemption"] for w in export["withheld"])
    assert {w["category"] for w in export["withheld"]} <= {
        "Information about another person",
        "Information that would identify who gave it",
    }


def test_a_released_item_still_has_the_victims_name_and_contact_removed() -> None:
    case, victim, own = _case()
    found = access_request(case, role=Party.Role.PERPETRATOR)
    items = sar.items_for(found)
    note = next(i for i in items if i.key.startswith("activity:") and "followed" in str(i.value))
    chosen = [i.key for i in items if i.own] + [note.key]
    with pytest.raises(sar.SarError, match="Say why"):
        sar.prepare(None, found, included=chosen, reason="", by=supervisor())

    approved = _approve(found, chosen, reason="Needed for the misconduct hearing.")

    text, pdf = _exports(approved)
    assert "followed her" in text and sar.REMOVED in text
    assert own["name"] in text  # the officer's own name is not someone else's
    for label in ("client_name", "times", "summary", "phone", "code_word"):
        assert victim[label] not in text, label
        assert re.sub(r"\s+", "", victim[label]) not in pdf, label
    review = SubjectAccessRequest.objects.get(pk=found.pk).review
    assert review["released_against_default"] == [note.key]
    assert review["reason"] == "Needed for the misconduct hearing."


def test_a_clients_request_withholds_the_officers_details() -> None:
    case, victim, own = _case()
    found = _approve(access_request(case, role=Party.Role.CLIENT))

    text, pdf = _exports(found)

    for label in ("client_name", "summary", "activity", "risk", "plan", "document-name"):
        assert victim[label] in text, label
    assert re.sub(r"\s+", "", victim["client_name"]) in pdf
    for value in (*own.values(), victim["other-person"]):
        assert value not in text
        assert re.sub(r"\s+", "", value) not in pdf
    assert sar.REMOVED in text, "the officer's name is cut out of the client's own notes"
    categories = {w["category"] for w in json.loads(text)["withheld"]}
    assert categories == {"Details of the alleged perpetrator", "Another person's details"}


def test_nothing_leaves_without_a_second_supervisor() -> None:
    case, _, _ = _case()
    reviewer, approver = supervisor(), supervisor()
    found = access_request(case, role=Party.Role.CLIENT, by=reviewer)
    with pytest.raises(sar.SarError, match="not been approved"):
        sar.export_json(found)
    items = sar.items_for(found)
    prepared = sar.prepare(
        None, found, included=[i.key for i in items if i.own], reason="", by=reviewer
    )
    with pytest.raises(sar.SarError, match="not been approved"):
        sar.export_pdf(prepared)
    with pytest.raises(sar.SarError, match="different supervisor"):
        sar.approve(None, prepared, by=reviewer)
    assert SubjectAccessRequest.objects.get(pk=found.pk).status == "approval"
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    with pytest.raises(sar.SarError, match="Only a supervisor"):
        sar.approve(None, prepared, by=advocate)
    sent_back = sar.send_back(None, prepared, by=approver)
    assert sent_back.status == "review" and sent_back.bundle == {}


def test_the_review_refuses_unknown_items_and_the_request_needs_an_identity_check() -> None:
    case, _, _ = _case()
    boss = supervisor()
    client = Party.objects.get(case=case, role=Party.Role.CLIENT)
    with pytest.raises(sar.SarError, match="Check who is asking"):
        sar.record_request(
            None,
            case,
            party=client,
            received_on=timezone.localdate(),
            identity_checked=False,
            by=boss,
        )
    found = access_request(case)
    with pytest.raises(sar.SarError, match="record changed"):
        sar.prepare(None, found, included=["activity:not-there"], reason="", by=boss)
    assert SubjectAccessRequest.objects.get(pk=found.pk).status == "review"


def test_the_whole_journey_through_the_pages(caplog: pytest.LogCaptureFixture) -> None:
    # A template lookup that fails is logged (at DEBUG) with the value it was tried on.
    caplog.set_level(logging.DEBUG, logger="django.template")
    case, victim, _ = _case()
    reviewer, approver = supervisor(), supervisor()
    officer = Party.objects.get(case=case, role=Party.Role.PERPETRATOR)
    pages = client_for("supervisor", {"supervisor": reviewer})

    response = pages.post(
        reverse("rights_sar_new", args=[case.reference]),
        {"party": str(officer.uid), "received_on": timezone.localdate().isoformat()},
    )
    assert "Check who is asking" in response.content.decode()
    response = pages.post(
        reverse("rights_sar_new", args=[case.reference]),
        {
            "party": str(officer.uid),
            "received_on": timezone.localdate().isoformat(),
            "identity_checked": "on",
        },
    )
    found = SubjectAccessRequest.objects.get(case=case)
    review_url = reverse("rights_sar_review", args=[case.reference, found.uid])
    assert response.status_code == 302 and response["Location"] == review_url

    page = pages.get(review_url).content.decode()
    assert "Withheld by default" in page and victim["summary"] in page  # reviewers see all
    own_keys = [i.key for i in sar.items_for(found) if i.own]
    response = pages.post(review_url, {"included": own_keys})
    assert "Confirm that you have read every item" in response.content.decode()
    response = pages.post(review_url, {"included": own_keys, "confirm": "on"})
    detail_url = reverse("rights_sar_detail", args=[case.reference, found.uid])
    assert response["Location"] == detail_url
    detail = pages.get(detail_url).content.decode()
    assert 'value="approve"' not in detail and "a different supervisor must approve" in detail

    approve_url = reverse("rights_sar_approve", args=[case.reference, found.uid])
    reauthenticated_client(reviewer).post(approve_url, {"action": "approve"})
    assert SubjectAccessRequest.objects.get(pk=found.pk).status == "approval"
    stale = client_for("supervisor", {"supervisor": approver})
    assert "reauthenticate" in stale.post(approve_url, {"action": "approve"})["Location"]
    assert SubjectAccessRequest.objects.get(pk=found.pk).status == "approval"
    second = reauthenticated_client(approver)
    assert second.post(approve_url, {"action": "approve"}).status_code == 302
    assert SubjectAccessRequest.objects.get(pk=found.pk).status == "approved"

    json_url = reverse("rights_sar_json", args=[case.reference, found.uid])
    assert "reauthenticate" in stale.get(json_url)["Location"]
    download = second.get(json_url)
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download["Cache-Control"]
    assert victim["summary"] not in download.content.decode()
    pdf = second.get(reverse("rights_sar_pdf", args=[case.reference, found.uid]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "casework.sar.record",
        "casework.sar.prepare",
        "casework.sar.approve",
        "casework.sar.download.json",
        "casework.sar.download.pdf",
    } <= actions
    for event in AuditEvent.objects.all():
        assert victim["client_name"] not in str(event.__dict__)
    for label, value in victim.items():
        assert value not in caplog.text, label


def test_the_reply_is_due_one_calendar_month_after_receipt() -> None:
    found = SubjectAccessRequest(received_on=dt.date(2027, 1, 31))
    assert found.reply_due_on.isoformat() == "2027-02-28"
    found.received_on = dt.date(2026, 12, 3)
    assert found.reply_due_on.isoformat() == "2027-01-03"
