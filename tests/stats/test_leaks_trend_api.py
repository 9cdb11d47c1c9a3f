"""``api.trend`` hides a group whose period counts the group x period table would hide."""

from __future__ import annotations

import pandas as pd

from accord.stats import api
from accord.stats.api.trends import HIDDEN_PERIOD_NOTE

MONTHS = ("2022-01", "2022-02", "2022-03", "2022-04")


def _events(counts: dict[str, tuple[int, ...]]) -> pd.DataFrame:
    rows = [
        {"eth": group, "date": pd.Timestamp(f"{month}-15")}
        for group, by_month in counts.items()
        for month, n in zip(MONTHS, by_month, strict=True)
        for _ in range(n)
    ]
    return pd.DataFrame(rows)


def test_a_small_month_hides_the_groups_trend_and_its_fit() -> None:
    events = _events({"A": (60, 55, 4, 58), "B": (40, 42, 38, 41), "W": (200, 210, 190, 205)})
    months = api.tabulate(events, by="eth", period="month", date="date")
    a_months = months.loc[(months["eth"] == "A") & (months["period"].astype(str) != "Total")]
    assert a_months["events"].isna().sum() == 2  # published with A's total, 177
    result = api.trend(events, date="date", group="eth").set_index("group")
    for column in ("estimate", "slope", "slope_se", "dispersion", "n"):
        assert pd.isna(result.loc["A", column]), column
    assert HIDDEN_PERIOD_NOTE in str(result.loc["A", "note"])
    assert not pd.isna(result.loc["W", "estimate"])


def test_a_month_hidden_alongside_hides_the_trend() -> None:
    events = _events({"A": (60, 55, 48, 58), "W": (200, 210, 190, 205)})
    forced = api.Disclosure(hide=({"eth": "A", "period": "2022-03"},))
    result = api.trend(events, date="date", group="eth", disclosure=forced).set_index("group")
    assert pd.isna(result.loc["A", "slope"])
    assert pd.isna(result.loc["A", "estimate"])


def test_a_small_total_hides_the_slope_and_dispersion_too() -> None:
    events = _events({"A": (2, 2, 2, 2), "W": (200, 210, 190, 205)})
    result = api.trend(events, date="date", group="eth").set_index("group")
    assert pd.isna(result.loc["A", "dispersion"])
    assert pd.isna(result.loc["A", "slope"])
