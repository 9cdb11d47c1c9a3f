"""Outcomes compared within each sex or age group, released with the run's other tables.

The split table's arrests and searches add up, group by group, to the outcome table's,
so the two are suppressed together: the attacker here fills the split table's group
totals from the outcome table and solves for every hidden cell.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from accord.monitoring import analysis
from accord.monitoring.analysis import OUTCOMES, Choice, Results, run, shared_hidden_counts
from accord.monitoring.forms import AnalysisForm, event_datasets, population_datasets
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.monitoring.presentation import Section, sections, within_section
from accord.monitoring.services import frames, run_key, start_analysis
from accord.policy.roles import OrgKind, Role
from accord.stats import api
from accord.stats.multiplicity import holm
from accord.stats.significance import pairwise_tests
from tests.factories import person
from tests.monitoring.data import PARAMS, REAL_CENSUS_5, REAL_STOPS, import_london
from tests.security.principals import client_for
from tests.stats.test_suppression import attacker_ranges

GROUP = "self_defined_ethnicity_broad"
AREAS = (("E09000001", "One"), ("E09000002", "Two"))
# (searches, arrests) per group and sex. On its own the outcome table hides A's 5 arrests
# and C's 11 beside them (C is cheaper than B's 18). The split table hides A's women and
# B's women (6) with B's total, and would show C's 11 women and 0 men: C's total, which
# with B's 18 from the outcome table and the grand total gives A's 5 back.
CELLS = {
    ("A", "Female"): (30, 5),
    ("A", "Male"): (30, 0),
    ("B", "Female"): (40, 6),
    ("B", "Male"): (40, 12),
    ("C", "Female"): (40, 11),
    ("C", "Male"): (40, 0),
    ("W", "Female"): (200, 50),
    ("W", "Male"): (200, 50),
}


def _write(tmp_path: Path, cells: dict[tuple[str, str], tuple[int, int]]) -> tuple[Path, Path]:
    rows = []
    for (group, sex), (searches, arrests) in cells.items():
        for i in range(searches):
            code, name = AREAS[i % 2]
            month = ("2022-01", "2022-02")[i % 2]
            rows.append(
                {
                    GROUP: group,
                    "gender": sex,
                    "age_band": "18-24",
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
            {"ethnic_group": group, "la_code": code, "la_name": name, "population": 20_000}
            for group in ("A", "B", "C", "W")
            for code, name in AREAS
        ]
    )
    population = tmp_path / "population.parquet"
    people.to_parquet(population)
    return events, population


def _choice(tmp_path: Path, split: str | None = "gender") -> Choice:
    events, population = _write(tmp_path, CELLS)
    return Choice(events, population, GROUP, reference="W", focus="W", split=split)


def _grid(results: Results, count: str) -> npt.NDArray[np.float64]:
    """groups x (Female, Male, Total), plus a total row: the split table's cells, each
    group's total as the outcome table publishes it, and the grand and sex totals (taken
    as known: the suppression assumes margins are published)."""
    groups = ["A", "B", "C", "W"]
    sexes = ["Female", "Male"]
    grid = np.full((len(groups) + 1, len(sexes) + 1), np.nan)
    within = results.within
    assert within is not None
    for _, row in within.iterrows():
        value = row[count]
        if not pd.isna(value):
            sex = "Female" if str(row["gender"]) == "Female" else "Male"
            grid[groups.index(str(row["group"])), sexes.index(sex)] = float(value)
    for _, row in results.proportions.iterrows():
        if not pd.isna(row[count]):
            grid[groups.index(str(row["group"])), -1] = float(row[count])
    index = 1 if count == "successes" else 0
    for j, sex in enumerate(sexes):
        grid[-1, j] = sum(c[index] for (g, s), c in CELLS.items() if s == sex)
    grid[-1, -1] = sum(c[index] for c in CELLS.values())
    return grid


def _truth(count: str) -> npt.NDArray[np.float64]:
    index = 1 if count == "successes" else 0
    groups = ["A", "B", "C", "W"]
    body = np.array(
        [[CELLS[(g, s)][index] for s in ("Female", "Male")] for g in groups], dtype=float
    )
    body = np.hstack([body, body.sum(axis=1, keepdims=True)])
    return np.vstack([body, body.sum(axis=0)])


@pytest.mark.parametrize("count", ["successes", "trials"])
def test_no_hidden_count_can_be_worked_out_from_the_split_and_outcome_tables(
    tmp_path: Path, count: str
) -> None:
    results = run(_choice(tmp_path))
    grid = _grid(results, count)
    assert np.isnan(grid[0, 0])  # A's 5 arrested women
    truth = _truth(count)
    ranges = attacker_ranges(grid)
    assert ranges
    for cell, (low, high) in ranges.items():
        assert low - 1e-6 <= truth[cell] <= high + 1e-6
        if truth[cell]:
            assert not math.isclose(low, high, abs_tol=1e-6), f"{cell}={truth[cell]} is pinned"


def test_the_outcome_table_hides_what_the_split_would_give_away(tmp_path: Path) -> None:
    """Without the split the outcome table shows B (hiding A and C); with it, B is hidden
    too, because the split table would show C's total."""
    choice = _choice(tmp_path)
    alone = run(Choice(**{**choice.__dict__, "split": None}))
    hidden_alone = set(alone.proportions.loc[alone.proportions["suppressed"], "group"])
    assert hidden_alone == {"A", "C"}
    assert alone.within is None
    together = run(choice)
    hidden = set(together.proportions.loc[together.proportions["suppressed"], "group"])
    assert hidden == {"A", "B", "C"}


#: Nothing small: every cell of the split table is shown.
ROOMY = {(g, s): (100 + 10 * i, 30 + i) for i, (g, s) in enumerate(CELLS)}


@pytest.mark.parametrize("cells", [CELLS, ROOMY], ids=["small cells", "roomy"])
def test_the_split_table_is_accord_stats_with_the_shared_hidden_counts(
    tmp_path: Path, cells: dict[tuple[str, str], tuple[int, int]]
) -> None:
    events, population = _write(tmp_path, cells)
    choice = Choice(events, population, GROUP, reference="W", focus="W", split="gender")
    results = run(choice)
    events = str(choice.events)
    population = analysis._population(choice, analysis.areas_in(choice.events))
    hidden = shared_hidden_counts(events, population, choice, {})
    direct = api.proportions(
        events,
        success={"outcome": "Arrest"},
        group=GROUP,
        by="gender",
        compare="difference",
        reference="W",
        disclosure=api.Disclosure(hide=hidden),
        recode={"gender": dict(analysis.SPLITS["gender"].recode)},
    )
    assert results.within is not None
    pd.testing.assert_frame_equal(
        results.within.drop(columns=["p_value", "p_adjusted"]).reset_index(drop=True),
        direct.reset_index(drop=True),
    )
    hidden_rows = results.within["suppressed"].astype(bool)
    assert results.within.loc[hidden_rows, ["p_value", "p_adjusted"]].isna().all().all()
    shown = results.within.loc[~hidden_rows]
    if cells is ROOMY:
        assert len(shown) == len(cells)
        black_women = shown.set_index(["gender", "group"]).loc[("Female", "B")]
        trials, successes = cells[("B", "Female")]
        assert (int(black_women["trials"]), int(black_women["successes"])) == cells[("B", "Female")]
        w_trials, w_successes = cells[("W", "Female")]
        difference = successes / trials - w_successes / w_trials
        assert float(black_women["estimate"]) == pytest.approx(difference, rel=1e-12)
    else:
        hidden = results.within.loc[results.within["suppressed"].astype(bool)]
        assert set(zip(hidden["gender"], hidden["group"], strict=True)) == {
            ("Female", "A"),
            ("Female", "B"),
            ("Female", "C"),
        }


def test_sex_counts_other_and_unrecorded_with_men_and_age_puts_children_together(
    tmp_path: Path,
) -> None:
    cells = {(g, s): (100, 20) for g in ("A", "W") for s in ("Female", "Male", "Other", None)}
    events, population = _write(tmp_path, cells)  # type: ignore[arg-type]
    frame = pd.read_parquet(events)
    frame.loc[frame.index % 2 == 0, "age_band"] = "under 10"
    frame.loc[frame.index % 3 == 0, "age_band"] = "10-17"
    frame.loc[frame.index % 7 == 0, "age_band"] = None
    frame.to_parquet(events)
    choice = Choice(events, population, GROUP, reference="W", focus="W", split="gender")
    within = analysis.outcomes_within(str(events), choice, {}, None)
    searches = within.set_index(["gender", "group"])["trials"].to_dict()
    assert searches == {
        ("Female", "A"): 100,
        ("Female", "W"): 100,
        (analysis.MEN_AND_OTHERS, "A"): 300,
        (analysis.MEN_AND_OTHERS, "W"): 300,
    }
    by_age = analysis.outcomes_within(
        str(events), Choice(**{**choice.__dict__, "split": "age_band"}), {}, None
    )
    expected = frame.assign(
        age=frame["age_band"].replace({"under 10": "under 18", "10-17": "under 18"})
    )
    expected["age"] = expected["age"].fillna("Not recorded")
    want = expected.groupby(["age", GROUP]).size().to_dict()
    assert by_age.set_index(["age_band", "group"])["trials"].to_dict() == want
    section = within_section(by_age.assign(suppressed=False), "age_band", OUTCOMES["Arrest"])
    assert [row[0] for row in section.rows[::2]] == ["under 18", "18-24", "Not recorded"]


def test_an_unknown_split_is_refused_in_plain_words(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Outcomes cannot be split by 'religion'"):
        run(_choice(tmp_path, split="religion"))


@pytest.mark.django_db
def test_the_page_shows_the_split_and_its_csv(tmp_path: Path) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    client = client_for("x", {"x": analyst})
    response = client.get(
        "/analysis/",
        {"events": events.pk, "population": population.pk, **PARAMS, "split": "age_band"},
    )
    assert response.status_code == 302
    run_row = AnalysisRun.objects.get()
    assert run_row.status == RunStatus.DONE, run_row.error
    assert run_row.parameters["split"] == "age_band"
    html = client.get(response["Location"]).content.decode()
    assert "Arrest after a search, by age group" in html
    assert "Within each age group" in html
    assert html.count("<svg") == 6
    within = frames(run_row)["within"]
    shown = within.loc[~within["suppressed"].astype(bool) & ~within["is_reference"].astype(bool)]
    assert len(shown)
    first = shown.iloc[0]
    assert f"{float(first['estimate']) * 100:,.1f}" in html
    download = client.get(f"/analysis/runs/{run_row.pk}/within.csv")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == list(within.columns)
    assert len(rows) == len(within) + 1


@pytest.mark.django_db
def test_without_a_split_nothing_changes() -> None:
    """No split: no section, no table to download, and the same run key as before."""
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    form = AnalysisForm(
        {**PARAMS, "events": events.pk, "population": population.pk, "split": ""},
        events=event_datasets(analyst),
        populations=population_datasets(analyst),
    )
    assert form.is_valid(), form.errors
    assert form.params() == PARAMS
    run_row = start_analysis(None, analyst, events, population, form.params())
    assert run_row.key == run_key(events, population, dict(PARAMS))
    assert "within" not in frames(run_row)
    client = client_for("x", {"x": analyst})
    assert "by age group" not in client.get(f"/analysis/runs/{run_row.pk}/").content.decode()
    assert client.get(f"/analysis/runs/{run_row.pk}/within.csv").status_code == 404


@pytest.mark.django_db
def test_a_split_the_form_does_not_offer_is_refused() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)
    response = client_for("x", {"x": analyst}).get(
        "/analysis/",
        {**PARAMS, "events": events.pk, "population": population.pk, "split": "religion"},
    )
    assert response.status_code == 200
    assert "Select a valid choice. religion is not one of the available choices." in (
        response.content.decode()
    )
    assert not AnalysisRun.objects.exists()


def test_the_summary_names_the_differences_beyond_chance_in_plain_words(tmp_path: Path) -> None:
    cells = {
        ("B", "Female"): (400, 200),  # 50% against White women's 20%
        ("B", "Male"): (400, 82),  # 20.5% against White men's 20%: no clear difference
        ("W", "Female"): (400, 80),
        ("W", "Male"): (400, 80),
    }
    events, population = _write(tmp_path, cells)
    choice = Choice(events, population, GROUP, reference="W", focus="W", split="gender")
    results = run(choice)
    among = [line for line in results.sentences if line.startswith("Among")]
    assert len(among) == 1
    assert among[0].startswith(
        "Among women, searches of B people ended in arrest more often than searches of W "
        "people: 50.0% against 20.0%, a difference of +30.0 points (95% CI "
    ), among[0]
    row = results.within.set_index(["gender", "group"]).loc[("Female", "B")]  # type: ignore[union-attr]
    assert f"{float(row['lower']) * 100:+.1f} to {float(row['upper']) * 100:+.1f})." in among[0]
    assert 0 < float(row["lower"]) < 0.3 < float(row["upper"])
    men = results.within.set_index(["gender", "group"]).loc[(analysis.MEN_AND_OTHERS, "B")]  # type: ignore[union-attr]
    assert float(men["lower"]) < 0 < float(men["upper"])  # so no sentence for men

    calm = {key: (400, 80) for key in cells}
    events, population = _write(tmp_path, calm)
    results = run(Choice(events, population, GROUP, reference="W", focus="W", split="age_band"))
    assert (
        "Within each age group, no group's share of searches that ended in arrest differed from "
        "W people's by more than chance would explain, where the numbers could be shown."
        in results.sentences
    )


def test_points_never_show_a_bound_just_off_zero_as_zero() -> None:
    assert analysis.points(-0.0051) == "-0.01"
    assert analysis.points(2.345) == "+2.3"
    assert analysis.points(0.0004) == "+0.000"
    assert analysis.points(0.0) == "+0.0"


@pytest.mark.django_db
@pytest.mark.skipif(not REAL_STOPS.exists(), reason="../shared/data/real is not on this machine")
def test_london_womens_figures_are_shown_whole() -> None:
    """Why "Other" and unrecorded sex are counted with men: on the real London file a row
    of their own has single-figure arrests, and protecting them hid every figure for
    women. Counted with men, nothing in the table is hidden."""
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst, REAL_STOPS, REAL_CENSUS_5)
    run_row = start_analysis(None, analyst, events, population, {**PARAMS, "split": "gender"})
    assert run_row.status == RunStatus.DONE, run_row.error
    tables = frames(run_row)
    within = tables["within"]
    assert not within["suppressed"].astype(bool).any()
    women = within.loc[within["gender"] == "Female"].set_index("group")
    assert list(women.index) == ["Asian", "Black", "Other", "White"]
    # Officer-recorded ethnicity, London, December 2021 to November 2022 (police.uk).
    assert int(women.loc["Black", "trials"]) == 3179
    assert int(women.loc["Black", "successes"]) == 377
    # The split adds up to the outcome table, group by group.
    outcomes = tables["proportions"].set_index("group")
    for count in ("trials", "successes"):
        summed = within.groupby("group")[count].sum()
        for group in outcomes.index:
            assert int(summed[group]) == int(outcomes.loc[group, count]), (group, count)
    # Without the split the run's other tables are as before (nothing newly hidden).
    for name in ("rates", "ratios", "proportions", "trend"):
        assert not tables[name]["suppressed"].astype(bool).any(), name


def test_no_further_action_can_be_compared_instead_of_arrest(tmp_path: Path) -> None:
    events, population = _write(tmp_path, ROOMY)
    frame = pd.read_parquet(events)
    frame.loc[frame["outcome"] == "None", "outcome"] = "A no further action disposal"
    frame.to_parquet(events)
    nfa = "A no further action disposal"
    choice = Choice(events, population, GROUP, reference="W", focus="W", outcome=nfa)
    results = run(choice)
    direct = api.proportions(
        str(events), success={"outcome": nfa}, group=GROUP, disclosure=api.Disclosure()
    )
    pd.testing.assert_series_equal(
        results.proportions["estimate"].astype(float), direct["estimate"].astype(float)
    )
    searches, arrests = ROOMY[("B", "Female")]
    searches_m, arrests_m = ROOMY[("B", "Male")]
    b = results.proportions.set_index("group").loc["B"]
    assert int(b["successes"]) == searches + searches_m - arrests - arrests_m
    assert any(
        line.startswith("For B people, ") and "of searches ended with no further action" in line
        for line in results.sentences
    )
    section = sections_for(results, {"outcome": nfa, "focus": "W", "group": GROUP})
    assert section.title == "Searches that ended with no further action"
    assert section.headers[2] == "No further action"


def sections_for(results: Results, parameters: dict[str, str]) -> Section:
    return next(s for s in sections(results.tables(), parameters) if s.slug == "outcomes")


def test_an_outcome_the_page_does_not_offer_is_refused(tmp_path: Path) -> None:
    events, population = _write(tmp_path, ROOMY)
    with pytest.raises(ValueError, match="The outcome 'Caution' is not one the page compares"):
        run(Choice(events, population, GROUP, reference="W", focus="W", outcome="Caution"))


@pytest.mark.django_db
def test_the_form_keeps_arrest_out_of_the_key_and_refuses_other_outcomes() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = import_london(analyst)

    def form(outcome: str) -> AnalysisForm:
        return AnalysisForm(
            {**PARAMS, "events": events.pk, "population": population.pk, "outcome": outcome},
            events=event_datasets(analyst),
            populations=population_datasets(analyst),
        )

    arrest = form("Arrest")
    assert arrest.is_valid() and arrest.params() == PARAMS
    nfa = form("A no further action disposal")
    assert nfa.is_valid()
    assert nfa.params() == {**PARAMS, "outcome": "A no further action disposal"}
    run_row = start_analysis(None, analyst, events, population, nfa.params())
    assert run_row.status == RunStatus.DONE, run_row.error
    html = client_for("x", {"x": analyst}).get(f"/analysis/runs/{run_row.pk}/").content.decode()
    assert "Searches that ended with no further action" in html
    wrong = form("Caution")
    assert not wrong.is_valid()
    assert "Select a valid choice. Caution is not one of the available choices." in str(
        wrong.errors["outcome"]
    )


def test_the_split_calls_a_difference_real_only_with_every_comparison_allowed_for(
    tmp_path: Path,
) -> None:
    """Two comparisons: women's 25% against 20% (600 searches each) is clear of zero on its
    own (p about 0.04), but not once both comparisons are allowed for (Holm)."""
    cells = {
        ("A", "Female"): (600, 150),
        ("W", "Female"): (600, 120),
        ("A", "Male"): (600, 120),
        ("W", "Male"): (600, 120),
    }
    events, population = _write(tmp_path, cells)
    choice = Choice(events, population, GROUP, reference="W", focus="W", split="gender")
    results = run(choice)
    within = results.within
    assert within is not None
    women = within.set_index(["gender", "group"]).loc[("Female", "A")]
    men = within.set_index(["gender", "group"]).loc[(analysis.MEN_AND_OTHERS, "A")]
    assert float(women["lower"]) > 0  # the 95% interval alone would say "beyond chance"
    counts = pd.DataFrame({GROUP: ["A", "W"], "successes": [150, 120], "trials": [600, 600]})
    alone = pairwise_tests(counts, GROUP, reference="W", adjustment=None)
    assert float(women["p_value"]) == pytest.approx(float(alone["p_value"].iloc[0]), rel=1e-12)
    assert float(women["p_value"]) < 0.05
    family = holm([float(women["p_value"]), float(men["p_value"])])
    assert float(women["p_adjusted"]) == pytest.approx(family[0], rel=1e-12)
    assert float(women["p_adjusted"]) >= 0.05
    assert not any(line.startswith("Among") for line in results.sentences)
    section = within_section(within, "gender", OUTCOMES["Arrest"])
    row = next(r for r in section.rows if r[:2] == ["Female", "A"])
    assert row[-1] == "Not clear once every comparison here is allowed for"
    # Reference rows and hidden rows are not tested, so they are not in the family.
    assert within.loc[within["is_reference"].astype(bool), "p_value"].isna().all()
