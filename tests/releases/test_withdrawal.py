"""Withdrawing an approved release: a signed notice, one supervisor with a fresh second
factor, audited; the release file cannot be downloaded again."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.releases import file, services
from accord.releases.file import ReleaseFileError
from accord.releases.models import Release, ReleaseStatus
from tests.releases.conftest import cases
from tests.releases.test_releases import YESTERDAY, _client, _draft, _trusted
from tests.security.matrix_casework_rights import reauthenticated_client

pytestmark = pytest.mark.django_db

REASON = "Cases from March were counted twice."


@pytest.fixture
def approved(advocate: Any, drafter: Any, approver: Any) -> Release:
    cases(advocate, 12, YESTERDAY - dt.timedelta(days=3))
    return services.approve(None, _draft(drafter), by=approver)


def test_withdrawing_signs_a_notice_that_names_the_release_and_the_reason(
    approved: Release, drafter: Any
) -> None:
    withdrawn = services.withdraw(None, approved, reason=f"  {REASON}\n ", by=drafter)

    assert withdrawn.status == ReleaseStatus.WITHDRAWN
    assert withdrawn.withdrawn_by == drafter and withdrawn.withdrawal_reason == REASON
    notice = file.read_any(withdrawn.signed_withdrawal.encode(), _trusted())
    assert isinstance(notice, file.VerifiedWithdrawal)
    assert notice.release_uid == approved.uid
    assert notice.withdrawal == {
        "release_id": str(approved.uid),
        "release_title": approved.title,
        "publisher": approved.organisation.name,
        "withdrawn_on": dt.date.today().isoformat(),
        "reason": REASON,
    }
    assert AuditEvent.objects.filter(action="release.withdrawn", object_id=str(approved.uid))
    # The drafter may withdraw: one supervisor is enough to take figures down.


@pytest.mark.parametrize("reason", ["", "Wrong.", "x" * 1001])
def test_a_withdrawal_needs_a_reason_of_a_few_words(
    approved: Release, drafter: Any, reason: str
) -> None:
    with pytest.raises(services.ReleaseError, match="Say why the release is withdrawn in 10 to"):
        services.withdraw(None, approved, reason=reason, by=drafter)
    approved.refresh_from_db()
    assert approved.status == ReleaseStatus.APPROVED and approved.signed_withdrawal == ""
    assert not AuditEvent.objects.filter(action="release.withdrawn").exists()


def test_only_an_approved_release_is_withdrawn_and_only_once(
    approved: Release, drafter: Any
) -> None:
    draft = _draft(drafter, title="Another draft")
    with pytest.raises(services.ReleaseError, match="Only an approved release can be withdrawn"):
        services.withdraw(None, draft, reason=REASON, by=drafter)
    services.withdraw(None, approved, reason=REASON, by=drafter)
    with pytest.raises(services.ReleaseError, match="Only an approved release can be withdrawn"):
        services.withdraw(None, approved, reason="Another reason entirely.", by=drafter)
    approved.refresh_from_db()
    assert approved.withdrawal_reason == REASON


def test_the_withdrawn_release_file_is_no_longer_downloaded(
    approved: Release, drafter: Any
) -> None:
    services.withdraw(None, approved, reason=REASON, by=drafter)
    approved.refresh_from_db()
    with pytest.raises(services.ReleaseError, match="Send the withdrawal notice instead"):
        services.downloaded(None, approved, by=drafter)
    assert not AuditEvent.objects.filter(action="release.downloaded").exists()


def test_a_withdrawal_notice_cannot_be_passed_off_as_a_release(
    approved: Release, drafter: Any
) -> None:
    withdrawn = services.withdraw(None, approved, reason=REASON, by=drafter)
    with pytest.raises(ReleaseFileError, match="This is a withdrawal notice, not a release"):
        file.read(withdrawn.signed_withdrawal.encode(), _trusted())


def _resigned(signed: str, **changes: Any) -> bytes:
    """The notice with ``changes``, signed again with the publisher's own key: a faulty
    publisher, not a forger."""
    from django.conf import settings

    document = json.loads(signed)
    document["withdrawal"].update(changes)
    key_id, _, seed = settings.ACCORD_RELEASE_SIGNING_KEY.partition(":")
    signature = file.private_key(seed).sign(file.canonical(document["withdrawal"]))
    document["signature"] = {
        "algorithm": "Ed25519",
        "key_id": key_id,
        "value": base64.b64encode(signature).decode(),
    }
    return json.dumps(document).encode()


def test_a_changed_notice_breaks_the_signature(approved: Release, drafter: Any) -> None:
    withdrawn = services.withdraw(None, approved, reason=REASON, by=drafter)
    document = json.loads(withdrawn.signed_withdrawal)
    document["withdrawal"]["reason"] = "Something else entirely."
    with pytest.raises(ReleaseFileError, match="The signature does not match"):
        file.read_any(json.dumps(document).encode(), _trusted())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"case_reference": "K7M-2QX9"}, "members Accord does not publish: case_reference"),
        ({"release_id": "not-a-uuid"}, "The withdrawn release's id is not a UUID"),
        ({"withdrawn_on": "yesterday"}, "The date of withdrawal is not a date"),
        ({"reason": ""}, "The reason for withdrawal must be text of 1 to 1000"),
        ({"reason": "x" * 1001}, "The reason for withdrawal must be text of 1 to 1000"),
    ],
)
def test_a_malformed_notice_is_refused_even_when_signed(
    approved: Release, drafter: Any, changes: dict[str, Any], message: str
) -> None:
    withdrawn = services.withdraw(None, approved, reason=REASON, by=drafter)
    resigned = _resigned(withdrawn.signed_withdrawal)
    assert isinstance(file.read_any(resigned, _trusted()), file.VerifiedWithdrawal)
    with pytest.raises(ReleaseFileError, match=message):
        file.read_any(_resigned(withdrawn.signed_withdrawal, **changes), _trusted())


def test_the_pages_withdraw_after_a_fresh_second_factor(approved: Release, approver: Any) -> None:
    page = _client(approver).get(reverse("casework_release", args=[approved.uid]))
    url = reverse("casework_release_withdraw", args=[approved.uid])
    assert url.encode() in page.content

    form = _client(approver).get(url)
    assert form.status_code == 200 and b"published with the notice" in form.content
    unconfirmed = _client(approver).post(url, {"reason": REASON})
    assert unconfirmed.status_code == 302 and "reauthenticate" in unconfirmed["Location"]
    approved.refresh_from_db()
    assert approved.status == ReleaseStatus.APPROVED

    confirmed = reauthenticated_client(approver)
    short = confirmed.post(url, {"reason": "Oops"})
    assert short.status_code == 200 and b"Say why the release is withdrawn in 10" in short.content
    done = confirmed.post(url, {"reason": REASON})
    assert done.status_code == 302
    approved.refresh_from_db()
    assert approved.status == ReleaseStatus.WITHDRAWN

    detail = confirmed.get(reverse("casework_release", args=[approved.uid])).content.decode()
    assert "Withdrawn" in detail and REASON in detail
    assert reverse("casework_release_file", args=[approved.uid]) not in detail
    notice = confirmed.get(reverse("casework_release_withdrawal_file", args=[approved.uid]))
    assert notice["Content-Disposition"] == (
        f'attachment; filename="{approved.withdrawal_filename}"'
    )
    assert file.read_any(notice.content, _trusted()).key.key_id == "demo-only-release"
    assert AuditEvent.objects.filter(action="release.withdrawal_downloaded").count() == 1
    # Asking for the withdrawn release's file now says why not, and sends nothing.
    refused = confirmed.get(reverse("casework_release_file", args=[approved.uid]))
    assert refused.status_code == 302
