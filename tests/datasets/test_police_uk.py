"""police.uk stop-and-search files in both header styles, alone, in folders and in zips."""

from __future__ import annotations

import csv
import zipfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.datasets.archives import Limits
from accord.datasets.files import Given, open_inputs
from accord.datasets.harmonise import Imported
from accord.datasets.services import import_paths
from accord.datasets.stop_and_search import SCHEMA, read_stop_and_search
from tests.datasets.conftest import API_SAMPLE, DOWNLOAD_SAMPLE, STREET, Dirs

LIMITS = Limits.from_max(64 * 1024 * 1024)


def read(*paths: Path, scratch: Path) -> Imported:
    with open_inputs([Given(p, p.name) for p in paths], scratch, LIMITS) as inputs:
        return read_stop_and_search(inputs.files, inputs.sources, skipped=inputs.skipped)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _broad(label: str) -> str | None:
    """An independent reading of the police.uk labels: the part before ' - ' names the group."""
    head = label.split(" - ")[0]
    if label.endswith("Not stated"):
        return None
    return {
        "Asian/Asian British": "Asian",
        "Black/African/Caribbean/Black British": "Black",
        "Mixed/Multiple ethnic groups": "Mixed",
        "White": "White",
        "Other ethnic group": "Other",
    }[head]


def test_both_header_styles_give_the_same_table(dirs: Dirs) -> None:
    api = read(API_SAMPLE, scratch=dirs.scratch).table
    download = read(DOWNLOAD_SAMPLE, scratch=dirs.scratch).table
    assert api.schema == download.schema == SCHEMA
    assert api.num_rows == download.num_rows == 299
    same = [
        "type", "involved_person", "date", "time", "month", "operation", "latitude",
        "longitude", "gender", "age_range", "age_band", "self_defined_ethnicity",
        "self_defined_ethnicity_broad", "officer_defined_ethnicity",
        "officer_defined_ethnicity_broad", "legislation", "object_of_search", "outcome",
        "outcome_linked_to_object_of_search", "removal_of_more_than_outer_clothing",
        # the download has no local authority: it comes from the map-point lookup, and
        # must agree with the one ExtractSS recorded in the API-style file
        "la_code", "la_name",
    ]  # fmt: skip
    for name in same:
        assert api[name].cast(pa.string() if name != "date" else pa.date32()).to_pylist() == (
            download[name].cast(pa.string() if name != "date" else pa.date32()).to_pylist()
        ), name


def test_source_values_are_kept_beside_harmonised_ones(dirs: Dirs) -> None:
    table = read(API_SAMPLE, scratch=dirs.scratch).table
    source = _rows(API_SAMPLE)
    assert table["self_defined_ethnicity"].to_pylist() == [
        r["self_defined_ethnicity"] or None for r in source
    ]
    assert table["self_defined_ethnicity_broad"].to_pylist() == [
        _broad(r["self_defined_ethnicity"]) if r["self_defined_ethnicity"] else None for r in source
    ]
    assert table["month"].to_pylist() == [r["date"][:7] for r in source]


def test_harmonisation_report_counts_what_was_not_mapped(dirs: Dirs) -> None:
    imported = read(API_SAMPLE, scratch=dirs.scratch)
    source = _rows(API_SAMPLE)
    labels = Counter(r["self_defined_ethnicity"] for r in source)
    not_stated = sum(n for label, n in labels.items() if label.endswith("Not stated"))
    columns = imported.report.as_dict()["columns"]
    assert columns["self_defined_ethnicity_broad"] == {
        "from": "self_defined_ethnicity",
        "mapped": len(source) - not_stated - labels[""],
        "unmapped": not_stated + labels[""],
        "reasons": {"not stated": not_stated, "empty in the source": labels[""]},
    }
    empty_officer = sum(1 for r in source if not r["officer_defined_ethnicity"])
    assert columns["officer_defined_ethnicity_broad"]["reasons"] == {
        "empty in the source": empty_officer
    }
    empty_age = sum(1 for r in source if not r["age_range"])
    assert columns["age_band"]["unmapped"] == empty_age > 0
    assert imported.table["age_band"].null_count == empty_age
    assert imported.report.notes == [
        "The columns county, region and country were not kept: they follow from la_code."
    ]


def test_summer_time_searches_just_after_midnight_stay_in_their_month(dirs: Dirs) -> None:
    table = read(DOWNLOAD_SAMPLE, scratch=dirs.scratch).table
    after_midnight = [
        (r["Date"], month)
        for r, month in zip(_rows(DOWNLOAD_SAMPLE), table["month"].to_pylist(), strict=True)
        if r["Date"][8:13] == "01T00" and r["Date"].endswith("+01:00")
    ]
    assert after_midnight  # the fixture holds some
    assert all(date[:7] == month for date, month in after_midnight)


def test_points_outside_the_lookup_are_counted_not_dropped(dirs: Dirs, tmp_path: Path) -> None:
    rows = _rows(DOWNLOAD_SAMPLE)
    rows[0]["Latitude"], rows[0]["Longitude"] = "53.480759", "-2.242631"  # Manchester
    rows[1]["Latitude"], rows[1]["Longitude"] = "", ""
    moved = tmp_path / "moved.csv"
    with moved.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    imported = read(moved, scratch=dirs.scratch)
    assert imported.row_count == 299
    assert imported.report.columns["la_code"] == {
        "from": "latitude, longitude",
        "mapped": 297,
        "unmapped": 2,
        "reasons": {
            "no map point in the source": 1,
            "map point not in Accord's London lookup": 1,
        },
    }
    assert imported.table["la_code"].to_pylist()[:2] == [None, None]


def _monthly(folder: Path) -> list[Path]:
    """The download sample split into police.uk-style monthly files, plus a street file."""
    rows = _rows(DOWNLOAD_SAMPLE)
    by_month: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_month.setdefault(row["Date"][:7], []).append(row)
    written = []
    for month, part in sorted(by_month.items()):
        target = folder / month / f"{month}-metropolitan-stop-and-search.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(part)
        written.append(target)
    street = folder / "2022-10" / "2022-10-metropolitan-street.csv"
    street.write_bytes(STREET.read_bytes())
    return written


def test_a_zip_of_monthly_downloads(dirs: Dirs, tmp_path: Path) -> None:
    folder = tmp_path / "download"
    months = _monthly(folder)
    archive = tmp_path / "met-2021-12-to-2022-11.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(folder.rglob("*.csv")):
            handle.write(path, path.relative_to(folder).as_posix())
    imported = read(archive, scratch=dirs.scratch)
    assert imported.row_count == 299
    # the real file has (almost) no searches in June and November 2022: 10 months here
    assert len(imported.report.files) == len(months) == 10
    assert imported.report.notes[0] == (
        "Left out met-2021-12-to-2022-11.zip › 2022-10/2022-10-metropolitan-street.csv: a "
        "police.uk street-level crime file, not stop and search."
    )
    assert set(imported.table["force"].to_pylist()) == {"Metropolitan Police"}
    archive_record, *members = imported.sources
    assert (archive_record.name, archive_record.member_of) == (archive.name, None)
    assert {m.member_of for m in members} == {archive.name}
    assert len(members) == 11  # ten months and the street file, all recorded


def test_a_folder_of_monthly_downloads(dirs: Dirs, tmp_path: Path) -> None:
    folder = tmp_path / "download"
    _monthly(folder)
    (folder / "README.txt").write_text("notes", encoding="utf-8")
    imported = read(folder, scratch=dirs.scratch)
    assert imported.row_count == 299
    assert imported.period_start is not None and imported.period_start.isoformat() == ("2021-12-01")


def test_several_files_in_both_styles_at_once(dirs: Dirs, tmp_path: Path) -> None:
    imported = read(API_SAMPLE, DOWNLOAD_SAMPLE, scratch=dirs.scratch)
    assert imported.row_count == 598
    assert imported.source == (
        "police.uk stop and search (API field names), police.uk stop and search (monthly download)"
    )
    files = Counter(imported.table["source_file"].to_pylist())
    assert files == {API_SAMPLE.name: 299, DOWNLOAD_SAMPLE.name: 299}


@pytest.mark.django_db
def test_the_stored_parquet_is_the_harmonised_table(dirs: Dirs) -> None:
    dataset = import_paths([API_SAMPLE], kind="stop_and_search", name="sample")
    stored = pq.read_table(dataset.path)
    assert stored.num_rows == dataset.row_count == 299
    assert stored.schema.names == SCHEMA.names
    assert dataset.licence == "Open Government Licence v3.0"
    assert dataset.publisher == "data.police.uk (Home Office)"
    assert dataset.importer_version == "stop_and_search/1"
    assert dataset.column_roles["group"] == "officer_defined_ethnicity_broad"
    assert dataset.source_checksums == [
        {
            "name": API_SAMPLE.name,
            "sha256": __import__("hashlib").sha256(API_SAMPLE.read_bytes()).hexdigest(),
            "bytes": API_SAMPLE.stat().st_size,
            "member_of": None,
        }
    ]
    assert dataset.checksum == __import__("hashlib").sha256(dataset.path.read_bytes()).hexdigest()
