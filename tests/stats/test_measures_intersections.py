"""Intersectional groups: small cells are flagged and never shown raw."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from accord.stats import (
    StatsInputError,
    apply_min_cell_size,
    intersectional_rate_ratios,
    intersectional_rates,
    proportions,
)

TABLE = pd.DataFrame(
    {
        "eth": ["Black", "Black", "White", "White", "Asian", "Asian"],
        "sex": ["Female", "Male", "Female", "Male", "Female", "Male"],
        "age": ["18-24"] * 6,
        "events": [4, 120, 60, 240, 9, 10],
        "population": [5_000, 5_000, 30_000, 30_000, 8_000, 8_000],
    }
)


def test_small_cells_are_flagged_and_blanked_with_a_reason() -> None:
    result = intersectional_rates(TABLE, ["eth", "sex"]).set_index("group")
    small = result.loc["Black / Female"]
    assert bool(small["below_min_cell_size"])
    assert small["note"] == "fewer than 10 in this cell, so its numbers are not shown"
    for column in ("estimate", "lower", "upper"):
        assert math.isnan(small[column])
    # The raw count is hidden too, not just the rate worked from it.
    assert small["events"] is pd.NA
    assert small["n"] is pd.NA
    assert bool(result.loc["Asian / Female", "below_min_cell_size"])  # 9 < 10
    kept = result.loc["Asian / Male"]  # exactly 10 is shown
    assert not bool(kept["below_min_cell_size"])
    assert kept["estimate"] == pytest.approx(1.25)
    assert kept["events"] == 10
    assert result.loc["Black / Male", "estimate"] == pytest.approx(24.0)


def test_any_combination_of_columns_and_any_threshold() -> None:
    three = intersectional_rates(TABLE, ["eth", "sex", "age"], min_cell_size=5)
    assert three["group"].iloc[0] == "Black / Female / 18-24"
    assert three["below_min_cell_size"].tolist() == [True, False, False, False, False, False]
    by_sex = intersectional_rates(TABLE, ["sex"], min_cell_size=100)
    # Female: 4 + 60 + 9 = 73 events, below 100, so hidden; Male: 370.
    assert by_sex["below_min_cell_size"].tolist() == [True, False]
    assert by_sex["events"].isna().tolist() == [True, False]
    assert by_sex["events"].iloc[1] == 370


def test_intersectional_ratios_blank_small_cells_and_check_the_reference() -> None:
    result = intersectional_rate_ratios(TABLE, ["eth", "sex"]).set_index("group")
    assert set(result["reference_group"]) == {"White / Female"}
    assert bool(result.loc["Black / Female", "below_min_cell_size"])
    assert math.isnan(result.loc["Black / Female", "exact_upper"])
    assert result.loc["Black / Male", "estimate"] == pytest.approx(12.0)
    with pytest.raises(StatsInputError, match=r"'Asian / Female' has fewer than 10 events"):
        intersectional_rate_ratios(TABLE, ["eth", "sex"], reference=("Asian", "Female"))


def test_min_cell_size_applies_to_any_measure() -> None:
    table = pd.DataFrame({"eth": ["A", "B"], "successes": [3, 40], "trials": [7, 90]})
    result = apply_min_cell_size(proportions(table, "eth"), 5)
    assert result["below_min_cell_size"].tolist() == [True, False]
    assert math.isnan(result["estimate"].iloc[0])
    assert result["successes"].iloc[0] is pd.NA
    assert result["successes"].iloc[1] == 40


@pytest.mark.parametrize("size", [0, -1, 2.5, True])
def test_min_cell_size_must_be_a_positive_whole_number(size: object) -> None:
    with pytest.raises(StatsInputError, match="minimum cell size"):
        intersectional_rates(TABLE, ["eth"], min_cell_size=size)  # type: ignore[arg-type]
