"""The upload pages: the column-mapping step only for tables, a way back to it, file names
shown as they are, and a clear message (never a server error) when a file cannot be read."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accord.accounts.models import User
from accord.datasets import generic, services
from accord.datasets.models import Dataset, Upload, UploadStatus
from accord.datasets.uploads import clean_filename
from accord.policy.roles import OrgKind, Role
from tests.datasets.conftest import API_SAMPLE, Dirs, with_cell
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

TABLE = b"Ethnicity,Borough\r\nBlack,Camden\r\nWhite,Hackney\r\n"


@pytest.fixture
def analyst() -> User:
    return person(OrgKind.POLICE, Role.ANALYST)


def web(user: User) -> Client:
    return client_for("x", {"x": user})


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def upload_table(client: Client, name: str = "t.csv", body: bytes = TABLE) -> Any:
    return client.post(
        "/datasets/import/",
        {"file": SimpleUploadedFile(name, body), "kind": "generic", "name": "Partner table"},
    )


def nothing_stored(dirs: Dirs) -> bool:
    return Dataset.objects.count() == 0 and dirs.parquet_files() == []


# --- The column-mapping step is for tables only (F22) --------------------------------------


def failed_stop_and_search(client: Client, tmp_path: Path) -> Upload:
    bad = with_cell(API_SAMPLE, tmp_path / "x.csv", 2, "age_range", "over 99")
    with bad.open("rb") as handle:
        client.post(
            "/datasets/import/",
            {"file": handle, "kind": "stop_and_search", "name": "Met stops"},
        )
    upload = Upload.objects.get()
    assert (upload.status, upload.kind) == (UploadStatus.FAILED, "stop_and_search")
    return upload


REFUSED_AS_TABLE = (
    "'x.csv' was uploaded as Stop and search (police.uk), so Accord imports it as that. To "
    "import it as another table, discard it and upload it again, choosing 'Another table'."
)


def test_a_stop_and_search_upload_cannot_be_imported_as_a_table(
    analyst: User, dirs: Dirs, tmp_path: Path
) -> None:
    client = web(analyst)
    upload = failed_stop_and_search(client, tmp_path)
    url = f"/datasets/uploads/{upload.pk}/columns/"
    shown = client.get(url, follow=True)
    assert shown.redirect_chain == [(f"/datasets/uploads/{upload.pk}/", 302)]
    assert REFUSED_AS_TABLE in text(shown)
    posted = client.post(url, {"group": "gender"}, follow=True)
    assert REFUSED_AS_TABLE in text(posted)
    upload.refresh_from_db()
    assert (upload.status, upload.kind) == (UploadStatus.FAILED, "stop_and_search")
    assert nothing_stored(dirs)


# --- A way back to the column-mapping step (F23) -------------------------------------------


def test_a_table_waiting_for_its_columns_links_back_to_that_step(analyst: User, dirs: Dirs) -> None:
    client = web(analyst)
    upload_table(client)
    upload = Upload.objects.get()
    columns = f"/datasets/uploads/{upload.pk}/columns/"
    listing = text(client.get("/datasets/"))
    assert f'<a class="govuk-link" href="{columns}">say which column is which</a>' in listing
    status = text(client.get(f"/datasets/uploads/{upload.pk}/"))
    assert f'href="{columns}">Say which column is which</a>' in status
    client.post(columns, {"group": "Ethnicity"})
    upload.refresh_from_db()
    assert upload.status == UploadStatus.IMPORTED
    assert columns not in text(client.get(f"/datasets/uploads/{upload.pk}/"))


def test_the_mapping_step_remembers_the_columns_chosen_last_time(
    analyst: User, dirs: Dirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = web(analyst)
    url = upload_table(client)["Location"]
    monkeypatch.setattr(services, "read_inputs", _broken)
    client.post(url, {"group": "Ethnicity", "area": "Borough"})
    page = text(client.get(url))
    assert '<option value="Borough" selected>Borough</option>' in page


# --- A file that breaks a reader: a message, never a server error --------------------------


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise csv.Error("new-line character seen in unquoted field")


UNREADABLE = (
    "t.csv: Accord could not read this file and cannot say exactly what is wrong with it. "
    "Check that it opens in a spreadsheet program, save it again (as 'CSV UTF-8' for a CSV "
    "file) and upload the new copy. If it still fails, ask an administrator, who can see the "
    "details."
)


def test_the_mapping_page_says_when_the_file_cannot_be_read(
    analyst: User, dirs: Dirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = web(analyst)
    url = upload_table(client)["Location"]
    monkeypatch.setattr(generic, "preview", _broken)
    page = client.get(url, follow=True)
    assert page.status_code == 200
    assert UNREADABLE in text(page)
    assert "problem in Accord" not in text(page)
    assert Upload.objects.get().status == UploadStatus.PENDING
    assert nothing_stored(dirs)


def test_an_import_from_the_mapping_page_that_breaks_the_reader_is_shown_on_the_upload(
    analyst: User, dirs: Dirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = web(analyst)
    url = upload_table(client)["Location"]
    monkeypatch.setattr(services, "read_inputs", _broken)
    page = client.post(url, {"group": "Ethnicity"}, follow=True)
    assert page.status_code == 200
    assert UNREADABLE in text(page)
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.FAILED
    assert [e["message"] for e in upload.errors] == [UNREADABLE]
    assert nothing_stored(dirs)


def test_the_mapping_page_of_an_upload_being_imported_says_so(analyst: User, dirs: Dirs) -> None:
    client = web(analyst)
    url = upload_table(client)["Location"]
    Upload.objects.update(status=UploadStatus.IMPORTING)  # another import has just begun
    page = client.post(url, {"group": "Ethnicity"}, follow=True)
    assert page.status_code == 200
    assert "'t.csv' is being imported already. Wait for that import to finish." in text(page)
    assert nothing_stored(dirs)


# --- File names that display misleadingly (hunch 5) ----------------------------------------


def test_invisible_format_characters_are_taken_out_of_file_names() -> None:
    given = {
        "report\u202evsc.exe.csv": "report_vsc.exe.csv",  # right-to-left override
        "\u2066stops\u2069.csv": "_stops_.csv",  # isolates
        "stops\u200b.csv": "stops_.csv",  # zero-width space
        "stops\u00ad2022.csv": "stops_2022.csv",  # soft hyphen
        "stops\x85.csv": "stops_.csv",  # a C1 control character
        "a\u2028b.csv": "a_b.csv",  # line separator
        # joiners cannot reorder text, and emoji and Persian words need them
        "family \U0001f468\u200d\U0001f469.csv": "family \U0001f468\u200d\U0001f469.csv",
        "می\u200cخواهم.csv": "می\u200cخواهم.csv",
    }
    assert {name: clean_filename(name) for name in given} == given


def test_a_right_to_left_override_is_not_shown_in_the_list_of_uploads(
    analyst: User, dirs: Dirs
) -> None:
    upload = services.store_upload(
        io.BytesIO(TABLE), filename="report\u202evsc.exe.csv", user=analyst, kind="generic"
    )
    assert upload.original_name == "report_vsc.exe.csv"
    listing = text(web(analyst).get("/datasets/"))
    assert "report_vsc.exe.csv" in listing
    assert "\u202e" not in listing


# --- A cell longer than Python's csv field limit (131,072 characters) ----------------------

LONG_CELL = "x" * 200_000


def test_a_cell_too_long_for_the_preview_still_shows_the_mapping_step(
    analyst: User, dirs: Dirs
) -> None:
    client = web(analyst)
    body = f'Ethnicity,Notes\r\nBlack,short\r\nWhite,"{LONG_CELL}"\r\nAsian,ok\r\n'
    url = upload_table(client, body=body.encode())["Location"]
    page = client.get(url)
    assert page.status_code == 200
    shown = text(page)
    assert '<th scope="row" class="govuk-table__header">Notes</th>' in shown
    assert "(1 rows looked at)" in shown
    assert (
        "Row 3 has a cell too long to show here, so the examples come from the rows above "
        "it. The import still checks every row." in shown
    )
    client.post(url, {"group": "Ethnicity"})
    upload = Upload.objects.get()
    assert upload.status == UploadStatus.IMPORTED
    dataset = Dataset.objects.get()
    assert dataset.row_count == 3


def test_a_long_cell_in_the_first_row_still_lists_the_columns(analyst: User, dirs: Dirs) -> None:
    client = web(analyst)
    body = f'Ethnicity,Notes\r\nWhite,"{LONG_CELL}"\r\nBlack,short\r\n'
    url = upload_table(client, body=body.encode())["Location"]
    page = client.get(url)
    assert page.status_code == 200
    shown = text(page)
    assert '<option value="Notes">Notes</option>' in shown
    assert "Row 2 has a cell too long to show here, so there are no examples." in shown
