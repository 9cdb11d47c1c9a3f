"""The split table never calls a difference "beyond chance" (nor the summary "more often")
while the 95% interval shown beside it includes no difference.

The verdict's test (chi-square, or exact for small counts, Holm-adjusted) and the interval
(Newcombe's) are different methods: near the boundary the test gives p just under 5% while
the interval runs from just below zero. Both must agree before a difference is claimed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from accord.monitoring import analysis
from accord.monitoring.analysis import OUTCOMES, Choice, run
from accord.monitoring.presentation import within_section

GROUP = "self_defined_ethnicity_broad"
AREAS = (("E09000001", "One"), ("E09000002", "Two"))


def _write(tmp_path: Path, cells: dict[tuple[str, str], tuple[int, int]]) -> tuple[Path, Path]:
    """(group, sex) -> (searches, arrests), all in one month, areas alternating."""
    rows = []
    for (group, sex), (searches, arrests) in cells.items():
        for i in range(searches):
            code, name = AREAS[i % 2]
            rows.append(
                {
                    GROUP: group,
                    "gender": sex,
                    "age_band": "18-24",
                    "la_code": code,
                    "la_name": name,
                    "month": "2022-01",
                    "date": pd.Timestamp(f"2022-01-{1 + i % 28:02d}"),
                    "outcome": "Arrest" if i < arrests else "None",
                }
            )
    events = tmp_path / "events.parquet"
    pd.DataFrame(rows).to_parquet(events)
    people = pd.DataFrame(
        [
            {"ethnic_group": group, "la_code": code, "la_name": name, "population": 20_000}
            for group in ("Asian", "Black", "Mixed", "Other", "White")
            for code, name in AREAS
        ]
    )
    population = tmp_path / "population.parquet"
    people.to_parquet(population)
    return events, population


# One comparison (Asian women against White women), so Holm's p is the test's own:
# 17 of 46 against 10 of 52 gives p about 0.0500, Newcombe's interval -0.02 to +34.5 points.
# Every count, and every count of searches without arrest, is 10 or more: nothing hidden.
BORDERLINE = {
    ("Asian", "Female"): (46, 17),
    ("White", "Female"): (52, 10),
    ("White", "Male"): (200, 50),
}


def test_no_verdict_or_sentence_beside_an_interval_that_includes_zero(tmp_path: Path) -> None:
    events, population = _write(tmp_path, BORDERLINE)
    results = run(Choice(events, population, GROUP, "White", "White", split="gender"))
    within = results.within
    assert within is not None
    asian = within.set_index(["gender", "group"]).loc[("Female", "Asian")]
    # The situation: the test alone says "beyond chance", the interval includes zero.
    assert not bool(asian["suppressed"])
    assert float(asian["p_adjusted"]) < analysis.FAMILY_ALPHA
    assert float(asian["lower"]) < 0 < float(asian["upper"])

    assert not analysis.beyond_chance(asian)
    assert not any(line.startswith("Among women") for line in results.sentences)
    assert (
        "Within each sex, no group's share of searches that ended in arrest differed from "
        "White people's by more than chance would explain, where the numbers could be shown."
        in results.sentences
    )
    section = within_section(within, "gender", OUTCOMES["Arrest"])
    row = next(r for r in section.rows if r[:2] == ["Female", "Asian"])
    assert "beyond chance" not in row[-1]
    assert row[-1] == "No clear difference"
    # The interval is shown as the summary would give it, not as "-0.0 to 41.7".
    low = float(asian["lower"]) * 100
    assert row[-2] == f"{low:.2f} to {float(asian['upper']) * 100:.1f}"
    assert not row[-2].startswith("-0.0 ")


@pytest.mark.parametrize(
    ("p_adjusted", "lower", "upper", "expected"),
    [
        (0.01, 0.02, 0.30, True),  # both agree: beyond chance
        (0.01, -0.30, -0.02, True),  # lower, both agree
        (0.049, -0.0004, 0.41, False),  # the test alone
        (0.20, 0.01, 0.30, False),  # the interval alone (Holm says no)
        (0.01, float("nan"), 0.30, False),  # no interval shown
        (float("nan"), 0.02, 0.30, False),  # not tested (hidden or reference)
    ],
)
def test_beyond_chance_needs_the_test_and_the_interval(
    p_adjusted: float, lower: float, upper: float, expected: bool
) -> None:
    row = pd.Series({"p_adjusted": p_adjusted, "lower": lower, "upper": upper, "estimate": 0.1})
    assert analysis.beyond_chance(row) is expected
