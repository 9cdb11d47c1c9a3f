"""Every kind of bad input is refused with a message naming file, row and column, and
leaves nothing behind: no Dataset row, no Parquet file (not even a temporary one)."""

from __future__ import annotations

import io
import os
import random
import stat
import zipfile
from pathlib import Path

import pytest

from accord.datasets.errors import ImportFailed
from accord.datasets.models import Dataset
from accord.datasets.police_uk import STOP_AND_SEARCH_API
from accord.datasets.services import import_paths
from tests.datasets.conftest import (
    API_SAMPLE,
    DOWNLOAD_SAMPLE,
    Dirs,
    read_rows,
    with_cell,
    write_rows,
)

pytestmark = pytest.mark.django_db


def refused(dirs: Dirs, *paths: Path, kind: str = "stop_and_search") -> list[str]:
    """Import ``paths``; expect a refusal; check nothing was stored; return the messages."""
    with pytest.raises(ImportFailed) as caught:
        import_paths(list(paths), kind=kind, name="test")
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []
    return [p.message for p in caught.value.problems]


def test_a_good_file_is_stored_so_the_checks_below_can_see_a_difference(dirs: Dirs) -> None:
    dataset = import_paths([API_SAMPLE], kind="stop_and_search", name="sample")
    assert Dataset.objects.count() == 1
    assert dirs.parquet_files() == [dataset.path]


# --- Header -------------------------------------------------------------------------------


def test_wrong_header_names_missing_and_unknown_columns(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(API_SAMPLE)
    header[header.index("gender")] = "sex"
    header[header.index("age_range")] = "age group"
    bad = write_rows(tmp_path / "renamed.csv", header, rows)
    expected = ", ".join(STOP_AND_SEARCH_API.columns.values())
    assert refused(dirs, bad) == [
        "renamed.csv, row 1: the header row does not match the police.uk stop and search "
        "(API field names) layout. Missing columns: 'gender', 'age_range'. Columns Accord does "
        f"not recognise: 'age group', 'sex'. Expected columns: {expected}."
    ]


def test_a_street_crime_file_is_not_taken_for_stop_and_search(dirs: Dirs) -> None:
    from tests.datasets.conftest import STREET

    assert refused(dirs, STREET) == [
        "street_crime_synthetic.csv, row 1: this is a police.uk street-level crime file, not "
        "stop and search. Import it as street-level crime."
    ]


def test_duplicate_column_names(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(API_SAMPLE)
    header[header.index("county")] = "gender"
    bad = write_rows(tmp_path / "twice.csv", header, rows)
    assert refused(dirs, bad) == [
        "twice.csv, row 1: the header row names 'gender' more than once; each column needs "
        "its own name."
    ]


# --- Encoding -----------------------------------------------------------------------------


def test_windows_1252_is_refused_with_row_column_and_advice(dirs: Dirs, tmp_path: Path) -> None:
    changed = with_cell(API_SAMPLE, tmp_path / "x.csv", 5, "location.street.name", "Café Row")
    bad = tmp_path / "excel.csv"
    bad.write_bytes(changed.read_text(encoding="utf-8").encode("cp1252"))
    assert refused(dirs, bad) == [
        "excel.csv, row 5, column 'location.street.name': the file is not UTF-8 text. It looks "
        "like Windows-1252 (where the byte 0xE9 is 'é'), which Excel writes when it saves a "
        "plain 'CSV' file. Open the file and save it again as 'CSV UTF-8 (comma delimited)', "
        "then upload it again. Accord does not guess encodings, because a wrong guess would "
        "change names silently."
    ]


def test_utf16_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    bad = tmp_path / "unicode.csv"
    bad.write_bytes(API_SAMPLE.read_text(encoding="utf-8").encode("utf-16"))
    assert refused(dirs, bad) == [
        "unicode.csv: the file is saved as UTF-16 ('Unicode text'), not UTF-8. Open it and "
        "save it again as 'CSV UTF-8 (comma delimited)', then upload it again."
    ]


def test_a_utf8_byte_order_mark_is_accepted(dirs: Dirs, tmp_path: Path) -> None:
    marked = tmp_path / "excel-utf8.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + API_SAMPLE.read_bytes())
    dataset = import_paths([marked], kind="stop_and_search", name="bom")
    assert dataset.row_count == 299
    assert [c["name"] for c in dataset.columns][:2] == ["force", "type"]


# --- Dates and categories -----------------------------------------------------------------


def test_bad_dates_name_row_column_and_value(dirs: Dirs, tmp_path: Path) -> None:
    first = with_cell(API_SAMPLE, tmp_path / "a.csv", 4, "date", "2022-13-45")
    bad = with_cell(first, tmp_path / "dates.csv", 9, "date", "31/12/2022")
    assert refused(dirs, bad) == [
        "dates.csv, row 9, column 'date': '31/12/2022' is not a date Accord can read (in 1 "
        "row). Write dates as YYYY-MM-DD, for example 2022-11-30.",
        "dates.csv, row 4, column 'date': '2022-13-45' is not a real date (in 1 row). Check "
        "the day and month.",
    ]


def test_bad_download_datetime(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(
        DOWNLOAD_SAMPLE,
        tmp_path / "2022-11-metropolitan-stop-and-search.csv",
        3,
        "Date",
        "yesterday",
    )
    assert refused(dirs, bad) == [
        "2022-11-metropolitan-stop-and-search.csv, row 3, column 'Date': 'yesterday' is not a "
        "date Accord can read (in 1 row). Write dates as YYYY-MM-DD, for example 2022-11-30."
    ]


def test_unknown_ethnicity_names_row_and_value(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(API_SAMPLE, tmp_path / "eth.csv", 7, "self_defined_ethnicity", "Martian")
    (message,) = refused(dirs, bad)
    assert message == (
        "eth.csv, row 7, column 'self_defined_ethnicity': 'Martian' is not a known "
        "self-defined ethnicity (in 1 row). Known values are 'Asian/Asian British - "
        "Bangladeshi', 'Asian/Asian British - Chinese', 'Asian/Asian British - Indian', "
        "'Asian/Asian British - Pakistani', 'Asian/Asian British - Any other Asian "
        "background', 'Black/African/Caribbean/Black British - African' and 50 more. "
        "Correct the value, or leave the cell empty if it was not recorded."
    )


def test_unknown_officer_ethnicity_and_age_are_all_reported(dirs: Dirs, tmp_path: Path) -> None:
    first = with_cell(API_SAMPLE, tmp_path / "a.csv", 2, "officer_defined_ethnicity", "Blue")
    bad = with_cell(first, tmp_path / "two.csv", 3, "age_range", "35-44")
    messages = refused(dirs, bad)
    assert [m.split(":")[0] for m in messages] == [
        "two.csv, row 3, column 'age_range'",
        "two.csv, row 2, column 'officer_defined_ethnicity'",
    ]
    assert "'35-44' is not a known age range (in 1 row)" in messages[0]
    assert "'Blue' is not a known officer-defined ethnicity (in 1 row)" in messages[1]


def test_a_coordinate_that_is_not_a_number(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(API_SAMPLE, tmp_path / "coord.csv", 6, "location.latitude", "51,5")
    assert refused(dirs, bad) == [
        "coord.csv, row 6, column 'location.latitude': '51,5' is not a number (in 1 row)."
    ]


# --- Damaged rows -------------------------------------------------------------------------


def test_a_row_with_a_missing_cell(dirs: Dirs, tmp_path: Path) -> None:
    header, rows = read_rows(API_SAMPLE)
    rows[3] = rows[3][:-1]
    bad = write_rows(tmp_path / "short.csv", header, rows)
    assert refused(dirs, bad) == [
        "short.csv, row 5: this row has 23 cells but the header has 24 columns. Check for a "
        "missing or extra comma, or a quote that is not closed."
    ]


# --- Empty, duplicate and oversized files -------------------------------------------------


def test_an_empty_file(dirs: Dirs, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert refused(dirs, empty) == ["empty.csv: the file is empty."]


def test_a_file_with_only_a_header(dirs: Dirs, tmp_path: Path) -> None:
    header, _ = read_rows(API_SAMPLE)
    only = write_rows(tmp_path / "header.csv", header, [])
    assert refused(dirs, only) == ["header.csv: the file has a header row but no data rows."]


def test_a_file_already_imported(dirs: Dirs, tmp_path: Path) -> None:
    import_paths([API_SAMPLE], kind="stop_and_search", name="first")
    copy = tmp_path / "again.csv"
    copy.write_bytes(API_SAMPLE.read_bytes())
    with pytest.raises(ImportFailed) as caught:
        import_paths([copy], kind="stop_and_search", name="second")
    assert caught.value.summary == (
        "again.csv: this file has already been imported as the dataset 'first' (version 1). "
        "Importing it again would count the same records twice."
    )
    assert Dataset.objects.count() == 1
    assert len(dirs.parquet_files()) == 1


def test_the_same_file_given_twice(dirs: Dirs, tmp_path: Path) -> None:
    copy = tmp_path / "copy.csv"
    copy.write_bytes(API_SAMPLE.read_bytes())
    assert refused(dirs, API_SAMPLE, copy) == [
        "copy.csv: this file is the same as 'london_stops_sample_api.csv': the same data would "
        "be imported twice. Remove one of them."
    ]


def test_a_2_gb_file_is_refused_from_its_size_alone(dirs: Dirs, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.write(API_SAMPLE.read_bytes()[:1000])
    os.truncate(big, 2 * 1024**3)  # sparse: takes no disk space
    assert refused(dirs, big) == [
        "big.csv: the file is 2.0 GB; the largest file Accord accepts is 64.0 MB. Split it "
        "into smaller files (for example one per month) or ask an administrator."
    ]


# --- Archives -----------------------------------------------------------------------------


def _zip(path: Path, entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_a_zip_bomb_is_refused_before_extraction(dirs: Dirs, tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", {"stops.csv": b"0" * (20 * 1024 * 1024)})
    info = zipfile.ZipFile(bomb).getinfo("stops.csv")
    ratio = info.file_size / info.compress_size
    assert ratio > 100
    assert refused(dirs, bomb) == [
        f"bomb.zip: the entry 'stops.csv' would expand {ratio:,.0f} times "
        f"({info.compress_size / 1024:,.1f} KB to 20.0 MB), which is how zip bombs work. "
        "Accord refuses it."
    ]


def test_an_archive_too_large_in_total_is_refused(
    dirs: Dirs, tmp_path: Path, settings: object
) -> None:
    settings.ACCORD_MAX_UPLOAD_BYTES = 1024 * 1024  # type: ignore[attr-defined]
    rng = random.Random(4)
    line = ",".join(["Person search"] * 5)
    entries = {
        f"2022-{m:02d}.csv": "\n".join(
            f"{line},{rng.randrange(10**9)}" for _ in range(11_000)
        ).encode()
        for m in range(1, 7)
    }
    archive = _zip(tmp_path / "months.zip", entries)
    assert archive.stat().st_size < 1024 * 1024
    assert refused(dirs, archive) == [
        "months.zip: the archive unpacks to more than 4.0 MB in total, more than Accord "
        "accepts. Split it into smaller archives."
    ]


def test_an_archive_inside_an_archive_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("stops.csv", API_SAMPLE.read_bytes())
    outer = _zip(tmp_path / "outer.zip", {"inner.zip": inner.getvalue()})
    assert refused(dirs, outer) == [
        "outer.zip: the entry 'inner.zip' is itself an archive. Accord does not open archives "
        "inside archives: extract it and upload its files directly."
    ]
    disguised = _zip(tmp_path / "disguised.zip", {"stops.csv": inner.getvalue()})
    assert refused(dirs, disguised) == [
        "disguised.zip: the entry 'stops.csv' is itself an archive. Accord does not open "
        "archives inside archives: extract it and upload its files directly."
    ]


@pytest.mark.parametrize(
    "name",
    ["../../etc/cron.d/evil.csv", "/tmp/evil.csv", "C:/evil.csv"],  # noqa: S108
)
def test_path_traversal_names_are_refused(dirs: Dirs, tmp_path: Path, name: str) -> None:
    archive = tmp_path / "slip.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(zipfile.ZipInfo(name), API_SAMPLE.read_bytes())
    assert refused(dirs, archive) == [
        f"slip.zip: the entry {name!r} has a name that points outside the archive (an "
        "absolute path or '..'). Accord refuses such archives."
    ]
    assert not (tmp_path.parent / "etc").exists()


def test_a_symbolic_link_in_an_archive_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    info = zipfile.ZipInfo("stops.csv")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(info, "/etc/passwd")
    assert refused(dirs, archive) == [
        "link.zip: the entry 'stops.csv' is a symbolic link. Accord refuses archives with links."
    ]


def test_the_same_file_twice_in_one_zip(dirs: Dirs, tmp_path: Path) -> None:
    data = API_SAMPLE.read_bytes()
    archive = _zip(tmp_path / "twice.zip", {"2022-10.csv": data, "copy/2022-10.csv": data})
    assert refused(dirs, archive) == [
        "twice.zip: the archive holds the same file twice: '2022-10.csv' and "
        "'copy/2022-10.csv' are identical. Remove one and upload it again."
    ]


def test_a_file_named_zip_that_is_not_one(dirs: Dirs, tmp_path: Path) -> None:
    fake = tmp_path / "fake.zip"
    fake.write_bytes(API_SAMPLE.read_bytes())
    assert refused(dirs, fake) == [
        "fake.zip: the name ends in .zip but the contents are not a zip file. Check you chose "
        "the right file."
    ]


# --- CSV injection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "=cmd|' /C calc'!A0",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+9)*cmd",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_formula_cells_are_refused(dirs: Dirs, tmp_path: Path, payload: str) -> None:
    bad = with_cell(API_SAMPLE, tmp_path / "inject.csv", 3, "location.street.name", payload)
    assert refused(dirs, bad) == [
        f"inject.csv, row 3, column 'location.street.name': the cell starts with "
        f"{payload[0]!r} ({payload!r}), so a spreadsheet would run it as a formula. Accord "
        "refuses such cells to keep files it exports safe. Remove the leading character, or "
        "correct the cell, and upload again."
    ]


def test_negative_numbers_are_not_formulas(dirs: Dirs, tmp_path: Path) -> None:
    ok = with_cell(API_SAMPLE, tmp_path / "minus.csv", 3, "location.street.name", "-")
    dataset = import_paths([ok], kind="stop_and_search", name="minus")
    assert dataset.row_count == 299  # and the longitudes, all negative here, were accepted
