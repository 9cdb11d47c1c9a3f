"""Uploaded files checked by their contents before anything keeps them.

Why so strict: a file kept by Accord (a case document, a piece of evidence on the action
plan) may be opened on a work computer, and a file crafted to attack that computer (a
program renamed ``.pdf``, a web page, a Word file with macros, a zip bomb) would put it at
risk. So a file is kept only when its contents are one of a few known kinds and agree with
its name (:func:`check_file`).

These checks hold no data and belong to no zone: casework documents
(``accord.casework.documents``) and plan evidence (``accord.plan.evidence``) both use them,
each with its own size limit, storage and audit, and neither imports the other.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

MB = 1024 * 1024
#: A Word or OpenDocument file may unpack to at most this much in total.
MAX_UNPACKED_BYTES = 100 * MB
#: ... and hold at most this many parts (real documents hold tens, rarely hundreds).
MAX_ZIP_ENTRIES = 2000
#: A part that unpacks to more than 1 MB may be at most this many times its packed size.
#: Word's XML packs about 10 to 20 times; zip bombs pack thousands of times.
MAX_PACKING_RATIO = 100
RATIO_CHECKED_FROM = 1 * MB
#: Browsers guess a type from the first bytes of a file; markup there is refused.
SNIFFED_BYTES = 1024
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|svg|iframe)\b", re.IGNORECASE)
#: Text files may not be markup at all (XML included); binary files may carry XML metadata.
_TEXT_MARKUP = re.compile(rb"<\s*\?xml\b", re.IGNORECASE)
_RELATIONSHIP = re.compile(r"<(?:\w+:)?Relationship\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"([\w:]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
HYPERLINK_RELATIONSHIP = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class FileRefused(Exception):
    """The file was not kept; the message says why and what to do instead."""


@dataclass(frozen=True)
class FileKind:
    """One kind of file we keep: what people call it, its name endings, its media type."""

    key: str
    label: str
    extensions: tuple[str, ...]
    content_type: str

    @property
    def with_article(self) -> str:
        return f"{'an' if self.label[0] in 'AEIOU' else 'a'} {self.label}"


PDF = FileKind("pdf", "PDF", (".pdf",), "application/pdf")
PNG = FileKind("png", "PNG image", (".png",), "image/png")
JPEG = FileKind("jpeg", "JPEG image", (".jpg", ".jpeg"), "image/jpeg")
TEXT = FileKind("text", "plain text file", (".txt",), "text/plain")
DOCX = FileKind(
    "docx",
    "Word document",
    (".docx",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
ODT = FileKind(
    "odt", "OpenDocument text file", (".odt",), "application/vnd.oasis.opendocument.text"
)
KINDS: tuple[FileKind, ...] = (PDF, PNG, JPEG, TEXT, DOCX, ODT)
BY_EXTENSION: dict[str, FileKind] = {ext: kind for kind in KINDS for ext in kind.extensions}
ALLOWED_SUMMARY = "PDF, PNG, JPEG, plain text (.txt), Word (.docx) or OpenDocument text (.odt)"


def size_label(size: int) -> str:
    """Sizes as people read them: "20 MB", "1.5 MB", "300 KB", "12 bytes"."""
    if size >= MB:
        return f"{size / MB:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} byte" + ("" if size == 1 else "s")


def clean_filename(name: str) -> str:
    """The last part of a name, without control characters or slashes, at most 200 long.

    Invisible format characters are replaced too: a right-to-left override (U+202E) makes
    ``report\u202efdp.exe`` show as ``reportexe.pdf`` wherever the name is listed.
    """
    base = re.split(r"[/\\]", name)[-1]
    cleaned = _UNSAFE_NAME.sub("_", visible(unicodedata.normalize("NFC", base)))
    cleaned = cleaned.strip().lstrip(".")
    if len(cleaned) > MAX_NAME:
        # The start says what the file is and the end what kind it is (``.csv.gz`` too):
        # the middle goes.
        found = _SUFFIXES.search(cleaned)
        suffix = found.group(0) if found else ""
        cleaned = cleaned[: MAX_NAME - len(suffix)] + suffix
    return cleaned


#: The longest file name kept (stored names are shown in lists and used in downloads).
MAX_NAME = 200
#: A name's kind: up to two short endings, as in ``.pdf`` or ``.csv.gz``.
_SUFFIXES = re.compile(r"(\.[A-Za-z0-9]{1,5}){1,2}$")


#: Zero-width non-joiner and joiner: emoji sequences and Persian or Indic words need them.
_JOINERS = frozenset({"\u200c", "\u200d"})


def visible(text: str) -> str:
    """``text`` with control, invisible format (bidi overrides, zero-width space) and
    line or paragraph separator characters replaced by ``_``."""
    return "".join(
        "_"
        if char not in _JOINERS and unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp"}
        else char
        for char in text
    )


def extension_of(filename: str) -> str:
    suffix = PurePosixPath(filename.lower()).suffix
    return suffix if len(suffix) > 1 else ""


# --- Recognising a file by its contents -------------------------------------------------------


def check_file(data: bytes, filename: str, *, limit: int) -> FileKind:
    """The kind of ``data`` if we keep such files and its name agrees, else FileRefused.

    The contents decide (magic bytes and structure); the name must then agree, so that a
    program renamed ``report.pdf`` or a PDF named ``photo.png`` is refused with a reason.
    """
    if not data:
        raise FileRefused("The file is empty. Check that you chose the right file.")
    if len(data) > limit:
        raise FileRefused(
            f"The file is {size_label(len(data))}. The largest file you can upload is "
            f"{size_label(limit)}."
        )
    extension = extension_of(filename)
    claimed = BY_EXTENSION.get(extension)
    if claimed is None:
        if not extension:
            raise FileRefused(
                "The file name has no ending such as .pdf, so we cannot tell what kind of "
                f"file it is. You can upload {ALLOWED_SUMMARY} files."
            )
        raise FileRefused(
            f"Files ending in {extension} cannot be kept here. You can upload "
            f"{ALLOWED_SUMMARY} files. If you need to keep this file, save it as a PDF first."
        )
    actual = _recognise(data)
    if actual is None:
        if claimed is TEXT:
            raise FileRefused(
                "We could not read this as plain text. Save it as UTF-8 text (in Notepad: "
                "Save as, then Encoding: UTF-8), or as a PDF, and upload that."
            )
        raise FileRefused(
            f"The file ends in {extension} but it is not a real {claimed.label}, so it was "
            f"not kept. Files whose contents do not match their name can be harmful. You can "
            f"upload {ALLOWED_SUMMARY} files."
        )
    head = data[:SNIFFED_BYTES].removeprefix(b"\xef\xbb\xbf")
    if _MARKUP.search(head) or (actual is TEXT and _TEXT_MARKUP.search(head)):
        raise FileRefused(
            "This file contains web page or drawing code (HTML, SVG or XML), which could be "
            "harmful, so it was not kept. Save it as a PDF and upload that instead."
        )
    if actual is not claimed:
        raise FileRefused(
            f"The file ends in {extension} but it is {actual.with_article}. Rename it to end in "
            f"{actual.extensions[0]}, or choose the right file."
        )
    return actual


def _recognise(data: bytes) -> FileKind | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return _recognise_package(data)
    if _is_text(data):
        return TEXT
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _refuse_package(reason: str) -> FileRefused:
    return FileRefused(
        f"{reason} Open it in your word processor, save it again as a normal document (or as "
        "a PDF), and upload that."
    )


def _recognise_package(data: bytes) -> FileKind | None:
    """A Word or OpenDocument file: checked as a zip first (bombs, odd paths), then by parts."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise _refuse_package("This document is damaged, so it was not kept.") from error
    with archive:
        entries = archive.infolist()
        _check_zip_structure(entries)
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            _check_docx(archive, names)
            return DOCX
        if entries and entries[0].filename == "mimetype":
            if _read_part(archive, "mimetype", 200).strip() != ODT_MIMETYPE:
                return None
            _check_odt(names)
            return ODT
    return None


def _check_zip_structure(entries: list[zipfile.ZipInfo]) -> None:
    unusual = _refuse_package(
        "This document is packed in an unusual way that harmful files use, so it was not kept."
    )
    if not entries or len(entries) > MAX_ZIP_ENTRIES:
        raise unusual
    if min(entry.header_offset for entry in entries) != 0:
        raise unusual  # data hidden before the first part: a file pretending to be two kinds
    seen: set[str] = set()
    total = 0
    for entry in entries:
        name = entry.filename
        path = PurePosixPath(name)
        symlink = (entry.external_attr >> 16) & 0o170000 == 0o120000
        if (
            name in seen
            or path.is_absolute()
            or ".." in path.parts
            or "\\" in name
            or symlink
            or entry.flag_bits & 0x1  # encrypted parts cannot be checked
        ):
            raise unusual
        seen.add(name)
        total += entry.file_size
        packed_ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_CHECKED_FROM and packed_ratio > MAX_PACKING_RATIO:
            raise _refuse_package(
                "This document is packed far more tightly than real documents are (a "
                "'zip bomb' can fill the computer that opens it), so it was not kept."
            )
    if total > MAX_UNPACKED_BYTES:
        raise _refuse_package(
            f"This document unpacks to more than {size_label(MAX_UNPACKED_BYTES)} (a "
            "'zip bomb' can fill the computer that opens it), so it was not kept."
        )


def _read_part(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """One part, read no further than ``limit`` (zipfile stops at the declared size)."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise _refuse_package("This document has a part far larger than usual, so it was not kept.")
    try:
        with archive.open(info) as part:
            return part.read(limit + 1)[:limit]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
        raise _refuse_package("This document is damaged, so it was not kept.") from error


def _check_docx(archive: zipfile.ZipFile, names: set[str]) -> None:
    """No macros, no linked templates or objects from elsewhere: a plain Word document."""
    content_types = _read_part(archive, "[Content_Types].xml", MB).decode("utf-8", "replace")
    lowered = {name.lower() for name in names}
    if (
        "macroenabled" in content_types.lower()
        or "vbaproject" in content_types.lower()
        or any(name.endswith("vbaproject.bin") or "/activex/" in name for name in lowered)
    ):
        raise _refuse_package(
            "This Word file contains macros (small programs), which could harm the computers "
            "that open it, so it was not kept."
        )
    if DOCX_MAIN not in content_types:
        raise _refuse_package(
            "This is not an ordinary Word document (it may be a template or another Office "
            "file), so it was not kept."
        )
    for name in names:
        if name.endswith(".rels"):
            _check_relationships(_read_part(archive, name, 4 * MB).decode("utf-8", "replace"))


def _check_relationships(text: str) -> None:
    """Links out of the document are allowed only as hyperlinks: a template or object
    fetched from the internet when the file is opened is a known way in for attackers."""
    for element in _RELATIONSHIP.findall(text):
        attributes = {
            key.rpartition(":")[2].lower(): html.unescape(double or single)
            for key, double, single in _ATTRIBUTE.findall(element)
        }
        external = attributes.get("targetmode", "Internal").strip().lower() != "internal"
        if external and attributes.get("type", "").strip() != HYPERLINK_RELATIONSHIP:
            raise _refuse_package(
                "This Word file loads content from the internet when it is opened, which "
                "could be harmful, so it was not kept."
            )


def _check_odt(names: set[str]) -> None:
    if "content.xml" not in names:
        raise _refuse_package("This document is damaged, so it was not kept.")
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise _refuse_package(
            "This document contains macros (small programs), which could harm the computers "
            "that open it, so it was not kept."
        )
