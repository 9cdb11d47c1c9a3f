"""One small area's searches cannot be worked out from the focus group's total.

The focus group's searches are published in the rates, outcome, trend and monthly
tables; the areas add up to them. Hiding one small area beside its own total left
total - areas shown = the hidden area. These tests play that attacker on a run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from accord.monitoring.analysis import Choice, Results, run
from accord.stats.api.funnels import OVERALL_HIDDEN

GROUP = "self_defined_ethnicity_broad"
AREAS = tuple(
    (f"E0900000{i}", name) for i, name in enumerate(("One", "Two", "Three", "Four", "Five"), 1)
)


def analyse(tmp_path: Path, black: tuple[int, ...], overdispersion: str = "additive") -> Results:
    """Black's searches per area as given, White 300 and Asian 50 in each area."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    areas = AREAS[: len(black)]
    rows = []
    for group, counts in {
        "Black": black,
        "White": (300,) * len(black),
        "Asian": (50,) * len(black),
    }.items():
        for (code, name), count in zip(areas, counts, strict=True):
            for i in range(count):
                rows.append(
                    {
                        GROUP: group,
                        "la_code": code,
                        "la_name": name,
                        "month": "2022-01",
                        "date": pd.Timestamp(f"2022-01-{1 + i % 28:02d}"),
                        "outcome": "Arrest" if i % 3 == 0 else "None",
                    }
                )
    events = tmp_path / "events.parquet"
    pd.DataFrame(rows).to_parquet(events)
    people = pd.DataFrame(
        [
            {"ethnic_group": g, "la_code": code, "la_name": name, "population": 20_000}
            for g in ("Asian", "Black", "Mixed", "Other", "White")
            for code, name in areas
        ]
    )
    population = tmp_path / "population.parquet"
    people.to_parquet(population)
    choice = Choice(
        events, population, GROUP, reference="White", focus="Black", overdispersion=overdispersion
    )
    return run(choice)


def hidden_areas(results: Results) -> list[str]:
    funnel = results.funnel
    return funnel.loc[funnel["suppressed"].astype(bool), "la_name"].tolist()


def test_one_small_area_is_not_the_total_minus_the_others(tmp_path: Path) -> None:
    results = analyse(tmp_path, (3, 400, 60))
    total = float(results.rates.set_index("group").loc["Black", "events"])
    assert total == 463  # published
    shown = pd.to_numeric(results.funnel["events"], errors="coerce")
    hidden = hidden_areas(results)
    # The attacker's difference covers two areas (One and the smallest other), not one.
    assert hidden == ["One", "Three"]
    assert total - shown.sum() == 63
    # The overall rate and limits stay: they are published three sections earlier.
    assert OVERALL_HIDDEN not in results.notes
    assert results.funnel["target"].notna().all()
    assert results.funnel["upper_998"].notna().all()


def test_hidden_areas_are_not_flagged(tmp_path: Path) -> None:
    results = analyse(tmp_path, (3, 400, 60))
    funnel = results.funnel.set_index("la_name")
    for area in ("One", "Three"):
        assert not funnel.loc[area, "outlier"] and not funnel.loc[area, "beyond_95"]
    assert funnel.loc["Two", "outlier"] == "above 99.8%"


def published(results: Results) -> pd.DataFrame:
    """Everything the areas table and its CSV publish."""
    return results.funnel.astype(str).reset_index(drop=True)


def test_the_overdispersion_says_nothing_about_the_hidden_areas(tmp_path: Path) -> None:
    # Two runs that differ only in how the hidden areas' searches split (One 3 or 7,
    # Three 61 or 57: the same sum) publish the same areas table, dispersion included.
    first = analyse(tmp_path / "a", (3, 400, 61, 120, 200))
    second = analyse(tmp_path / "b", (7, 400, 57, 120, 200))
    assert hidden_areas(first) == hidden_areas(second) == ["One", "Three"]
    assert first.funnel["overdispersion"].iloc[0] == "additive"
    pd.testing.assert_frame_equal(published(first), published(second))
