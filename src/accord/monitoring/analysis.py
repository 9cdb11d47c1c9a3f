"""The disproportionality analysis behind the analysis page, with no Django in it.

It calls ``accord.stats.api`` exactly as an analyst would from a notebook, so the page's
numbers are the library's numbers (a test compares them). Every table comes back already
through disclosure control.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from accord.stats import api
from accord.stats.aggregate import filter_rows
from accord.stats.aggregate import recode as recode_values
from accord.stats.api.proportion_measures import FAILURES, with_failures
from accord.stats.api.trends import HIDDEN_PERIOD_NOTE
from accord.stats.errors import StatsInputError
from accord.stats.inputs import read
from accord.stats.multiplicity import holm
from accord.stats.sentences import describe_proportion, describe_ratio, ratio_digits
from accord.stats.significance import pairwise_tests
from accord.stats.suppression import Cell, Released, interior_cells, suppress_together

Progress = Callable[[int, str], None]

#: Changes whenever the same question would get a different answer (what is computed, or
#: how it is published): stored runs of another version are not reused (``run_key``).
#: 2: thin months left out of the trend; notes under disclosure control; summary wording.
#: 3: the tables of a run hide the same group counts (no differencing between them).
#: 4: with officer-recorded ethnicity, the few searches recorded as Mixed are left out of
#:    every table (not only the rates), so that all tables have the same groups.
#: (Splitting outcomes by sex or age, added later, changes no run without a split: its
#: runs have a ``split`` in their parameters, so their keys differ anyway.)
#: 5: the summary's ratios have the table's decimals; "more often" in the split's summary
#:    only where its interval leaves out zero too (the tables, drawn when the page is
#:    shown, would otherwise disagree with a stored run's sentences).
#: 6: trends hidden with a hidden month; areas protected by other areas; searches without
#:    the outcome protected; split levels without the reference group kept.
METHOD_VERSION = 6

#: The population table's columns (accord.datasets.census).
POPULATION_GROUP = "ethnic_group"
AREA_CODE = "la_code"
AREA_NAME = "la_name"
MONTH = "month"
DATE = "date"
OUTCOME = "outcome"


@dataclass(frozen=True)
class Choice:
    """What the person asked for. Paths point at immutable Parquet files."""

    events: Path
    population: Path
    group: str
    reference: str
    focus: str
    area: str | None = None
    start: str | None = None
    end: str | None = None
    outcome: str = "Arrest"
    overdispersion: str = "additive"
    split: str | None = None

    def key(self) -> dict[str, Any]:
        data = asdict(self)
        data["events"] = str(self.events)
        data["population"] = str(self.population)
        return data


@dataclass(frozen=True)
class Outcome:
    """An outcome whose share of searches the page compares between groups."""

    #: the outcome column's value
    value: str
    #: its name as a column heading ("Arrest")
    name: str
    #: what a search with it did, after "searches that" ("ended in arrest")
    ended: str


#: The outcomes offered. Arrest is what a search is for when it finds something; "no
#: further action" (seven searches in ten in London) is the usual sign of searches on
#: weak grounds: a group whose searches end that way more often is searched on less.
OUTCOMES = {
    outcome.value: outcome
    for outcome in (
        Outcome("Arrest", "Arrest", "ended in arrest"),
        Outcome(
            "A no further action disposal", "No further action", "ended with no further action"
        ),
    )
}


def outcome_of(value: str) -> Outcome:
    """The outcome asked for; a plain error for one the page does not offer."""
    outcome = OUTCOMES.get(value)
    if outcome is None:
        raise ValueError(
            f"The outcome {value!r} is not one the page compares. Choose arrest or no "
            "further action."
        )
    return outcome


@dataclass(frozen=True)
class Split:
    """A second characteristic the outcomes can be split by (sex, age group).

    ``recode`` gives every search a value: a missing one becomes "Not recorded", so the
    split table's totals for each group are the searches and outcomes the other tables
    publish. Were those searches left out instead, the difference between the two would
    give away how many searches of each group had no value recorded, which disclosure
    control could not see.
    """

    column: str
    label: str
    recode: dict[object, object]
    #: the order its levels are shown in (any other level follows, as the data has it)
    levels: tuple[str, ...] = ()
    #: shorter names for chart labels, where a level's own is long
    short: dict[str, str] = field(default_factory=dict)
    #: who a level is, after "Among" in the summary
    among: dict[str, str] = field(default_factory=dict)


NOT_RECORDED = "Not recorded"
MEN_AND_OTHERS = "Male, other or not recorded"

#: Columns the outcomes can be split by, and how their values are grouped.
#:
#: Sex: police.uk's "Other" and an unrecorded sex are a few hundred searches a year in all
#: London, and their arrests by group are single figures. A row of their own would be
#: hidden, and since the other tables give each group's total, hiding it takes the
#: smallest other row with it: every figure for women. Counted with men's (a fraction of
#: a per cent of them), nothing is small, women's figures stand alone, and the label
#: says what the other row holds.
#:
#: Age: the few searches of children under 10 are counted with those aged 10 to 17, for
#: the same reason.
SPLITS = {
    "gender": Split(
        "gender",
        "sex",
        {"Male": MEN_AND_OTHERS, "Other": MEN_AND_OTHERS, None: MEN_AND_OTHERS},
        ("Female", MEN_AND_OTHERS),
        {"Female": "women", MEN_AND_OTHERS: "men and others"},
        {
            "Female": "women",
            MEN_AND_OTHERS: "men and others (sex recorded as male, other or not at all)",
        },
    ),
    "age_band": Split(
        "age_band",
        "age group",
        {"under 10": "under 18", "10-17": "under 18", None: NOT_RECORDED},
        ("under 18", "18-24", "25-34", "over 34", NOT_RECORDED),
        {NOT_RECORDED: "no age recorded"},
        {
            "under 18": "children under 18",
            "18-24": "people aged 18 to 24",
            "25-34": "people aged 25 to 34",
            "over 34": "people over 34",
            NOT_RECORDED: "people with no age recorded",
        },
    ),
}


@dataclass
class Results:
    rates: pd.DataFrame
    ratios: pd.DataFrame
    proportions: pd.DataFrame
    funnel: pd.DataFrame
    trend: pd.DataFrame
    monthly: pd.DataFrame
    sentences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: outcomes by group within each level of the split (when one was asked for)
    within: pd.DataFrame | None = None

    TABLES = ("rates", "ratios", "proportions", "funnel", "trend", "monthly")

    def tables(self) -> dict[str, pd.DataFrame]:
        tables = {name: getattr(self, name) for name in self.TABLES}
        if self.within is not None:
            tables["within"] = self.within
        return tables


def _where(choice: Choice) -> dict[str, object]:
    where: dict[str, object] = {}
    if choice.area:
        where[AREA_CODE] = choice.area
    months = months_between(choice.start, choice.end)
    if months:
        where[MONTH] = months
    return where


def months_between(start: str | None, end: str | None) -> list[str]:
    """Every ``YYYY-MM`` from start to end inclusive (empty when neither is given)."""
    if not start and not end:
        return []
    first = pd.Period(start or "1900-01", freq="M")
    last = pd.Period(end or "2100-12", freq="M")
    if last < first:
        first, last = last, first
    if (last - first).n > 1200:
        raise ValueError("Choose a period of 100 years or less.")
    return [str(p) for p in pd.period_range(first, last, freq="M")]


#: police.uk's officer-defined ethnicity has no Mixed category, so comparing its (empty) count
#: with Mixed residents would say "never searched". Those residents are left out, and the
#: page says so.
OFFICER_DEFINED = "officer_defined_ethnicity_broad"
NOT_RECORDED_BY_OFFICERS = ("Mixed",)
COLUMN_LABELS = {
    "officer_defined_ethnicity_broad": "ethnicity as recorded by the officer",
    "self_defined_ethnicity_broad": "ethnicity as the person described it",
    "period": "month",
    "gender": "sex",
    "age_band": "age group",
}


def not_recorded_by_officers(value: str) -> str:
    """Why a group officers never record cannot be compared (the form and the run say it)."""
    return (
        f"Officers' records have no {value} group, so there are no searches to compare "
        f"for {value} people with ethnicity as recorded by the officer. Choose another "
        "group, or compare by ethnicity as the person described it."
    )


def refuse_groups_officers_do_not_record(choice: Choice) -> None:
    """A plain error for Mixed as the focus or reference with officer-recorded ethnicity.

    Officers' Mixed searches count as having no ethnicity recorded (:func:`officer_recode`),
    so such a run would find none and say the data is empty; the form refuses it too.
    """
    if choice.group != OFFICER_DEFINED:
        return
    for value in (choice.focus, choice.reference):
        if value in NOT_RECORDED_BY_OFFICERS:
            raise ValueError(not_recorded_by_officers(value))


def population_groups(group: str) -> list[str] | None:
    if group == OFFICER_DEFINED:
        return [
            g
            for g in ("Asian", "Black", "Mixed", "Other", "White")
            if g not in NOT_RECORDED_BY_OFFICERS
        ]
    return None


def _population(choice: Choice, areas: list[str]) -> api.Population:
    where: dict[str, object] = {AREA_CODE: areas}
    groups = population_groups(choice.group)
    if groups is not None:
        where[POPULATION_GROUP] = groups
    return api.Population(
        str(choice.population),
        value="population",
        columns={choice.group: POPULATION_GROUP, AREA_CODE: AREA_CODE},
        where=where,
    )


def readable(note: str) -> str:
    """Library notes name columns; people reading the page need words."""
    for column, label in COLUMN_LABELS.items():
        note = note.replace(column, label)
    return note


@functools.lru_cache(maxsize=32)
def areas_and_months(path: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Areas (code, name; by name) and months in an events file, cached: files are immutable."""
    table = read(path)
    areas = (
        table.select(AREA_CODE, AREA_NAME).distinct().to_pandas().dropna().sort_values(AREA_NAME)
    )
    months = table.select(MONTH).distinct().to_pandas()[MONTH].dropna()
    return (
        [(str(r[AREA_CODE]), str(r[AREA_NAME])) for _, r in areas.iterrows()],
        sorted(str(m) for m in months),
    )


def areas_in(events: Path) -> list[str]:
    """Local-authority codes present in the events (the population is matched to these)."""
    table = read(str(events))
    codes = table.select(AREA_CODE).distinct().to_pandas()[AREA_CODE].dropna()
    return sorted(str(code) for code in codes)


def run(choice: Choice, progress: Progress | None = None) -> Results:
    """Rates, ratios, arrest proportions, the borough funnel and the monthly trend.

    The counts behind the measures are first counted for :func:`shared_hidden_counts`;
    the files are immutable, so the measures reuse them (``api.reuse_counts``).
    """
    with api.reuse_counts():
        try:
            return _run(choice, progress)
        except StatsInputError:
            refuse_empty_selection(choice)  # a plainer error, if nothing was there to count
            raise


def _run(choice: Choice, progress: Progress | None) -> Results:
    outcome_of(choice.outcome)  # refuse an outcome the page does not offer, before any work
    refuse_groups_officers_do_not_record(choice)
    step = progress or (lambda percent, message: None)
    events = str(choice.events)
    where = _where(choice)
    recode = officer_recode(choice.group)
    areas = [choice.area] if choice.area else areas_in(choice.events)
    if not choice.area:
        refuse_areas_without_residents(choice, where)
    population = _population(choice, areas)
    common: dict[str, Any] = {"group": choice.group, "unmatched": "drop", "recode": recode}

    step(5, "Deciding which small numbers to hide")
    hidden = shared_hidden_counts(events, population, choice, where)
    disclosure = api.Disclosure(hide=hidden)
    step(10, "Counting events per group")
    rates = api.rates(events, population, where=where or None, disclosure=disclosure, **common)
    step(30, "Comparing each group with the reference group")
    ratios = api.ratios(
        events,
        population,
        reference=choice.reference,
        where=where or None,
        disclosure=disclosure,
        **common,
    )
    step(50, "Looking at outcomes")
    proportions = api.proportions(
        events,
        success={OUTCOME: choice.outcome},
        group=choice.group,
        where=where or None,
        disclosure=disclosure,
        recode=recode,
    )
    within = None
    if choice.split:
        step(58, f"Splitting outcomes by {split_of(choice).label}")
        within = tested(outcomes_within(events, choice, where, disclosure), choice)
    step(65, "Comparing areas")
    funnel_where = {**where, choice.group: choice.focus}
    funnel_population = api.Population(
        str(choice.population),
        value="population",
        columns={AREA_CODE: AREA_CODE, AREA_NAME: AREA_NAME},
        where={AREA_CODE: areas, POPULATION_GROUP: choice.focus},
    )
    # A focus group with no searches here has no areas to compare: the other sections stand.
    # The areas' searches add up to the focus group's: hidden there, their total is hidden
    # here too (and the overall rate, which gives it back). Shown there, it is published:
    # a small area is then protected by hiding another area, not the total.
    focus_hidden = {choice.group: choice.focus} in hidden
    funnel_disclosure = api.Disclosure(hide=({},) if focus_hidden else ())
    try:
        funnel = api.funnel(
            events,
            funnel_population,
            unit=[AREA_CODE, AREA_NAME],
            where=funnel_where,
            overdispersion=choice.overdispersion,  # type: ignore[arg-type]
            unmatched="drop",
            disclosure=funnel_disclosure,
            recode=recode,  # officers' Mixed searches are never a group of their own
            total_published=not focus_hidden,
        )
    except StatsInputError:
        # A focus group with no searches here has no areas to compare: the other sections
        # stand. Only a refusal is checked, so a run with searches counts nothing more.
        if has_rows(events, funnel_where, recode):
            raise
        funnel = no_areas_to_compare(choice)
    step(80, "Looking at change over time")
    monthly = api.tabulate(
        events,
        by=[choice.group],
        period="month",
        date=DATE,
        where=where or None,
        disclosure=disclosure,
        recode=recode,
    )
    thin = thin_months(monthly, choice.group)
    kept = [month for month in months_in(monthly, choice.group) if month not in thin]
    left_out = bool(thin) and len(kept) >= MIN_TREND_MONTHS
    trend_where = {**where, MONTH: kept} if left_out else where
    trend = api.trend(
        events,
        date=DATE,
        period="month",
        group=choice.group,
        where=trend_where or None,
        disclosure=api.Disclosure(hide=(*hidden, *hidden_months(monthly, choice.group))),
        recode=recode,
    )
    if left_out:
        trend = without_counts(trend)
    trend_hidden = months_hidden_note(trend)
    step(95, "Writing the summary")
    results = Results(rates, ratios, proportions, funnel, trend, monthly, within=within)
    if thin:
        results.notes.append(thin_months_note(thin, left_out=left_out))
    if trend_hidden:
        results.notes.append(trend_hidden)
    if recode:
        results.notes.append(
            "Officers' records have no Mixed group, so Mixed residents are left out of these "
            "comparisons; people of Mixed ethnicity who were searched are counted in whichever "
            "group the officer chose. The rare searches recorded by officers as Mixed anyway "
            "are counted with those with no ethnicity recorded."
        )

    results.sentences = summary_sentences(results, choice)
    # The monthly table repeats the other tables' notes about left-out events. Without the
    # thin months, the trend's own count of them is of fewer months: the others' is the one.
    for table in (rates, ratios, proportions, funnel, *(() if left_out else (trend,))):
        for note in table.attrs.get("notes", []):
            if readable(note) not in results.notes:
                results.notes.append(readable(note))
    if within is not None:
        for note in within.loc[within["note"].astype(str).str.endswith(NO_ONE_TO_COMPARE), "note"]:
            if note not in results.notes:
                results.notes.append(note)
        # Its searches without a group are the outcome table's, already in a note: its
        # own note on them would name the split's column too, as if its values could be
        # missing (they cannot: see Split).
        for note in within.attrs.get("notes", []):
            if MISSING_NOTE not in note and readable(note) not in results.notes:
                results.notes.append(readable(note))
    step(100, "Done")
    return results


def has_rows(
    path: str | Path,
    where: dict[str, object],
    recode: dict[str, dict[object, object]] | None = None,
) -> bool:
    """Whether any row of the file is in the selection (an area, months, a group), with
    its values recoded as the tables count them (officers' Mixed as no value)."""
    table = read(str(path))
    if recode:
        table = recode_values(table, recode)
    table = filter_rows(table, where or None)
    return int(table.limit(1).count().execute()) > 0


def _area_name(choice: Choice) -> str:
    areas, _ = areas_and_months(str(choice.events))
    return dict(areas).get(choice.area or "", choice.area or "")


def _period_words(choice: Choice) -> str:
    months = months_between(choice.start, choice.end)
    if not months:
        return ""
    first, last = (pd.Timestamp(f"{m}-01").strftime("%B %Y") for m in (months[0], months[-1]))
    return f" in {first}" if first == last else f" from {first} to {last}"


def refuse_empty_selection(choice: Choice) -> None:
    """A plain error naming the cause when the area and period asked for have nothing to
    analyse: no searches there and then, or no residents for the area in the population.

    Why: the library's own words ("the data (after any filter) is empty", "nothing to
    measure") do not say which choice left nothing. The form offers every month for every
    area, so an area with no searches in some months is easy to ask for.
    """
    place = f" in {_area_name(choice)}" if choice.area else ""
    if not has_rows(choice.events, _where(choice)):
        raise ValueError(
            f"There are no searches{place}{_period_words(choice)} in this stop and search "
            "data. Choose another area or period."
        )
    if choice.area and not has_rows(choice.population, {AREA_CODE: choice.area}):
        raise ValueError(
            f"The population data has no residents for {_area_name(choice)}, so search "
            "rates cannot be worked out there. Choose another area, or population data "
            "that covers it."
        )


#: How many areas a message names before it says "and N more".
NAMED_AREAS = 5


def refuse_areas_without_residents(choice: Choice, where: dict[str, object]) -> None:
    """Refuse "all areas" when some area with searches has no residents in the population.

    Why: the rates divide every search in the selection by the residents of the areas the
    population data has. With a population file that covers only some areas, the other
    areas' searches would be counted against residents who live elsewhere, and every rate
    would come out too high, with nothing on the page to show it.
    """
    searched = filter_rows(read(str(choice.events)), where or None)
    codes = searched.select(AREA_CODE).distinct().to_pandas()[AREA_CODE].dropna()
    people = read(str(choice.population)).select(AREA_CODE).distinct().to_pandas()
    covered = set(people[AREA_CODE].dropna().astype(str))
    missing = sorted(str(code) for code in codes if str(code) not in covered)
    if not missing:
        return
    names = dict(areas_and_months(str(choice.events))[0])
    shown = sorted(names.get(code, code) for code in missing)
    more = len(shown) - NAMED_AREAS
    if more > 0:
        words = f"{', '.join(shown[:NAMED_AREAS])} and {more} more area{'s' if more > 1 else ''}"
    elif len(shown) > 1:
        words = f"{', '.join(shown[:-1])} and {shown[-1]}"
    else:
        words = shown[0]
    raise ValueError(
        f"The population data has no residents for {words}, where this stop and search "
        f"data has searches{_period_words(choice)}. Their searches would be counted against "
        "other areas' residents, so the rates for all areas together would be wrong. Choose "
        "one area, or population data that covers every area."
    )


def no_areas_to_compare(choice: Choice) -> pd.DataFrame:
    """The areas table when the focus group has no searches: no rows, and a note why."""
    out = pd.DataFrame(
        {
            AREA_CODE: pd.Series(dtype="str"),
            AREA_NAME: pd.Series(dtype="str"),
            "events": pd.Series(dtype="Int64"),
            "size": pd.Series(dtype="Int64"),
            "estimate": pd.Series(dtype="float64"),
            "lower": pd.Series(dtype="float64"),
            "upper": pd.Series(dtype="float64"),
            "target": pd.Series(dtype="float64"),
            "outlier": pd.Series(dtype="str"),
            "suppressed": pd.Series(dtype="bool"),
        }
    )
    out.attrs["notes"] = [no_focus_searches(choice)]
    return out


def no_focus_searches(choice: Choice) -> str:
    """What the page says when the group to compare areas for has no searches."""
    place = f"in {_area_name(choice)}" if choice.area else "in this data"
    return (
        f"There were no searches of {choice.focus} people {place}{_period_words(choice)}, "
        "so areas are not compared for them. Choose another group to compare areas for."
    )


def officer_recode(group: str) -> dict[str, dict[object, object]] | None:
    """With officer-recorded ethnicity, the few searches recorded as Mixed count as having
    no ethnicity recorded.

    Why: officers record no Mixed group, so those searches have no population to compare
    with and the rates leave them out. Left in the other tables, they made tables of
    different groups whose totals differ by exactly those few searches; protecting them
    hid Asian and Other in every table of the London page. Counted with the searches
    with no ethnicity recorded, they are left out of every table alike, and the note on
    those gives one count for both, from which neither can be worked out.
    """
    if group != OFFICER_DEFINED:
        return None
    return {group: dict.fromkeys(NOT_RECORDED_BY_OFFICERS)}


#: What the library's note on events without a group value says (``missing_group_note``).
MISSING_NOTE = " events with no value for "


def split_of(choice: Choice) -> Split:
    """The split asked for; a plain error for one the page does not offer."""
    split = SPLITS.get(choice.split or "")
    if split is None:
        raise ValueError(f"Outcomes cannot be split by {choice.split!r}. Choose sex or age group.")
    return split


def split_recode(choice: Choice) -> dict[str, dict[object, object]]:
    """The recoding of the split's table: the group's (officers' Mixed) and the split's."""
    split = split_of(choice)
    return {**(officer_recode(choice.group) or {}), split.column: split.recode}


#: The chance of calling some difference in the split table real when none is: each
#: comparison shown is tested and the family adjusted (Holm), because a table of fifteen
#: comparisons at 5% each would find one "beyond chance" more often than not.
FAMILY_ALPHA = 0.05


def tested(within: pd.DataFrame, choice: Choice) -> pd.DataFrame:
    """``within`` with ``p_value`` (each group against the reference in the same level:
    chi-square, or an exact test where counts are small) and ``p_adjusted`` (Holm,
    across every comparison the table shows). Hidden rows are neither tested nor part of
    the family, so the adjustment gives nothing away about them.
    """
    split = split_of(choice)
    out = within.copy()
    out["p_value"] = np.nan
    out["p_adjusted"] = np.nan
    shown = ~out["suppressed"].astype(bool) & (pd.to_numeric(out["trials"]) > 0)
    for level, part in out.loc[shown].groupby(split.column, sort=False, observed=True):
        if len(part) < 2 or not part["is_reference"].astype(bool).any():
            continue
        counts = pd.DataFrame(
            {
                choice.group: part[choice.group].astype(str).to_numpy(),
                "successes": pd.to_numeric(part["successes"]).astype("int64").to_numpy(),
                "trials": pd.to_numeric(part["trials"]).astype("int64").to_numpy(),
            }
        )
        tests = pairwise_tests(counts, choice.group, reference=choice.reference, adjustment=None)
        for label, p_value in zip(tests[choice.group], tests["p_value"], strict=True):
            row = shown & (out[split.column] == level) & (out[choice.group].astype(str) == label)
            out.loc[row, "p_value"] = float(p_value)
    family = out["p_value"].notna()
    if family.any():
        out.loc[family, "p_adjusted"] = holm(out.loc[family, "p_value"].to_numpy(np.float64))
    return out


def beyond_chance(row: pd.Series) -> bool:
    """Whether a split row's difference holds once every comparison shown is allowed for.

    Rule: both must agree. The family-adjusted test (``p_adjusted``, Holm) must be below
    :data:`FAMILY_ALPHA` *and* the 95% interval shown beside it (``lower`` to ``upper``,
    Newcombe's) must leave out zero. The test (chi-square, or exact for small counts) and
    the interval are different methods, and near the boundary they disagree: p = 0.048
    with an interval of -0.04 to +41.7 points. Saying "beyond chance" (or "more often")
    next to an interval that includes no difference would contradict what the reader
    sees, so such a row counts as no clear difference.
    """
    p_adjusted: Any = row.get("p_adjusted")
    if _blank(p_adjusted) or float(p_adjusted) >= FAMILY_ALPHA:
        return False
    lower: Any = row.get("lower")
    upper: Any = row.get("upper")
    if _blank(lower) or _blank(upper):
        return False
    return float(lower) > 0 or float(upper) < 0


def outcomes_within(
    events: str,
    choice: Choice,
    where: dict[str, object],
    disclosure: api.Disclosure | None,
) -> pd.DataFrame:
    """Each group's share of searches with the outcome, within each level of the split,
    against the reference group's share in the same level (Newcombe difference).

    Why: a group's overall share can hide opposite gaps for women and men, or for
    children and adults; within one level the comparison is like with like.

    A level with no searches of the reference group keeps its rows and counts (see
    :func:`not_compared`): only the comparison is not possible there.
    """
    within = api.proportions(
        events,
        success={OUTCOME: choice.outcome},
        group=choice.group,
        by=split_of(choice).column,
        compare="difference",
        reference=choice.reference,
        where=where or None,
        disclosure=disclosure,
        recode=split_recode(choice),
        stratum_errors="note",
    )
    return not_compared(within, choice)


#: How the note on a split level with no searches of the reference group ends.
NO_ONE_TO_COMPARE = " there is no one to compare their searches with."


def not_compared(within: pd.DataFrame, choice: Choice) -> pd.DataFrame:
    """The split's rows in a level with no searches of the reference group: their own
    share (the counts are known and published), no comparison, and why in plain words.
    """
    out = within.copy()
    rows = out["reference_group"].isna() & ~out["is_reference"].astype(bool)
    if not rows.any():
        return out
    split = split_of(choice)
    trials = pd.to_numeric(out["trials"], errors="coerce")
    share = pd.to_numeric(out["successes"], errors="coerce") / trials.where(trials > 0)
    out["proportion"] = pd.to_numeric(out["proportion"], errors="coerce").astype("Float64")
    out.loc[rows, "proportion"] = share.loc[rows].astype("Float64")
    out["reference_group"] = out["reference_group"].astype(object)
    out.loc[rows, "reference_group"] = choice.reference
    for level in out.loc[rows, split.column].unique():
        among = split.among.get(str(level), str(level))
        out.loc[rows & (out[split.column] == level), "note"] = (
            f"No {choice.reference} people among {among} were searched, so{NO_ONE_TO_COMPARE}"
        )
    return out


def shared_hidden_counts(
    events: str, population: api.Population, choice: Choice, where: dict[str, object]
) -> tuple[Cell, ...]:
    """The groups' searches (and perhaps the total) that every table of the run hides.

    Why: the rates (and ratios), the outcome table's searches and the monthly table's
    group totals are the same counts, released together. Suppressed one table at a time,
    the rates could hide A beside C while the monthly table hides A beside B; C from the
    monthly table, B from the rates and the grand total then give A back. So the hidden
    counts (``{group: "A"}``; ``{}`` for the grand total) are decided once, on the
    unpublished counts of all three tables
    (:func:`accord.stats.suppression.suppress_together`), and every table is then
    suppressed with them forced (``Disclosure.hide``), which gives the same decision.
    Inside :func:`run` the measures reuse these counts rather than count again.
    """
    group = choice.group
    recode = officer_recode(group)
    common: dict[str, Any] = {
        "group": group,
        "where": where or None,
        "disclosure": None,
        "recode": recode,
    }
    searches = api.rates(events, population, unmatched="drop", **common)
    outcomes = api.proportions(events, success={OUTCOME: choice.outcome}, **common)
    by_month = api.tabulate(
        events,
        by=[group],
        period="month",
        date=DATE,
        where=where or None,
        disclosure=None,
        recode=recode,
    )
    keys = (group, "period")
    tables = [
        Released(searches[[group, "events"]], (group,), "events", group),
        Released(outcomes[[group, "trials"]], (group,), "trials", group),
        Released(interior_cells(by_month, keys)[[*keys, "events"]], keys, "events", group),
    ]
    if choice.split:
        # The split table's searches and outcomes add up, group by group, to the outcome
        # table's: both are released, so both kinds of count are decided together too.
        # So are the searches without the outcome (searches minus outcome), which both
        # publish by subtraction.
        within = with_failures(outcomes_within(events, choice, where, None))
        pair = (group, split_of(choice).column)
        outcomes = with_failures(outcomes)
        tables += [
            Released(outcomes[[group, "successes"]], (group,), "successes", group),
            Released(outcomes[[group, FAILURES]], (group,), FAILURES, group),
            Released(within[[*pair, "trials"]], pair, "trials", group),
            Released(within[[*pair, "successes"]], pair, "successes", group),
            Released(within[[*pair, FAILURES]], pair, FAILURES, group),
        ]
    return suppress_together(tables)


def without_counts(trend: pd.DataFrame) -> pd.DataFrame:
    """The trend without its counts, when it was fitted without some months.

    Its ``n`` is then each group's searches over the other months: taken from the group's
    total (published in the rates), it would give the left-out months' searches, which
    the monthly table may hide.
    """
    out = trend.copy()
    if "n" in out.columns:
        out["n"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    return out


def hidden_months(monthly: pd.DataFrame, group: str) -> list[dict[str, object]]:
    """The monthly table's hidden group-and-month cells, as cells the trend must hide.

    Why: a trend is worked out from its group's monthly counts; with the group's total,
    its slope (even its rounded yearly change) gives a hidden month or two back. The
    trend hides a group with any hidden month it is fitted on, as the monthly table
    publishes it: fitted without thin months, its own suppression of the other months
    alone could pick other cells to hide.
    """
    cells = interior_cells(monthly, (group, "period"))
    hidden = cells.loc[pd.to_numeric(cells["events"], errors="coerce").isna()]
    return [{group: row[group], "period": row["period"]} for _, row in hidden.iterrows()]


def months_hidden_note(trend: pd.DataFrame) -> str | None:
    """What the page says when a group's change over time is hidden for its months."""
    groups = trend.loc[trend["note"].astype(str) == HIDDEN_PERIOD_NOTE, "group"]
    if groups.empty:
        return None
    names = ", ".join(str(name) for name in groups)
    return (
        f"The change over time is hidden for {names}: some of the monthly counts it is "
        "worked out from are hidden to protect small numbers, and the change over time "
        "would give them back."
    )


#: The fewest months a trend is fitted on once thin months are left out.
MIN_TREND_MONTHS = 3


def _month_totals(monthly: pd.DataFrame, group: str) -> pd.DataFrame:
    """The monthly table's all-groups row for each month (not the grand total)."""
    return monthly.loc[
        (monthly[group].astype(str) == "Total") & (monthly["period"].astype(str) != "Total")
    ]


def _month_names(periods: pd.Series) -> list[str]:
    return [pd.Timestamp(str(p)).strftime("%Y-%m") for p in periods]


def months_in(monthly: pd.DataFrame, group: str) -> list[str]:
    """The months (``YYYY-MM``) of the monthly table, in order, without its total."""
    return _month_names(_month_totals(monthly, group)["period"])


def thin_months(monthly: pd.DataFrame, group: str, share: float = 0.2) -> list[str]:
    """Months (``YYYY-MM``) with far fewer records than usual: the source may be incomplete.

    "Far fewer" is under ``share`` of the median month, or so few that the month's total
    is hidden. (The real London file has almost no rows for June and November 2022.)
    """
    totals = _month_totals(monthly, group)
    counts = pd.to_numeric(totals["events"], errors="coerce")
    return _month_names(totals.loc[thin(counts, share), "period"])


def thin(counts: pd.Series, share: float = 0.2) -> pd.Series:
    """Which of these monthly counts are far below the median month (see :func:`thin_months`).

    Fewer than three known months give no usual month to compare with, so none is thin.
    A missing count is a hidden one: fewer records than disclosure control shows at all.
    """
    if counts.notna().sum() < 3:
        return pd.Series(False, index=counts.index)
    return (counts < share * float(counts.median())) | counts.isna()


def thin_months_note(months: list[str], *, left_out: bool) -> str:
    """What the page says about thin months, and whether the trend left them out.

    An incomplete month would pull the yearly change down (a month with almost no records
    looks like a collapse in searches), so the trend is fitted without them when enough
    months are left; the chart and the monthly counts still show every month.
    """
    names = ", ".join(pd.Timestamp(f"{m}-01").strftime("%B %Y") for m in months)
    said = (
        f"Some months have far fewer records than usual ({names}). The published data for "
        "those months may be incomplete"
    )
    if left_out:
        return (
            said + ", so the change over time is worked out without them. The monthly chart "
            "and counts still show them."
        )
    return said + ", which lowers counts and the change over time."


def summary_sentences(results: Results, choice: Choice) -> list[str]:
    """The summary. A hidden row says which measure is hidden and that it protects small
    numbers: a group hidden only to protect another (secondary suppression, say Other
    beside a handful of Mixed searches) is not itself small, so "too small" would be wrong."""
    lines: list[str] = []
    for _, row in results.ratios.iterrows():
        if bool(row.get("is_reference", False)):
            continue
        if bool(row.get("suppressed", False)):
            lines.append(
                f"{row['group']} people compared with {choice.reference} people: "
                f"{HIDDEN_IN_SUMMARY}"
            )
        elif not _blank(row.get("estimate")):
            lines.append(
                describe_ratio(
                    row, group_noun="people", event_verb="searched", digits=ratio_places(row)
                )
            )
    outcome = outcome_of(choice.outcome)
    for _, row in results.proportions.iterrows():
        if bool(row.get("suppressed", False)):
            lines.append(
                f"For {row['group']} people, the share of searches that {outcome.ended}: "
                f"{HIDDEN_IN_SUMMARY}"
            )
        elif not _blank(row.get("estimate")):
            lines.append(describe_proportion(row, outcome=outcome.ended))
    if results.within is not None:
        lines += within_sentences(results.within, choice)
    return lines


def ratio_places(row: pd.Series) -> int:
    """The decimals a ratio row is given, in the ratios table and in the summary alike:
    enough for both its intervals (Katz and exact; :func:`accord.stats.sentences.ratio_digits`,
    from two). The summary used one, so an upper limit of 0.126 read "0.1" there and
    "0.13" in the table."""
    places = 2
    for lower, upper in (("lower", "upper"), ("exact_lower", "exact_upper")):
        values: list[Any] = [row.get(name) for name in ("estimate", lower, upper)]
        if any(_blank(value) or pd.isna(value) for value in values):
            continue
        estimate, low, high = (float(value) for value in values)
        places = max(places, ratio_digits(estimate, low, high, digits=2))
    return places


def within_sentences(within: pd.DataFrame, choice: Choice) -> list[str]:
    """The split's differences beyond chance once every comparison shown is allowed for
    (:func:`tested`), one sentence each, or one saying there are none: the table has
    every row, the summary only what stands out."""
    split = split_of(choice)
    outcome = outcome_of(choice.outcome)
    lines = []
    for _, row in in_level_order(within, split).iterrows():
        if bool(row.get("suppressed", False)) or bool(row.get("is_reference", False)):
            continue
        if not beyond_chance(row) or _blank(row.get("lower")) or _blank(row.get("upper")):
            continue
        low, high = float(row["lower"]) * 100, float(row["upper"]) * 100
        level = str(row[split.column])
        lines.append(
            f"Among {split.among.get(level, level)}, searches of {row['group']} people "
            f"{outcome.ended} {'more' if float(row['estimate']) > 0 else 'less'} often than "
            "searches of "
            f"{choice.reference} people: {float(row['proportion']):.1%} against "
            f"{float(row['reference_proportion']):.1%}, a difference of "
            f"{points(float(row['estimate']) * 100)} points (95% CI {points(low)} to "
            f"{points(high)})."
        )
    if not lines:
        lines.append(
            f"Within each {split.label}, no group's share of searches that {outcome.ended} "
            f"differed from {choice.reference} people's by more than chance would explain, "
            "where the numbers could be shown."
        )
    return lines


def points(value: float) -> str:
    """A signed difference in points, to one decimal place unless that would show a
    bound just off zero as "-0.0": then as many places as it takes (up to three)."""
    for places in (1, 2, 3):
        text = f"{value:+.{places}f}"
        if value == 0 or float(text) != 0:
            return text
    return text


def in_level_order(frame: pd.DataFrame, split: Split) -> pd.DataFrame:
    """Rows by the split's own order (under 18 before 18 to 24), then as they came."""
    rank = {level: number for number, level in enumerate(split.levels)}
    order = frame[split.column].astype(str).map(lambda level: rank.get(level, len(rank)))
    return frame.assign(_order=order).sort_values("_order", kind="stable").drop(columns="_order")


#: What the summary says in place of a hidden number (the tables say the same).
HIDDEN_IN_SUMMARY = "hidden to protect small numbers."


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
