"""Asking for a record of another case through a case one may see is a logged refusal.

SECURITY.md LG-1: "A 404 IDOR attempt is logged". The case-level attempt was; the record
level was not: an advocate who kept the address of a document, complaint or letter from a
case since given to a colleague, and asks for it through a case of their own, got a 404 that
left no trace. Now the refusal names the case used and the record asked for (both opaque).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.casework import documents
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "case-files"
    with override_settings(ACCORD_CASE_FILES_DIR=directory):
        yield directory


def _denials() -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action="authz.denied").values_list(
            "actor_id", "object_type", "object_id"
        )
    )


def test_a_document_asked_for_through_another_case_is_a_logged_refusal() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    theirs = make_case(colleague)
    document = documents.store_document(
        None, theirs, SimpleUploadedFile("note.txt", b"a note"), "", by=colleague
    )
    mine = make_case(advocate)
    url = reverse("document_download", args=[mine.reference, document.uid])

    response = client_for("a", {"a": advocate}).get(url)

    assert response.status_code == 404
    assert _denials() == [(str(advocate.pk), "case_record", f"{mine.reference}/{document.uid}")]
    assert not AuditEvent.objects.filter(action="casework.document.read").exists()


def test_a_record_found_adds_no_refusal() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    mine = make_case(advocate)
    document = documents.store_document(
        None, mine, SimpleUploadedFile("note.txt", b"a note"), "", by=advocate
    )
    url = reverse("document_download", args=[mine.reference, document.uid])
    assert client_for("a", {"a": advocate}).get(url).status_code == 200
    assert _denials() == []


def test_a_refused_case_is_still_logged_as_the_case() -> None:
    """The case-level refusal comes first and is not replaced by the record-level one."""
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    theirs = make_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    document = documents.store_document(
        None, theirs, SimpleUploadedFile("note.txt", b"a note"), "", by=advocate
    )
    url = reverse("document_download", args=[theirs.reference, document.uid])
    assert client_for("a", {"a": advocate}).get(url).status_code == 404
    assert _denials() == [(str(advocate.pk), "case", theirs.reference)]
