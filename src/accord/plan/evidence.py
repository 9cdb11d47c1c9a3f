"""Evidence files of progress updates: checked by their contents, stored once under their
SHA-256 outside the web root, written before the update's transaction commits and removed
again if it does not (nothing half-stored).

The checks are the same as for case documents (``accord.web.file_checks``, shared and
zone-free): the contents decide the type, the name must agree, and web-page or macro content is
refused. These files are not encrypted: they are evidence published with the plan, so photos
and PDFs are kept without their hidden details (``web.file_cleaning``: where a photo was
taken, who wrote a PDF).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from accord.datasets.storage import write_durably
from accord.plan.models import EvidenceFile, ProgressUpdate
from accord.web.file_checks import ALLOWED_SUMMARY, FileRefused, clean_filename
from accord.web.uploads import accept

__all__ = ["ALLOWED_SUMMARY", "Upload", "check_uploads", "path_of", "remove_unreferenced", "store"]


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    name: str
    data: bytes
    kind: str
    sha256: str


def root() -> Path:
    return Path(settings.ACCORD_PLAN_FILES_DIR)


def path_of(file: EvidenceFile) -> Path:
    return root() / file.sha256


def check_uploads(uploads: Sequence[Upload]) -> list[Checked]:
    """Every file checked before anything is written; the first refusal names its file."""
    checked = []
    for upload in uploads:
        name = clean_filename(upload.name)
        try:
            kind, data = accept(upload.data, name, limit=settings.ACCORD_PLAN_MAX_FILE_BYTES)
        except FileRefused as refused:
            raise FileRefused(f"{name}: {refused}") from refused
        checked.append(Checked(name, data, kind.key, hashlib.sha256(data).hexdigest()))
    return checked


def store(
    update: ProgressUpdate, files: Sequence[Checked]
) -> tuple[list[EvidenceFile], list[Path]]:
    """Write the files (once per content) and their rows, inside the update's transaction.

    Returns the rows and the paths first written here; if the transaction then fails, the
    caller passes those paths to :func:`remove_unreferenced`.
    """
    written: list[Path] = []
    rows = []
    for file in files:
        target = root() / file.sha256
        if not target.exists():
            write_durably([file.data], target)
            written.append(target)
        rows.append(
            EvidenceFile.objects.create(
                update=update,
                filename=file.name,
                kind=file.kind,
                size=len(file.data),
                sha256=file.sha256,
            )
        )
    return rows, written


def remove_unreferenced(paths: Sequence[Path]) -> None:
    for path in paths:
        if not EvidenceFile.objects.filter(sha256=path.name).exists():
            path.unlink(missing_ok=True)
