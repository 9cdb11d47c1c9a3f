"""Helpers for uploads and imports: where files live, limits, names, duplicates, progress.

The actions themselves are in :mod:`accord.datasets.services`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from accord.accounts.models import Organisation
from accord.datasets.archives import Limits, human_bytes
from accord.datasets.errors import ImportFailed
from accord.datasets.harmonise import Progress
from accord.datasets.models import Dataset, Upload, UploadStatus

_CHUNK = 1 << 20
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
#: Names Accord accepts for uploads (the contents are checked too).
UPLOAD_SUFFIXES = (".csv", ".csv.gz", ".zip", ".xlsx", ".parquet")


def limits() -> Limits:
    return Limits.from_max(int(settings.ACCORD_MAX_UPLOAD_BYTES))


def datasets_root() -> Path:
    return Path(settings.ACCORD_DATASETS_DIR)


def uploads_root() -> Path:
    return Path(settings.ACCORD_UPLOADS_DIR)


def work_dir() -> Path:
    """Scratch space for unpacking, on the same disk as the uploads."""
    return uploads_root() / ".work"


def clean_filename(name: str) -> str:
    """The last part of a file name, without control characters or slashes, at most 200."""
    base = re.split(r"[/\\]", name)[-1]
    cleaned = _UNSAFE_NAME.sub("_", base).strip().lstrip(".") or "upload"
    return cleaned[-200:]


def find_duplicate(
    sha: str, organisation: Organisation | None, display: str, *, except_upload: Upload | None
) -> ImportFailed | None:
    for dataset in Dataset.objects.filter(organisation=organisation).only(
        "name", "version", "source_checksums"
    ):
        for entry in dataset.source_checksums:
            if entry.get("sha256") == sha and not entry.get("member_of"):
                return ImportFailed.one(
                    f"this file has already been imported as the dataset '{dataset.name}' "
                    f"(version {dataset.version}). Importing it again would count the same "
                    "records twice.",
                    display,
                )
    if organisation is None:
        return None
    uploads = Upload.objects.filter(organisation=organisation, sha256=sha).exclude(
        status__in=[UploadStatus.DISCARDED, UploadStatus.IMPORTED]
    )
    if except_upload is not None:
        uploads = uploads.exclude(pk=except_upload.pk)
    earlier = uploads.order_by("created_at").first()
    if earlier is not None:
        return ImportFailed.one(
            f"this file was already uploaded on {earlier.created_at:%d %B %Y} as "
            f"'{earlier.original_name}' ({earlier.get_status_display().lower()}). "
            "Import or discard that upload instead.",
            display,
        )
    return None


def size_of(file: IO[bytes] | Any) -> int | None:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None


def capped_chunks(file: IO[bytes] | Any, cap: int, display: str) -> Iterator[bytes]:
    reader = (
        file.chunks(_CHUNK) if hasattr(file, "chunks") else iter(lambda: file.read(_CHUNK), b"")
    )
    total = 0
    for chunk in reader:
        total += len(chunk)
        if total > cap:
            raise ImportFailed.one(
                f"the file is larger than {human_bytes(cap)}, the largest file Accord accepts.",
                display,
            )
        yield chunk


class UploadProgress:
    """Writes progress to the Upload row when it moves by a whole step (for the page to poll)."""

    def __init__(self, upload: Upload, extra: Progress | None) -> None:
        self.upload_id = upload.pk
        self.also = extra
        self.last = -1

    def __call__(self, fraction: float, message: str) -> None:
        percent = max(0, min(99, int(fraction * 100)))
        if percent >= self.last + 5 or percent < self.last:
            self.last = percent
            Upload.objects.filter(pk=self.upload_id).update(
                progress=percent, progress_message=message[:200]
            )
        if self.also is not None:
            self.also(fraction, message)
