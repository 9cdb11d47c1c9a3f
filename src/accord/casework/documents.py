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

import io
import logging
import os
import re
import secrets
import time
import unicodedata
from pathlib import Path
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
from accord.web import file_checks
from accord.web.file_checks import (
    KINDS,
    MB,
    FileKind,
    FileRefused,
    clean_filename,
    extension_of,
    size_label,
)
from accord.web.uploads import accept

logger = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"
#: Files younger than this are never swept: a store may be between its file and its row.
SWEEP_GRACE_SECONDS = 6 * 60 * 60
_STORAGE_NAME = re.compile(r"^[0-9a-f]{64}$")


class DocumentRefused(CaseworkError):
    """The file was not kept; the message says why and what to do instead."""


class DocumentUnavailable(CaseworkError):
    """A stored document cannot be opened: its file is missing, damaged or tampered with."""


def max_document_bytes() -> int:
    return int(settings.ACCORD_CASE_MAX_DOCUMENT_BYTES)


def check_file(data: bytes, filename: str, *, limit: int | None = None) -> FileKind:
    """The kind of ``data`` if a case may keep it (see :func:`file_checks.check_file`),
    else :class:`DocumentRefused`; ``limit`` defaults to the case document limit."""
    try:
        return file_checks.check_file(
            data, filename, limit=max_document_bytes() if limit is None else limit
        )
    except FileRefused as refused:
        raise DocumentRefused(str(refused)) from refused


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
    try:
        # Where a photo was taken could show where the client lives (SECURITY.md DP-8).
        kind, data = accept(data, filename, limit=limit)
    except FileRefused as refused:
        raise DocumentRefused(str(refused)) from refused

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
