"""Before and after for the gap between two groups (triple difference): the estimate, its
interval and each set's change against statsmodels' Poisson model, the trend before the
start against statsmodels' binomial model, the placebo ranking against refits, and every
input that cannot be right."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as scipy_stats

from accord.stats import GapBeforeAfter, StatsInputError, gap_before_after
from accord.stats.before_after import COMPARISON, INITIATIVE

MONTHS = pd.period_range("2022-01", periods=12, freq="M")
START = MONTHS[6]
TREATED = ("A0", "A1")


def _london(
    seed: int = 3, areas: int = 12, effect: float = 0.8, drift: float = 0.0
) -> pd.DataFrame:
    """Invented monthly searches of two groups: the gap differs by area, both groups move
    together from month to month, with extra spread on top; from START the gap in A0 and
    A1 is multiplied by ``effect``, and ``drift`` (a monthly log change in the gap) runs
    in A0 and A1 throughout."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(areas):
        name = f"A{a}"
        people = {"B": int(rng.integers(20_000, 60_000)), "W": int(rng.integers(100_000, 200_000))}
        level, gap = rng.gamma(25, 1 / 25), 3 * rng.gamma(20, 1 / 20)
        for i, month in enumerate(MONTHS):
            both = level * rng.gamma(40, 1 / 40)
            for group in ("B", "W"):
                mean = people[group] * 0.001 * both * rng.gamma(60, 1 / 60)
                if group == "B":
                    mean *= gap
                    if name in TREATED:
                        mean *= math.exp(drift * i) * (effect if month >= START else 1.0)
                rows.append(
                    {
                        "area": name,
                        "month": month,
                        "group": group,
                        "events": int(rng.poisson(mean)),
                        "people": people[group],
                    }
                )
    return pd.DataFrame(rows)


def _run(frame: pd.DataFrame, **changes: object) -> GapBeforeAfter:
    arguments: dict[str, object] = {
        "area": "area",
        "time": "month",
        "group": "group",
        "focus": "B",
        "reference": "W",
        "treated": list(TREATED),
        "start": START,
        "population": "people",
    }
    return gap_before_after(frame, **(arguments | changes))  # type: ignore[arg-type]


def _collapsed(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cells per area, group and phase, and the design of the triple difference."""
    data = frame.assign(after=(frame["month"] >= START).astype(int))
    cells = data.groupby(["area", "group", "after"], as_index=False).agg(
        events=("events", "sum"), exposure=("people", "sum")
    )
    area_group = pd.get_dummies(cells["area"] + "/" + cells["group"], dtype=float)
    area_after = pd.get_dummies(cells["area"], dtype=float).mul(cells["after"], axis=0)
    design = pd.concat([area_group, area_after.add_suffix("/after")], axis=1)
    return cells, design


def _fit(cells: pd.DataFrame, design: pd.DataFrame) -> sm.GLM:
    return sm.GLM(
        cells["events"], design, family=sm.families.Poisson(), offset=np.log(cells["exposure"])
    ).fit(scale="X2")


def test_the_ratio_and_its_interval_are_statsmodels_poisson_triple_difference() -> None:
    frame = _london()
    result = _run(frame)
    cells, design = _collapsed(frame)
    focus_after = ((cells["group"] == "B") & (cells["after"] == 1)).astype(float)
    design["focus_after"] = focus_after
    design["effect"] = focus_after * cells["area"].isin(TREATED)
    fit = _fit(cells, design)
    effect = result.effect.iloc[0]
    centre = fit.params["effect"]
    assert effect["estimate"] == pytest.approx(math.exp(centre), rel=1e-8)
    assert effect["estimate"] == pytest.approx(0.807, abs=0.001)
    assert effect["dispersion"] == pytest.approx(fit.scale, rel=1e-6)
    assert effect["dispersion"] > 1  # the invented areas vary more than chance
    assert effect["df"] == fit.df_resid == 10
    t = scipy_stats.t.ppf(0.975, fit.df_resid)
    se = fit.bse["effect"]  # already widened by the Pearson scale
    assert effect["lower"] == pytest.approx(math.exp(centre - t * se), rel=1e-6)
    assert effect["upper"] == pytest.approx(math.exp(centre + t * se), rel=1e-6)
    assert effect["upper"] < 1  # the invented 20% narrowing is found
    assert effect["n"] == frame["events"].sum()
    assert "triple difference" in effect["method"]


def test_each_sets_change_in_the_gap_is_statsmodels_with_a_change_for_each_set() -> None:
    frame = _london()
    result = _run(frame)
    cells, design = _collapsed(frame)
    focus_after = (cells["group"] == "B") & (cells["after"] == 1)
    with_it = cells["area"].isin(TREATED)
    design["change_with"] = (focus_after & with_it).astype(float)
    design["change_without"] = (focus_after & ~with_it).astype(float)
    fit = _fit(cells, design)
    t = scipy_stats.t.ppf(0.975, fit.df_resid)
    summary = result.summary.set_index("set")
    for name, term in ((INITIATIVE, "change_with"), (COMPARISON, "change_without")):
        centre, se = fit.params[term], fit.bse[term]
        assert summary.at[name, "estimate"] == pytest.approx(math.exp(centre), rel=1e-8)
        assert summary.at[name, "lower"] == pytest.approx(math.exp(centre - t * se), rel=1e-6)
        assert summary.at[name, "upper"] == pytest.approx(math.exp(centre + t * se), rel=1e-6)


def test_with_exact_counts_the_ratio_is_the_ratio_of_the_two_gaps_changes() -> None:
    rows = []
    counts = {"T": ((300, 100), (200, 100)), "C1": ((90, 30), (80, 40)), "C2": ((60, 60), (40, 80))}
    for area, phases in counts.items():
        for i, month in enumerate(MONTHS[:4]):
            focus, reference = phases[i >= 2]
            rows.append({"area": area, "month": month, "group": "B", "events": focus, "people": 10})
            rows.append(
                {"area": area, "month": month, "group": "W", "events": reference, "people": 40}
            )
    frame = pd.DataFrame(rows)
    result = _run(frame, treated=["T"], start=MONTHS[2])
    # T's gap went from 3 to 2. The comparison areas' gaps changed by 2/3 and by 1/2: their
    # shared change is the model's, a weighted mean of the two.
    effect = result.effect.iloc[0]
    summary = result.summary.set_index("set")
    assert 1 / 2 < summary.at[COMPARISON, "estimate"] < 2 / 3
    assert effect["estimate"] == pytest.approx((2 / 3) / summary.at[COMPARISON, "estimate"])
    assert summary.at[INITIATIVE, "estimate"] == pytest.approx(2 / 3)
    # Per head: B's rate is 4 times its count's share (10 against 40 people).
    assert summary.at[INITIATIVE, "ratio_before"] == pytest.approx(3 * 4)
    assert summary.at[INITIATIVE, "ratio_after"] == pytest.approx(2 * 4)
    assert summary.at[COMPARISON, "focus_before"] == 2 * (90 + 60)
    assert summary.at[COMPARISON, "reference_after"] == 2 * (40 + 80)
    # Populations that do not change cancel out of the ratio of changes.
    counts_only = _run(frame, treated=["T"], start=MONTHS[2], population=None)
    assert counts_only.effect["estimate"].iloc[0] == pytest.approx(effect["estimate"])
    assert counts_only.summary.set_index("set").at[INITIATIVE, "ratio_before"] == pytest.approx(3)


def test_the_placebo_check_ranks_the_change_among_refits_of_every_comparison_area() -> None:
    frame = _london(effect=0.6)
    result = _run(frame, treated=["A0"])
    real = abs(math.log(result.effect["estimate"].iloc[0]))
    pool = sorted(set(frame["area"]) - {"A0"})
    larger = 0
    for area in pool:  # each comparison area pretends; A0 takes no part
        pretend = _run(frame, treated=[area], comparison=[a for a in pool if a != area])
        larger += abs(math.log(pretend.effect["estimate"].iloc[0])) >= real - 1e-12
    effect = result.effect.iloc[0]
    assert effect["placebo_sets"] == len(pool) == 11
    assert effect["placebo_as_large"] == larger
    assert effect["placebo_p"] == pytest.approx((1 + larger) / 12)


def test_the_trend_in_the_gap_before_the_start_is_statsmodels_binomial() -> None:
    frame = _london(drift=0.12)
    result = _run(frame)
    before = frame.loc[frame["month"] < START]
    wide = before.pivot_table(
        index=["area", "month"], columns="group", values=["events", "people"], aggfunc="sum"
    ).reset_index()
    design = pd.concat(
        [
            pd.get_dummies(wide["area"], dtype=float),
            pd.get_dummies(wide["month"].astype(str), dtype=float, drop_first=True),
        ],
        axis=1,
    )
    ordinal = wide["month"].map(lambda m: m.ordinal).astype(float)
    design["trend"] = (ordinal - ordinal.mean()) * wide["area"].isin(TREATED)
    focus, reference = wide[("events", "B")], wide[("events", "W")]
    fit = sm.GLM(
        np.column_stack([focus, reference]),
        design,
        family=sm.families.Binomial(),
        offset=np.log(wide[("people", "B")] / wide[("people", "W")]),
    ).fit()
    slope = fit.params["trend"]
    trend = result.pre_trend.iloc[0]
    assert trend["estimate"] == pytest.approx(100 * math.expm1(12 * slope), rel=1e-6)
    phi = max(fit.pearson_chi2 / fit.df_resid, 1.0)
    upper = 100 * math.expm1(12 * (slope + 1.959964 * fit.bse["trend"] * math.sqrt(phi)))
    assert trend["upper"] == pytest.approx(upper, rel=1e-4)
    assert trend["periods"] == 6
    assert bool(trend["parallel"]) is False
    assert bool(_run(_london()).pre_trend["parallel"].iloc[0]) is True


def test_an_area_without_searches_of_one_group_adds_nothing_and_is_not_counted() -> None:
    frame = _london()
    frame.loc[(frame["area"] == "A5") & (frame["group"] == "B"), "events"] = 0
    with_it = _run(frame)
    without = _run(frame.loc[frame["area"] != "A5"])
    assert with_it.effect["estimate"].iloc[0] == pytest.approx(
        without.effect["estimate"].iloc[0],
        rel=1e-7,
    )
    assert with_it.effect["df"].iloc[0] == without.effect["df"].iloc[0] == 9


def test_a_missing_row_counts_as_no_searches() -> None:
    frame = _london()
    gone = (frame["area"] == "A3") & (frame["month"] == MONTHS[8]) & (frame["group"] == "B")
    left = _run(frame.loc[~gone])
    right = _run(frame.assign(events=frame["events"].where(~gone, 0)))
    pd.testing.assert_frame_equal(left.effect, right.effect)
    pd.testing.assert_frame_equal(left.series, right.series)


def test_other_groups_are_ignored() -> None:
    frame = _london()
    other = frame.loc[frame["group"] == "W"].assign(group="O", events=1)
    mixed = _run(pd.concat([frame, other], ignore_index=True))
    pd.testing.assert_frame_equal(mixed.effect, _run(frame).effect)


def test_no_searches_of_one_group_after_the_start_where_it_ran_gives_no_ratio() -> None:
    frame = _london()
    gone = frame["area"].isin(TREATED) & (frame["month"] >= START) & (frame["group"] == "B")
    frame.loc[gone, "events"] = 0
    effect = _run(frame).effect.iloc[0]
    assert math.isnan(effect["estimate"])
    assert effect["note"] == "no searches of B after the start with the initiative, so no ratio"


def test_one_area_each_gives_the_ratio_without_an_interval() -> None:
    frame = _london().query("area in ['A0', 'A2']")
    effect = _run(frame, treated=["A0"]).effect.iloc[0]
    assert effect["estimate"] > 0 and math.isnan(effect["lower"])
    assert "cannot be measured" in effect["note"]


def test_an_interval_on_few_areas_says_it_is_wide() -> None:
    effect = _run(_london().query("area in ['A0', 'A1', 'A2', 'A3']"), treated=["A0"]).effect.iloc[
        0
    ]
    assert effect["note"] == (
        "only 4 areas have searches of both groups before and after the start, so how much "
        "areas change by themselves is poorly known and the interval is wide"
    )


def test_many_possible_placebo_sets_are_drawn_at_random_but_the_same_each_time() -> None:
    frame = _london(areas=30)
    first = _run(frame, treated=["A0", "A1", "A2"])
    again = _run(frame, treated=["A0", "A1", "A2"])
    assert first.effect["placebo_sets"].iloc[0] == 1999
    assert first.effect["placebo_as_large"].iloc[0] == again.effect["placebo_as_large"].iloc[0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reference": "B"}, "Choose two different groups to compare."),
        ({"reference": "X"}, "There are no rows for 'X' in 'group'."),
        ({"group": "kind"}, "The table has no column 'kind'."),
        ({"treated": []}, "Choose at least one area with the initiative."),
        ({"treated": ["Z9"]}, "These areas are not in the data: Z9."),
        (
            {"comparison": ["A0", "A2"]},
            "An area cannot be both with the initiative and a comparison: A0.",
        ),
        ({"comparison": []}, "Choose at least one comparison area without the initiative."),
        ({"start": MONTHS[0]}, "There is no period before the start to compare with."),
        (
            {"start": pd.Period("2030-01", freq="M")},
            "There is no period from the start on: choose an earlier start.",
        ),
        ({"start": "soon"}, "The start 'soon' cannot be compared with the periods in 'month'."),
    ],
)
def test_input_that_cannot_be_right_is_refused_with_the_reason(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(StatsInputError) as refused:
        _run(_london(), **changes)
    assert str(refused.value) == message


def test_counts_too_one_sided_for_a_ratio_say_so() -> None:
    # Both comparison areas' gaps narrowed infinitely (no B searched after the start in C1,
    # no W before it in C2): there is no finite change elsewhere to compare with.
    rows = [
        ("T", "B", 0, 5), ("T", "B", 1, 5), ("T", "W", 0, 5), ("T", "W", 1, 5),
        ("C1", "B", 0, 5), ("C1", "B", 1, 0), ("C1", "W", 0, 5), ("C1", "W", 1, 5),
        ("C2", "B", 0, 5), ("C2", "B", 1, 5), ("C2", "W", 0, 0), ("C2", "W", 1, 5),
    ]  # fmt: skip
    frame = pd.DataFrame(
        [{"area": a, "group": g, "month": MONTHS[after], "events": n} for a, g, after, n in rows]
    )
    effect = _run(frame, treated=["T"], start=MONTHS[1], population=None).effect.iloc[0]
    assert math.isnan(effect["estimate"])
    assert effect["note"] == (
        "the counts are too few or too one-sided for a ratio (the model did not converge)"
    )


def test_a_trend_before_the_start_with_one_sided_months_is_fitted_without_them() -> None:
    frame = _london()
    # No B was searched anywhere in February: that month says nothing about the trend.
    frame.loc[(frame["month"] == MONTHS[1]) & (frame["group"] == "B"), "events"] = 0
    trend = _run(frame).pre_trend.iloc[0]
    assert math.isfinite(trend["estimate"]) and trend["note"] == ""


def test_an_interval_beyond_a_millionfold_is_left_out_with_the_reason() -> None:
    months = MONTHS[:2]
    swings = {"T": ((1, 1), (1, 1)), "C1": ((3000, 30), (30, 3000)), "C2": ((30, 3000), (3000, 30))}
    frame = pd.DataFrame(
        [
            {"area": area, "month": months[i], "group": group, "events": counts[i]}
            for area, both in swings.items()
            for group, counts in zip(("B", "W"), both, strict=True)
            for i in range(2)
        ]
    )
    result = _run(frame, treated=["T"], start=months[1], population=None)
    effect = result.effect.iloc[0]
    assert effect["estimate"] == pytest.approx(1.0)
    assert math.isnan(effect["lower"]) and math.isnan(effect["upper"])
    assert effect["note"].startswith("the interval would be too wide to mean anything")
    assert result.summary["lower"].isna().all()


def test_a_group_with_no_row_in_an_area_has_no_population_to_guess() -> None:
    # Without a row, the group's population in A5 is unknown: refused, never taken as 1.
    frame = _london()
    frame = frame.loc[~((frame["area"] == "A5") & (frame["group"] == "B"))]
    with pytest.raises(StatsInputError) as refused:
        _run(frame)
    assert str(refused.value) == (
        "There is no population for 'B' in A5: give each area's population of both groups "
        "(a row with no events will do)."
    )
    # A row with no events and the population is enough.
    people = _london().query("area == 'A5' and group == 'B'").iloc[[0]].assign(events=0)
    result = _run(pd.concat([frame, people], ignore_index=True))
    comparison = result.summary.set_index("set").loc[COMPARISON]
    assert (
        comparison["focus_before"]
        == frame.loc[
            ~frame["area"].isin(TREATED) & (frame["group"] == "B") & (frame["month"] < START),
            "events",
        ].sum()
    )


def test_the_trend_check_needs_three_months_with_searches_of_both_groups() -> None:
    frame = _london()
    # Only two months before the start have any searches of B.
    frame.loc[(frame["month"] < MONTHS[4]) & (frame["group"] == "B"), "events"] = 0
    trend = _run(frame).pre_trend.iloc[0]
    assert pd.isna(trend["parallel"]) and math.isnan(trend["estimate"])
    assert trend["note"] == (
        "fewer than three periods before the start have searches of both groups, so no check"
    )
    assert trend["periods"] == 2
