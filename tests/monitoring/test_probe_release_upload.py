"""Probe: a release file whose ``format`` is not text is refused with the reason, not a 500."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.monitoring.models import ReceivedRelease
from accord.monitoring.received_releases import receive
from accord.policy.roles import OrgKind, Role
from accord.releases.file import ReleaseFileError
from tests.factories import person
from tests.monitoring.release_files import release, signed_by_hand
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("body", [b'{"format": []}', b'{"format": {"a": 1}}'])
def test_a_format_that_is_not_text_is_refused_on_the_form(body: bytes) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    client = client_for("x", {"x": analyst})
    client.raise_request_exception = False
    upload = SimpleUploadedFile("release.json", body, content_type="application/json")
    response = client.post(reverse("release_receive"), {"file": upload})
    assert response.status_code == 200
    assert (
        "This is not an Accord release file (its format is not 'accord-release/1')."
        in html.unescape(response.content.decode())
    )
    assert not ReceivedRelease.objects.exists()


def test_a_null_character_in_a_signed_text_is_refused() -> None:
    """PostgreSQL cannot store one (it was a server error there; SQLite kept it)."""
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    with pytest.raises(ReleaseFileError) as refused:
        receive(None, signed_by_hand(release(title="Cases\x00 2026")), by=analyst)
    assert str(refused.value) == (
        "The release has a null character in its text, which Accord cannot keep. "
        "Nothing was imported."
    )
    assert not ReceivedRelease.objects.exists()
