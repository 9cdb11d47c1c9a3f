"""A CR-only CSV (Excel's "CSV (Macintosh)") through the web pages: imported, and its
column-mapping page shown, instead of HTTP 500 and "a problem in Accord"."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.datasets.models import Dataset, Upload, UploadStatus
from accord.policy.roles import OrgKind, Role
from tests.datasets.conftest import API_SAMPLE, Dirs
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def test_a_cr_only_upload_is_imported_and_mapped(dirs: Dirs) -> None:
    client = client_for("analyst", {"analyst": person(OrgKind.POLICE, Role.ANALYST)})
    client.raise_request_exception = False  # see what the person would see
    body = API_SAMPLE.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    response = client.post(
        "/datasets/import/",
        {"file": SimpleUploadedFile("mac.csv", body), "kind": "stop_and_search", "name": "Mac"},
    )
    assert response.status_code == 302
    assert Upload.objects.get().status == UploadStatus.IMPORTED
    assert Dataset.objects.get().row_count == 299

    generic = b"Ethnicity,N\rBlack,1\rWhite,2\r"
    response = client.post(
        "/datasets/import/",
        {"file": SimpleUploadedFile("g.csv", generic), "kind": "generic", "name": "G"},
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Ethnicity" in page.content.decode()
