"""Drafting, the second supervisor's approval, the signed file, and who may do what."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accord.audit.models import AuditEvent
from accord.policy.roles import OrgKind, Role
from accord.releases import file, services
from accord.releases.file import ReleaseFileError
from accord.releases.models import Release, ReleaseStatus
from tests.factories import person
from tests.releases.conftest import cases
from tests.security.matrix_casework_rights import reauthenticated_client
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)
START = YESTERDAY - dt.timedelta(days=120)


def _draft(by: Any, **overrides: Any) -> Release:
    values: dict[str, Any] = {
        "title": "Figures for partners",
        "start": START,
        "end": YESTERDAY,
        "audience": "public",
    }
    values.update(overrides)
    return services.draft(None, by=by, **values)


def _trusted() -> dict[str, file.TrustedKey]:
    from django.conf import settings

    return file.trusted_keys(settings.ACCORD_RELEASE_TRUSTED_KEYS)


def test_the_approved_file_is_signed_and_carries_the_draft_figures(
    advocate: Any, drafter: Any, approver: Any
) -> None:
    cases(advocate, 11, YESTERDAY - dt.timedelta(days=3))
    release = _draft(drafter)

    approved = services.approve(None, release, by=approver)

    verified = file.read(approved.signed_file.encode(), _trusted())
    assert verified.release["tables"] == release.tables
    assert verified.release["approved_on"] == timezone.localdate().isoformat()
    assert verified.release["publisher"] == release.organisation.name
    assert verified.key.key_id == "demo-only-release"
    assert approved.status == ReleaseStatus.APPROVED and approved.decided_by == approver
    assert AuditEvent.objects.filter(action="release.approved", object_id=str(release.uid)).exists()


def test_the_file_holds_no_name_story_or_reference(
    advocate: Any, drafter: Any, approver: Any
) -> None:
    counted = cases(advocate, 12, YESTERDAY - dt.timedelta(days=3))
    release = services.approve(None, _draft(drafter), by=approver)

    text = release.signed_file
    assert "CANARY" not in text  # every sealed field of the factory's cases holds a canary
    for case in counted:
        assert case.reference not in text and str(case.uid) not in text
    assert advocate.email not in text and drafter.email not in text


def test_the_drafter_cannot_approve_their_own_release(drafter: Any) -> None:
    release = _draft(drafter)

    with pytest.raises(services.ReleaseError, match="another supervisor must check"):
        services.approve(None, release, by=drafter)

    release.refresh_from_db()
    assert release.status == ReleaseStatus.DRAFT and release.signed_file == ""


def test_a_discarded_draft_is_never_signed(drafter: Any, approver: Any) -> None:
    release = services.discard(None, _draft(drafter), by=approver)

    with pytest.raises(services.ReleaseError, match="already discarded"):
        services.approve(None, release, by=approver)
    with pytest.raises(services.ReleaseError, match="Only an approved release"):
        services.downloaded(None, release, by=approver)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (YESTERDAY, YESTERDAY - dt.timedelta(days=1), "ends before it starts"),
        (START, timezone.localdate(), "must have ended"),
        (YESTERDAY - dt.timedelta(days=800), YESTERDAY, "at most two years"),
    ],
)
def test_periods_that_cannot_be_released(drafter: Any, start: Any, end: Any, message: str) -> None:
    with pytest.raises(services.ReleaseError, match=message):
        _draft(drafter, start=start, end=end)
    assert not Release.objects.exists()


def test_without_a_signing_key_nothing_is_approved(drafter: Any, approver: Any) -> None:
    release = _draft(drafter)

    with (
        override_settings(ACCORD_RELEASE_SIGNING_KEY=""),
        pytest.raises(services.ReleaseError, match="no release signing key"),
    ):
        services.approve(None, release, by=approver)

    release.refresh_from_db()
    assert release.status == ReleaseStatus.DRAFT


def test_a_figure_that_escaped_disclosure_control_stops_the_signing(
    drafter: Any, approver: Any
) -> None:
    release = _draft(drafter)
    tables = release.tables
    tables[0]["rows"][0].update(cases=3, flag="")
    Release.objects.filter(pk=release.pk).update(tables=tables)

    with pytest.raises(services.ReleaseError, match="shows a count of 3, below 10"):
        services.approve(None, release, by=approver)

    release.refresh_from_db()
    assert release.status == ReleaseStatus.DRAFT and release.signed_file == ""


def test_a_changed_figure_breaks_the_signature(drafter: Any, approver: Any, advocate: Any) -> None:
    cases(advocate, 12, YESTERDAY - dt.timedelta(days=3))
    signed = services.approve(None, _draft(drafter), by=approver).signed_file
    document = json.loads(signed)
    document["release"]["tables"][0]["rows"][-1]["cases"] = 13

    with pytest.raises(ReleaseFileError, match="signature does not match"):
        file.read(json.dumps(document).encode(), _trusted())


# --- pages ----------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    return client_for("supervisor", {"supervisor": user})


def test_a_supervisor_drafts_checks_and_a_second_one_approves(
    advocate: Any, drafter: Any, approver: Any
) -> None:
    cases(advocate, 10, YESTERDAY - dt.timedelta(days=3))
    response = _client(drafter).post(
        reverse("casework_release_new"),
        {
            "title": "Half-year figures",
            "start": START.isoformat(),
            "end": YESTERDAY.isoformat(),
            "audience": "partners",
        },
    )
    release = Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casework_release", args=[release.uid])

    own = _client(drafter).get(reverse("casework_release", args=[release.uid]))
    assert b"Another supervisor must check every figure" in own.content
    assert b"Approve and sign" not in own.content

    page = _client(approver).get(reverse("casework_release", args=[release.uid]))
    assert b"Approve and sign" in page.content
    assert b"New cases by quarter and how they came to us" in page.content
    assert AuditEvent.objects.filter(action="release.viewed", actor_id=str(approver.pk)).exists()

    # Approving asks for the second factor first.
    unconfirmed = _client(approver).post(reverse("casework_release_approve", args=[release.uid]))
    assert unconfirmed.status_code == 302 and "reauthenticate" in unconfirmed["Location"]
    release.refresh_from_db()
    assert release.status == ReleaseStatus.DRAFT

    confirmed = reauthenticated_client(approver)
    confirmed.post(reverse("casework_release_approve", args=[release.uid]))
    release.refresh_from_db()
    assert release.status == ReleaseStatus.APPROVED

    download = confirmed.get(reverse("casework_release_file", args=[release.uid]))
    assert download["Content-Disposition"] == f'attachment; filename="{release.filename}"'
    assert file.read(download.content, _trusted()).uid == release.uid
    assert AuditEvent.objects.filter(action="release.downloaded").count() == 1


def test_the_form_says_what_is_wrong(drafter: Any) -> None:
    response = _client(drafter).post(
        reverse("casework_release_new"),
        {
            "title": "Too early",
            "start": START.isoformat(),
            "end": timezone.localdate().isoformat(),
            "audience": "partners",
        },
    )

    assert response.status_code == 200
    assert b"The period must have ended" in response.content
    assert not Release.objects.exists()


def test_another_services_supervisor_cannot_see_a_release(drafter: Any) -> None:
    from accord.accounts.models import Membership, Organisation

    release = _draft(drafter)
    outsider = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    other = Organisation.objects.create(name="Another service", kind=OrgKind.ADVISORY_SERVICE)
    Membership.objects.filter(user=outsider).update(organisation=other)

    for name in ("casework_release", "casework_release_file"):
        assert _client(outsider).get(reverse(name, args=[release.uid])).status_code == 404
    assert (
        b"Figures for partners" not in _client(outsider).get(reverse("casework_releases")).content
    )
