"""Hidden details taken out of uploaded photos and PDFs before anything keeps them.

Why: a phone photo carries where it was taken (EXIF GPS), when, and on which phone; a PDF
carries its author's name and the software and account that made it. On evidence published
with the action plan that would tell the public who wrote it and, for a photo, where they
were; in a case it could show where a survivor lives. SECURITY.md DP-8 and FI-2.

Images are decoded and written again from their pixels alone (which also turns a polyglot
into a plain image); a PDF is rewritten without its document information and XMP metadata,
earlier saved versions included; a Word or OpenDocument file keeps its text but loses its
document properties (author, last saved by, company, manager, custom properties). Names in
its comments and tracked changes stay: they are part of the text, so the upload pages ask
people to accept changes and remove comments first. A file that cannot be cleaned is
refused, not kept as it came: the person is told how to make a copy that can be.

Like ``file_checks``, this holds no data and belongs to no zone.
"""

from __future__ import annotations

import io
import warnings
import zipfile

from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError

from accord.web.file_checks import DOCX, JPEG, ODT, PDF, PNG, FileKind, FileRefused

#: Larger images are refused before they are decoded (a "pixel flood" would exhaust memory).
#: 80 million pixels is beyond any phone's normal photo, and below the size at which Pillow
#: itself starts to warn of a decompression bomb, so the message here is the one people see.
MAX_IMAGE_PIXELS = 80_000_000
JPEG_QUALITY = 92


def without_hidden_details(data: bytes, kind: FileKind) -> bytes:
    """``data`` with its metadata removed; files of other kinds come back unchanged."""
    if kind in (JPEG, PNG):
        return _redrawn_image(data, kind)
    if kind is PDF:
        return _pdf_without_metadata(data)
    if kind in (DOCX, ODT):
        return _package_without_properties(data, EMPTY_PROPERTIES[kind.key])
    return data


#: The parts of a Word or OpenDocument package that hold who made it, replaced by empty ones
#: (removing a part would leave references to it, which Word reports as damage).
EMPTY_PROPERTIES: dict[str, dict[str, bytes]] = {
    "docx": {
        "docProps/core.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'xmlns:dcterms="http://purl.org/dc/terms/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>',
        "docProps/app.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'extended-properties"/>',
        "docProps/custom.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'custom-properties"/>',
    },
    "odt": {
        "meta.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
        b'office:1.0" office:version="1.2"><office:meta/></office:document-meta>',
    },
}


def _package_without_properties(data: bytes, replacements: dict[str, bytes]) -> bytes:
    """The same zip package, part for part and in the same order (an OpenDocument file's
    first part must stay ``mimetype``, stored), with the property parts emptied."""
    out = io.BytesIO()
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as source,
            zipfile.ZipFile(out, "w") as target,
        ):
            for entry in source.infolist():
                content = replacements.get(entry.filename)
                if content is None:
                    content = source.read(entry)
                info = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = entry.compress_type
                info.external_attr = 0o644 << 16
                target.writestr(info, content)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise FileRefused(
            "We could not remove hidden details (such as the author's name) from this "
            "document, so it was not kept. Save it again, or save it as a PDF, and upload that."
        ) from None
    return out.getvalue()


def _redrawn_image(data: bytes, kind: FileKind) -> bytes:
    unreadable = FileRefused(
        f"We could not read this {kind.label}, so it was not kept. Open it and save it "
        "again (or take a screenshot of it), then upload that."
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise FileRefused(
                        f"The image is {width:,} by {height:,} pixels, which is too large to "
                        "keep. Make it smaller (for example, send it to yourself at a "
                        "smaller size), then upload that."
                    )
                image.load()
                # Phones often store a photo sideways with a note to turn it; the note goes
                # with the other metadata, so turn the pixels first.
                upright = ImageOps.exif_transpose(image)
                return _encoded(upright, kind)
    except FileRefused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise unreadable from None


def _encoded(image: Image.Image, kind: FileKind) -> bytes:
    out = io.BytesIO()
    if kind is JPEG:
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=JPEG_QUALITY)
    else:
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            image = image.convert("RGBA")
        image.save(out, format="PNG")
    return out.getvalue()


def _pdf_without_metadata(data: bytes) -> bytes:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise FileRefused(
                "This PDF is protected with a password, so we cannot check it or remove "
                "hidden details such as the author's name. Save a copy without the password "
                "and upload that."
            )
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        writer.xmp_metadata = None
        for page in writer.pages:
            if "/Metadata" in page:
                del page["/Metadata"]
        # The old information dictionary is still among the copied objects, unreferenced.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
    except FileRefused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError):
        raise FileRefused(
            "We could not remove hidden details (such as the author's name) from this PDF, "
            "so it was not kept. Open it and save or print it as a new PDF, then upload that."
        ) from None
    return out.getvalue()
