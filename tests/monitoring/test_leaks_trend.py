"""The change over time gives no hidden monthly count back.

A Poisson trend satisfies sum(y) = sum(mu) and sum(t * y) = sum(t * mu): with a group's
total (published in the rates) and its slope, two hidden months of the monthly table
are two unknowns in two equations. These tests play that attacker, and check that a
trend shown is worked out only from monthly counts the page shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from accord.monitoring.analysis import Choice, Results, run
from accord.stats.suppression import TOTAL

GROUP = "self_defined_ethnicity_broad"
AREAS = (("E09000001", "One"), ("E09000002", "Two"))


def write(tmp_path: Path, searches: dict[str, dict[str, int]]) -> tuple[Path, Path]:
    """Events (``searches[group][month]`` searches each) and a flat Census population."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    rows = []
    for group, by_month in searches.items():
        for month, count in by_month.items():
            for i in range(count):
                code, name = AREAS[i % 2]
                rows.append(
                    {
                        GROUP: group,
                        "la_code": code,
                        "la_name": name,
                        "month": month,
                        "date": pd.Timestamp(f"{month}-{1 + i % 28:02d}"),
                        "outcome": "Arrest" if i % 4 == 0 else "None",
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


def analyse(tmp_path: Path, searches: dict[str, dict[str, int]]) -> Results:
    events, population = write(tmp_path, searches)
    return run(Choice(events, population, GROUP, reference="White", focus="Black"))


MONTHS = ("2022-01", "2022-02", "2022-03", "2022-04")


def by_month(*counts: int, months: tuple[str, ...] = MONTHS) -> dict[str, int]:
    return dict(zip(months, counts, strict=True))


def months_of(results: Results, group: str) -> pd.DataFrame:
    monthly = results.monthly
    rows = monthly.loc[
        (monthly[GROUP].astype(str) == group) & (monthly["period"].astype(str) != TOTAL)
    ]
    return rows.assign(events=pd.to_numeric(rows["events"], errors="coerce"))


def trend_row(results: Results, group: str) -> pd.Series:
    return results.trend.set_index("group").loc[group]


def blank(value: object) -> bool:
    return value is None or bool(pd.isna(value))  # type: ignore[arg-type]


def solve_hidden_months(results: Results, group: str) -> np.ndarray | None:
    """The attacker: the group's total (rates), the months shown and the trend's slope
    (or its yearly change) give two hidden months. ``None`` when the page gives too little."""
    row = trend_row(results, group)
    slope = row.get("slope")
    if blank(slope):
        if blank(row.get("estimate")):
            return None
        slope = np.log1p(float(row["estimate"]) / 100) / 12
    total = float(results.rates.set_index("group").loc[group, "events"])
    shown = months_of(results, group)["events"].to_numpy(dtype=float)
    hidden = np.isnan(shown)
    t = np.arange(len(shown), dtype=float)
    t -= t.mean()
    mu = np.exp(float(slope) * t)
    mu *= total / mu.sum()
    a = np.array([[1.0, 1.0], t[hidden]])
    b = [total - np.nansum(shown), float((t * mu).sum()) - float(np.nansum(shown * t))]
    return np.linalg.solve(a, b)


SEARCHES = {
    "Asian": by_month(40, 42, 38, 41),
    "Black": by_month(60, 55, 4, 58),
    "Other": by_month(30, 33, 31, 29),
    "White": by_month(200, 210, 190, 205),
}


@pytest.fixture
def results(tmp_path: Path) -> Results:
    return analyse(tmp_path, SEARCHES)


def test_hidden_months_do_not_come_back_from_the_slope(results: Results) -> None:
    black = months_of(results, "Black")
    assert black["events"].isna().sum() == 2  # March (4) and one month beside it
    assert solve_hidden_months(results, "Black") is None
    row = trend_row(results, "Black")
    for column in ("estimate", "lower", "upper", "slope", "slope_se", "dispersion", "n"):
        assert blank(row[column]), column
    assert bool(row["suppressed"])
    assert "Pearson dispersion" not in str(row["method"])
    # Groups with every month shown keep their trend.
    for group in ("Asian", "White"):
        assert months_of(results, group)["events"].notna().all()
        row = trend_row(results, group)
        assert not bool(row["suppressed"])
        assert not blank(row["estimate"])


def test_the_page_says_why_a_trend_is_hidden(results: Results) -> None:
    notes = [note for note in results.notes if note.startswith("The change over time is hidden")]
    assert len(notes) == 1
    assert "Black" in notes[0]
    assert "Asian" not in notes[0]


def test_flat_hidden_months_do_not_come_back_from_the_dispersion(tmp_path: Path) -> None:
    # White 3 a month: every month hidden, the total (12) shown. A dispersion of 0 with
    # n = 12 over 4 months would say each month was 3.
    searches = {
        group: by_month(*[n] * 4)
        for group, n in {"Asian": 1, "Black": 2, "White": 3, "Other": 1}.items()
    }
    results = analyse(tmp_path, searches)
    assert months_of(results, "White")["events"].isna().all()
    row = trend_row(results, "White")
    assert blank(row["dispersion"]) and blank(row["n"]) and blank(row["slope"])


SIX = ("2022-01", "2022-02", "2022-03", "2022-04", "2022-05", "2022-06")
SEVEN = (*SIX, "2022-07")


def test_a_trend_without_thin_months_is_hidden_only_for_the_months_it_uses(tmp_path: Path) -> None:
    # June has far fewer records than usual (a thin month, left out of the trend); Black's
    # March (4) is hidden and is one of the months the trend is fitted on.
    searches = {
        "Asian": by_month(40, 42, 38, 41, 39, 0, months=SIX),
        "Black": by_month(60, 55, 4, 58, 57, 0, months=SIX),
        "Other": by_month(30, 33, 31, 29, 30, 0, months=SIX),
        "White": by_month(200, 210, 190, 205, 199, 30, months=SIX),
    }
    results = analyse(tmp_path, searches)
    assert any("(June 2022)" in note and "without them" in note for note in results.notes)
    assert months_of(results, "Black")["events"].iloc[:5].isna().any()
    row = trend_row(results, "Black")
    assert blank(row["estimate"]) and blank(row["slope"]) and blank(row["dispersion"])
    assert not blank(trend_row(results, "White")["estimate"])

    # Black's few searches in June and July (thin months, left out of the trend) are
    # hidden with White's beside them: the trends, fitted on January to May, stay shown,
    # and each is a function of counts the monthly table publishes.
    searches = {
        "Asian": by_month(40, 42, 38, 41, 39, 0, 0, months=SEVEN),
        "Black": by_month(60, 55, 48, 58, 57, 4, 5, months=SEVEN),
        "Other": by_month(30, 33, 31, 29, 30, 0, 0, months=SEVEN),
        "White": by_month(200, 210, 190, 205, 199, 30, 30, months=SEVEN),
    }
    results = analyse(tmp_path / "seven", searches)
    assert any("(June 2022, July 2022)" in note for note in results.notes)
    assert months_of(results, "Black")["events"].iloc[5:].isna().all()
    shown = results.trend.loc[~results.trend["suppressed"].astype(bool)]
    assert set(shown["group"]) == {"Asian", "Black", "Other", "White"}
    for group in shown["group"]:
        fitted = months_of(results, group).iloc[:5]
        assert fitted["events"].notna().all(), group
