"""The real London stop-and-search file and the Census files, imported end to end.

Skipped only when /work/shared (the real data) is absent; the expected counts were taken
from the raw file with DuckDB, independently of Accord's importer.
"""

from __future__ import annotations

from collections import Counter

import pyarrow.parquet as pq
import pytest

from accord.datasets.models import Dataset
from accord.datasets.services import import_paths
from tests.datasets.conftest import REAL, Dirs

STOPS = REAL / "stop_and_search" / "london_stops_2021-12_to_2022-11.csv.gz"
CENSUS_5 = REAL / "census" / "census2021_ethnic_group_5cat_by_lad.csv"
CENSUS_20 = REAL / "census" / "census2021_ethnic_group_20cat_by_ltla.csv"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not STOPS.exists(), reason="the real data in /work/shared/data/real is not available here"
    ),
]


def test_the_real_london_file(dirs: Dirs) -> None:
    dataset = import_paths([STOPS], kind="stop_and_search", name="London")
    assert dataset.row_count == 150_152
    assert (str(dataset.period_start), str(dataset.period_end)) == ("2021-12-01", "2022-11-30")
    table = pq.read_table(dataset.path)
    assert table.num_rows == 150_152
    assert Counter(table["officer_defined_ethnicity_broad"].to_pylist()) == {
        "White": 60_968,
        "Black": 55_057,
        "Asian": 23_256,
        "Other": 7_430,
        "Mixed": 5,
        None: 3_436,
    }
    assert Counter(table["self_defined_ethnicity_broad"].to_pylist()) == {
        "White": 28_393 + 16_390 + 1_394 + 8,
        "Black": 16_815 + 9_900 + 6_078,
        "Asian": 8_961 + 3_805 + 2_052 + 2_024 + 190,
        "Mixed": 2_981 + 1_441 + 563 + 409,
        "Other": 4_238 + 2,
        None: 42_706 + 1_802,
    }
    assert dataset.harmonisation["columns"]["self_defined_ethnicity_broad"]["reasons"] == {
        "not stated": 42_706,
        "empty in the source": 1_802,
    }
    assert Counter(table["la_name"].to_pylist())["Westminster"] == 14_193
    assert len(set(table["la_code"].to_pylist())) == 33


def test_the_real_census_files(dirs: Dirs) -> None:
    twenty = import_paths([CENSUS_20], kind="population", name="20", categories=20)
    five = import_paths([CENSUS_5], kind="population", name="5", categories=5)
    assert (twenty.row_count, five.row_count) == (331 * 19, 331 * 5)
    by_20: Counter[tuple[str, str]] = Counter()
    for row in pq.read_table(twenty.path).to_pylist():
        by_20[(row["la_code"], row["ethnic_group_extractss"])] += row["population"]
    by_5 = {
        (row["la_code"], row["ethnic_group"]): row["population"]
        for row in pq.read_table(five.path).to_pylist()
    }
    assert dict(by_20) == by_5
    assert Dataset.objects.count() == 2
