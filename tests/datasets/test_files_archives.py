"""Files as people hand them over: zips Python cannot open, what is inside a .gz or a zip
entry, password-protected workbooks, folders given as ``../data`` or under a dot-folder.
A refusal names the file, never a server path, and leaves nothing behind."""

from __future__ import annotations

import gzip
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from accord.datasets.archives import Limits, inspect_zip
from accord.datasets.errors import ImportFailed
from accord.datasets.models import Dataset
from accord.datasets.services import import_paths
from tests.datasets.conftest import API_SAMPLE, Dirs

pytestmark = pytest.mark.django_db

UTF16 = (
    "the file is saved as UTF-16 ('Unicode text'), not UTF-8. Open it and save it again as "
    "'CSV UTF-8 (comma delimited)', then upload it again."
)
LIMITS = Limits.from_max(64 * 1024 * 1024)


def refused(dirs: Dirs, *paths: Path, **options: Any) -> list[str]:
    """Import ``paths``; expect a refusal; check nothing was stored; return the messages."""
    options.setdefault("kind", "stop_and_search")
    with pytest.raises(ImportFailed) as caught:
        import_paths(list(paths), name="test", **options)
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []
    assert not any(dirs.scratch.iterdir())
    messages = [p.message for p in caught.value.problems]
    assert not any(str(Path(os.sep, "tmp")) in m for m in messages)  # no server paths
    return messages


def zipped(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


# --- F5: zips Python cannot open ----------------------------------------------------------------


def test_a_zip_compressed_with_deflate64_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    path = zipped(tmp_path / "months.zip", {"stops.csv": API_SAMPLE.read_bytes()})
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        struct.pack_into("<H", data, data.find(signature) + offset, 9)  # 9 = Deflate64
    path.write_bytes(bytes(data))
    assert refused(dirs, path) == [
        "months.zip: the entry 'stops.csv' is compressed with a method Accord cannot read "
        "(for example Deflate64, which Windows uses for large files). Create the archive again "
        "with ordinary zip compression ('Deflate'; in 7-Zip choose the zip format and the "
        "Deflate method), or upload the CSV files directly."
    ]


def test_a_zip_entry_name_that_is_not_utf8_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    path = zipped(tmp_path / "months.zip", {"stopsX.csv": API_SAMPLE.read_bytes()})
    data = bytearray(path.read_bytes())
    for signature, flags in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        value = struct.unpack_from("<H", data, at + flags)[0] | 0x800  # "the name is UTF-8"
        struct.pack_into("<H", data, at + flags, value)
        data[data.find(b"stopsX.csv", at) + 5] = 0xFF
    path.write_bytes(bytes(data))
    assert refused(dirs, path) == [
        "months.zip: an entry in this archive has a name that is not valid text (it is marked "
        "as UTF-8 but is not), so Accord cannot read the archive. Create the archive again "
        "(for example with your computer's own 'Compress' or 'Send to > Compressed folder'), "
        "or upload the CSV files directly."
    ]


# --- F19: no raw exception text (it can hold server paths) -------------------------------------


def test_a_damaged_zip_entry_message_holds_no_exception_text(dirs: Dirs, tmp_path: Path) -> None:
    path = zipped(tmp_path / "months.zip", {"stops.csv": API_SAMPLE.read_bytes()})
    data = bytearray(path.read_bytes())
    data[data.find(b"PK\x03\x04") + 30 + len("stops.csv") + 200] ^= 0xFF
    path.write_bytes(bytes(data))
    assert refused(dirs, path) == [
        "months.zip: the entry 'stops.csv' is damaged and cannot be read. Create the archive "
        "again, or upload the CSV files directly."
    ]


def test_a_damaged_zip_message_holds_no_exception_text(dirs: Dirs, tmp_path: Path) -> None:
    path = zipped(tmp_path / "months.zip", {"stops.csv": API_SAMPLE.read_bytes()})
    path.write_bytes(path.read_bytes()[:-10])  # the end of the central directory is cut off
    assert refused(dirs, path) == [
        "months.zip: this zip file is damaged and cannot be opened. Create the archive again, "
        "or upload the CSV files directly."
    ]


def test_a_damaged_gz_message_holds_no_exception_text(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "stops.csv.gz"
    path.write_bytes(gzip.compress(API_SAMPLE.read_bytes())[:-100])
    assert refused(dirs, path) == [
        "stops.csv.gz: this .gz file is damaged or cut short and cannot be read. Compress the "
        "CSV file again, or upload it uncompressed."
    ]


# --- F24: what is inside, and clearer messages ---------------------------------------------------


def test_utf16_inside_a_gz_file(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "stops.csv.gz"
    path.write_bytes(gzip.compress(API_SAMPLE.read_text(encoding="utf-8").encode("utf-16")))
    assert refused(dirs, path) == [f"stops.csv.gz: {UTF16}"]


def test_binary_inside_a_gz_file(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "stops.csv.gz"
    path.write_bytes(gzip.compress(bytes(range(256)) * 40))
    assert refused(dirs, path) == [
        "stops.csv.gz: the file holds binary data, not text. Upload a CSV file."
    ]


def test_utf16_inside_a_zip_entry(dirs: Dirs, tmp_path: Path) -> None:
    text = API_SAMPLE.read_text(encoding="utf-8").encode("utf-16")
    path = zipped(tmp_path / "months.zip", {"2022-11/stops.csv": text})
    assert refused(dirs, path) == [f"months.zip › 2022-11/stops.csv: {UTF16}"]


def test_a_password_protected_workbook(dirs: Dirs, tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)  # OLE2 container
    assert refused(dirs, path, kind="generic", mapping={"group": "Ethnicity"}) == [
        "secret.xlsx: this workbook is protected with a password (or saved in Excel's old .xls "
        "format), so Accord cannot read it. Open it in Excel, save a copy without a password "
        "as 'Excel Workbook (.xlsx)' or 'CSV UTF-8', and upload that copy."
    ]


def test_a_workbook_may_hold_an_embedded_workbook(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.append(["Ethnicity"])
    path = tmp_path / "emb.xlsx"
    workbook.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/embeddings/Microsoft_Excel_Worksheet.xlsx", b"PK\x03\x04junk")
    names = [info.filename for info in inspect_zip(path, "emb.xlsx", LIMITS, embedded=True)]
    assert "xl/embeddings/Microsoft_Excel_Worksheet.xlsx" in names
    with pytest.raises(ImportFailed, match="is itself an archive"):
        inspect_zip(path, "emb.xlsx", LIMITS)  # a plain archive still refuses it
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("other/inner.zip", b"PK\x03\x04junk")
    with pytest.raises(ImportFailed, match=r"'other/inner\.zip' is itself an archive"):
        inspect_zip(path, "emb.xlsx", LIMITS, embedded=True)  # only under xl/embeddings/


def test_two_empty_zip_entries_are_called_empty(dirs: Dirs, tmp_path: Path) -> None:
    path = zipped(tmp_path / "months.zip", {"a.csv": b"", "b.csv": b""})
    assert refused(dirs, path) == ["months.zip › a.csv: the file is empty."]


def test_a_zip_holding_no_csv(dirs: Dirs, tmp_path: Path) -> None:
    path = zipped(tmp_path / "months.zip", {"readme.txt": b"hello", "map.pdf": b"%PDF"})
    expected = [
        "months.zip: the archive holds no CSV files (it holds 'readme.txt', 'map.pdf'). Put "
        "the CSV files in the archive, or upload them directly."
    ]
    assert refused(dirs, path) == expected
    assert refused(dirs, path, kind="generic", mapping={"group": "Ethnicity"}) == expected


# --- F17: folders ---------------------------------------------------------------------------------


def test_a_folder_given_as_dotdot(dirs: Dirs, tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "stops.csv").write_bytes(API_SAMPLE.read_bytes())
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    dataset = import_paths([Path("../data")], kind="stop_and_search", name="up")
    assert dataset.row_count == 299


def test_a_folder_under_a_dot_folder(dirs: Dirs, tmp_path: Path) -> None:
    folder = tmp_path / ".cache" / "police"
    folder.mkdir(parents=True)
    (folder / "stops.csv").write_bytes(API_SAMPLE.read_bytes())
    (folder / ".git").mkdir()
    (folder / ".git" / "old.csv").write_bytes(b"not, a police.uk file\n")  # still skipped
    (folder / ".~lock.stops.csv").write_bytes(b"lock")
    dataset = import_paths([folder], kind="stop_and_search", name="cached")
    assert dataset.row_count == 299
