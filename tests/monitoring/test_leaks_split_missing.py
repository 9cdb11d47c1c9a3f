"""A split level with no searches of the reference group.

No White women searched (a short period, one borough) made the whole run fail with
"Column 'trials' has missing counts". The level's counts are known; only the comparison
is not possible. Left out of the split table, they would come back as the outcome
table's total minus the split table's rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from accord.monitoring.analysis import OUTCOMES, Choice, Results, run
from accord.monitoring.presentation import within_section

GROUP = "self_defined_ethnicity_broad"
AREAS = (("E09000001", "One"), ("E09000002", "Two"))
MONTHS = ("2022-01", "2022-02", "2022-03")


def analyse(tmp_path: Path, searches: dict[tuple[str, str], tuple[int, int]]) -> Results:
    """``searches[(group, sex)] = (searches each month, arrests each month)``."""
    rows = []
    for (group, sex), (count, arrests) in searches.items():
        for month in MONTHS:
            for i in range(count):
                code, name = AREAS[i % 2]
                rows.append(
                    {
                        GROUP: group,
                        "gender": sex,
                        "la_code": code,
                        "la_name": name,
                        "month": month,
                        "date": pd.Timestamp(f"{month}-{1 + i % 28:02d}"),
                        "outcome": "Arrest" if i < arrests else "None",
                    }
                )
    events = tmp_path / "events.parquet"
    pd.DataFrame(rows).to_parquet(events)
    people = pd.DataFrame(
        [
            {"ethnic_group": g, "la_code": code, "la_name": name, "population": 20_000}
            for g in ("Asian", "Black", "Mixed", "Other", "White")
            for code, name in AREAS
        ]
    )
    population = tmp_path / "population.parquet"
    people.to_parquet(population)
    return run(Choice(events, population, GROUP, reference="White", focus="Black", split="gender"))


MEN = {(g, "Male"): (100, 25) for g in ("Black", "White", "Asian")}


def test_a_level_without_the_reference_group_keeps_its_counts(tmp_path: Path) -> None:
    results = analyse(tmp_path, {("Black", "Female"): (100, 30), **MEN})
    within = results.within
    assert within is not None
    women = within.loc[within["gender"] == "Female"].set_index("group")
    assert int(women.loc["Black", "trials"]) == 300
    assert int(women.loc["Black", "successes"]) == 90
    assert float(women.loc["Black", "proportion"]) == 0.3
    assert pd.isna(women.loc["Black", "estimate"])
    note = "No White people among women were searched, so there is no one to compare"
    assert any(n.startswith(note) for n in results.notes)
    # The split table adds up to the outcome table: no difference gives anything back.
    outcome = results.proportions.set_index("group")
    for group, rows in within.groupby("group"):
        for count in ("trials", "successes"):
            assert pd.to_numeric(rows[count]).sum() == float(outcome.loc[group, count])
    section = within_section(within, "gender", OUTCOMES["Arrest"])
    black_women = next(row for row in section.rows if row[:2] == ["Female", "Black"])
    assert black_women[2] == "300"
    assert black_women[-1] == "Cannot compare: no White people searched here"


def test_a_small_level_without_the_reference_group_is_protected(tmp_path: Path) -> None:
    # 2 Black women a month (6 in all): hidden, and not the outcome total minus the men.
    results = analyse(tmp_path, {("Black", "Female"): (2, 1), **MEN})
    within = results.within
    assert within is not None
    outcome = results.proportions.set_index("group")
    black = within.loc[within["group"] == "Black"]
    women = black.loc[black["gender"] == "Female"]
    assert bool(women["suppressed"].iloc[0])
    if not bool(outcome.loc["Black", "suppressed"]):
        assert int(black["suppressed"].astype(bool).sum()) >= 2
