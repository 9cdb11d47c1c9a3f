"""The real London stop and search file and the Census: pinned counts and the worked example."""

from __future__ import annotations

import csv
import gzip
import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from accord.stats import api
from accord.stats.aggregate import collect, event_counts
from accord.stats.inputs import read
from tests.stats._data import (
    CENSUS_FULL,
    CENSUS_GROUPS,
    CENSUS_SUBSET,
    REAL,
    STOPS_FULL,
    STOPS_SUBSET,
    SUBSET_CODES,
    census_path,
    stops_path,
)

SHARED = Path("/work/shared")
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples"

needs_full_data = pytest.mark.skipif(
    not SHARED.exists(),
    reason="/work/shared is absent, so the full London file (150,152 rows) is not available",
)

#: Read from the raw file (see /work/shared/data/real/SOURCES.md): total rows and rows
#: per officer-defined ethnicity (None = not recorded).
PINNED_TOTAL = 150_152
PINNED_BY_ETHNICITY = {
    "White": 60_968,
    "Black": 55_057,
    "Asian": 23_256,
    "Other": 7_430,
    None: 3_436,
    "Mixed": 5,
}
PINNED_AREAS = 33  # the 32 London boroughs and the City of London


def _python_counts(path: Path) -> tuple[int, Counter[str | None], set[str]]:
    """An independent count with the standard library, to check the engine's."""
    by_ethnicity: Counter[str | None] = Counter()
    areas: set[str] = set()
    total = 0
    with gzip.open(path, "rt", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            total += 1
            by_ethnicity[row["officer_defined_ethnicity"] or None] += 1
            areas.add(row["la_code"])
    return total, by_ethnicity, areas


@needs_full_data
def test_pinned_totals_of_the_full_file() -> None:
    assert STOPS_FULL.exists(), f"{STOPS_FULL} is missing although /work/shared exists"
    stops = read(STOPS_FULL)
    by_ethnicity = collect(event_counts(stops, "officer_defined_ethnicity"))
    engine = {
        (None if pd.isna(k) else k): int(v)
        for k, v in zip(by_ethnicity.officer_defined_ethnicity, by_ethnicity.events, strict=True)
    }
    areas = collect(event_counts(stops, ["la_code", "la_name"]))
    assert stops.count().execute() == PINNED_TOTAL
    assert engine == PINNED_BY_ETHNICITY
    assert len(areas) == PINNED_AREAS
    assert areas.la_code.str.startswith("E09").all()
    total, python_by_ethnicity, python_areas = _python_counts(STOPS_FULL)
    assert total == PINNED_TOTAL
    assert dict(python_by_ethnicity) == PINNED_BY_ETHNICITY
    assert python_areas == set(areas.la_code)


def test_officer_groups_map_onto_census_columns() -> None:
    stops = pd.read_csv(stops_path(), usecols=["officer_defined_ethnicity"])
    census = pd.read_csv(census_path(), nrows=1)
    officer = set(stops.officer_defined_ethnicity.dropna())
    assert officer <= set(CENSUS_GROUPS)
    assert set(CENSUS_GROUPS) <= set(census.columns)
    london = pd.read_csv(census_path())
    assert london.LAD_code.str.startswith("E09").sum() == PINNED_AREAS


def test_rates_and_black_white_ratios_match_a_hand_calculation() -> None:
    stops, census = STOPS_SUBSET, CENSUS_SUBSET
    population = api.Population(
        census,
        wide=list(CENSUS_GROUPS),
        names_to="officer_defined_ethnicity",
        columns={"la_code": "LAD_code"},
        where={"LAD_code": list(SUBSET_CODES)},
    )
    where = {"officer_defined_ethnicity": ["Asian", "Black", "Other", "White"]}
    common = {"group": "officer_defined_ethnicity", "by": "la_code", "where": where}
    rates = api.rates(stops, population, **common)  # type: ignore[arg-type]
    ratios = api.ratios(stops, population, reference="White", **common)  # type: ignore[arg-type]
    raw = pd.read_csv(stops, usecols=["la_code", "officer_defined_ethnicity"])
    counts = raw.dropna().groupby(["la_code", "officer_defined_ethnicity"]).size()
    people = pd.read_csv(census).set_index("LAD_code")
    for code in SUBSET_CODES:
        for group in ["Asian", "Black", "Other", "White"]:
            row = rates.loc[(rates.la_code == code) & (rates.officer_defined_ethnicity == group)]
            expected = 1000 * counts[(code, group)] / people.loc[code, group]
            assert row.estimate.iloc[0] == pytest.approx(expected, rel=1e-12)
        black = ratios.loc[(ratios.la_code == code) & (ratios.officer_defined_ethnicity == "Black")]
        expected_ratio = (counts[(code, "Black")] / people.loc[code, "Black"]) / (
            counts[(code, "White")] / people.loc[code, "White"]
        )
        assert black.estimate.iloc[0] == pytest.approx(expected_ratio, rel=1e-12)
        assert black.reference_group.iloc[0] == "White"
        assert black.lower.iloc[0] < expected_ratio < black.upper.iloc[0]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_london_example", EXAMPLE / "make_london_example.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_full_data
def test_committed_worked_example_equals_a_fresh_computation(tmp_path: Path) -> None:
    assert CENSUS_FULL.exists() and STOPS_FULL.exists()
    generator = _generator()
    fresh = generator.build(REAL)
    fresh_csv = tmp_path / "fresh.csv"
    fresh.to_csv(fresh_csv, index=False)
    committed = EXAMPLE / "london_stop_and_search.csv"
    assert committed.read_text() == fresh_csv.read_text()
    assert (EXAMPLE / "london_stop_and_search.md").read_text() == generator.markdown(fresh)
    # The example covers every area and London, and its London row adds up.
    assert len(fresh) == PINNED_AREAS + 1
    london = fresh.loc[fresh.area == "London"].iloc[0]
    boroughs = fresh.loc[fresh.area != "London"]
    for group in ["asian", "black", "other", "white"]:
        assert london[f"{group}_searches"] == boroughs[f"{group}_searches"].sum()
        assert london[f"{group}_population"] == boroughs[f"{group}_population"].sum()
    four_groups = sum(PINNED_BY_ETHNICITY[g] for g in ["Asian", "Black", "Other", "White"])
    assert sum(london[f"{g}_searches"] for g in ["asian", "black", "other", "white"]) == four_groups
