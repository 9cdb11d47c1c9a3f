"""Releases from the advisory service: received only when signed by a trusted publisher and
disclosure-controlled, kept unchanged, shown with hidden cells explained."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.monitoring.models import ReceivedRelease, ReleaseImmutable
from accord.monitoring.received_releases import ReleaseRefused, read_capped, receive
from accord.monitoring.release_tables import table_csv
from accord.policy.roles import OrgKind, Role
from accord.releases.file import MAX_BYTES, ReleaseFileError, public_text, sign
from accord.releases.presentation import label, shown_tables
from tests.factories import person
from tests.monitoring.release_files import PUBLISHER, release, signed, signed_by_hand
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

SECONDARY = "to protect another hidden figure"


@pytest.fixture
def analyst() -> User:
    return person(OrgKind.POLICE, Role.ANALYST)


def _nothing_kept() -> None:
    assert not ReceivedRelease.objects.exists()
    assert not AuditEvent.objects.filter(action="release.received").exists()


def _client(user: User) -> Client:
    return client_for("x", {"x": user})


# --- What is refused, and what the person is told ----------------------------------------


def _changed_after_signing() -> bytes:
    data = signed()
    changed = data.replace(b'"cases": 12,', b'"cases": 13,', 1)
    assert changed != data
    return changed


def _small_count() -> bytes:
    body = release()
    body["tables"][0]["rows"][0]["cases"] = 3
    return signed_by_hand(body)


def _stranger() -> bytes:
    return sign(release(), Ed25519PrivateKey.generate(), "stranger-key")


def _impostor() -> bytes:
    """A fresh key that claims to be the trusted one."""
    return signed_by_hand(release(), Ed25519PrivateKey.generate(), "demo-only-release")


REFUSALS: dict[str, tuple[Callable[[], bytes], str]] = {
    "empty": (lambda: b"", "The file is empty."),
    "blank": (lambda: b"  \n", "The file is empty."),
    "not JSON": (
        lambda: b"quarter,cases\n2026 Q1,12\n",
        "The file is not valid JSON (Expecting value: line 1 column 1 (char 0)).",
    ),
    "not UTF-8": (
        lambda: '{"title": "Caf\u00e9"}'.encode("latin-1"),
        "The file is not UTF-8 text, so it is not a release file.",
    ),
    "wrong format": (
        lambda: json.dumps({"format": "accord-plan/1", "release": {}}).encode(),
        "This is not an Accord release file (its format is not 'accord-release/1').",
    ),
    "untrusted key": (
        _stranger,
        "The release was signed with key 'stranger-key', which this deployment does not "
        "trust. Ask the publisher for their public key and add it to "
        "ACCORD_RELEASE_TRUSTED_KEYS.",
    ),
    "a trusted key's name, another key": (
        _impostor,
        "The signature does not match: the file was changed after it was signed, or it was "
        f"not signed by {PUBLISHER}. Nothing was imported.",
    ),
    "a figure changed after signing": (
        _changed_after_signing,
        "The signature does not match: the file was changed after it was signed, or it was "
        f"not signed by {PUBLISHER}. Nothing was imported.",
    ),
    "a signed count of 3": (
        _small_count,
        "Table 'cases_by_quarter', row 1: shows a count of 3, below 10. Small counts can "
        "identify someone, so the release is refused.",
    ),
    "threshold 5": (
        lambda: signed_by_hand(release(threshold=5)),
        "The release shows counts from 5; Accord never publishes counts below 10.",
    ),
    "over 1 MB": (
        lambda: signed() + b" " * MAX_BYTES,
        "",  # the size depends on the signed part: checked below
    ),
    "nested too deeply": (
        lambda: b"[" * 200_000,
        "The file is not valid JSON (it is nested too deeply to be a release).",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_a_bad_file_is_refused_with_the_reason_and_nothing_is_kept(
    case: str, analyst: User
) -> None:
    make, message = REFUSALS[case]
    data = make()
    if case == "over 1 MB":
        message = (
            f"The file is {len(data):,} bytes; a release is at most 1,000,000. "
            "This is not an Accord release file."
        )
    with pytest.raises(ReleaseFileError) as refused:
        receive(None, data, by=analyst)
    assert str(refused.value) == message
    _nothing_kept()


def test_a_release_received_twice_is_refused_the_second_time(analyst: User) -> None:
    data = signed()
    with time_machine.travel(dt.datetime(2026, 7, 3, 8, 5, tzinfo=dt.UTC), tick=False):
        first = receive(None, data, by=analyst)
    with pytest.raises(ReleaseRefused) as refused:
        receive(None, data, by=person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR))
    assert str(refused.value) == (
        "This release, 'Cases and complaints, January to June 2026', was already received "
        "on 3 July 2026 at 09:05. Receiving it again would show the same figures twice. "
        "Nothing was imported."
    )
    assert list(ReceivedRelease.objects.all()) == [first]
    assert AuditEvent.objects.filter(action="release.received").count() == 1


@override_settings(ACCORD_RELEASE_TRUSTED_KEYS="")
def test_a_deployment_that_trusts_nobody_says_so(analyst: User) -> None:
    with pytest.raises(ReleaseRefused) as refused:
        receive(None, signed(), by=analyst)
    assert str(refused.value) == (
        "This deployment trusts no publisher yet, so it cannot accept release files. Ask an "
        "administrator to add the publisher's public key to ACCORD_RELEASE_TRUSTED_KEYS. "
        "Nothing was imported."
    )
    _nothing_kept()


@override_settings(ACCORD_RELEASE_TRUSTED_KEYS="demo-only-release:g+7gZZmfuPrwJpYySCwQ7q")
def test_a_malformed_trusted_keys_setting_is_named(analyst: User) -> None:
    with pytest.raises(ReleaseRefused) as refused:
        receive(None, signed(), by=analyst)
    assert str(refused.value) == (
        "The list of trusted publishers (ACCORD_RELEASE_TRUSTED_KEYS) cannot be read: Each "
        "trusted release key is 'key-id=Publisher name=base64 public key'; this one is not: "
        "'demo-only-release:g+7gZZmfuPrwJpYySCwQ7q'. Ask an administrator to correct it. "
        "Nothing was imported."
    )
    _nothing_kept()


@pytest.mark.parametrize(
    ("kind", "role"),
    [(OrgKind.POLICE, Role.VIEWER), (OrgKind.OVERSIGHT, Role.VIEWER),
     (OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR), (OrgKind.PLATFORM, Role.SYSTEM_ADMIN)],
)  # fmt: skip
def test_only_the_people_who_bring_data_in_may_receive(kind: OrgKind, role: Role) -> None:
    with pytest.raises(PermissionDenied):
        receive(None, signed(), by=person(kind, role))
    _nothing_kept()


# --- What is kept ------------------------------------------------------------------------


def test_a_sound_release_is_kept_with_its_trusted_publisher_and_audited(analyst: User) -> None:
    body = release(audience="public")
    data = signed(body)
    received = receive(None, data, by=analyst)
    received.refresh_from_db()
    assert str(received.uid) == body["id"]
    # The operators' name for the key, not the name the file gives itself.
    assert received.publisher == PUBLISHER != body["publisher"]
    assert received.key_id == "demo-only-release"
    assert received.title == "Cases and complaints, January to June 2026"
    assert (received.period_start, received.period_end, received.approved_on) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 6, 30),
        dt.date(2026, 7, 2),
    )
    assert (received.audience, received.threshold) == ("public", 10)
    assert received.content == body
    assert len(received.file_sha256) == 64 and received.file_sha256 != body["id"]
    assert received.received_by == analyst
    event = AuditEvent.objects.get(action="release.received")
    assert (event.object_type, event.object_id, event.actor_id) == (
        "received_release",
        body["id"],
        str(analyst.pk),
    )


def test_a_second_trusted_publisher_is_named_by_its_own_key(analyst: User) -> None:
    other = Ed25519PrivateKey.generate()
    setting = f"borough-service=Borough Advice Line={public_text(other)}"
    with override_settings(ACCORD_RELEASE_TRUSTED_KEYS=setting):
        received = receive(None, sign(release(), other, "borough-service"), by=analyst)
    assert (received.publisher, received.key_id) == ("Borough Advice Line", "borough-service")


def test_a_received_release_cannot_be_changed_or_deleted(analyst: User) -> None:
    received = receive(None, signed(), by=analyst)
    received.title = "Something else"
    with pytest.raises(ReleaseImmutable):
        received.save()
    with pytest.raises(ReleaseImmutable):
        received.delete()
    with pytest.raises(ReleaseImmutable):
        ReceivedRelease.objects.update(title="Something else")
    with pytest.raises(ReleaseImmutable):
        ReceivedRelease.objects.all().delete()
    assert ReceivedRelease.objects.get().title == "Cases and complaints, January to June 2026"


# --- How it is shown ---------------------------------------------------------------------


def test_tables_show_hidden_cells_with_the_reason_in_words(analyst: User) -> None:
    counts, measures = shown_tables(receive(None, signed(), by=analyst).content)
    assert (counts.slug, counts.label_headers, counts.figure_headers) == (
        "cases_by_quarter",
        ["Quarter", "How they came to us"],
        ["Cases"],
    )
    assert counts.note == "A case referred twice is counted once."
    shown = [(labels, [(c.text, c.hidden_because) for c in cells]) for labels, cells in counts.rows]
    assert shown == [
        (["2026 Q1", "Self-referral"], [("12", "")]),
        (["2026 Q1", "Another agency"], [("hidden", "fewer than 10")]),
        (["2026 Q1", "Total"], [("hidden", SECONDARY)]),
        (["2026 Q2", '=HYPERLINK("x")'], [("0", "")]),
    ]
    assert measures.figure_headers == [
        "Complaints",
        "Median (days)",
        "Lower quartile (days)",
        "Upper quartile (days)",
    ]
    assert [c.text for c in measures.rows[0][1]] == ["14", "40", "20", "61"]
    assert {c.hidden_because for c in measures.rows[1][1]} == {"fewer than 10"}


def test_labels_are_plain_words() -> None:
    assert [label(n) for n in ["came_by", "wait_days", "days", "cases"]] == [
        "How they came to us",
        "Wait (days)",
        "Days",
        "Cases",
    ]


def test_the_detail_page_shows_the_signature_tables_and_hidden_explanations(
    analyst: User,
) -> None:
    with time_machine.travel(dt.datetime(2026, 7, 3, 9, tzinfo=dt.UTC), tick=False):
        received = receive(None, signed(), by=analyst)
    viewer = person(OrgKind.OVERSIGHT, Role.VIEWER)
    response = _client(viewer).get(reverse("release_detail", args=[received.uid]))
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        f"Signed by {PUBLISHER} (key demo-only-release); signature checked on 3 July 2026" in page
    )
    assert "1 January 2026 to 30 June 2026" in page
    assert "Cases opened in the period, counted once each." in page
    assert "A case referred twice is counted once." in page
    assert (
        '<caption class="govuk-table__caption govuk-visually-hidden">'
        "New cases by quarter and how they came to us</caption>"
    ) in page
    assert '<th scope="row" class="govuk-table__header">2026 Q1</th>' in page
    assert "hidden <span" in page and "(fewer than 10)" in page and f"({SECONDARY})" in page
    assert "The advisory service, as the file says" not in page
    assert reverse("release_table_csv", args=[received.uid, "cases_by_quarter"]) in page
    event = AuditEvent.objects.get(action="release.viewed")
    assert (event.object_id, event.actor_id) == (str(received.uid), str(viewer.pk))


def test_the_list_shows_received_releases_and_offers_upload_only_to_receivers(
    analyst: User,
) -> None:
    received = receive(None, signed(), by=analyst)
    upload = reverse("release_receive")
    page = _client(analyst).get(reverse("releases")).content.decode()
    assert reverse("release_detail", args=[received.uid]) in page
    assert upload in page
    viewer_page = _client(person(OrgKind.VAWG_PARTNER, Role.VIEWER)).get(reverse("releases"))
    assert reverse("release_detail", args=[received.uid]) in viewer_page.content.decode()
    assert upload not in viewer_page.content.decode()
    assert f'href="{reverse("releases")}"' in viewer_page.content.decode()  # in the menu


def test_a_table_downloads_as_csv_with_hidden_reasons_and_safe_cells(analyst: User) -> None:
    received = receive(None, signed(), by=analyst)
    response = _client(analyst).get(
        reverse("release_table_csv", args=[received.uid, "cases_by_quarter"])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="accord-cases_by_quarter-cases-and-complaints-january-to-june-'
        '2026.csv"'
    )
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["quarter", "came_by", "cases", "hidden_because"],
        ["2026 Q1", "Self-referral", "12", ""],
        ["2026 Q1", "Another agency", "", "fewer than 10"],
        ["2026 Q1", "Total", "", SECONDARY],
        ["2026 Q2", '\'=HYPERLINK("x")', "0", ""],
    ]
    measures = table_csv(received, "complaint_stage_days")
    assert measures is not None
    assert measures.splitlines()[:2] == [
        "stage,complaints,median_days,lower_quartile_days,upper_quartile_days,hidden_because",
        "Force deciding,14,40,20,61,",
    ]
    missing = reverse("release_table_csv", args=[received.uid, "no_such_table"])
    assert _client(analyst).get(missing).status_code == 404


# --- Receiving through the page ------------------------------------------------------------


def _upload(client: Client, data: bytes, name: str = "release.json") -> Any:
    return client.post(reverse("release_receive"), {"file": SimpleUploadedFile(name, data)})


def test_receiving_through_the_page_goes_to_the_release(analyst: User) -> None:
    client = _client(analyst)
    response = _upload(client, signed())
    received = ReceivedRelease.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("release_detail", args=[received.uid])
    page = client.get(response["Location"]).content.decode()
    assert "Received and checked: Cases and complaints, January to June 2026." in page


@pytest.mark.parametrize("case", ["a figure changed after signing", "empty", "untrusted key"])
def test_a_refused_upload_shows_the_exact_reason(case: str, analyst: User) -> None:
    make, message = REFUSALS[case]
    response = _upload(_client(analyst), make())
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert f'<a href="#id_file">{message}</a>'.replace("'", "&#x27;") in page
    _nothing_kept()


def test_an_upload_over_1_mb_is_refused_with_its_size(analyst: User) -> None:
    response = _upload(_client(analyst), signed() + b" " * 2_000_000)
    assert response.status_code == 200
    assert "a release is at most 1,000,000. This is not an Accord release file." in (
        response.content.decode()
    )
    _nothing_kept()


def test_a_file_over_1_mb_is_refused_before_any_of_it_is_read() -> None:
    class Unreadable(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise AssertionError("read before the size was checked")

    with pytest.raises(ReleaseFileError) as refused:
        read_capped(Unreadable(), 2_000_000)
    assert str(refused.value) == (
        "The file is 2,000,000 bytes; a release is at most 1,000,000. "
        "This is not an Accord release file."
    )
    # A file whose size is not known is read only one byte past the limit.
    assert read_capped(io.BytesIO(b"{}"), None) == b"{}"
    with pytest.raises(ReleaseFileError) as refused:
        read_capped(io.BytesIO(b" " * (MAX_BYTES + 5)), None)
    assert str(refused.value).startswith("The file is more than 1,000,000 bytes; a release")


def test_a_second_upload_of_the_same_release_is_refused_on_the_page(analyst: User) -> None:
    data = signed()
    _upload(_client(analyst), data)
    page = _upload(_client(analyst), data).content.decode()
    assert "was already received on" in page
    assert ReceivedRelease.objects.count() == 1


# --- Public pages ---------------------------------------------------------------------------


def test_public_pages_show_only_releases_meant_for_everyone(analyst: User) -> None:
    public = receive(None, signed(release(audience="public", title="Public figures")), by=analyst)
    partners = receive(
        None, signed(release(audience="partners", title="For partners only")), by=analyst
    )
    anyone = Client()
    listing = anyone.get(reverse("public_releases")).content.decode()
    assert reverse("public_release", args=[public.uid]) in listing
    assert "Public figures" in listing and "For partners only" not in listing
    page = anyone.get(reverse("public_release", args=[public.uid]))
    assert page.status_code == 200
    assert "(fewer than 10)" in page.content.decode()
    assert "Download this table" not in page.content.decode()
    assert anyone.get(reverse("public_release", args=[partners.uid])).status_code == 404
    assert not AuditEvent.objects.filter(action="release.viewed").exists()


def test_the_public_home_page_links_to_public_releases_once_there_is_one(
    analyst: User,
) -> None:
    receive(None, signed(release(audience="partners")), by=analyst)
    assert reverse("public_releases") not in Client().get("/").content.decode()
    receive(None, signed(release(audience="public")), by=analyst)
    assert reverse("public_releases") in Client().get("/").content.decode()


# --- On the command line ---------------------------------------------------------------------


def _command(*args: object) -> str:
    out = io.StringIO()
    call_command("receive_release", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_the_command_receives_a_file(analyst: User, tmp_path: Path) -> None:
    path = tmp_path / "release.json"
    path.write_bytes(signed())
    output = _command(path, "--as", analyst.email.upper())
    received = ReceivedRelease.objects.get()
    assert output.splitlines() == [
        "Received 'Cases and complaints, January to June 2026' (1 January 2026 to "
        f"30 June 2026), signed by {PUBLISHER} (key demo-only-release).",
        f"Release {received.uid}, file SHA-256 {received.file_sha256}.",
    ]
    assert received.received_by == analyst


def test_the_command_fails_with_the_reason_and_keeps_nothing(analyst: User, tmp_path: Path) -> None:
    path = tmp_path / "release.json"
    path.write_bytes(_small_count())
    with pytest.raises(CommandError) as failed:
        _command(path, "--as", analyst.email)
    assert str(failed.value) == REFUSALS["a signed count of 3"][1]
    path.write_bytes(signed() + b" " * MAX_BYTES)
    with pytest.raises(CommandError, match="a release is at most 1,000,000"):
        _command(path, "--as", analyst.email)
    with pytest.raises(CommandError) as failed:
        _command(path, "--as", "nobody@example.org")
    assert str(failed.value) == "There is no account with the email nobody@example.org."
    with pytest.raises(CommandError) as failed:
        _command(tmp_path / "missing.json", "--as", analyst.email)
    assert str(failed.value) == (
        f"The file {tmp_path / 'missing.json'} cannot be read: No such file or directory."
    )
    viewer = person(OrgKind.POLICE, Role.VIEWER)
    path.write_bytes(signed())
    with pytest.raises(CommandError) as failed:
        _command(path, "--as", viewer.email)
    assert str(failed.value) == "You do not have permission to receive releases."
    _nothing_kept()
