"""Case documents: checked by their contents, encrypted with the case's key, kept on disk.

Why so strict: a document on a case may be opened by an advocate on a work computer, and a
file crafted to attack that computer (a program renamed ``.pdf``, a web page, a Word file
with macros, a zip bomb) would put every case at risk. So a file is kept only when its
contents are one of a few known kinds and agree with its name (:func:`check_file`).

Why encrypted on disk: a copy of the files directory (a backup, a stolen disk) must be as
unreadable as a database dump. Each file is sealed whole with the case's data key, bound to
the document's ``uid`` (a file moved under another document's name does not open), written
under a random name, and served only as a download (see ``timeline_views``). Erasing the
case's key makes every file of the case unreadable, even copies we cannot reach.

The order of a store: check, encrypt, write the file durably under a temporary name, give it
its final name, then create the row and its audit event in one transaction; if that fails,
the file is removed. A crash between the file and the commit can only leave a file without
a row, which :func:`sweep_orphans` removes later; never a row without its file.
"""

from __future__ import annotations

import html
import io
import logging
import os
import re
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.http import HttpRequest

from accord.audit.services import record
from accord.casework.access import audit
from accord.casework.keys import open_bytes, seal_bytes
from accord.casework.models import Case, Document
from accord.casework.services import CaseworkError
from accord.casework.timeline import ensure_editable
from accord.crypto.keyring import DecryptionError

logger = logging.getLogger(__name__)

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
TEMP_PREFIX = ".tmp-"
#: Files younger than this are never swept: a store may be between its file and its row.
SWEEP_GRACE_SECONDS = 6 * 60 * 60
_STORAGE_NAME = re.compile(r"^[0-9a-f]{64}$")
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


class DocumentRefused(CaseworkError):
    """The file was not kept; the message says why and what to do instead."""


class DocumentUnavailable(CaseworkError):
    """A stored document cannot be opened: its file is missing, damaged or tampered with."""


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


def max_document_bytes() -> int:
    return int(settings.ACCORD_CASE_MAX_DOCUMENT_BYTES)


def size_label(size: int) -> str:
    """Sizes as people read them: "20 MB", "1.5 MB", "300 KB", "12 bytes"."""
    if size >= MB:
        return f"{size / MB:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} byte" + ("" if size == 1 else "s")


def clean_filename(name: str) -> str:
    """The last part of a name, without control characters or slashes, at most 200 long."""
    base = re.split(r"[/\\]", name)[-1]
    cleaned = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", base)).strip().lstrip(".")
    if len(cleaned) > 200:
        stem, dot, extension = cleaned.rpartition(".")
        cleaned = f"{stem[: 199 - len(extension)]}.{extension}" if dot else cleaned[:200]
    return cleaned


def extension_of(filename: str) -> str:
    suffix = PurePosixPath(filename.lower()).suffix
    return suffix if len(suffix) > 1 else ""


# --- Recognising a file by its contents -------------------------------------------------------


def check_file(data: bytes, filename: str, *, limit: int | None = None) -> FileKind:
    """The kind of ``data`` if we keep such files and its name agrees, else DocumentRefused.

    The contents decide (magic bytes and structure); the name must then agree, so that a
    program renamed ``report.pdf`` or a PDF named ``photo.png`` is refused with a reason.
    """
    limit = max_document_bytes() if limit is None else limit
    if not data:
        raise DocumentRefused("The file is empty. Check that you chose the right file.")
    if len(data) > limit:
        raise DocumentRefused(
            f"The file is {size_label(len(data))}. The largest file you can upload is "
            f"{size_label(limit)}."
        )
    extension = extension_of(filename)
    claimed = BY_EXTENSION.get(extension)
    if claimed is None:
        if not extension:
            raise DocumentRefused(
                "The file name has no ending such as .pdf, so we cannot tell what kind of "
                f"file it is. You can upload {ALLOWED_SUMMARY} files."
            )
        raise DocumentRefused(
            f"Files ending in {extension} cannot be kept here. You can upload "
            f"{ALLOWED_SUMMARY} files. If you need to keep this file, save it as a PDF first."
        )
    actual = _recognise(data)
    if actual is None:
        if claimed is TEXT:
            raise DocumentRefused(
                "We could not read this as plain text. Save it as UTF-8 text (in Notepad: "
                "Save as, then Encoding: UTF-8), or as a PDF, and upload that."
            )
        raise DocumentRefused(
            f"The file ends in {extension} but it is not a real {claimed.label}, so it was "
            f"not kept. Files whose contents do not match their name can be harmful. You can "
            f"upload {ALLOWED_SUMMARY} files."
        )
    head = data[:SNIFFED_BYTES].removeprefix(b"\xef\xbb\xbf")
    if _MARKUP.search(head) or (actual is TEXT and _TEXT_MARKUP.search(head)):
        raise DocumentRefused(
            "This file contains web page or drawing code (HTML, SVG or XML), which could be "
            "harmful, so it was not kept. Save it as a PDF and upload that instead."
        )
    if actual is not claimed:
        raise DocumentRefused(
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


def _refuse_package(reason: str) -> DocumentRefused:
    return DocumentRefused(
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


# --- Storage ------------------------------------------------------------------------------------


def files_dir() -> Path:
    return Path(settings.ACCORD_CASE_FILES_DIR)


def _file_context(document: Document) -> str:
    return f"casework.document.file:{document.uid}"


def _path_of(document: Document) -> Path:
    if not _STORAGE_NAME.match(document.storage_name):
        raise DocumentUnavailable(
            f"Document {document.uid} has an invalid storage name, so it cannot be opened."
        )
    return files_dir() / document.storage_name


def _fsync_dir(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_durably(directory: Path, name: str, payload: bytes) -> Path:
    """Write under a temporary name, flush to disk, then give the final name.

    ``os.link`` publishes atomically and, unlike a rename, never replaces an existing file.
    """
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = directory / name
    temporary = directory / f"{TEMP_PREFIX}{name}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_dir(directory)
    return final


def _read_capped(uploaded: IO[bytes] | Any, limit: int) -> bytes:
    """At most ``limit + 1`` bytes: enough to tell that a file is too big, never more."""
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    buffer = bytearray()
    while len(buffer) <= limit:
        chunk = uploaded.read(min(1 * MB, limit + 1 - len(buffer)))
        if not chunk:
            break
        buffer.extend(chunk)
    return bytes(buffer)


def store_document(
    request: HttpRequest | None,
    case: Case,
    uploaded: IO[bytes] | Any,
    description: str,
    *,
    by: Any,
) -> Document:
    """Check, encrypt and keep one file on a case; refuse it (saving nothing) otherwise.

    ``uploaded`` is a Django ``UploadedFile`` or any binary file with a ``name``.

    Raises:
        DocumentRefused: the file is empty, too big, of a kind we do not keep, or its name
            and contents disagree; nothing was stored.
        CaseworkError: the case is closed or restricted.
    """
    ensure_editable(case)
    filename = clean_filename(str(getattr(uploaded, "name", "") or ""))
    if not filename:
        raise DocumentRefused("The file has no name. Rename it, for example letter.pdf.")
    limit = max_document_bytes()
    declared = getattr(uploaded, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise DocumentRefused(
            f"The file is {size_label(declared)}. The largest file you can upload is "
            f"{size_label(limit)}."
        )
    data = _read_capped(uploaded, limit)
    kind = check_file(data, filename, limit=limit)

    document = Document(
        case=case,
        content_type=kind.content_type,
        size=len(data),
        storage_name=secrets.token_hex(32),
        created_by=by,
    )
    document.filename = filename
    document.description = description.strip()
    sealed = seal_bytes(case, data, _file_context(document))
    path = _write_durably(files_dir(), document.storage_name, sealed)
    try:
        with transaction.atomic():
            document.save(force_insert=True)
            audit(request, "document.add", case, actor=by)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return document


def read_document(request: HttpRequest | None, case: Case, document: Document) -> bytes:
    """The document's contents, decrypted, with the read audited against the document.

    Raises:
        DocumentUnavailable: the file is missing, or it does not decrypt (damaged, replaced
            by another file, or the case's key is gone). Never returns unchecked bytes.
    """
    if document.case_id != case.pk:
        raise DocumentUnavailable("This document does not belong to this case.")
    path = _path_of(document)
    try:
        token = path.read_bytes()
    except FileNotFoundError as error:
        logger.error("casework document %s: file missing from storage", document.uid)
        raise DocumentUnavailable(
            "The file for this document is missing from storage, so it cannot be opened. "
            f"Tell your system administrator and give them this number: {document.uid}."
        ) from error
    try:
        data = open_bytes(case, token, _file_context(document))
    except (DecryptionError, UnicodeDecodeError) as error:
        logger.error("casework document %s: stored file does not decrypt", document.uid)
        raise DocumentUnavailable(
            "The stored file for this document has been changed or damaged, so it cannot be "
            "opened safely. Tell your system administrator and give them this number: "
            f"{document.uid}."
        ) from error
    record(request, "casework.document.read", "document", str(document.uid))
    return data


def attachment_header(filename: str, kind: FileKind) -> str:
    """``Content-Disposition`` for a download: an ASCII name every browser accepts, plus the
    real name in RFC 5987 form (``filename*``) for those that read it."""
    extension = extension_of(filename)
    stem = filename[: -len(extension)] if extension in kind.extensions else filename
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^A-Za-z0-9._ -]", "_", " ".join(ascii_stem.split())).strip(" ._")
    if not ascii_stem.strip("_ -"):
        ascii_stem = "document"
    ascii_extension = filename[len(stem) :] if extension in kind.extensions else kind.extensions[0]
    return (
        f'attachment; filename="{ascii_stem}{ascii_extension}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )


def kind_of(document: Document) -> FileKind:
    """The kind a document was stored as (its name was checked against it)."""
    for kind in KINDS:
        if kind.content_type == document.content_type:
            return kind
    raise DocumentUnavailable(
        f"Document {document.uid} has an unknown type, so it cannot be downloaded."
    )


# --- Keeping the files directory tidy ------------------------------------------------------------


def remove_files(case: Case) -> int:
    """Delete every stored file of a case (for erasure); the rows are the caller's business.

    Returns how many files were removed. Missing files are not an error: erasure must be
    able to finish after an interrupted attempt.
    """
    removed = 0
    for storage_name in Document.objects.filter(case=case).values_list("storage_name", flat=True):
        if not _STORAGE_NAME.match(storage_name):
            continue
        path = files_dir() / storage_name
        if path.exists():
            path.unlink()
            removed += 1
    if removed:
        _fsync_dir(files_dir())
    return removed


def sweep_orphans(*, grace_seconds: int = SWEEP_GRACE_SECONDS) -> list[str]:
    """Remove files with no document row (a store that crashed before its commit), and
    left-over temporary files, once they are older than ``grace_seconds``."""
    directory = files_dir()
    if not directory.is_dir():
        return []
    cutoff = time.time() - grace_seconds
    candidates = [
        path for path in directory.iterdir() if path.is_file() and path.stat().st_mtime < cutoff
    ]
    names = [p.name for p in candidates if _STORAGE_NAME.match(p.name)]
    rows = Document.objects.filter(storage_name__in=names)
    known = set(rows.values_list("storage_name", flat=True))
    removed = []
    for path in candidates:
        temporary = path.name.startswith(TEMP_PREFIX)
        orphan = _STORAGE_NAME.match(path.name) is not None and path.name not in known
        if temporary or orphan:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


# --- Receiving uploads ------------------------------------------------------------------------


class CappedMemoryUploadHandler(FileUploadHandler):
    """Keep an upload in memory, never on disk, and stop keeping it past the size limit.

    Django's default handler writes large uploads to a temporary file: for a case document
    that would leave the plaintext on the server's disk. This handler holds at most the
    limit in memory; a bigger file is skipped (the rest of it is read and dropped) and
    ``too_big`` is set, so the page can say why.
    """

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.too_big = False
        self.received = 0
        self._buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._buffer = io.BytesIO()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_big = True
            self._buffer = io.BytesIO()
            raise SkipFile
        self._buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self._buffer.seek(0)
        return InMemoryUploadedFile(
            file=self._buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
