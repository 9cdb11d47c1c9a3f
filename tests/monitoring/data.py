"""Real London data, imported through the real importers, for the analysis tests.

The events are the three-borough subset of the police.uk London file and the population the
Census 2021 London rows (provenance: tests/stats/fixtures/PROVENANCE.md and
tests/datasets/fixtures/PROVENANCE.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.datasets import services
from accord.datasets.models import Dataset, Kind

TESTS = Path(__file__).resolve().parent.parent
STOPS_3_BOROUGHS = TESTS / "stats" / "fixtures" / "london_stops_3_boroughs.csv.gz"
CENSUS_5 = TESTS / "datasets" / "fixtures" / "census2021_5cat_london.csv"
REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
REAL_STOPS = REAL / "stop_and_search" / "london_stops_2021-12_to_2022-11.csv.gz"
REAL_CENSUS_5 = REAL / "census" / "census2021_ethnic_group_5cat_by_lad.csv"


def import_london(
    user: Any = None, stops: Path = STOPS_3_BOROUGHS, census: Path = CENSUS_5
) -> tuple[Dataset, Dataset]:
    events = services.import_paths(
        [stops], kind=Kind.STOP_AND_SEARCH, name="London stop and search", user=user
    )
    population = services.import_paths(
        [census], kind=Kind.POPULATION, name="Census 2021", user=user, categories=5
    )
    return events, population


PARAMS = {
    "group": "officer_defined_ethnicity_broad",
    "reference": "White",
    "focus": "Black",
    "area": "",
    "start": "",
    "end": "",
    "overdispersion": "additive",
}
