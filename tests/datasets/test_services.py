"""The service API the web pages use: upload, import (now or in the background), discard."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.datasets.errors import ImportFailed, UploadStateError
from accord.datasets.models import Dataset, Upload, UploadStatus
from accord.datasets.services import (
    discard_upload,
    enqueue_import,
    import_upload,
    new_version,
    preview_upload,
    store_upload,
)
from accord.policy.roles import OrgKind, Role
from tests.datasets.conftest import API_SAMPLE, DOWNLOAD_SAMPLE, STREET, Dirs, write_rows
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst() -> User:
    return person(OrgKind.POLICE, Role.ANALYST)


def upload_of(path: Path, user: User, name: str | None = None) -> Upload:
    with path.open("rb") as handle:
        return store_upload(handle, filename=name or path.name, user=user)


def actions() -> list[tuple[str, str, str]]:
    return [(e.action, e.object_type, e.object_id) for e in AuditEvent.objects.order_by("id")]


def test_an_upload_is_kept_with_its_checksum_and_audited(analyst: User, dirs: Dirs) -> None:
    upload = upload_of(API_SAMPLE, analyst, name="../../Met stops.csv")
    assert upload.original_name == "Met stops.csv"
    assert upload.status == UploadStatus.PENDING
    assert upload.sha256 == hashlib.sha256(API_SAMPLE.read_bytes()).hexdigest()
    assert upload.size == API_SAMPLE.stat().st_size
    assert upload.path is not None and upload.path.read_bytes() == API_SAMPLE.read_bytes()
    assert upload.path.parent.parent == dirs.uploads
    assert actions() == [("datasets.uploaded", "upload", str(upload.pk))]
    event = AuditEvent.objects.get()
    assert event.actor_id == str(analyst.pk)
    assert "Met stops" not in " ".join(str(v) for v in event.__dict__.values())


def test_a_django_uploaded_file_works_too(analyst: User) -> None:
    uploaded = SimpleUploadedFile("stops.csv", API_SAMPLE.read_bytes(), "text/csv")
    upload = store_upload(uploaded, filename=uploaded.name or "", user=analyst)
    assert upload.size == API_SAMPLE.stat().st_size


def test_a_2_gb_upload_is_refused_before_it_is_read(
    analyst: User, dirs: Dirs, tmp_path: Path
) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n")
    os.truncate(big, 2 * 1024**3)
    with pytest.raises(ImportFailed) as caught:
        upload_of(big, analyst)
    assert caught.value.summary == (
        "big.csv: the file is 2.0 GB; the largest file Accord accepts is 64.0 MB. Split it "
        "into smaller files (for example one per month) or ask an administrator."
    )
    assert Upload.objects.count() == 0
    assert dirs.raw_uploads() == []


def test_a_stream_longer_than_it_said_is_cut_off(analyst: User, dirs: Dirs, settings: Any) -> None:
    settings.ACCORD_MAX_UPLOAD_BYTES = 1000

    class Liar:
        size = 10

        def __init__(self) -> None:
            self.sent = 0

        def read(self, n: int) -> bytes:
            self.sent += 1
            return b"x" * 600 if self.sent < 5 else b""

    with pytest.raises(ImportFailed) as caught:
        store_upload(Liar(), filename="liar.csv", user=analyst)
    assert caught.value.summary == (
        "liar.csv: the file is larger than 1,000 bytes, the largest file Accord accepts."
    )
    assert dirs.raw_uploads() == []


def test_an_unsupported_type_is_refused(analyst: User, dirs: Dirs) -> None:
    with pytest.raises(ImportFailed) as caught:
        store_upload(SimpleUploadedFile("run.exe", b"MZ"), filename="run.exe", user=analyst)
    assert caught.value.summary == (
        "run.exe: Accord accepts CSV (.csv or .csv.gz), Excel (.xlsx) and Parquet (.parquet) "
        "files and .zip archives of CSV files."
    )
    assert dirs.raw_uploads() == []


def test_the_same_file_uploaded_twice(analyst: User, dirs: Dirs) -> None:
    first = upload_of(API_SAMPLE, analyst)
    colleague = person(OrgKind.POLICE, Role.PLAN_OWNER)
    with pytest.raises(ImportFailed) as caught:
        upload_of(API_SAMPLE, colleague, name="again.csv")
    assert caught.value.summary == (
        f"again.csv: this file was already uploaded on {first.created_at:%d %B %Y} as "
        "'london_stops_sample_api.csv' (waiting to be imported). Import or discard that "
        "upload instead."
    )
    assert Upload.objects.count() == 1
    assert len(dirs.raw_uploads()) == 1


def test_a_file_already_imported_by_the_organisation(analyst: User, dirs: Dirs) -> None:
    import_upload(upload_of(API_SAMPLE, analyst), analyst, kind="stop_and_search", name="Met")
    with pytest.raises(ImportFailed) as caught:
        upload_of(API_SAMPLE, analyst, name="again.csv")
    assert caught.value.summary == (
        "again.csv: this file has already been imported as the dataset 'Met' (version 1). "
        "Importing it again would count the same records twice."
    )
    assert Upload.objects.count() == 1


def test_another_organisation_may_upload_the_same_file(analyst: User) -> None:
    upload_of(API_SAMPLE, analyst)
    partner = person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)
    assert upload_of(API_SAMPLE, partner).organisation != analyst.active_membership.organisation  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrgKind.POLICE, Role.VIEWER),
        (OrgKind.OVERSIGHT, Role.VIEWER),
        (OrgKind.ADVISORY_SERVICE, Role.ADVOCATE),
        (OrgKind.PLATFORM, Role.SYSTEM_ADMIN),
    ],
)
def test_people_who_may_not_import_cannot_upload(kind: OrgKind, role: Role, dirs: Dirs) -> None:
    with pytest.raises(PermissionDenied):
        upload_of(API_SAMPLE, person(kind, role))
    assert dirs.raw_uploads() == []


def test_importing_an_upload(
    analyst: User, dirs: Dirs, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    upload = upload_of(API_SAMPLE, analyst)
    raw = upload.path
    seen: list[float] = []
    with django_capture_on_commit_callbacks(execute=True):
        dataset = import_upload(
            upload,
            analyst,
            kind="stop_and_search",
            name="Met sample",
            progress=lambda f, m: seen.append(f),
        )
    upload.refresh_from_db()
    assert (upload.status, upload.progress, upload.dataset) == ("imported", 100, dataset)
    assert upload.stored_path == "" and raw is not None and not raw.exists()
    assert dataset.organisation == analyst.active_membership.organisation  # type: ignore[union-attr]
    assert dataset.created_by == analyst
    assert seen == sorted(seen) and seen[-1] == 0.9
    assert actions() == [
        ("datasets.uploaded", "upload", str(upload.pk)),
        ("datasets.imported", "dataset", str(dataset.pk)),
    ]


def test_a_failed_import_keeps_the_file_and_records_the_errors(
    analyst: User, dirs: Dirs, tmp_path: Path
) -> None:
    upload = upload_of(STREET, analyst)
    with pytest.raises(ImportFailed):
        import_upload(upload, analyst, kind="stop_and_search", name="wrong kind")
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.errors == [
        {
            "file": "street_crime_synthetic.csv",
            "row": 1,
            "column": None,
            "message": "street_crime_synthetic.csv, row 1: this is a police.uk street-level "
            "crime file, not stop and search. Import it as street-level crime.",
        }
    ]
    assert upload.path is not None and upload.path.exists()
    assert Dataset.objects.count() == 0 and dirs.parquet_files() == []
    assert actions()[-1] == ("datasets.import_failed", "upload", str(upload.pk))
    # the kept file can be imported as what it is
    dataset = import_upload(upload, analyst, kind="street_crime", name="street")
    assert dataset.row_count == 40


def test_an_upload_is_imported_once(analyst: User) -> None:
    upload = upload_of(API_SAMPLE, analyst)
    import_upload(upload, analyst, kind="stop_and_search", name="once")
    with pytest.raises(UploadStateError) as caught:
        import_upload(upload, analyst, kind="stop_and_search", name="twice")
    assert str(caught.value) == (
        "'london_stops_sample_api.csv' is imported; upload the file again to import it."
    )


def test_another_organisation_cannot_import_or_discard_an_upload(analyst: User) -> None:
    upload = upload_of(API_SAMPLE, analyst)
    outsider = UserFactory()
    MembershipFactory(
        user=outsider,
        organisation=OrganisationFactory(kind=OrgKind.POLICE.value),
        role=Role.ANALYST.value,
    )
    with pytest.raises(PermissionDenied):
        import_upload(upload, outsider, kind="stop_and_search", name="theirs")
    with pytest.raises(PermissionDenied):
        discard_upload(upload, outsider)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PENDING


def test_discarding_an_upload_deletes_the_file(
    analyst: User, dirs: Dirs, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    upload = upload_of(API_SAMPLE, analyst)
    with django_capture_on_commit_callbacks(execute=True):
        discard_upload(upload, analyst)
    upload.refresh_from_db()
    assert (upload.status, upload.stored_path) == ("discarded", "")
    assert dirs.raw_uploads() == []
    assert actions()[-1] == ("datasets.upload_discarded", "upload", str(upload.pk))
    with pytest.raises(UploadStateError):
        discard_upload(upload, analyst)
    # once discarded, the same file may be uploaded again
    assert upload_of(API_SAMPLE, analyst).status == UploadStatus.PENDING


def test_preview_of_an_uploaded_table(analyst: User, tmp_path: Path) -> None:
    path = write_rows(tmp_path / "t.csv", ["Group", "Area"], [["Black", "Camden"]])
    upload = upload_of(path, analyst)
    assert preview_upload(upload, analyst).names == ["Group", "Area"]


def test_a_new_version_from_an_upload(analyst: User) -> None:
    first = import_upload(
        upload_of(API_SAMPLE, analyst), analyst, kind="stop_and_search", name="Met"
    )
    second = new_version(first, upload_of(DOWNLOAD_SAMPLE, analyst), analyst)
    assert (second.name, second.version, second.supersedes) == ("Met", 2, first)
    assert actions()[-1] == ("datasets.new_version", "dataset", str(second.pk))


def test_background_import_with_the_immediate_backend(analyst: User, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    upload = enqueue_import(
        upload_of(API_SAMPLE, analyst), analyst, kind="stop_and_search", name="queued"
    )
    assert upload.status == UploadStatus.IMPORTED
    assert upload.progress == 100
    assert upload.task_id
    assert Dataset.objects.get().name == "queued"


def test_background_import_through_the_database_queue(analyst: User, settings: Any) -> None:
    from accord.datasets.tasks import import_upload_task

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    upload = enqueue_import(
        upload_of(API_SAMPLE, analyst), analyst, kind="stop_and_search", name="worker"
    )
    assert (upload.status, upload.progress) == ("importing", 0)
    # What `accord db_worker` does with the queued row (the worker itself closes database
    # connections between tasks, which a test transaction cannot survive on PostgreSQL).
    queued = import_upload_task.get_result(upload.task_id)
    assert queued.status == "READY"
    outcome = queued.task.call(*queued.args, **queued.kwargs)
    upload.refresh_from_db()
    assert outcome == {
        "status": "imported",
        "upload": str(upload.pk),
        "dataset": str(upload.dataset_id),
    }
    assert upload.status == UploadStatus.IMPORTED
    assert upload.dataset is not None and upload.dataset.name == "worker"


def test_a_background_import_that_fails_leaves_errors_for_the_page(
    analyst: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    upload = enqueue_import(upload_of(STREET, analyst), analyst, kind="outcomes", name="x")
    assert upload.status == UploadStatus.FAILED
    assert upload.errors[0]["message"].startswith("street_crime_synthetic.csv, row 1:")
