"""Parquet files on disk, written so that a crash never leaves a half-stored dataset.

The order of an import (see :func:`accord.datasets.services.store_imported`):

1. :func:`stage` writes the Parquet file to a hidden temporary name (``.tmp-...``) in the
   directory where it will live, flushes it to disk (``fsync``) and computes its SHA-256.
2. Inside the database transaction that creates the ``Dataset`` row and its audit event,
   :func:`publish` gives the file its final name with ``os.link`` (atomic, and it refuses to
   overwrite an existing file), removes the temporary name and flushes the directory.
3. The transaction commits. If it fails instead, the caller removes the published file.

So a committed ``Dataset`` always has its file. A crash can only leave files without a
row: a ``.tmp-`` file (crash during 1 or 2) or a published file whose transaction never
committed (crash between 2 and 3). :func:`sweep` removes both, once they are older than a
grace period (so it never races an import in progress); ``accord datasets sweep`` runs it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

TEMP_PREFIX = ".tmp-"
#: Folders made by ``open_inputs`` for unpacking (removed when an import ends normally).
SCRATCH_PREFIXES = ("import-", "zip-")
#: Files younger than this are never swept: an import may be writing them.
DEFAULT_GRACE_SECONDS = 6 * 60 * 60
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Staged:
    """A Parquet file written under a temporary name, not yet published."""

    temporary: Path
    final: Path
    relative: str
    sha256: str
    size: int


def _fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _statistics_columns(table: pa.Table) -> list[str]:
    """Min/max statistics for plain columns (dates, numbers) only: for dictionary columns
    Arrow computes them value by value, which costs more than the rest of the write, and
    these tables are read whole, so they would not be used."""
    return [f.name for f in table.schema if not pa.types.is_dictionary(f.type)]


def _dictionary_columns(table: pa.Table) -> list[str]:
    """Parquet dictionary encoding for every column but floating-point numbers.

    Dictionary columns keep their Arrow dictionary (written as it is, not hashed again),
    and dates, whole numbers and text are dictionary-encoded as before. Floating-point
    numbers (map points, rates) are written plain: hashing every value into a dictionary
    cost more than it saved, and the file came out larger (8.9 MB instead of 10.5 MB for
    a million police.uk rows, with the page setting below).
    """
    return [f.name for f in table.schema if not pa.types.is_floating(f.type)]


#: Rows per data page at most. Arrow's default (20,000) cuts a million-row column into
#: 50 pages, each compressed on its own (a new zstd context every time); with no row cap
#: a page is cut at Arrow's default page size (1 MB) instead. Readers see the same values.
_MAX_ROWS_PER_PAGE = 1 << 30
#: Values handed to the column writer at a time (Arrow's default is 1,024).
_WRITE_BATCH_SIZE = 1 << 16


def write_parquet(table: pa.Table, where: Path) -> None:
    """``table`` as zstd Parquet with Accord's writer settings (no fsync)."""
    pq.write_table(
        table,
        where,
        compression="zstd",
        write_statistics=_statistics_columns(table),
        use_dictionary=_dictionary_columns(table),
        max_rows_per_page=_MAX_ROWS_PER_PAGE,
        write_batch_size=_WRITE_BATCH_SIZE,
    )


def stage(table: pa.Table, root: Path, relative: str) -> Staged:
    """Write ``table`` next to ``root / relative`` under a temporary name, durably."""
    final = root / relative
    final.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    temporary = final.parent / f"{TEMP_PREFIX}{final.stem}-{secrets.token_hex(4)}.parquet"
    try:
        write_parquet(table, temporary)
        _fsync_path(temporary)
        return Staged(temporary, final, relative, _sha256(temporary), temporary.stat().st_size)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def publish(staged: Staged) -> None:
    """Give the staged file its final name (never replacing a file) and flush the directory."""
    os.link(staged.temporary, staged.final)
    try:
        staged.temporary.unlink()
        _fsync_path(staged.final.parent)
    except BaseException:
        staged.final.unlink(missing_ok=True)
        raise


def discard(staged: Staged, *, published: bool) -> None:
    """Remove a staged file after a failed transaction; its final name only if it got one."""
    staged.temporary.unlink(missing_ok=True)
    if published:
        staged.final.unlink(missing_ok=True)


def write_durably(source: Iterable[bytes], target: Path) -> tuple[str, int]:
    """Write chunks to a new file (refusing to replace one), fsync it; return SHA-256, size."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    digest = hashlib.sha256()
    size = 0
    try:
        with target.open("xb") as handle:
            for chunk in source:
                digest.update(chunk)
                size += len(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_path(target.parent)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def _old(path: Path, now: float, grace: float) -> bool:
    try:
        return now - path.lstat().st_mtime >= grace
    except FileNotFoundError:
        return False


def sweep(
    root: Path,
    referenced: set[str],
    *,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    now: float | None = None,
) -> list[Path]:
    """Remove files under ``root`` that no database row refers to, older than the grace.

    Args:
        root: ``ACCORD_DATASETS_DIR`` or ``ACCORD_UPLOADS_DIR``.
        referenced: Paths relative to ``root`` that rows refer to; these are kept.

    Returns:
        What was removed (files, and scratch folders left by interrupted imports).
    """
    if not root.exists():
        return []
    moment = time.time() if now is None else now
    removed: list[Path] = []
    # Scratch folders of interrupted imports first, judged by their own age.
    for folder in sorted(root.rglob("*")):
        if (
            folder.is_dir()
            and not folder.is_symlink()
            and folder.name.startswith(SCRATCH_PREFIXES)
            and _old(folder, moment, grace_seconds)
        ):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    for path in sorted(root.rglob("*")):
        if path.is_dir() or path.is_symlink():
            continue
        relative = path.relative_to(root).as_posix()
        if relative in referenced or not _old(path, moment, grace_seconds):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
