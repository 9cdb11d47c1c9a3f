"""What every uploaded file goes through before anything keeps it, in one place.

Case documents and plan evidence each have their own size limit, storage and audit, but
the same three steps, in this order: recognise the file by its contents (``file_checks``),
scan it for viruses (``virus_scan``), then take out its hidden details (``file_cleaning``).
A new kind of upload calls :func:`accept` and cannot forget one.
"""

from __future__ import annotations

from accord.web.file_checks import FileKind, check_file
from accord.web.file_cleaning import without_hidden_details
from accord.web.virus_scan import check_for_viruses


def accept(data: bytes, filename: str, *, limit: int) -> tuple[FileKind, bytes]:
    """The file's kind and the bytes to keep; ``FileRefused`` says why it cannot be kept."""
    kind = check_file(data, filename, limit=limit)
    check_for_viruses(data)
    return kind, without_hidden_details(data, kind)
