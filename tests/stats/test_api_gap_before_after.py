"""``api.gap_before_after``: counted in the engine from the raw police.uk rows (the committed
three-borough subset), the same as ``accord.stats.gap_before_after`` on counts made by hand,
and disclosure control that hides each group's small months, the gap in those months, and
whatever would give them back."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from accord.stats import StatsInputError, api
from accord.stats.api.before_after import HIDDEN_NOTE
from accord.stats.api.gap_before_after import GAP_MONTHS_HIDDEN_NOTE
from accord.stats.before_after import INITIATIVE
from accord.stats.gap_before_after import GapBeforeAfter, gap_before_after
from tests.stats._data import CENSUS_SUBSET, STOPS_SUBSET, SUBSET_CODES

RICHMOND = "E09000027"
GROUPS = ["Asian", "Black", "Mixed", "Other", "White"]
ETHNICITY = "officer_defined_ethnicity"


def _stops() -> pd.DataFrame:
    return pd.read_csv(STOPS_SUBSET, dtype=str, keep_default_na=False)


def _people() -> api.Population:
    return api.Population(
        str(CENSUS_SUBSET),
        wide=GROUPS,
        names_to=ETHNICITY,
        columns={"la_code": "LAD_code"},
        where={"LAD_code": list(SUBSET_CODES)},
    )


def test_the_engine_counts_and_the_library_agree() -> None:
    stops = _stops()
    result = api.gap_before_after(
        stops,
        _people(),
        area="la_code",
        group=ETHNICITY,
        focus="Black",
        reference="White",
        treated=[RICHMOND],
        start="2022-05",
        date="date",
        disclosure=None,
        unmatched="drop",
    )
    by_hand = stops.loc[stops[ETHNICITY].isin(["Black", "White"])].assign(
        month=lambda f: pd.PeriodIndex(f["date"].str[:7], freq="M")
    )
    counts = by_hand.groupby(["la_code", ETHNICITY, "month"]).size().rename("events").reset_index()
    census = pd.read_csv(CENSUS_SUBSET).set_index("LAD_code")
    counts["people"] = [
        census.at[a, g] for a, g in zip(counts["la_code"], counts[ETHNICITY], strict=True)
    ]
    direct = gap_before_after(
        counts,
        area="la_code",
        time="month",
        group=ETHNICITY,
        focus="Black",
        reference="White",
        treated=[RICHMOND],
        start=pd.Period("2022-05", freq="M"),
        population="people",
    )
    pd.testing.assert_frame_equal(result.effect, direct.effect, check_dtype=False)
    pd.testing.assert_frame_equal(result.summary, direct.summary, check_dtype=False)
    assert result.series["focus"].sum() == (stops[ETHNICITY] == "Black").sum()
    assert result.series["reference"].sum() == (stops[ETHNICITY] == "White").sum()
    assert math.isfinite(result.effect["estimate"].iloc[0])


def _events(counts: dict[tuple[str, str, str], int]) -> pd.DataFrame:
    """One row per event, from counts per area, group and month."""
    rows = [
        {"la_code": area, ETHNICITY: group, "date": f"{month}-15"}
        for (area, group, month), count in counts.items()
        for _ in range(count)
    ]
    return pd.DataFrame(rows)


MONTHS = ["2022-01", "2022-02", "2022-03", "2022-04"]


def _no_month_can_be_worked_out(result: GapBeforeAfter) -> None:
    series = result.series
    summary = result.summary.set_index("set")
    for column in ("focus", "reference"):
        flag = series[f"{column}_suppressed"]
        shown = series.loc[~flag, column]
        assert not ((shown >= 1) & (shown < 10)).any()
        for (name, _), part in series.groupby(["set", "phase"]):
            if not bool(summary.at[name, "suppressed"]):
                assert part[f"{column}_suppressed"].sum() != 1, f"{name}: a lone hidden month"
    either = series["focus_suppressed"] | series["reference_suppressed"]
    assert series.loc[either, "ratio"].isna().all()


def test_small_months_of_one_group_hide_the_sets_figures_and_the_ratio() -> None:
    counts = {("T", "Black", m): n for m, n in zip(MONTHS, [4, 3, 20, 25], strict=True)}
    counts |= {("T", "White", m): 30 for m in MONTHS}
    counts |= {(a, g, m): 40 for a in ("C1", "C2") for g in ("Black", "White") for m in MONTHS}
    result = api.gap_before_after(
        _events(counts),
        None,
        area="la_code",
        group=ETHNICITY,
        focus="Black",
        reference="White",
        treated=["T"],
        start="2022-03",
        date="date",
    )
    _no_month_can_be_worked_out(result)
    summary = result.summary.set_index("set")
    assert bool(summary.at[INITIATIVE, "suppressed"])
    for column in ("focus_before", "focus_after", "reference_before", "n"):
        assert pd.isna(summary.at[INITIATIVE, column])
    for column in ("ratio_before", "ratio_after", "estimate", "lower", "upper"):
        assert math.isnan(summary.at[INITIATIVE, column])
    effect = result.effect.iloc[0]
    assert bool(effect["suppressed"]) and math.isnan(effect["estimate"]) and pd.isna(effect["n"])
    # What is made of the hidden counts goes too: the spread, the placebo ranks, the trend.
    assert math.isnan(effect["dispersion"]) and effect["placebo_sets"] == 0
    trend = result.pre_trend.iloc[0]
    assert math.isnan(trend["estimate"]) and pd.isna(trend["parallel"])
    assert trend["note"] == "hidden with the comparison, to protect small numbers"
    assert HIDDEN_NOTE in result.effect.attrs["notes"]


def test_a_small_month_is_hidden_with_a_partner_and_its_gap_and_the_ratio_stays() -> None:
    counts = {("T", "Black", m): n for m, n in zip(MONTHS, [4, 30, 20, 25], strict=True)}
    counts |= {("T", "White", m): 30 for m in MONTHS}
    counts |= {(a, g, m): 40 for a in ("C1", "C2") for g in ("Black", "White") for m in MONTHS}
    result = api.gap_before_after(
        _events(counts),
        None,
        area="la_code",
        group=ETHNICITY,
        focus="Black",
        reference="White",
        treated=["T"],
        start="2022-03",
        date="date",
    )
    _no_month_can_be_worked_out(result)
    series = result.series.loc[result.series["set"] == INITIATIVE]
    hidden = series.loc[series["focus_suppressed"], "period"].astype(str)
    assert set(hidden) == {"2022-01", "2022-02"}  # January and its partner
    assert not series["reference_suppressed"].any()
    assert not bool(result.effect["suppressed"].iloc[0])
    assert result.effect["estimate"].iloc[0] > 0
    assert GAP_MONTHS_HIDDEN_NOTE in result.effect.attrs["notes"]


def test_a_start_that_is_not_a_month_is_refused() -> None:
    with pytest.raises(StatsInputError) as refused:
        api.gap_before_after(
            _stops(),
            area="la_code",
            group=ETHNICITY,
            focus="Black",
            reference="White",
            treated=[RICHMOND],
            start="May",
            date="date",
        )
    assert str(refused.value) == "The start 'May' is not a month: write it like 2022-05."


def test_an_area_where_a_group_was_never_searched_keeps_its_population() -> None:
    # No Black person searched in Sutton (the rows are gone, as the engine gives no row for
    # a count of 0): Sutton's Black residents still count in the comparison's rate.
    stops = _stops()
    stops = stops.loc[~((stops["la_code"] == "E09000029") & (stops[ETHNICITY] == "Black"))]
    result = api.gap_before_after(
        stops,
        _people(),
        area="la_code",
        group=ETHNICITY,
        focus="Black",
        reference="White",
        treated=[RICHMOND],
        start="2022-05",
        date="date",
        disclosure=None,
        unmatched="drop",
    )
    census = pd.read_csv(CENSUS_SUBSET).set_index("LAD_code")
    others = ["E09000001", "E09000029"]
    before = stops.loc[stops["la_code"].isin(others) & (stops["date"] < "2022-05")]
    black = (before[ETHNICITY] == "Black").sum() / census.loc[others, "Black"].sum()
    white = (before[ETHNICITY] == "White").sum() / census.loc[others, "White"].sum()
    comparison = result.summary.set_index("set").loc["comparison"]
    assert comparison["ratio_before"] == pytest.approx(black / white)
