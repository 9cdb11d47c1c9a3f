"""Opening zip archives safely: every check happens before a single byte is extracted.

A zip can lie about itself, so the checks come in two layers:

1. From the central directory, before extracting: the number of entries, each entry's name
   (no absolute paths, no ``..``, no backslashes or drive letters: "zip slip"), no symbolic
   links, no password-protected entries, no compression method Python cannot read
   (Deflate64), no archives inside the archive (by name), each
   entry's declared size, its declared compression ratio, and the declared total.
2. While extracting: the bytes actually written are counted against the same limits, so an
   entry whose declared size is false is stopped as soon as it passes the limit (Python's
   zipfile then also refuses it for a bad CRC), and the first bytes of each entry are checked
   for another archive's signature (an archive renamed to ``.csv``).

Nothing here trusts the archive: members are written only under a fresh directory with names
Accord makes up, never with the names from the archive.
"""

from __future__ import annotations

import hashlib
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from accord.datasets.errors import ImportFailed

#: Name endings of archives and compressed files that may not sit inside an archive.
ARCHIVE_SUFFIXES = (
    ".zip",
    ".gz",
    ".tgz",
    ".tar",
    ".bz2",
    ".xz",
    ".7z",
    ".rar",
    ".zst",
    ".lz4",
    ".xlsx",
    ".jar",
)
#: Leading bytes of archive formats (zip, gzip, bzip2, xz, 7z, rar, zstd).
ARCHIVE_SIGNATURES = (
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!",
    b"\x28\xb5\x2f\xfd",
)
_CHUNK = 1 << 20
#: Compression methods Python's zipfile reads (Deflate64, method 9, is not one of them).
_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
#: Where an Excel workbook keeps files pasted into it (see ``inspect_zip``'s ``embedded``).
_EMBEDDINGS = "xl/embeddings/"


@dataclass(frozen=True)
class Limits:
    """How large inputs may be. ``from_max`` derives the rest from the upload limit.

    Attributes:
        max_file_bytes: Largest file accepted as given (``ACCORD_MAX_UPLOAD_BYTES``).
        max_total_bytes: Largest total after unpacking an archive or a ``.gz`` file.
        max_ratio: Largest compression ratio accepted for one entry (police.uk CSVs
            compress about 16 to 1; zip bombs reach 1,000 to 1).
        max_members: Most entries an archive may hold.
    """

    max_file_bytes: int
    max_total_bytes: int
    max_ratio: float = 100.0
    max_members: int = 1000

    @classmethod
    def from_max(cls, max_file_bytes: int) -> Limits:
        return cls(max_file_bytes=max_file_bytes, max_total_bytes=4 * max_file_bytes)


@dataclass(frozen=True)
class Member:
    """One file taken out of an archive."""

    path: Path
    name: str  # the name inside the archive, for messages
    sha256: str
    size: int


def human_bytes(size: float) -> str:
    """``1536`` -> ``"1.5 KB"``; powers of 1,024 with the usual short names."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            if unit == "bytes":
                return f"{int(size):,} bytes"
            return f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _is_nested_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _unsafe_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name:
        return True
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in PurePosixPath(name).parts


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def inspect_zip(
    path: Path, display: str, limits: Limits, *, embedded: bool = False
) -> list[zipfile.ZipInfo]:
    """Check an archive's directory against :class:`Limits`; return the file entries.

    ``embedded=True`` is for an Excel workbook, which is itself a zip: a workbook with a
    chart or table pasted in from another file keeps that file under ``xl/embeddings/``.
    Such parts are never extracted or opened, so they are let through (size limits still
    apply) instead of being called an archive inside an archive.

    Raises:
        ImportFailed: the archive is damaged, or breaks any rule in the module docstring.
    """
    infos = _directory(path, display)
    if len(infos) > limits.max_members:
        raise ImportFailed.one(
            f"the archive holds {len(infos):,} entries; Accord opens archives of up to "
            f"{limits.max_members:,} files.",
            display,
        )
    files: list[zipfile.ZipInfo] = []
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            raise ImportFailed.one(
                f"the entry {name!r} has a name that points outside the archive "
                "(an absolute path or '..'). Accord refuses such archives.",
                display,
            )
        if _is_symlink(info):
            raise ImportFailed.one(
                f"the entry {name!r} is a symbolic link. Accord refuses archives with links.",
                display,
            )
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise ImportFailed.one(
                f"the entry {name!r} is password-protected. Upload the files unprotected.",
                display,
            )
        if info.compress_type not in _METHODS:
            raise _unsupported_method(name, display)
        if _is_nested_archive(name) and not (embedded and name.startswith(_EMBEDDINGS)):
            raise ImportFailed.one(
                f"the entry {name!r} is itself an archive. Accord does not open archives "
                "inside archives: extract it and upload its files directly.",
                display,
            )
        if info.file_size > limits.max_file_bytes:
            raise ImportFailed.one(
                f"the entry {name!r} unpacks to {human_bytes(info.file_size)}; the largest "
                f"file Accord accepts is {human_bytes(limits.max_file_bytes)}.",
                display,
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _CHUNK and ratio > limits.max_ratio:
            raise ImportFailed.one(
                f"the entry {name!r} would expand {ratio:,.0f} times "
                f"({human_bytes(info.compress_size)} to {human_bytes(info.file_size)}), "
                "which is how zip bombs work. Accord refuses it.",
                display,
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ImportFailed.one(
                f"the archive unpacks to more than {human_bytes(limits.max_total_bytes)} "
                "in total, more than Accord accepts. Split it into smaller archives.",
                display,
            )
        files.append(info)
    if not files:
        raise ImportFailed.one("the archive is empty.", display)
    return files


def _directory(path: Path, display: str) -> list[zipfile.ZipInfo]:
    """The archive's entries; a damaged archive or a name that is not text is refused.

    The messages never include the exception's own text, which can hold server paths.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.infolist()
    except UnicodeDecodeError as error:
        raise ImportFailed.one(
            "an entry in this archive has a name that is not valid text (it is marked as "
            "UTF-8 but is not), so Accord cannot read the archive. Create the archive again "
            "(for example with your computer's own 'Compress' or 'Send to > Compressed "
            "folder'), or upload the CSV files directly.",
            display,
        ) from error
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as error:
        raise ImportFailed.one(
            "this zip file is damaged and cannot be opened. Create the archive again, or "
            "upload the CSV files directly.",
            display,
        ) from error


def _unsupported_method(name: str, display: str) -> ImportFailed:
    return ImportFailed.one(
        f"the entry {name!r} is compressed with a method Accord cannot read (for example "
        "Deflate64, which Windows uses for large files). Create the archive again with "
        "ordinary zip compression ('Deflate'; in 7-Zip choose the zip format and the Deflate "
        "method), or upload the CSV files directly.",
        display,
    )


def extract_zip(
    path: Path,
    display: str,
    workdir: Path,
    limits: Limits,
    *,
    keep: Callable[[str], bool] = lambda name: True,
) -> tuple[list[Member], list[str]]:
    """Extract the entries ``keep`` accepts into ``workdir`` (after :func:`inspect_zip`).

    Returns the extracted members and the names of entries left out. Two entries with the
    same contents are refused: importing the same month twice would double-count it.
    """
    infos = inspect_zip(path, display, limits)
    members: list[Member] = []
    skipped: list[str] = []
    seen: dict[str, str] = {}
    written_total = 0
    with zipfile.ZipFile(path) as archive:
        for number, info in enumerate(infos):
            if not keep(info.filename):
                skipped.append(info.filename)
                continue
            target = workdir / f"member-{number:05d}{_suffix(info.filename)}"
            digest = hashlib.sha256()
            written = 0
            try:
                with archive.open(info) as source, target.open("xb") as sink:
                    first = True
                    while chunk := source.read(_CHUNK):
                        if first and chunk.startswith(ARCHIVE_SIGNATURES):
                            raise ImportFailed.one(
                                f"the entry {info.filename!r} is itself an archive. Accord "
                                "does not open archives inside archives: extract it and "
                                "upload its files directly.",
                                display,
                            )
                        first = False
                        written += len(chunk)
                        written_total += len(chunk)
                        if written > max(info.file_size, 0) or (
                            written_total > limits.max_total_bytes
                        ):
                            raise ImportFailed.one(
                                f"the entry {info.filename!r} holds more data than the archive "
                                "says it does, which is how zip bombs work. Accord refuses it.",
                                display,
                            )
                        digest.update(chunk)
                        sink.write(chunk)
            except NotImplementedError as error:
                raise _unsupported_method(info.filename, display) from error
            except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
                raise ImportFailed.one(
                    f"the entry {info.filename!r} is damaged and cannot be read. Create the "
                    "archive again, or upload the CSV files directly.",
                    display,
                ) from error
            sha = digest.hexdigest()
            # Empty entries are all alike: leave them to the caller's "empty" check.
            if written and sha in seen:
                raise ImportFailed.one(
                    f"the archive holds the same file twice: {seen[sha]!r} and "
                    f"{info.filename!r} are identical. Remove one and upload it again.",
                    display,
                )
            seen[sha] = info.filename
            members.append(Member(path=target, name=info.filename, sha256=sha, size=written))
    return members, skipped


def _suffix(name: str) -> str:
    lower = name.lower()
    for suffix in (".csv", ".tsv", ".txt", ".parquet"):
        if lower.endswith(suffix):
            return suffix
    return ".bin"
