"""Officer training coverage, borough by borough: where it lags and where it leads.

Why a funnel plot: Solace asked that what already works in some boroughs be made consistent
across London. Ranking boroughs by their percentage would blame small boroughs for chance
swings; the funnel (``accord.stats.funnel``, proportions) compares each borough with
London's coverage, with limits that narrow as the number of officers grows. A borough above
the 99.8% limit is ahead beyond what chance explains (ask it what it does differently); one
below is behind.

Training counts are usually far more spread between boroughs than chance alone allows (a
borough's whole team is booked on one course, or not), which would flag nearly everyone. By
default the limits therefore allow for that extra spread between boroughs (Spiegelhalter's
additive random effects) when it is found, and the page says so.

When the force breaks its counts down by rank or team, the page can look at one rank or team
across the boroughs, and shows London's coverage in each rank and team against all other
officers (a difference of proportions with Newcombe's interval), because a borough can be
ahead overall while its sergeants, say, lag everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow.parquet as pq

from accord.monitoring.presentation import limit_curves
from accord.stats.change_funnel import change_funnel
from accord.stats.errors import StatsInputError
from accord.stats.funnel import funnel
from accord.stats.intervals import proportion_ci, proportion_difference_newcombe

Spread = Literal["additive", "none"]
SPREADS: dict[str, str] = {
    "additive": "Allow for more spread between boroughs than chance (recommended)",
    "none": "Chance alone (binomial limits)",
}
VERDICTS = {
    "above 99.8%": "Ahead of London, beyond chance",
    "below 99.8%": "Behind London, beyond chance",
    "": "Within the range chance allows",
}

#: The chart's legend has less room than the table.
CHART_LABELS = {
    "above 99.8%": "Ahead, beyond chance",
    "below 99.8%": "Behind, beyond chance",
    "": "Within chance",
}


#: The columns a file may break its counts down by, with how the page names them.
BREAKDOWNS = {"rank": ("Rank", "All ranks"), "team": ("Team", "All teams")}

#: How a borough's change compares with London's (``change_funnel``'s 99.8% flag).
CHANGE_VERDICTS = {
    "above 99.8%": "Above London's change, beyond chance",
    "below 99.8%": "Below London's change, beyond chance",
    "": "Within the range chance allows",
}

#: How a rank or team in one borough compares with the same rank or team elsewhere.
BOROUGH_VERDICTS = {
    "higher": "Higher than in the rest of London, beyond chance",
    "lower": "Lower than in the rest of London, beyond chance",
    "": "Within the range chance allows",
}

GROUP_VERDICTS = {
    "higher": "Higher than other officers, beyond chance",
    "lower": "Lower than other officers, beyond chance",
    "": "Within the range chance allows",
}


@dataclass(frozen=True)
class Options:
    courses: list[str]
    periods: list[str]
    ranks: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    boroughs: list[str] = field(default_factory=list)


@dataclass
class Coverage:
    course: str
    period: str
    boroughs: pd.DataFrame  # one row per borough, from accord.stats.funnel
    london: dict[str, float]  # trained, in_scope, estimate, lower, upper (percent)
    over_time: pd.DataFrame  # London's coverage of this course in every period
    limits: pd.DataFrame  # curves for the chart
    notes: list[str] = field(default_factory=list)
    rank: str = ""  # the rank looked at ("" = all ranks)
    team: str = ""  # the team looked at ("" = all teams)
    #: London's coverage in each rank and each team, against all other officers.
    groups: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: The latest periods, and each borough's coverage in them (``recent_by_borough``).
    recent_periods: list[str] = field(default_factory=list)
    boroughs_over_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: What the page says about comparing each borough's change with London's.
    change_notes: list[str] = field(default_factory=list)
    #: One borough looked into ("" = none): its coverage in each rank and each team,
    #: against the same rank or team in the rest of London.
    borough: str = ""
    borough_groups: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def who(self) -> str:
        """Whose coverage the borough comparison is of, in words ("" for all officers)."""
        return ", ".join(part for part in (self.rank, self.team) if part)

    @property
    def ahead(self) -> list[str]:
        return self._named("above 99.8%")

    @property
    def behind(self) -> list[str]:
        return self._named("below 99.8%")

    @property
    def rose_more(self) -> list[str]:
        """Boroughs whose change over the latest periods was above London's, beyond
        chance (a bigger rise, or a smaller fall)."""
        return self._changed("above 99.8%")

    @property
    def rose_less(self) -> list[str]:
        return self._changed("below 99.8%")

    @property
    def changes_compared(self) -> bool:
        """Whether any borough's change could be compared with London's."""
        table = self.boroughs_over_time
        return "against" in table and bool(table["against"].notna().any())

    def _named(self, flag: str) -> list[str]:
        rows = self.boroughs.loc[self.boroughs["outlier"] == flag]
        return sorted(rows["la_name"].astype(str))

    def _changed(self, flag: str) -> list[str]:
        table = self.boroughs_over_time
        if "change_flag" not in table:
            return []
        return sorted(table.loc[table["change_flag"] == flag, "la_name"].astype(str))


def _read(path: Path) -> pd.DataFrame:
    frame: pd.DataFrame = pq.read_table(path).to_pandas()
    for column in BREAKDOWNS:
        if column not in frame:  # imported before files could break counts down
            frame[column] = ""
    for column in ("la_code", "la_name", "course", "period", *BREAKDOWNS):
        frame[column] = frame[column].astype(str)
    return frame


def _labels(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted(label for label in frame[column].unique().tolist() if label)


def options(path: Path) -> Options:
    """The courses, periods, ranks and teams a dataset holds (periods in time order, latest
    last; no ranks or teams when the file did not break its counts down)."""
    frame = _read(path)
    periods = (
        frame[["period", "period_start"]]
        .drop_duplicates()
        .sort_values("period_start")["period"]
        .tolist()
    )
    return Options(
        courses=sorted(frame["course"].unique().tolist()),
        periods=periods,
        ranks=_labels(frame, "rank"),
        teams=_labels(frame, "team"),
        boroughs=_labels(frame, "la_name"),
    )


def _groups(chosen: pd.DataFrame, column: str) -> pd.DataFrame:
    """London's coverage in each rank (or team) of ``chosen``, each against all the other
    officers in ``chosen``: Wilson intervals and Newcombe's interval for the difference."""
    counts = (
        chosen.groupby(column, as_index=False)[["officers_trained", "officers_in_scope"]]
        .sum()
        .sort_values(column)
        .reset_index(drop=True)
    )
    if len(counts) < 2:
        return pd.DataFrame()
    trained = counts["officers_trained"].to_numpy()
    in_scope = counts["officers_in_scope"].to_numpy()
    _compare(counts, trained.sum() - trained, in_scope.sum() - in_scope)
    return counts.rename(columns={column: "group"})


def _compare(
    table: pd.DataFrame, others_trained: npt.NDArray[Any], others_in_scope: npt.NDArray[Any]
) -> None:
    """Add each row's coverage (per cent, Wilson interval) to ``table``, and its difference
    from the officers it is compared with (points, Newcombe's interval), with "higher" or
    "lower" where that interval leaves out zero."""
    trained = table["officers_trained"].to_numpy()
    in_scope = table["officers_in_scope"].to_numpy()
    own = proportion_ci(trained, in_scope)
    difference = proportion_difference_newcombe(trained, in_scope, others_trained, others_in_scope)
    table["estimate"] = own.estimate * 100
    table["lower"] = own.lower * 100
    table["upper"] = own.upper * 100
    table["difference"] = difference.estimate * 100
    table["difference_lower"] = difference.lower * 100
    table["difference_upper"] = difference.upper * 100
    table["verdict"] = [
        "higher" if low > 0 else "lower" if high < 0 else ""
        for low, high in zip(difference.lower, difference.upper, strict=True)
    ]


def _in_borough(chosen: pd.DataFrame, column: str, borough: str) -> pd.DataFrame:
    """``borough``'s coverage in each rank (or team) of ``chosen``, each against the same
    rank in the rest of London: Wilson intervals, and Newcombe's for the difference.

    Why the same rank elsewhere, not the borough's other ranks: a borough's sergeants
    behind its constables may be London's pattern (sergeants lag everywhere); behind
    London's sergeants is the borough's own.
    """
    counts = ["officers_trained", "officers_in_scope"]
    here = chosen["la_name"] == borough
    own = chosen.loc[here].groupby(column)[counts].sum()
    rest = chosen.loc[~here].groupby(column)[counts].sum()
    table = own.merge(rest, how="left", left_index=True, right_index=True, suffixes=("", "_rest"))
    table = table.fillna(0).sort_index().reset_index()
    if table.empty or table[column].eq("").all():
        return pd.DataFrame()
    rest_trained = table["officers_trained_rest"].to_numpy()
    rest_in_scope = table["officers_in_scope_rest"].to_numpy()
    _compare(table, rest_trained, rest_in_scope)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["rest_estimate"] = np.where(
            rest_in_scope > 0, 100 * rest_trained / rest_in_scope, np.nan
        )
    return table.rename(columns={column: "group"})


def borough_verdict(flag: str) -> str:
    return BOROUGH_VERDICTS.get(flag or "", BOROUGH_VERDICTS[""])


def group_verdict(flag: str) -> str:
    return GROUP_VERDICTS.get(flag or "", GROUP_VERDICTS[""])


def _percent(value: float) -> float:
    return float(value) * 100.0


def _london(trained: int, in_scope: int) -> dict[str, float]:
    interval = proportion_ci(trained, in_scope)
    return {
        "trained": trained,
        "in_scope": in_scope,
        "estimate": _percent(trained / in_scope),
        "lower": _percent(float(interval.lower)),
        "upper": _percent(float(interval.upper)),
    }


def _by_borough(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per borough: the ranks and teams of ``rows`` added together."""
    return (
        rows.groupby(["la_code", "la_name"], as_index=False, sort=True)[
            ["officers_trained", "officers_in_scope"]
        ]
        .sum()
        .reset_index(drop=True)
    )


def _over_time(of_course: pd.DataFrame) -> pd.DataFrame:
    over_time = (
        of_course.groupby(["period", "period_start"], as_index=False)[
            ["officers_trained", "officers_in_scope"]
        ]
        .sum()
        .sort_values("period_start")
    )
    over_time["estimate"] = 100.0 * over_time["officers_trained"] / over_time["officers_in_scope"]
    return over_time


#: Periods shown in the borough-by-borough table over time (the latest ones).
RECENT_PERIODS = 6


def recent_by_borough(
    of_course: pd.DataFrame, spread: Spread = "additive"
) -> tuple[list[str], pd.DataFrame, list[str]]:
    """Each borough's coverage (per cent) in each of the latest ``RECENT_PERIODS`` periods,
    and its change from the first of them to the last, in percentage points, against
    London's change.

    Why: the funnel compares boroughs at one moment; a borough that changed how it trains
    shows here as a change unlike London's. Whether it is unlike beyond chance is a funnel
    plot of changes (``accord.stats.change_funnel``), with the same allowance for extra
    spread between boroughs as the page's funnel.

    Returns the periods (oldest first), one row per borough then London's (``total``
    true): ``la_name``, one column per period (NaN where it has no figures), ``change``
    (NaN unless it has figures for both the first and the last period), ``against``
    (its change less London's, in points; NaN for London), ``change_flag`` ("above
    99.8%", "below 99.8%" or ""), ``london_change`` (the change across the boroughs
    compared) and ``limit_lower``/``limit_upper`` (the 99.8% limits of a change by chance
    alone at the borough's size, in points), and the notes on the comparison.
    """
    counts = of_course.groupby(["la_name", "period", "period_start"], as_index=False)[
        ["officers_trained", "officers_in_scope"]
    ].sum()
    order = counts[["period", "period_start"]].drop_duplicates().sort_values("period_start")
    periods = order["period"].tolist()[-RECENT_PERIODS:]
    counts = counts.loc[counts["period"].isin(periods)]
    london = counts.groupby("period", as_index=False)[
        ["officers_trained", "officers_in_scope"]
    ].sum()
    both = pd.concat([counts, london.assign(la_name="London")], ignore_index=True)
    both = both.assign(percent=100.0 * both["officers_trained"] / both["officers_in_scope"])
    wide = both.pivot(index="la_name", columns="period", values="percent")
    boroughs = sorted(name for name in wide.index if name != "London")
    wide = wide.reindex(index=[*boroughs, "London"], columns=periods)
    wide["change"] = wide[periods[-1]] - wide[periods[0]] if len(periods) > 1 else float("nan")
    wide["total"] = wide.index == "London"
    wide["against"] = float("nan")
    wide["change_flag"] = ""
    wide["london_change"] = float("nan")
    wide["limit_lower"] = float("nan")
    wide["limit_upper"] = float("nan")
    notes: list[str] = []
    if len(periods) > 1:
        notes = _against_london(counts, periods[0], periods[-1], spread, wide)
    return periods, wide.reset_index(), notes


def _against_london(
    counts: pd.DataFrame, first: str, last: str, spread: Spread, wide: pd.DataFrame
) -> list[str]:
    """Fill ``wide``'s ``against`` and ``change_flag`` from a funnel of the boroughs'
    changes from ``first`` to ``last``; return what the page should say about it."""
    ends = {
        period: counts.loc[counts["period"] == period].set_index("la_name")[
            ["officers_trained", "officers_in_scope"]
        ]
        for period in (first, last)
    }
    paired = ends[first].merge(
        ends[last], how="inner", left_index=True, right_index=True, suffixes=("_before", "_after")
    )
    if paired.empty:
        return []
    try:
        table = change_funnel(
            paired.reset_index(),
            "la_name",
            events_before="officers_trained_before",
            size_before="officers_in_scope_before",
            events_after="officers_trained_after",
            size_after="officers_in_scope_after",
            overdispersion=spread,
        ).set_index("la_name")
    except StatsInputError:
        # The importer has checked every count, and ``paired`` is not empty: the one refusal
        # left is London at 0% or 100% at both ends.
        return [
            f"Every borough is at 0% or 100% in both {first} and {last}, so no borough's "
            "change can be compared with London's."
        ]
    wide.loc[table.index, "against"] = 100.0 * table["difference"]
    wide.loc[table.index, "change_flag"] = table["outlier"]
    wide.loc[table.index, "london_change"] = 100.0 * table["target"]
    wide.loc[table.index, "limit_lower"] = 100.0 * table["lower_998"]
    wide.loc[table.index, "limit_upper"] = 100.0 * table["upper_998"]
    notes = [
        f"Each borough's change from {first} to {last} is compared with London's "
        f"({signed_points(100.0 * float(table['target'].iloc[0]))} points across the boroughs with "
        "figures for both) on a funnel plot of changes (Spiegelhalter 2005), with 99.8% "
        "limits. The same officers are mostly counted at both ends, so the limits are "
        "wider than they need be: a borough outside them changed unlike London even so."
    ]
    if str(table["overdispersion"].iloc[0]) == "additive":
        notes.append(
            "Boroughs' changes differ more than chance allows (dispersion "
            f"{float(table['phi'].iloc[0]):.2g}), so the comparison allows for that extra "
            "spread, as the funnel above does."
        )
    return notes


def _borough_groups(
    in_period: pd.DataFrame, borough: str, *, rank: str, team: str
) -> dict[str, pd.DataFrame]:
    """``borough``'s rank and team tables, each within the other one's choice, as London's."""
    if not (in_period["la_name"] == borough).any():
        raise LookupError(f"There are no figures for {borough} in this course and period.")
    return {
        column: _in_borough(_within_other(in_period, column, rank=rank, team=team), column, borough)
        for column in BREAKDOWNS
    }


def _within_other(frame: pd.DataFrame, column: str, *, rank: str, team: str) -> pd.DataFrame:
    """``frame``'s rows within the other breakdown's choice: for the rank table, the team
    chosen (sergeants' teams), for the team table, the rank chosen (response's ranks)."""
    other, value = ("team", team) if column == "rank" else ("rank", rank)
    return frame.loc[frame[other] == value] if value else frame


def _all_the_same(
    course: str,
    period: str,
    chosen: pd.DataFrame,
    of_course: pd.DataFrame,
    trained: int,
    in_scope: int,
) -> Coverage:
    """No officer trained yet anywhere (or every one): there is nothing to compare, so no
    funnel, only each borough's own interval."""
    interval = proportion_ci(chosen["officers_trained"], chosen["officers_in_scope"])
    boroughs = chosen[["la_code", "la_name"]].copy()
    boroughs["events"] = chosen["officers_trained"].to_numpy()
    boroughs["size"] = chosen["officers_in_scope"].to_numpy()
    boroughs["estimate"] = interval.estimate
    boroughs["lower"] = interval.lower
    boroughs["upper"] = interval.upper
    boroughs["outlier"] = ""
    share = "none" if trained == 0 else "all"
    return Coverage(
        course,
        period,
        boroughs.reset_index(drop=True),
        _london(trained, in_scope),
        _over_time(of_course),
        pd.DataFrame(),
        [
            f"In every borough {share} of the officers in scope had done this course, so "
            "there is nothing to compare borough by borough."
        ],
    )


def coverage(
    path: Path,
    course: str,
    period: str,
    spread: Spread = "additive",
    *,
    rank: str = "",
    team: str = "",
    borough: str = "",
) -> Coverage:
    """Every borough's coverage of ``course`` at the end of ``period`` against London's, for
    one rank and one team when given (all officers otherwise), with London's coverage in each
    rank and team, and ``borough``'s (a name) against the rest of London's when given."""
    frame = _read(path)
    of_course = frame.loc[frame["course"] == course]
    in_period = of_course.loc[of_course["period"] == period]
    groups = {
        column: _groups(_within_other(in_period, column, rank=rank, team=team), column)
        for column in BREAKDOWNS
    }
    in_borough = _borough_groups(in_period, borough, rank=rank, team=team) if borough else {}
    for column, value in (("rank", rank), ("team", team)):
        if value:
            of_course = of_course.loc[of_course[column] == value]
    chosen = _by_borough(of_course.loc[of_course["period"] == period])
    if chosen.empty:
        who = ", ".join(part for part in (rank, team) if part)
        raise LookupError(
            f"There are no figures for {course!r} in {period}" + (f" for {who}." if who else ".")
        )
    trained = int(chosen["officers_trained"].sum())
    in_scope = int(chosen["officers_in_scope"].sum())
    recent_periods, boroughs_over_time, change_notes = recent_by_borough(of_course, spread)
    # What both kinds of result carry beyond the borough comparison itself.
    breakdowns: dict[str, Any] = {
        "rank": rank,
        "team": team,
        "groups": groups,
        "recent_periods": recent_periods,
        "boroughs_over_time": boroughs_over_time,
        "change_notes": change_notes,
        "borough": borough,
        "borough_groups": in_borough,
    }
    if trained in (0, in_scope):
        return replace(
            _all_the_same(course, period, chosen, of_course, trained, in_scope), **breakdowns
        )
    table = funnel(
        chosen,
        ["la_code", "la_name"],
        events="officers_trained",
        size="officers_in_scope",
        kind="proportion",
        overdispersion=spread,
    )
    london = _london(trained, in_scope)
    over_time = _over_time(of_course)
    applied = str(table["overdispersion"].iloc[0])
    phi = float(table["phi"].iloc[0])
    limits = limit_curves(table, kind="proportion")
    notes = [
        "Each borough's interval is a Wilson 95% interval. The limits are drawn around "
        "London's coverage at each borough's number of officers in scope: 95% (dashed) "
        "and 99.8% (solid).",
    ]
    if applied == "additive":
        notes.append(
            "Boroughs differ more than chance allows (dispersion "
            f"{phi:.2g}), so the limits allow for that extra spread between boroughs "
            "(random effects). A borough outside them stands out even so."
        )
    elif applied.startswith("none: no overdispersion"):
        notes.append("Boroughs differ no more than chance allows, so the limits are binomial.")
    else:
        notes.append(
            "The limits are binomial (chance alone). Boroughs "
            + (
                f"differ more than chance allows (dispersion {phi:.2g}), so more of them "
                "fall outside than would with the recommended setting."
                if phi * len(table) > len(table) - 1
                else "differ no more than chance allows."
            )
        )
    small = table.loc[table["size"] < 30, "la_name"].astype(str).tolist()
    if small:
        notes.append(
            "Fewer than 30 officers are in scope in "
            + ", ".join(sorted(small))
            + ": their percentages can move a long way with a few officers."
        )
    if any(len(table) for table in in_borough.values()):
        notes.append(
            f"In {borough}, each rank and team is compared with the same rank or team in the "
            "rest of London (Newcombe's 95% interval for the difference)."
        )
    if any(len(table) for table in groups.values()):
        notes.append(
            "Each rank and team is compared with all other officers in scope (Newcombe's 95% "
            "interval for the difference). With several groups, one may stand out by chance."
        )
    return Coverage(course, period, table, london, over_time, limits, notes, **breakdowns)


def verdict(flag: str) -> str:
    return VERDICTS.get(flag or "", VERDICTS[""])


def change_verdict(flag: str) -> str:
    return CHANGE_VERDICTS.get(flag or "", CHANGE_VERDICTS[""])


def signed_points(value: float) -> str:
    """A change in points with its sign, one decimal: "+2.4", "-1.0", and "0.0" for a
    change that rounds to nothing (never "-0.0", which reads as a fall)."""
    text = f"{value:+.1f}"
    return "0.0" if float(text) == 0 else text
