"""SECURITY.md DP-8 and FI-2: photos, PDFs and documents are kept without their hidden details."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from accord.web import file_cleaning
from accord.web.file_checks import DOCX, JPEG, ODT, PDF, PNG, TEXT, FileRefused, check_file
from accord.web.file_cleaning import without_hidden_details

GPS_IFD = 0x8825
ORIENTATION = 0x0112
AUTHOR = "Detective Sergeant Jane Example"


def photo_with_gps(kind: str = "JPEG", size: tuple[int, int] = (6, 3)) -> bytes:
    """A photo as a phone writes it: where it was taken, the phone, and 'turn me upright'."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[ORIENTATION] = 6  # stored sideways: turn 90 degrees clockwise to view
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 26.0)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    buffer = io.BytesIO()
    image.save(buffer, format=kind, exif=exif)
    return buffer.getvalue()


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": AUTHOR, "/Creator": "Word for Jane's laptop"})
    writer.xmp_metadata = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:creator>" + AUTHOR.encode() + b"</dc:creator></rdf:Description>"
        b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "kind"), [("JPEG", JPEG), ("PNG", PNG)])
def test_a_photo_loses_where_it_was_taken_and_the_phone(fmt: str, kind: object) -> None:
    original = photo_with_gps(fmt)
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS_IFD)  # the fixture really has a location
    cleaned = without_hidden_details(original, kind)  # type: ignore[arg-type]
    with Image.open(io.BytesIO(cleaned)) as after:
        exif = after.getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert 0x010F not in exif and 0x0110 not in exif and ORIENTATION not in exif
        assert "exif" not in after.info
        # Turned upright before the turning note was dropped: 6x3 stored, 3x6 shown.
        assert after.size == (3, 6)
    assert b"Phone 15" not in cleaned and b"PhoneMaker" not in cleaned
    assert check_file(cleaned, f"photo.{fmt.lower()}", limit=10**7) == kind


def test_a_pdf_loses_its_author_and_xmp_but_keeps_its_pages() -> None:
    original = pdf_with_author()
    assert AUTHOR.encode() in original
    cleaned = without_hidden_details(original, PDF)
    assert AUTHOR.encode() not in cleaned and b"Jane" not in cleaned
    reader = PdfReader(io.BytesIO(cleaned))
    assert len(reader.pages) == 1
    assert not reader.metadata
    assert reader.xmp_metadata is None
    assert check_file(cleaned, "report.pdf", limit=10**7) == PDF


def test_an_earlier_saved_version_of_a_pdf_goes_too() -> None:
    """A PDF saved twice keeps its first version's metadata after the end of the file."""
    first = pdf_with_author()
    writer = PdfWriter(io.BytesIO(first), incremental=True)
    writer.add_metadata({"/Author": "Someone else"})
    buffer = io.BytesIO()
    writer.write(buffer)
    twice = buffer.getvalue()
    assert AUTHOR.encode() in twice
    assert AUTHOR.encode() not in without_hidden_details(twice, PDF)


def test_a_password_protected_pdf_is_refused_with_what_to_do() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(FileRefused, match=r"protected with a password.*without the password"):
        without_hidden_details(buffer.getvalue(), PDF)


def test_a_pdf_that_cannot_be_rewritten_is_refused_not_kept_as_it_came() -> None:
    with pytest.raises(FileRefused, match="could not remove hidden details"):
        without_hidden_details(b"%PDF-1.7\n" + b"\x00garbage" * 50, PDF)


def test_a_pixel_flood_is_refused_before_it_is_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(file_cleaning, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(FileRefused, match="20 by 20 pixels, which is too large"):
        without_hidden_details(photo_with_gps(size=(20, 20)), JPEG)


def test_a_damaged_image_is_refused() -> None:
    damaged = photo_with_gps()[:200]
    with pytest.raises(FileRefused, match="could not read this JPEG image"):
        without_hidden_details(damaged, JPEG)


def test_plain_text_is_left_as_it_is() -> None:
    assert without_hidden_details(b"plain words\n", TEXT) == b"plain words\n"


def unpacked(package: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{author}</dc:creator>'
    "<cp:lastModifiedBy>{author}</cp:lastModifiedBy></cp:coreProperties>"
)


def test_a_word_document_loses_its_author_company_and_custom_properties() -> None:
    from tests.casework.test_documents import docx_bytes

    body = "<w:document><w:body><w:p><w:r><w:t>Minutes</w:t></w:r></w:p></w:body></w:document>"
    original = docx_bytes(
        body,
        extra={
            "docProps/core.xml": CORE.format(author=AUTHOR).encode(),
            "docProps/app.xml": b"<Properties><Company>Met DPS</Company>"
            b"<Manager>DCI Example</Manager></Properties>",
            "docProps/custom.xml": b"<Properties><property name='Case'>ABC-123</property>"
            b"</Properties>",
        },
    )
    cleaned = without_hidden_details(original, DOCX)
    assert check_file(cleaned, "minutes.docx", limit=10**7) == DOCX
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        assert archive.read("word/document.xml").decode() == body
        assert [i.filename for i in archive.infolist()] == [
            i.filename for i in zipfile.ZipFile(io.BytesIO(original)).infolist()
        ]
    for secret in (AUTHOR, "Met DPS", "DCI Example", "ABC-123"):
        assert secret.encode() in unpacked(original)
        assert secret.encode() not in unpacked(cleaned)


def test_an_opendocument_file_loses_its_author_and_keeps_its_mimetype_first() -> None:
    from tests.casework.test_documents import odt_bytes

    meta = (
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
        f"<meta:initial-creator>{AUTHOR}</meta:initial-creator><dc:creator>{AUTHOR}</dc:creator>"
        "</office:meta></office:document-meta>"
    )
    original = odt_bytes(extra={"meta.xml": meta.encode()})
    cleaned = without_hidden_details(original, ODT)
    assert AUTHOR.encode() in unpacked(original)
    assert AUTHOR.encode() not in unpacked(cleaned)
    assert check_file(cleaned, "notes.odt", limit=10**7) == ODT
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
