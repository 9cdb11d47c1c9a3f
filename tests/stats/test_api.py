"""The high-level API (accord.stats.api): files or frames in, suppressed measures out."""

from __future__ import annotations

import pandas as pd
import pytest

from accord.stats import api
from accord.stats.api import disclosure

EVENTS = pd.DataFrame(
    {
        "area": ["North"] * 120 + ["South"] * 64 + ["East"] * 41,
        "eth": ["Black"] * 50
        + ["White"] * 70  # North
        + ["Black"] * 30
        + ["White"] * 30
        + ["Asian"] * 4  # South: 4 Asian is small
        + ["Black"] * 6
        + ["White"] * 35,  # East: White only 35, Black 6 is small
        "outcome": (["Arrest", "None", "None", "None", "None"] * 45),
        "date": pd.date_range("2022-01-01", periods=225, freq="2D"),
    }
)
POPULATION = pd.DataFrame(
    [
        (area, eth, people)
        for area, sizes in {
            "North": (1000, 9000, 500),
            "South": (800, 7000, 900),
            "East": (300, 5000, 200),
        }.items()
        for eth, people in zip(["Black", "White", "Asian"], sizes, strict=True)
    ],
    columns=["area", "eth", "population"],
)


def test_ratios_keep_one_reference_and_hide_what_depends_on_hidden_cells() -> None:
    result = api.ratios(EVENTS, POPULATION, group="eth", by="area")
    assert set(result.reference_group) == {"White"}  # largest population overall
    by_cell = result.set_index(["area", "eth"])
    # South/Asian (4) is primary: hidden with its estimate and count.
    assert by_cell.loc[("South", "Asian"), "suppressed"]
    assert pd.isna(by_cell.loc[("South", "Asian"), "estimate"])
    assert pd.isna(by_cell.loc[("South", "Asian"), "events"])
    # North has no small cell, and nothing there is hidden.
    assert not by_cell.loc["North", "suppressed"].any()
    # Every published ratio equals the hand calculation.
    shown = result.loc[~result.suppressed & ~result.is_reference]
    for row in shown.itertuples():
        people = POPULATION.set_index(["area", "eth"]).population
        events = EVENTS.groupby(["area", "eth"]).size()
        expected = (events.get((row.area, row.eth), 0) / people[(row.area, row.eth)]) / (
            events[(row.area, "White")] / people[(row.area, "White")]
        )
        assert row.estimate == pytest.approx(expected)


def test_rates_by_period_blank_hidden_cells() -> None:
    result = api.rates(EVENTS, POPULATION, group="eth", period="quarter", date="date")
    quarters = EVENTS.date.dt.to_period("Q").nunique()
    assert len(result) == 3 * quarters
    hidden = result.loc[result.suppressed]
    assert len(hidden) > 0
    assert hidden.estimate.isna().all() and hidden.n.isna().all()
    shown = result.loc[~result.suppressed]
    assert not ((shown.events >= 1) & (shown.events < 10)).any()
    assert any("residential population" in note for note in result.attrs["notes"])


def test_stratum_errors_can_become_notes() -> None:
    events = pd.concat([EVENTS, pd.DataFrame({"area": ["West"] * 12, "eth": ["Black"] * 12})])
    population = pd.concat(
        [POPULATION, pd.DataFrame({"area": ["West"] * 2, "eth": ["Black", "White"],
                                       "population": [100, 100]})]
    )  # fmt: skip
    with pytest.raises(Exception, match="In area=West: Reference group 'White' has no events"):
        api.ratios(events, population, group="eth", by="area", disclosure=None)
    noted = api.ratios(
        events, population, group="eth", by="area", disclosure=None, stratum_errors="note"
    )
    west = noted.loc[noted.area == "West"]
    assert west.estimate.isna().all()
    assert west.note.str.contains("has no events").all()
    assert noted.loc[noted.area == "North", "estimate"].notna().all()


def test_proportions_rri_trend_funnel_and_tabulate() -> None:
    arrests = api.proportions(
        EVENTS, success={"outcome": "Arrest"}, group="eth", compare="ratio", disclosure=None
    )
    assert set(arrests.reference_group) == {"White"}
    expected = EVENTS.assign(hit=EVENTS.outcome == "Arrest").groupby("eth").hit.mean()
    black = arrests.loc[arrests.eth == "Black"].iloc[0]
    assert black.estimate == pytest.approx(expected["Black"] / expected["White"])

    stages = api.rri(
        EVENTS,
        POPULATION,
        group="eth",
        stages=[("searches", None), ("arrests", {"outcome": "Arrest"})],
    )
    assert list(dict.fromkeys(stages.stage)) == ["searches", "arrests"]

    trend = api.trend(EVENTS, date="date", period="month", group="eth")
    asian = trend.loc[trend.eth == "Asian"].iloc[0]
    assert asian.suppressed and pd.isna(asian.estimate)  # 4 events in all

    funnel = api.funnel(EVENTS, POPULATION, unit="area")
    assert set(funnel.area) == {"North", "South", "East"}
    assert {"outlier", "lower_998", "upper_998"} <= set(funnel.columns)

    table = api.tabulate(EVENTS, by=["area", "eth"], disclosure=api.Disclosure(rounding=5))
    cells = table.set_index(["area", "eth"])
    assert cells.loc[("South", "Asian"), "events_flag"] == "primary"
    assert cells.loc[("Total", "Total"), "events"] == 225
    shown = table.events.dropna()
    assert (shown % 5 == 0).all()


def test_hidden_cells_blank_the_right_rows_whatever_their_order() -> None:
    keys = ["area", "eth"]
    cells = EVENTS.groupby(keys).size().rename("events").reset_index()
    measures = cells.assign(estimate=cells.events / 10.0, n=cells.events, suppressed=False)
    hidden = disclosure.hidden_cells(cells, keys, "events", api.Disclosure())
    assert 0 < hidden.hidden.sum() < len(hidden)
    in_order = disclosure.hide(measures, hidden, keys)
    reversed_rows = disclosure.hide(measures.iloc[::-1], hidden, keys)
    expected = cells.assign(hidden=hidden.hidden).set_index(keys).hidden
    for result in (in_order, reversed_rows):
        by_cell = result.set_index(keys)
        assert by_cell.suppressed.sort_index().equals(expected.sort_index())
        assert by_cell.loc[by_cell.suppressed, "estimate"].isna().all()
        assert by_cell.loc[~by_cell.suppressed, "estimate"].notna().all()


def test_the_split_kept_every_public_name() -> None:
    assert set(api.__all__) == {
        "RESIDENTIAL_CAVEAT",
        "Disclosure",
        "Population",
        "before_after",
        "funnel",
        "gap_before_after",
        "proportions",
        "rates",
        "ratios",
        "reuse_counts",
        "rri",
        "tabulate",
        "trend",
    }
    assert isinstance(api.RESIDENTIAL_CAVEAT, str)
    for name in set(api.__all__) - {"RESIDENTIAL_CAVEAT"}:
        assert getattr(api, name).__name__ == name


def test_notes_never_give_a_count_the_tables_would_hide() -> None:
    """Four South Asian searches are hidden in the tables; a note that said "4 events in
    groups with no population were left out" would give them back."""
    population = POPULATION.loc[~((POPULATION.area == "South") & (POPULATION.eth == "Asian"))]
    events = EVENTS.assign(eth=EVENTS.eth.where(EVENTS.index % 50 != 0))  # 5 with no group
    published = api.rates(events, population, group="eth", by="area", unmatched="drop")
    assert (
        "Fewer than 10 events in groups with no population were left out."
        in (published.attrs["notes"])
    )
    assert (
        "Fewer than 10 events with no value for area, eth were left out."
        in (published.attrs["notes"])
    )
    assert not any(note[0].isdigit() for note in published.attrs["notes"]), published.attrs["notes"]
    internal = api.rates(
        events, population, group="eth", by="area", unmatched="drop", disclosure=None
    )
    assert "4 events in groups with no population were left out." in internal.attrs["notes"]
    assert "5 events with no value for area, eth were left out." in internal.attrs["notes"]
    rounded = api.tabulate(
        EVENTS.assign(eth=EVENTS.eth.where(EVENTS.index % 9 != 0)),
        by=["eth"],
        disclosure=disclosure.Disclosure(rounding=5),
    )
    assert "About 25 events with no value for eth were left out." in rounded.attrs["notes"]
