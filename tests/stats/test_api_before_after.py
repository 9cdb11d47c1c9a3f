"""``api.before_after``: counted in the engine from the raw police.uk rows (the committed
three-borough subset), the same as ``accord.stats.before_after`` on counts made by hand,
and disclosure control that hides a set's small months and whatever would give them back."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from accord.stats import StatsInputError, api
from accord.stats.api.before_after import HIDDEN_NOTE, MONTHS_HIDDEN_NOTE
from accord.stats.before_after import INITIATIVE, before_after
from tests.stats._data import CENSUS_SUBSET, STOPS_SUBSET, SUBSET_CODES

RICHMOND, SUTTON = "E09000027", "E09000029"
GROUPS = ["Asian", "Black", "Mixed", "Other", "White"]


def _stops() -> pd.DataFrame:
    return pd.read_csv(STOPS_SUBSET, dtype=str, keep_default_na=False)


def _people() -> api.Population:
    return api.Population(
        str(CENSUS_SUBSET),
        wide=GROUPS,
        columns={"la_code": "LAD_code"},
        where={"LAD_code": list(SUBSET_CODES)},
    )


def test_the_engine_counts_and_the_library_agree() -> None:
    stops = _stops()
    result = api.before_after(
        stops,
        _people(),
        area="la_code",
        treated=[RICHMOND],
        start="2022-05",
        date="date",
        disclosure=None,
    )
    by_hand = stops.assign(month=pd.PeriodIndex(stops["date"].str[:7], freq="M"))
    counts = by_hand.groupby(["la_code", "month"]).size().rename("events").reset_index()
    census = pd.read_csv(CENSUS_SUBSET)
    residents = census.set_index("LAD_code")[GROUPS].sum(axis=1)
    counts["people"] = counts["la_code"].map(residents)
    direct = before_after(
        counts,
        area="la_code",
        time="month",
        treated=[RICHMOND],
        start=pd.Period("2022-05", freq="M"),
        population="people",
    )
    pd.testing.assert_frame_equal(result.effect, direct.effect, check_dtype=False)
    pd.testing.assert_frame_equal(result.summary, direct.summary, check_dtype=False)
    assert result.series["events"].sum() == len(stops)
    assert any("residential population" in note for note in result.effect.attrs["notes"])


def _no_month_can_be_worked_out(result: api.BeforeAfter) -> None:
    """Every small count is hidden, and no phase has a lone hidden month beside its total."""
    series = result.series
    shown = series.loc[~series["suppressed"], "events"]
    assert not ((shown >= 1) & (shown < 10)).any()
    summary = result.summary.set_index("set")
    for (name, _), part in series.groupby(["set", "phase"]):
        if not bool(summary.at[name, "suppressed"]):
            assert part["suppressed"].sum() != 1, f"{name}: one hidden month beside its total"


def _events(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    """One row per event, from counts per area and month."""
    rows = [
        {"la_code": area, "date": f"{month}-15"}
        for (area, month), count in counts.items()
        for _ in range(count)
    ]
    return pd.DataFrame(rows)


def test_small_months_hide_the_sets_figures_and_the_ratio() -> None:
    months = ["2022-01", "2022-02", "2022-03", "2022-04"]
    counts = {("T", m): n for m, n in zip(months, [4, 3, 2, 5], strict=True)}  # 7 before
    counts |= {(area, m): 40 for area in ("C1", "C2") for m in months}
    result = api.before_after(
        _events(counts), None, area="la_code", treated=["T"], start="2022-03", date="date"
    )
    _no_month_can_be_worked_out(result)
    summary = result.summary.set_index("set")
    assert bool(summary.at[INITIATIVE, "suppressed"])
    for column in ("events_before", "events_after", "n"):
        assert pd.isna(summary.at[INITIATIVE, column])
    for column in ("rate_before", "rate_after", "estimate", "lower", "upper"):
        assert math.isnan(summary.at[INITIATIVE, column])
    effect = result.effect.iloc[0]
    assert bool(effect["suppressed"]) and math.isnan(effect["estimate"]) and pd.isna(effect["n"])
    assert math.isnan(effect["dispersion"]) and effect["placebo_sets"] == 0
    assert pd.isna(result.pre_trend["parallel"].iloc[0])
    assert HIDDEN_NOTE in result.effect.attrs["notes"]


def test_a_small_month_is_hidden_with_a_partner_and_the_ratio_stays() -> None:
    # The subset's June and November 2022 hold only a few searches (the source is incomplete).
    result = api.before_after(
        _stops(), None, area="la_code", treated=[RICHMOND], start="2022-05", date="date"
    )
    _no_month_can_be_worked_out(result)
    hidden = result.series.loc[result.series["suppressed"]]
    assert {str(p) for p in hidden["period"]} >= {"2022-06", "2022-11"}
    assert not bool(result.effect["suppressed"].iloc[0])
    assert not result.summary["suppressed"].any()
    assert MONTHS_HIDDEN_NOTE in result.effect.attrs["notes"]
    assert HIDDEN_NOTE not in result.effect.attrs["notes"]


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("May", "The start 'May' is not a month: write it like 2022-05."),
        ("2022-5", "The start '2022-5' is not a month: write it like 2022-05."),
        ("twenty", "The start 'twenty' is not a month: write it like 2022-05."),
    ],
)
def test_a_start_that_is_not_a_month_is_refused(start: str, message: str) -> None:
    with pytest.raises(StatsInputError) as refused:
        api.before_after(
            _stops(), None, area="la_code", treated=[RICHMOND], start=start, date="date"
        )
    assert str(refused.value) == message


def test_counts_without_a_population_say_how_many_had_no_area() -> None:
    # The same rule as the trend: searches with no borough are left out and said so.
    stops = _stops()
    stops.loc[stops.index[:12], "la_code"] = None
    result = api.before_after(
        stops, area="la_code", treated=[RICHMOND], start="2022-05", date="date", disclosure=None
    )
    assert "12 events with no value for la_code were left out." in result.effect.attrs["notes"]
    assert result.series["events"].sum() == len(stops) - 12
