"""The case page reads a fixed number of rows-sets, however many records a case holds.

The casework benchmark found safety actions fetching their case (and its key) one by one,
and documents and access requests fetching their people one by one. This test fails when
any section goes back to reading row by row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.accounts.models import User
from accord.casework import risk, sar
from accord.casework.documents import store_document
from accord.casework.models import Case
from accord.casework.vocabularies import PlanActionOwner
from accord.policy.roles import OrgKind, Role
from tests.casework.seed import seed_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path) -> Iterator[None]:
    with override_settings(ACCORD_CASE_FILES_DIR=tmp_path / "case-files"):
        yield


def _queries(client: Client, case: Case) -> tuple[int, str]:
    url = reverse("case_detail", args=[case.reference])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def _more_records(case: Case, advocate: User, supervisor: User, n: int) -> None:
    plan = risk.active_plan(case)
    assert plan is not None
    for i in range(n):
        risk.add_action(
            None,
            case,
            plan,
            text=f"Action {i}",
            owner=PlanActionOwner.CLIENT,
            due_on=None,
            by=advocate,
        )
        upload = SimpleUploadedFile(f"note-{i}.txt", b"text", content_type="text/plain")
        store_document(None, case, upload, f"Document {i}", by=advocate)
        client = case.client
        assert client is not None
        sar.record_request(
            None,
            case,
            party=client,
            received_on=case.created_at.date(),
            identity_checked=True,
            by=supervisor,
        )


def test_more_records_mean_no_more_queries() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    seeded = seed_case(advocate, supervisor=supervisor)
    browser = client_for("supervisor", {"supervisor": supervisor})
    browser.get(reverse("case_detail", args=[seeded.case.reference]))  # warm caches

    before, _ = _queries(browser, seeded.case)
    _more_records(Case.objects.get(pk=seeded.case.pk), advocate, supervisor, 4)
    after, html = _queries(browser, seeded.case)

    assert after == before
    for i in range(4):  # and the new records are on the page, decrypted
        assert f"Action {i}" in html
        assert f"Document {i}" in html
