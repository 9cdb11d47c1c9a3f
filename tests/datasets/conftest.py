"""Shared set-up for the datasets tests: private storage folders and small helpers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
API_SAMPLE = FIXTURES / "london_stops_sample_api.csv"
DOWNLOAD_SAMPLE = FIXTURES / "london_stops_sample_download.csv"
CENSUS_20 = FIXTURES / "census2021_20cat_london.csv"
CENSUS_5 = FIXTURES / "census2021_5cat_london.csv"
STREET = FIXTURES / "street_crime_synthetic.csv"
OUTCOMES = FIXTURES / "outcomes_synthetic.csv"
REAL = Path("/work/shared/data/real")


@dataclass(frozen=True)
class Dirs:
    datasets: Path
    uploads: Path
    scratch: Path

    def parquet_files(self) -> list[Path]:
        """Every Parquet file under the datasets folder, temporary ones included."""
        return sorted(p for p in self.datasets.rglob("*") if p.is_file())

    def raw_uploads(self) -> list[Path]:
        return sorted(p for p in self.uploads.rglob("*") if p.is_file() and ".work" not in p.parts)


@pytest.fixture(autouse=True)
def dirs(settings: Any, tmp_path: Path) -> Iterator[Dirs]:
    folders = Dirs(tmp_path / "datasets", tmp_path / "uploads", tmp_path / "scratch")
    folders.scratch.mkdir()
    settings.ACCORD_DATASETS_DIR = folders.datasets
    settings.ACCORD_UPLOADS_DIR = folders.uploads
    settings.ACCORD_MAX_UPLOAD_BYTES = 64 * 1024 * 1024
    yield folders


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def with_cell(source: Path, target: Path, row: int, column: str, value: str) -> Path:
    """A copy of ``source`` with one cell changed; ``row`` counts as a spreadsheet does."""
    header, rows = read_rows(source)
    rows[row - 2][header.index(column)] = value
    return write_rows(target, header, rows)
