"""An upload whose import stopped, failed or never started can be tried again or discarded,
and one upload never becomes two datasets, however the attempts overlap."""

from __future__ import annotations

import csv
import datetime as dt
import html
from typing import Any

import pytest
from django.db import OperationalError
from django.tasks import Task
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.accounts.models import User
from accord.datasets import services
from accord.datasets.errors import ImportFailed, UploadStateError
from accord.datasets.models import Dataset, Upload, UploadStatus
from accord.datasets.services import UNREADABLE, enqueue_import, import_upload, store_upload
from accord.datasets.tasks import import_upload_task
from accord.policy.roles import OrgKind, Role
from tests.datasets.conftest import API_SAMPLE, Dirs
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def analyst() -> User:
    return person(OrgKind.POLICE, Role.ANALYST)


def web(user: User) -> Client:
    return client_for("x", {"x": user})


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def stored(user: User, name: str = "stops.csv", kind: str = "stop_and_search") -> Upload:
    with API_SAMPLE.open("rb") as handle:
        return store_upload(handle, filename=name, user=user, kind=kind, name="Met stops")


def queued(user: User, settings: Any) -> Upload:
    """An upload handed to the background queue, which never runs it (the worker died)."""
    settings.TASKS = DB_QUEUE
    return enqueue_import(stored(user), user, kind="stop_and_search", name="Met stops")


def idle_for(upload: Upload, minutes: int) -> None:
    Upload.objects.filter(pk=upload.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=minutes)
    )


def run_queued(upload_task_id: str) -> Any:
    """What ``accord db_worker`` does with a queued row."""
    result = import_upload_task.get_result(upload_task_id)
    return result.task.call(*result.args, **result.kwargs)


def nothing_stored(dirs: Dirs) -> bool:
    return Dataset.objects.count() == 0 and dirs.parquet_files() == []


# --- An import that stopped (F7) -----------------------------------------------------------


def test_an_import_that_is_still_moving_cannot_be_discarded(
    analyst: User, settings: Any, dirs: Dirs
) -> None:
    upload = queued(analyst, settings)
    page = web(analyst).post(f"/datasets/uploads/{upload.pk}/", follow=True)
    assert "The file is being imported; wait for it to finish." in text(page)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTING
    assert upload.path is not None and upload.path.exists()


def test_an_import_that_has_not_moved_for_30_minutes_can_be_discarded(
    analyst: User, settings: Any, dirs: Dirs, django_capture_on_commit_callbacks: Any
) -> None:
    upload = queued(analyst, settings)
    idle_for(upload, 31)
    client = web(analyst)
    status = text(client.get(f"/datasets/uploads/{upload.pk}/"))
    assert "The import stopped" in status
    assert 'http-equiv="refresh"' not in status
    assert 'value="retry">Try again</button>' in status
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/datasets/uploads/{upload.pk}/", {"action": "discard"}, follow=True)
    assert "The file stops.csv was discarded." in text(page)
    upload.refresh_from_db()
    assert (upload.status, upload.stored_path, upload.claim) == (UploadStatus.DISCARDED, "", "")
    assert dirs.raw_uploads() == []
    # the task the dead worker never ran does nothing when a worker finally picks it up
    assert run_queued(upload.task_id) == {"status": "failed", "upload": str(upload.pk)}
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DISCARDED
    assert nothing_stored(dirs)


def test_an_import_whose_task_ended_has_stopped_at_once(
    analyst: User, settings: Any, dirs: Dirs
) -> None:
    upload = queued(analyst, settings)
    # the worker crashed outside the import: the queue says the task failed
    DBTaskResult.objects.filter(id=upload.task_id).update(status="FAILED")
    services.discard_upload(upload, analyst)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DISCARDED


def test_a_stopped_import_is_tried_again_with_the_same_kind_and_name(
    analyst: User, settings: Any, dirs: Dirs
) -> None:
    upload = queued(analyst, settings)
    old_task = upload.task_id
    idle_for(upload, 31)
    page = web(analyst).post(f"/datasets/uploads/{upload.pk}/", {"action": "retry"}, follow=True)
    assert "Imported" in text(page)
    upload.refresh_from_db()
    dataset = Dataset.objects.get()
    assert (upload.status, upload.dataset) == (UploadStatus.IMPORTED, dataset)
    assert (dataset.kind, dataset.name) == ("stop_and_search", "Met stops")
    # the old task, run late, may not store the upload a second time
    assert run_queued(old_task) == {"status": "failed", "upload": str(upload.pk)}
    upload.refresh_from_db()
    assert (upload.status, upload.dataset) == (UploadStatus.IMPORTED, dataset)
    assert Dataset.objects.count() == 1
    assert dirs.parquet_files() == [dataset.path]


def test_the_same_file_again_while_its_import_has_stopped_points_to_try_again(
    analyst: User, settings: Any
) -> None:
    upload = queued(analyst, settings)
    idle_for(upload, 31)
    with pytest.raises(ImportFailed) as caught:
        stored(analyst, name="again.csv")
    assert caught.value.summary == (
        f"again.csv: this file was already uploaded on {upload.created_at:%d %B %Y} as "
        "'stops.csv' (importing). Open it under 'Files waiting or with problems' on the Data "
        "page to try the import again, or discard it there and upload the file again."
    )


# --- The queue refuses the task (hunch 4) --------------------------------------------------


def refuse_to_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("the task queue is unavailable")

    monkeypatch.setattr(Task, "enqueue", down)


def test_when_the_queue_refuses_the_task_the_upload_is_put_back(
    analyst: User, monkeypatch: pytest.MonkeyPatch, dirs: Dirs
) -> None:
    upload = stored(analyst)
    refuse_to_queue(monkeypatch)
    with pytest.raises(UploadStateError) as caught:
        enqueue_import(upload, analyst, kind="stop_and_search", name="Met stops")
    assert str(caught.value) == (
        "Accord could not start importing 'stops.csv' just now. The file is kept: try again "
        "in a few minutes, or ask an administrator if it keeps happening."
    )
    upload.refresh_from_db()
    assert (upload.status, upload.errors, upload.progress) == (UploadStatus.PENDING, [], 0)
    assert upload.path is not None and upload.path.exists()
    assert nothing_stored(dirs)
    monkeypatch.undo()
    assert import_upload(upload, analyst, kind="stop_and_search", name="Met stops").row_count


def test_the_upload_page_says_when_the_queue_refuses_the_task(
    analyst: User, settings: Any, monkeypatch: pytest.MonkeyPatch, dirs: Dirs
) -> None:
    settings.ACCORD_SYNC_IMPORT_BYTES = 0  # every upload goes to the background
    refuse_to_queue(monkeypatch)
    with API_SAMPLE.open("rb") as handle:
        page = web(analyst).post(
            "/datasets/import/",
            {"file": handle, "kind": "stop_and_search", "name": "Met stops"},
            follow=True,
        )
    assert page.status_code == 200
    assert "Accord could not start importing 'london_stops_sample_api.csv' just now." in text(page)
    assert 'value="retry">Import</button>' in text(page)
    assert Upload.objects.get().status == UploadStatus.PENDING
    assert nothing_stored(dirs)


# --- Try again after a failure (F8) --------------------------------------------------------


def break_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser's own error that no check foresaw (as csv.Error from a CR-only file)."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise csv.Error("new-line character seen in unquoted field")

    monkeypatch.setattr(services, "read_inputs", broken)


def test_a_file_that_breaks_the_reader_is_not_called_a_problem_in_accord(
    analyst: User, settings: Any, monkeypatch: pytest.MonkeyPatch, dirs: Dirs
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    break_reading(monkeypatch)
    upload = enqueue_import(stored(analyst), analyst, kind="stop_and_search", name="Met stops")
    assert upload.status == UploadStatus.FAILED
    assert upload.errors == [
        {
            "file": "stops.csv",
            "row": None,
            "column": None,
            "message": "stops.csv: Accord could not read this file and cannot say exactly what "
            "is wrong with it. Check that it opens in a spreadsheet program, save it again (as "
            "'CSV UTF-8' for a CSV file) and upload the new copy. If it still fails, ask an "
            "administrator, who can see the details.",
        }
    ]
    assert UNREADABLE in upload.errors[0]["message"]
    assert "problem in Accord" not in upload.errors[0]["message"]
    assert upload.path is not None and upload.path.exists()
    assert nothing_stored(dirs)


def test_try_again_re_runs_the_import_as_first_asked(
    analyst: User, monkeypatch: pytest.MonkeyPatch, dirs: Dirs
) -> None:
    client = web(analyst)
    break_reading(monkeypatch)
    with API_SAMPLE.open("rb") as handle:
        client.post(
            "/datasets/import/", {"file": handle, "kind": "stop_and_search", "name": "Met 2022"}
        )
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.FAILED
    page = text(client.get(f"/datasets/uploads/{upload.pk}/"))
    assert 'value="retry">Try again</button>' in page
    monkeypatch.undo()
    client.post(f"/datasets/uploads/{upload.pk}/", {"action": "retry"})
    upload.refresh_from_db()
    dataset = Dataset.objects.get()
    assert (upload.status, upload.dataset) == (UploadStatus.IMPORTED, dataset)
    assert (dataset.kind, dataset.name) == ("stop_and_search", "Met 2022")


def test_try_again_keeps_the_columns_chosen_for_a_table(
    analyst: User, monkeypatch: pytest.MonkeyPatch, dirs: Dirs
) -> None:
    client = web(analyst)
    body = b"Ethnicity,Borough\r\nBlack,Camden\r\nWhite,Hackney\r\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/datasets/import/",
        {"file": SimpleUploadedFile("t.csv", body), "kind": "generic", "name": "Partner table"},
    )
    break_reading(monkeypatch)
    client.post(response["Location"], {"group": "Ethnicity", "area": "Borough"})
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.FAILED
    monkeypatch.undo()
    client.post(f"/datasets/uploads/{upload.pk}/", {"action": "retry"})
    dataset = Dataset.objects.get()
    assert (dataset.kind, dataset.name) == ("generic", "Partner table")
    assert dataset.column_roles == {"group": "Ethnicity", "area": "Borough"}


def test_the_same_file_again_after_a_failure_points_to_try_again(
    analyst: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = web(analyst)
    break_reading(monkeypatch)
    with API_SAMPLE.open("rb") as handle:
        client.post("/datasets/import/", {"file": handle, "kind": "stop_and_search", "name": "A"})
    first = Upload.objects.get()
    with API_SAMPLE.open("rb") as handle:
        page = client.post(
            "/datasets/import/", {"file": handle, "kind": "stop_and_search", "name": "A"}
        )
    assert page.status_code == 200
    assert (
        f"london_stops_sample_api.csv: this file was already uploaded on "
        f"{first.created_at:%d %B %Y} as 'london_stops_sample_api.csv' (could not be imported). "
        "Open it under 'Files waiting or with problems' on the Data page to try the import "
        "again, or discard it there and upload the file again."
    ) in text(page)
    assert Upload.objects.count() == 1


# --- Two imports of one upload (hunch 1) ---------------------------------------------------


def test_a_second_import_of_an_upload_being_imported_is_refused(analyst: User, dirs: Dirs) -> None:
    upload = stored(analyst)
    refusals: list[str] = []

    def meanwhile(fraction: float, message: str) -> None:
        if not refusals:  # a double click: the same upload, while the first import runs
            with pytest.raises(UploadStateError) as caught:
                import_upload(upload, analyst, kind="stop_and_search", name="twice")
            refusals.append(str(caught.value))

    dataset = import_upload(
        upload, analyst, kind="stop_and_search", name="once", progress=meanwhile
    )
    assert refusals == ["'stops.csv' is being imported already. Wait for that import to finish."]
    assert list(Dataset.objects.values_list("name", flat=True)) == ["once"]
    assert dirs.parquet_files() == [dataset.path]
    upload.refresh_from_db()
    assert (upload.status, upload.dataset) == (UploadStatus.IMPORTED, dataset)


def test_an_import_overtaken_by_a_newer_attempt_stores_nothing(analyst: User, dirs: Dirs) -> None:
    upload = stored(analyst)
    newer: list[Dataset] = []

    def meanwhile(fraction: float, message: str) -> None:
        if not newer:  # this import looks stopped, and the person tries again
            idle_for(upload, 31)
            newer.append(import_upload(upload, analyst, kind="stop_and_search", name="newer"))

    with pytest.raises(UploadStateError) as caught:
        import_upload(upload, analyst, kind="stop_and_search", name="older", progress=meanwhile)
    assert str(caught.value) == (
        "Another import of 'stops.csv' started, or the upload was discarded, while this one "
        "was waiting or running, so this one stopped without storing anything."
    )
    assert list(Dataset.objects.values_list("name", flat=True)) == ["newer"]
    assert dirs.parquet_files() == [newer[0].path]
    upload.refresh_from_db()
    assert (upload.status, upload.dataset, upload.errors) == (
        UploadStatus.IMPORTED,
        newer[0],
        [],
    )
