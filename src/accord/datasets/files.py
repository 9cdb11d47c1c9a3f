"""The files a person hands over: how big they are, what they really are, what is inside.

:func:`open_inputs` turns what was given (files, folders, zip archives, ``.gz`` files) into
plain files on disk that an importer can read, checking on the way:

* the size of every file against ``Limits.max_file_bytes`` before reading a byte of it
  (a 2 GB file is refused from its size alone);
* that the contents match the name (a zip named ``.csv``, a text file named ``.xlsx``);
* empty files;
* archives (see :mod:`accord.datasets.archives`) and ``.gz`` files, whose unpacked size is
  capped as it is written, so a compressed bomb is stopped early;
* what comes out of a ``.gz`` file or a zip entry is sniffed again (UTF-16, binary data),
  since the outer file's first bytes say nothing about it;
* the same file given twice.

Every file's SHA-256 is kept for provenance and duplicate checks.
"""

from __future__ import annotations

import gzip
import hashlib
import mmap
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from accord.datasets.archives import ARCHIVE_SIGNATURES, Limits, extract_zip, human_bytes
from accord.datasets.errors import ImportFailed, Problem

Format = Literal["csv", "xlsx", "parquet"]
_CHUNK = 1 << 20
_SNIFF = 8192
#: First bytes of an OLE2 compound file: an encrypted .xlsx, or an old .xls.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: Name endings accepted for each format (a ``.gz`` ending may follow a text format).
TEXT_SUFFIXES = (".csv",)


@dataclass(frozen=True)
class Given:
    """A path and the name a person knows it by (an upload's original file name)."""

    path: Path
    name: str


@dataclass(frozen=True)
class InputFile:
    """A plain file ready to read.

    Attributes:
        path: Where to read it (inside the work folder if it was unpacked).
        name: How messages name it: ``stops.csv``, or ``months.zip › 2022-11/x.csv``.
        format: What it contains.
    """

    path: Path
    name: str
    format: Format


@dataclass(frozen=True)
class SourceRecord:
    """Provenance of one file: name, SHA-256, size, and the archive or folder it came from."""

    name: str
    sha256: str
    bytes: int
    member_of: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "member_of": self.member_of,
        }


@dataclass
class Inputs:
    """What :func:`open_inputs` found."""

    files: list[InputFile] = field(default_factory=list)
    sources: list[SourceRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    """SHA-256 of the file, hashed from a memory map (its bytes are not copied first)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return digest.hexdigest()
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            digest.update(mapped)
    return digest.hexdigest()


def check_size(size: int, display: str, limits: Limits) -> None:
    """Refuse empty files and files over the limit (from the size alone)."""
    if size == 0:
        raise ImportFailed.one("the file is empty.", display)
    if size > limits.max_file_bytes:
        raise ImportFailed.one(
            f"the file is {human_bytes(size)}; the largest file Accord accepts is "
            f"{human_bytes(limits.max_file_bytes)}. Split it into smaller files "
            "(for example one per month) or ask an administrator.",
            display,
        )


def sniff(path: Path, display: str) -> Literal["zip", "gzip", "csv", "xlsx", "parquet"]:
    """What the file really is, from its first bytes, checked against its name."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF)
    lower = display.lower()
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if lower.endswith(".zip"):
            return "zip"
        if lower.endswith(".xlsx"):
            return "xlsx"
        raise _mismatch(display, "a zip archive")
    if head.startswith(b"\x1f\x8b"):
        if lower.endswith(".gz"):
            return "gzip"
        raise _mismatch(display, "a gzip-compressed file")
    if head.startswith(b"PAR1"):
        if lower.endswith((".parquet", ".pq")):
            return "parquet"
        raise _mismatch(display, "a Parquet file")
    if head.startswith(_OLE2):
        raise _protected_or_old(display)
    if head.startswith(ARCHIVE_SIGNATURES):
        raise ImportFailed.one(
            "this is a compressed archive of a kind Accord does not open. "
            "Upload CSV files, or a .zip of them.",
            display,
        )
    if lower.endswith((".zip", ".xlsx", ".parquet", ".pq", ".gz")):
        kind = lower.rsplit(".", 1)[-1]
        raise ImportFailed.one(
            f"the name ends in .{kind} but the contents are not a {kind} file. "
            "Check you chose the right file.",
            display,
        )
    check_text(head, display)
    if not lower.endswith(TEXT_SUFFIXES):
        raise ImportFailed.one(
            "Accord reads CSV (.csv), Excel (.xlsx) and Parquet (.parquet) files, "
            "and .zip archives of CSV files. Rename or convert the file.",
            display,
        )
    return "csv"


def check_text(head: bytes, display: str) -> None:
    """Refuse the start of a would-be CSV file that is not UTF-8 text.

    Used on a file as given and on what comes out of a ``.gz`` file or a zip entry, whose
    own first bytes say nothing about what they hold.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailed.one(
            "the file is saved as UTF-16 ('Unicode text'), not UTF-8. Open it and save it "
            "again as 'CSV UTF-8 (comma delimited)', then upload it again.",
            display,
        )
    if head.startswith(_OLE2):
        raise _protected_or_old(display)
    if head.startswith(ARCHIVE_SIGNATURES):
        raise ImportFailed.one(
            "this holds a compressed archive, not CSV text. Accord does not open archives "
            "inside compressed files: extract it and upload the CSV files directly.",
            display,
        )
    if b"\x00" in head:
        raise ImportFailed.one("the file holds binary data, not text. Upload a CSV file.", display)


def _check_unpacked(path: Path, display: str) -> None:
    with path.open("rb") as handle:
        check_text(handle.read(_SNIFF), display)


def _protected_or_old(display: str) -> ImportFailed:
    """An OLE2 container: what Excel writes for a workbook with a password (or an old .xls)."""
    return ImportFailed.one(
        "this workbook is protected with a password (or saved in Excel's old .xls format), "
        "so Accord cannot read it. Open it in Excel, save a copy without a password as "
        "'Excel Workbook (.xlsx)' or 'CSV UTF-8', and upload that copy.",
        display,
    )


def _mismatch(display: str, what: str) -> ImportFailed:
    return ImportFailed.one(
        f"the contents are {what}, which does not match the file's name. "
        "Check you chose the right file, or correct its name.",
        display,
    )


def gunzip(path: Path, display: str, target: Path, limits: Limits) -> int:
    """Decompress ``path`` into ``target``, stopping at the size and ratio limits."""
    compressed = max(path.stat().st_size, 1)
    cap = min(limits.max_total_bytes, max(int(compressed * limits.max_ratio), _CHUNK))
    written = 0
    try:
        with gzip.open(path, "rb") as source, target.open("xb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > cap:
                    raise ImportFailed.one(
                        f"the file expands to more than {human_bytes(cap)} "
                        f"({limits.max_ratio:,.0f} times its size or the "
                        f"{human_bytes(limits.max_total_bytes)} limit), which is how "
                        "compression bombs work. Accord refuses it.",
                        display,
                    )
                sink.write(chunk)
    except (OSError, EOFError, zlib.error) as error:
        raise ImportFailed.one(
            "this .gz file is damaged or cut short and cannot be read. Compress the CSV "
            "file again, or upload it uncompressed.",
            display,
        ) from error
    if written == 0:
        raise ImportFailed.one("the file is empty.", display)
    return written


def _text_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(TEXT_SUFFIXES) or lower.endswith(tuple(s + ".gz" for s in TEXT_SUFFIXES))


def _add_plain(
    inputs: Inputs,
    path: Path,
    display: str,
    workdir: Path,
    limits: Limits,
    allowed: Sequence[Format],
    member_of: str | None,
    seen: dict[str, str],
) -> None:
    """One file that is not a folder: check, unpack if compressed, record."""
    if path.is_symlink():
        raise ImportFailed.one("this is a symbolic link; give the file itself.", display)
    if not path.is_file():
        raise ImportFailed.one("there is no such file.", display)
    size = path.stat().st_size
    check_size(size, display, limits)
    kind = sniff(path, display)
    sha = sha256_of(path)
    if sha in seen:
        raise ImportFailed.one(
            f"this file is the same as {seen[sha]!r}: the same data would be imported twice. "
            "Remove one of them.",
            display,
        )
    seen[sha] = display
    inputs.sources.append(SourceRecord(display, sha, size, member_of))
    if kind == "zip":
        if "csv" not in allowed:
            raise ImportFailed.one("Accord does not read this kind of data from a zip.", display)
        workspace = Path(tempfile.mkdtemp(prefix="zip-", dir=workdir))
        members, skipped = extract_zip(path, display, workspace, limits, keep=_text_name)
        inputs.skipped.extend(f"{display} › {name}" for name in skipped)
        if not members:
            raise _no_csv_in(display, skipped)
        for member in members:
            name = f"{display} › {member.name}"
            check_size(member.size, name, limits)
            _check_unpacked(member.path, name)
            if member.sha256 in seen:
                raise ImportFailed.one(
                    f"this file is the same as {seen[member.sha256]!r}: the same data would "
                    "be imported twice. Remove one of them.",
                    name,
                )
            seen[member.sha256] = name
            inputs.sources.append(SourceRecord(name, member.sha256, member.size, display))
            inputs.files.append(InputFile(member.path, name, "csv"))
        return
    if kind == "gzip":
        if not _text_name(display):
            raise ImportFailed.one(
                "Accord reads compressed CSV files (.csv.gz); this is another kind.", display
            )
        target = workdir / f"gunzip-{len(inputs.files):05d}.csv"
        gunzip(path, display, target, limits)
        _check_unpacked(target, display)
        inputs.files.append(InputFile(target, display, "csv"))
        return
    if kind not in allowed:
        wanted = ", ".join(f".{a}" for a in allowed)
        raise ImportFailed.one(
            f"this kind of data is read from {wanted} files, not .{kind} files.", display
        )
    inputs.files.append(InputFile(path, display, kind))


def _hidden(relative: Path) -> bool:
    """A dot-file or a file in a dot-folder *inside* the folder given (``.git``, ``.DS_Store``).

    Only the parts below the given folder count: ``../data`` or ``~/.cache/police`` is
    what the person asked for.
    """
    return any(part.startswith(".") for part in relative.parts)


def _no_csv_in(display: str, skipped: list[str]) -> ImportFailed:
    shown = ", ".join(repr(name) for name in skipped[:5])
    more = f" and {len(skipped) - 5:,} more" if len(skipped) > 5 else ""
    return ImportFailed.one(
        f"the archive holds no CSV files (it holds {shown}{more}). Put the CSV files in "
        "the archive, or upload them directly.",
        display,
    )


@contextmanager
def open_inputs(
    given: Sequence[Given],
    workdir: Path,
    limits: Limits,
    *,
    allowed: Sequence[Format] = ("csv",),
) -> Iterator[Inputs]:
    """Check and unpack ``given`` into a fresh folder under ``workdir``; remove it after.

    Folders are searched (not following links) for CSV files, zip archives and ``.csv.gz``
    files; other files in them are listed in ``Inputs.skipped``.

    Raises:
        ImportFailed: naming the file and what is wrong with it.
    """
    if not given:
        raise ImportFailed([Problem("No files were given to import.")])
    workdir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="import-", dir=workdir))
    try:
        inputs = Inputs()
        seen: dict[str, str] = {}
        for item in given:
            if item.path.is_dir() and not item.path.is_symlink():
                found = sorted(
                    p
                    for p in item.path.rglob("*")
                    if p.is_file() and not _hidden(p.relative_to(item.path))
                )
                readable = [
                    p for p in found if _text_name(p.name) or p.name.lower().endswith(".zip")
                ]
                inputs.skipped.extend(str(p) for p in found if p not in readable)
                if not readable:
                    raise ImportFailed.one("the folder holds no CSV files.", item.name)
                for path in readable:
                    display = f"{item.name}/{path.relative_to(item.path)}"
                    _add_plain(inputs, path, display, scratch, limits, allowed, item.name, seen)
            else:
                _add_plain(inputs, item.path, item.name, scratch, limits, allowed, None, seen)
        yield inputs
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
