"""Paths to the real data and its committed subsets, shared by the data-layer tests.

A plain module (not a conftest) so that tests import exactly what they use.
"""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
REAL = Path("/work/shared/data/real")

#: Committed subsets (see fixtures/PROVENANCE.md).
STOPS_SUBSET = FIXTURES / "london_stops_3_boroughs.csv.gz"
CENSUS_SUBSET = FIXTURES / "census2021_ethnic_group_5cat_london.csv"
SUBSET_CODES = ("E09000001", "E09000027", "E09000029")

#: The full files, present on the development machine only.
STOPS_FULL = REAL / "stop_and_search" / "london_stops_2021-12_to_2022-11.csv.gz"
CENSUS_FULL = REAL / "census" / "census2021_ethnic_group_5cat_by_lad.csv"

CENSUS_GROUPS = ("Asian", "Black", "Mixed", "Other", "White")


def stops_path() -> Path:
    """The full London file when present, else the committed subset."""
    return STOPS_FULL if STOPS_FULL.exists() else STOPS_SUBSET


def census_path() -> Path:
    """The full Census file when present, else the committed London subset."""
    return CENSUS_FULL if CENSUS_FULL.exists() else CENSUS_SUBSET
