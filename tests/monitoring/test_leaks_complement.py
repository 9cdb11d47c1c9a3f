"""Searches without the outcome (searches minus outcome) are counts too.

The outcome table publishes each group's searches and, say, those that ended with no
further action: 40 and 35 say that 5 searches ended some other way (here, in arrest).
These tests play that attacker on the outcome table and the split table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from accord.monitoring.analysis import Choice, Results, run

GROUP = "self_defined_ethnicity_broad"
NFA = "A no further action disposal"
AREAS = (("E09000001", "One"), ("E09000002", "Two"))


def analyse(
    tmp_path: Path, searches: dict[tuple[str, str], tuple[int, int]], split: str | None
) -> Results:
    """``searches[(group, sex)] = (searches, of which no further action)``."""
    rows = []
    for (group, sex), (count, nfa) in searches.items():
        for i in range(count):
            code, name = AREAS[i % 2]
            rows.append(
                {
                    GROUP: group,
                    "gender": sex,
                    "la_code": code,
                    "la_name": name,
                    "month": "2022-01",
                    "date": pd.Timestamp(f"2022-01-{1 + i % 28:02d}"),
                    "outcome": NFA if i < nfa else "Arrest",
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
    choice = Choice(
        events, population, GROUP, reference="White", focus="Black", outcome=NFA, split=split
    )
    return run(choice)


def complements(table: pd.DataFrame) -> pd.Series:
    """Searches without the outcome, as the attacker works them out from a table."""
    return pd.to_numeric(table["trials"], errors="coerce") - pd.to_numeric(
        table["successes"], errors="coerce"
    )


def small(values: pd.Series) -> pd.Series:
    return (values >= 1) & (values < 10)


def test_the_outcome_table_gives_no_small_complement(tmp_path: Path) -> None:
    searches = {
        ("Other", "Male"): (40, 35),
        ("White", "Male"): (400, 280),
        ("Black", "Male"): (200, 140),
    }
    results = analyse(tmp_path, searches, split=None)
    outcome = results.proportions.set_index("group")
    assert not small(complements(outcome)).any()
    assert bool(outcome.loc["Other", "suppressed"])
    # ... and not by subtraction of the hidden rows from the totals: a second row hides.
    assert outcome["suppressed"].astype(bool).sum() >= 2
    assert not bool(outcome.loc["White", "suppressed"])


def test_the_split_table_gives_no_small_complement(tmp_path: Path) -> None:
    # Other women: 40 searches, 35 no further action, so 5 ended otherwise.
    searches = {
        ("White", "Female"): (200, 140),
        ("White", "Male"): (200, 140),
        ("Black", "Female"): (100, 70),
        ("Black", "Male"): (100, 70),
        ("Other", "Female"): (40, 35),
        ("Other", "Male"): (60, 40),
    }
    results = analyse(tmp_path, searches, split="gender")
    within = results.within
    assert within is not None
    assert not small(complements(within)).any()
    assert not small(complements(results.proportions)).any()
    # Neither by difference from the outcome table: where it shows a group, the split
    # table hides none or at least two of that group's rows.
    outcome = results.proportions.set_index("group")
    for group, rows in within.groupby("group"):
        hidden = int(rows["suppressed"].astype(bool).sum())
        if not bool(outcome.loc[group, "suppressed"]):
            assert hidden != 1, group
    other_women = within.loc[(within["group"] == "Other") & (within["gender"] == "Female")]
    assert bool(other_women["suppressed"].iloc[0])
