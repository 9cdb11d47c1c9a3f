"""Withdrawal notices: a publisher takes one of its releases down, everywhere it is shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.monitoring.models import ReceivedRelease, ReceivedWithdrawal, ReleaseImmutable
from accord.monitoring.received_releases import ReleaseRefused, receive
from accord.policy.roles import OrgKind, Role
from accord.releases.file import ReleaseFileError, public_text
from tests.factories import person
from tests.monitoring.release_files import PUBLISHER, notice, release, signed, signed_notice
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

REASON = "Cases from March were counted twice."


@pytest.fixture
def analyst() -> User:
    return person(OrgKind.POLICE, Role.ANALYST)


def _client(user: User) -> Client:
    return client_for("x", {"x": user})


def _public_release(analyst: User) -> ReceivedRelease:
    received = receive(None, signed(release(audience="public")), by=analyst)
    assert isinstance(received, ReceivedRelease)
    return received


def test_a_notice_takes_the_figures_down_on_every_page(analyst: User) -> None:
    received = _public_release(analyst)
    pages = [
        reverse("release_detail", args=[received.uid]),
        reverse("public_release", args=[received.uid]),
    ]
    csv_url = reverse("release_table_csv", args=[received.uid, "cases_by_quarter"])
    client = _client(analyst)
    assert client.get(csv_url).status_code == 200
    for url in pages:
        assert b"New cases by quarter" in client.get(url).content

    withdrawal = receive(None, signed_notice(notice(str(received.uid))), by=analyst)

    assert isinstance(withdrawal, ReceivedWithdrawal)
    assert withdrawal.publisher == PUBLISHER and withdrawal.reason == REASON
    assert AuditEvent.objects.filter(
        action="release.withdrawal_received", object_id=str(received.uid)
    ).exists()
    for url in pages:
        page = client.get(url).content.decode()
        assert "New cases by quarter" not in page and "hidden (" not in page, url
        assert "Withdrawn" in page and REASON in page and "20 July 2026" in page
    assert client.get(csv_url).status_code == 404
    for url in (reverse("releases"), reverse("public_releases")):
        listing = client.get(url).content.decode()
        assert received.title in listing and "Withdrawn" in listing


def test_a_notice_that_comes_first_stops_the_release(analyst: User) -> None:
    body = release(audience="public")
    receive(None, signed_notice(notice(body["id"])), by=analyst)

    with pytest.raises(ReleaseRefused, match=r"was withdrawn by .* on 20 July 2026: Cases from"):
        receive(None, signed(body), by=analyst)
    assert not ReceivedRelease.objects.exists()
    assert not AuditEvent.objects.filter(action="release.received").exists()


def test_a_notice_received_twice_is_refused_the_second_time(analyst: User) -> None:
    received = _public_release(analyst)
    data = signed_notice(notice(str(received.uid)))
    receive(None, data, by=analyst)
    with pytest.raises(ReleaseRefused, match="was already received on"):
        receive(None, data, by=analyst)
    assert ReceivedWithdrawal.objects.count() == 1


def test_only_the_releases_own_publisher_can_withdraw_it(analyst: User) -> None:
    received = _public_release(analyst)
    other = Ed25519PrivateKey.generate()
    both = (
        f"demo-only-release=Independent Advisory Service (demo)="
        f"{_demo_public()};borough-service=Borough Advice Line={public_text(other)}"
    )
    with (
        override_settings(ACCORD_RELEASE_TRUSTED_KEYS=both),
        pytest.raises(ReleaseRefused, match="Only a release's own publisher can withdraw"),
    ):
        receive(
            None,
            signed_notice(notice(str(received.uid)), other, "borough-service"),
            by=analyst,
        )
    assert not ReceivedWithdrawal.objects.exists()
    assert (
        b"New cases by quarter"
        in _client(analyst).get(reverse("public_release", args=[received.uid])).content
    )


def _demo_public() -> str:
    from tests.monitoring.release_files import demo_key

    return public_text(demo_key()[1])


def test_an_untrusted_or_changed_notice_is_refused_and_nothing_kept(analyst: User) -> None:
    received = _public_release(analyst)
    forged = signed_notice(notice(str(received.uid)), Ed25519PrivateKey.generate(), "stranger")
    with pytest.raises(ReleaseFileError, match="signed with key 'stranger'"):
        receive(None, forged, by=analyst)
    changed = signed_notice(notice(str(received.uid))).replace(b"twice", b"thrice")
    with pytest.raises(ReleaseFileError, match="The signature does not match"):
        receive(None, changed, by=analyst)
    assert not ReceivedWithdrawal.objects.exists()
    assert not AuditEvent.objects.filter(action="release.withdrawal_received").exists()


def test_a_received_notice_cannot_be_changed_or_deleted(analyst: User) -> None:
    received = _public_release(analyst)
    withdrawal = receive(None, signed_notice(notice(str(received.uid))), by=analyst)
    withdrawal.reason = "Nothing was wrong after all."
    with pytest.raises(ReleaseImmutable):
        withdrawal.save()
    with pytest.raises(ReleaseImmutable):
        withdrawal.delete()
    with pytest.raises(ReleaseImmutable):
        ReceivedWithdrawal.objects.update(reason="Nothing was wrong after all.")
    with pytest.raises(ReleaseImmutable):
        ReceivedWithdrawal.objects.all().delete()
    # And the database refuses an UPDATE that goes round the model.
    with (
        pytest.raises(Exception, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE monitoring_receivedwithdrawal SET reason = 'x'")
    assert ReceivedWithdrawal.objects.get().reason == REASON


def test_receiving_a_notice_through_the_page_goes_to_the_withdrawn_release(
    analyst: User,
) -> None:
    received = _public_release(analyst)
    upload = SimpleUploadedFile(
        "withdrawal.json", signed_notice(notice(str(received.uid))), "application/json"
    )
    response = _client(analyst).post(reverse("release_receive"), {"file": upload}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("release_detail", args=[received.uid])
    assert "Withdrawal notice received and checked" in page and REASON in page


def test_the_command_receives_a_notice(analyst: User, tmp_path: Path) -> None:
    import io

    received = _public_release(analyst)
    path = tmp_path / "withdrawal.json"
    path.write_bytes(signed_notice(notice(str(received.uid))))
    out = io.StringIO()
    call_command("receive_release", str(path), "--as", analyst.email, stdout=out)
    assert "Received the withdrawal of 'Cases and complaints" in out.getvalue()
    assert ReceivedWithdrawal.objects.filter(release_uid=received.uid).exists()


def test_a_notice_for_a_release_not_yet_here_is_kept_until_it_arrives(analyst: User) -> None:
    body = release()
    upload = SimpleUploadedFile("w.json", signed_notice(notice(body["id"])), "application/json")
    response = _client(analyst).post(reverse("release_receive"), {"file": upload})
    assert response.status_code == 302 and response["Location"] == reverse("releases")
    assert ReceivedWithdrawal.objects.filter(release_uid=body["id"]).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceivedWithdrawal.objects.create(
            release_uid=body["id"],
            release_title="x",
            publisher="x",
            key_id="x",
            withdrawn_on="2026-07-20",
            reason="x",
            content={},
            file_sha256="0" * 64,
            received_by=analyst,
        )
