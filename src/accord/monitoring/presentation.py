"""Turning a run's published tables into what the page shows: tables, charts, downloads.

Each section is one table and one chart drawn from the same rows, so the chart never shows
a number the table does not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from accord.datasets.export import Cell
from accord.monitoring.analysis import (
    SPLITS,
    Outcome,
    beyond_chance,
    in_level_order,
    outcome_of,
    points,
    ratio_places,
    readable,
)
from accord.reports.charts import Spec, funnel_chart, interval_chart, trend_chart
from accord.stats.funnel import FunnelKind, funnel_limits
from accord.stats.sentences import format_number

HIDDEN = "Hidden to protect small numbers"


@dataclass
class Section:
    slug: str
    title: str
    intro: str
    headers: list[str]
    rows: list[list[str]]
    spec: Spec | None
    notes: list[str] = field(default_factory=list)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fixed(value: float, digits: int) -> str:
    """``value`` to ``digits`` places, never "-0.0": a tiny negative that rounds to zero
    is zero as shown (a flat trend is "0.0%", not "-0.0%")."""
    text = f"{value:,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        return text[1:]
    return text


def number(value: Any, digits: int = 1) -> str:
    if _blank(value):
        return "–"
    return _fixed(float(value), digits)


def count(value: Any) -> str:
    if _blank(value):
        return "–"
    return f"{round(float(value)):,}"


def interval(row: pd.Series, lower: str = "lower", upper: str = "upper", digits: int = 1) -> str:
    if _blank(row.get(lower)) or _blank(row.get(upper)):
        return "–"
    return f"{_fixed(float(row[lower]), digits)} to {_fixed(float(row[upper]), digits)}"


def _hidden(row: pd.Series) -> bool:
    return bool(row.get("suppressed", False))


def rates_section(frame: pd.DataFrame) -> Section:
    rows = []
    for _, row in frame.iterrows():
        if _hidden(row):
            rows.append([str(row["group"]), HIDDEN, count(row.get("population")), HIDDEN, "–"])
            continue
        rows.append(
            [
                str(row["group"]),
                count(row["events"]),
                count(row["population"]),
                number(row["estimate"]),
                interval(row),
            ]
        )
    spec = interval_chart(
        frame,
        category="group",
        title="Searches per 1,000 residents",
        value_title="searches per 1,000 residents",
        description="Searches per 1,000 residents of each group, with 95% confidence intervals",
    )
    return Section(
        "rates",
        "How often each group was searched",
        "Searches per 1,000 residents of each group, with an exact 95% confidence interval.",
        ["Group", "Searches", "Residents", "Per 1,000", "95% confidence interval"],
        rows,
        spec,
    )


def _ratio_number(value: Any, places: int) -> str:
    """A ratio as the summary writes it (:func:`accord.stats.sentences.format_number`:
    two significant figures below 0.1), so the table and the sentence agree."""
    if _blank(value):
        return "–"
    return format_number(float(value), places)


def _ratio_interval(row: pd.Series, lower: str, upper: str, places: int) -> str:
    if _blank(row.get(lower)) or _blank(row.get(upper)):
        return "–"
    return f"{_ratio_number(row[lower], places)} to {_ratio_number(row[upper], places)}"


def ratios_section(frame: pd.DataFrame) -> Section:
    reference = str(frame["reference_group"].iloc[0]) if len(frame) else ""
    rows = []
    body = frame.loc[~frame.get("is_reference", pd.Series(False, index=frame.index)).astype(bool)]
    for _, row in body.iterrows():
        if _hidden(row):
            rows.append([str(row["group"]), HIDDEN, "–", "–"])
            continue
        # As in the summary: 0.983 (0.969 to 0.998) is not "0.98 (0.97 to 1.00)".
        places = ratio_places(row)
        rows.append(
            [
                str(row["group"]),
                _ratio_number(row["estimate"], places),
                _ratio_interval(row, "lower", "upper", places),
                _ratio_interval(row, "exact_lower", "exact_upper", places),
            ]
        )
    spec = interval_chart(
        body,
        category="group",
        title=f"How many times the {reference} rate",
        value_title=f"times the {reference} rate (log scale)",
        description=f"Search rate of each group divided by the {reference} rate, with 95% CIs",
        reference_value=1.0,
        log_scale=True,
    )
    return Section(
        "ratios",
        f"Compared with {reference} people",
        f"Each group's search rate divided by the rate for {reference} people. 1 means the "
        "same rate; 2 means twice as often.",
        ["Group", "Rate ratio", "95% CI (Katz)", "95% CI (exact)"],
        rows,
        spec,
    )


def published_searches(rates: pd.DataFrame) -> dict[str, Any]:
    """Each group's searches as the rates table publishes them (groups it shows)."""
    shown = rates.loc[~rates["suppressed"].astype(bool)] if "suppressed" in rates else rates
    return {
        str(row["group"]): row["events"]
        for _, row in shown.iterrows()
        if not _blank(row.get("events"))
    }


def proportions_section(
    frame: pd.DataFrame, outcome: Outcome, searches: dict[str, Any] | None = None
) -> Section:
    """The outcome table. ``searches`` are the groups' searches the rates table publishes:
    a row hidden for its outcome count (a handful of arrests) still shows them, since
    calling a number "hidden" that the page gives just above would mislead. The rates and
    this table count the same searches and hide the same groups' searches
    (:func:`accord.monitoring.analysis.shared_hidden_counts`), so this shows nothing new."""
    searches = searches or {}
    rows = []
    shown = frame.copy()
    for column in ("estimate", "lower", "upper"):
        shown[column] = pd.to_numeric(shown[column], errors="coerce") * 100
    for _, row in shown.iterrows():
        if _hidden(row):
            given = searches.get(str(row["group"]))
            shown_searches = HIDDEN if given is None else count(given)
            rows.append([str(row["group"]), shown_searches, HIDDEN, HIDDEN, "–"])
            continue
        rows.append(
            [
                str(row["group"]),
                count(row["trials"]),
                count(row["successes"]),
                f"{number(row['estimate'])}%",
                interval(row),
            ]
        )
    spec = interval_chart(
        shown,
        category="group",
        title=f"Searches that {outcome.ended}",
        value_title="per cent of searches",
        description=f"Per cent of searches that {outcome.ended}, by group, with 95% CIs",
    )
    return Section(
        "outcomes",
        f"Searches that {outcome.ended}",
        "The share of each group's searches with this outcome (Wilson 95% interval).",
        ["Group", "Searches", outcome.name, "Per cent", "95% confidence interval"],
        rows,
        spec,
    )


def funnel_section(frame: pd.DataFrame, focus: str) -> Section:
    rows = []
    units = frame.copy()
    units["unit"] = units["la_name"].astype(str)
    for _, row in units.sort_values("la_name").iterrows():
        if _hidden(row):
            rows.append([row["unit"], HIDDEN, count(row.get("size")), HIDDEN, "–", ""])
            continue
        rows.append(
            [
                row["unit"],
                count(row["events"]),
                count(row["size"]),
                number(row["estimate"]),
                interval(row),
                str(row.get("outlier") or ""),
            ]
        )
    spec: Spec | None = None
    shown = units.loc[~units["suppressed"].astype(bool) & units["estimate"].notna()]
    # No overall rate when the group's total is hidden: nothing to draw the limits around.
    if "target" in shown:
        shown = shown.loc[pd.to_numeric(shown["target"], errors="coerce").notna()]
    if len(shown):
        wide = wide_limits(limit_curves(shown))
        labels = {
            "above 99.8%": "Above the 99.8% limit",
            "below 99.8%": "Below the 99.8% limit",
        }
        plot_units = shown.assign(
            outlier=shown["outlier"].fillna("").map(lambda o: labels.get(o, "Within the limits"))
        )
        kinds = ("Within the limits", labels["above 99.8%"], labels["below 99.8%"])
        low = float(shown["estimate"].min())
        high = float(shown["estimate"].max())
        spec = funnel_chart(
            plot_units.rename(columns={"size": "residents"}),
            wide.rename(columns={"size": "residents"}),
            unit="unit",
            size="residents",
            title=f"Search rates for {focus} people, area by area",
            value_title="searches per 1,000 residents",
            size_title=f"{focus} residents",
            description=(
                f"Funnel plot of search rates for {focus} people in each area against the "
                "overall rate, with 95% and 99.8% control limits"
            ),
            value_domain=(max(low / 2, 1e-6), high * 2),
            kinds=kinds,
        )
    intro = (
        "Each area's rate against the rate for all areas together. Areas outside the 99.8% "
        "limits differ by more than chance would explain; check the data quality there first."
    )
    if frame.empty:
        intro = (
            f"There were no searches of {focus} people in the area and period chosen, so "
            "there are no areas to compare. The other sections cover every group."
        )
    return Section(
        "areas",
        f"Areas compared: searches of {focus} people",
        intro,
        ["Area", "Searches", "Residents", "Per 1,000", "95% confidence interval", "Outside limits"],
        rows,
        spec,
    )


def limit_curves(units: pd.DataFrame, *, kind: FunnelKind = "rate") -> pd.DataFrame:
    """Control-limit curves across the units' sizes, widened as the funnel itself was
    (``units`` is :func:`accord.stats.funnel.funnel`'s output, at least its shown rows)."""
    target = float(units["target"].iloc[0])
    phi = float(units["phi"].iloc[0]) if "phi" in units else 1.0
    tau2 = float(units["tau2"].iloc[0]) if "tau2" in units else 0.0
    method = str(units["overdispersion"].iloc[0]) if "overdispersion" in units else "none"
    sizes = np.geomspace(
        max(float(units["size"].min()) * 0.8, 1.0), float(units["size"].max()) * 1.2, 80
    )
    return funnel_limits(
        target,
        sizes,
        kind=kind,
        phi=phi if method == "multiplicative" else 1.0,
        tau2=tau2 if method == "additive" else 0.0,
    )


def wide_limits(curves: pd.DataFrame) -> pd.DataFrame:
    """The curves one row per size, with the columns ``funnel_chart`` draws."""
    wide = curves.pivot_table(index="size", columns="conf_level", values=["lower", "upper"])
    out = pd.DataFrame({"size": wide.index.to_numpy()})
    out["target"] = curves.groupby("size")["target"].first().to_numpy()
    for level, suffix in ((0.95, "95"), (0.998, "998")):
        out[f"lower_{suffix}"] = wide[("lower", level)].to_numpy()
        out[f"upper_{suffix}"] = wide[("upper", level)].to_numpy()
    return out


def trend_section(trend: pd.DataFrame, monthly: pd.DataFrame, group_column: str) -> Section:
    rows = []
    for _, row in trend.iterrows():
        if _hidden(row):
            rows.append([str(row["group"]), HIDDEN, "–"])
            continue
        if _blank(row.get("estimate")):
            # Say why (fewer than three months, say), rather than "–%".
            note = "" if _blank(row.get("note")) else str(row.get("note")).strip()
            reason = f"No estimate: {readable(note)}" if note else "No estimate"
            rows.append([str(row["group"]), reason, "–"])
            continue
        rows.append([str(row["group"]), f"{number(row['estimate'])}%", interval(row)])
    months = monthly.loc[monthly[group_column].astype(str) != "Total"].copy()
    months = months.loc[months["period"].astype(str) != "Total"]
    months["estimate"] = pd.to_numeric(months["events"], errors="coerce")
    months["lower"] = math.nan
    months["upper"] = math.nan
    months["series"] = months[group_column].astype(str)
    spec = trend_chart(
        months,
        period="period",
        series="series",
        title="Searches each month",
        value_title="searches",
        description="Searches each month for each group (hidden months are left as gaps)",
    )
    return Section(
        "trend",
        "Change over time",
        "The yearly change in searches for each group, from a Poisson regression on the "
        "monthly counts.",
        ["Group", "Change per year", "95% confidence interval"],
        rows,
        spec,
    )


def _difference_verdict(row: pd.Series, reference: str) -> str:
    """Beyond chance only once every comparison in the table is allowed for (Holm): an
    interval just clear of zero, one of fifteen, is what chance alone gives now and then.
    And only when the interval shown beside it leaves out zero too
    (:func:`accord.monitoring.analysis.beyond_chance`): a test just under 5% beside an
    interval that includes no difference is no clear difference."""
    if _blank(row.get("lower")) or _blank(row.get("upper")):
        return "–"
    if beyond_chance(row):
        higher = float(row["estimate"]) > 0
        return f"{'Higher' if higher else 'Lower'} than {reference}, beyond chance"
    if float(row["lower"]) > 0 or float(row["upper"]) < 0:
        return "Not clear once every comparison here is allowed for"
    return "No clear difference"


def _difference_interval(row: pd.Series) -> str:
    """A difference's interval in points, each bound as the summary gives it
    (:func:`accord.monitoring.analysis.points`): a bound of -0.04 is not "-0.0", which
    would read as an interval starting at no difference."""
    if _blank(row.get("lower")) or _blank(row.get("upper")):
        return "–"
    low, high = (points(float(row[bound])).removeprefix("+") for bound in ("lower", "upper"))
    return f"{low} to {high}"


def _not_compared(row: pd.Series) -> str:
    """Why a split row has no comparison, when its level has no one to compare with."""
    if not _blank(row.get("estimate")) or _blank(row.get("proportion")):
        return ""
    return f"Cannot compare: no {row.get('reference_group')} people searched here"


def within_section(frame: pd.DataFrame, split: str, outcome: Outcome) -> Section:
    """Outcomes compared with the reference group within each level of the split."""
    chosen = SPLITS[split]
    reference = str(frame["reference_group"].dropna().iloc[0]) if len(frame) else ""
    shown = in_level_order(frame, chosen).copy()
    for column in ("proportion", "estimate", "lower", "upper"):
        shown[column] = pd.to_numeric(shown[column], errors="coerce") * 100
    rows = []
    for _, row in shown.iterrows():
        level, group = str(row[split]), str(row["group"])
        if _hidden(row):
            rows.append([level, group, HIDDEN, HIDDEN, HIDDEN, "–", "–", "–"])
            continue
        is_reference = bool(row.get("is_reference", False))
        rows.append(
            [
                level,
                group,
                count(row["trials"]),
                count(row["successes"]),
                f"{number(row['proportion'])}%",
                "Reference group" if is_reference else number(row["estimate"]),
                "–" if is_reference else _difference_interval(row),
                "–" if is_reference else _not_compared(row) or _difference_verdict(row, reference),
            ]
        )
    # Hidden rows and rows with no one to compare with keep their place in the chart and
    # say why, as in the table: a group missing from the picture reads as no group at all.
    plotted = shown.loc[~shown["is_reference"].astype(bool)].assign(
        label=lambda f: (
            f["group"].astype(str)
            + ", "
            + f[split].astype(str).map(lambda level: chosen.short.get(level, level))
        ),
        why=lambda f: [
            "hidden" if _hidden(row) else "not compared" if _not_compared(row) else ""
            for _, row in f.iterrows()
        ],
    )
    for column in ("estimate", "lower", "upper"):
        plotted[column] = plotted[column].where(plotted["why"] == "")
    spec = interval_chart(
        plotted,
        category="label",
        title=f"{outcome.name} after a search, compared with {reference} people of the same "
        f"{chosen.label}",
        value_title=f"difference from {reference} people (percentage points)",
        description=(
            f"Difference between each group's share of searches that {outcome.ended} "
            f"and {reference} people's, within each {chosen.label}, with 95% CIs"
        ),
        reference_value=0.0,
        why_missing="why",
    )
    return Section(
        "within",
        f"{outcome.name} after a search, by {chosen.label}",
        f"Within each {chosen.label}, each group's share of searches that {outcome.ended}, "
        f"and how far it is from {reference} people's share in the same "
        f"{chosen.label} (in percentage points, Newcombe 95% interval). Comparing like with "
        "like shows gaps an overall figure can hide. A difference is called beyond chance "
        "only when it holds with every comparison in the table allowed for at once (Holm's "
        "method) and its interval leaves out zero, so an interval just clear of zero may not "
        "be enough.",
        [
            chosen.label.capitalize(),
            "Group",
            "Searches",
            outcome.name,
            "Per cent",
            f"Difference from {reference} (points)",
            "95% confidence interval",
            "What it shows",
        ],
        rows,
        spec,
    )


def sections(tables: dict[str, pd.DataFrame], parameters: dict[str, Any]) -> list[Section]:
    outcome = outcome_of(parameters.get("outcome") or "Arrest")
    shown = [
        rates_section(tables["rates"]),
        ratios_section(tables["ratios"]),
        proportions_section(tables["proportions"], outcome, published_searches(tables["rates"])),
    ]
    split = parameters.get("split")
    if split in SPLITS and "within" in tables:
        shown.append(within_section(tables["within"], split, outcome))
    return [
        *shown,
        funnel_section(tables["funnel"], parameters["focus"]),
        trend_section(tables["trend"], tables["monthly"], parameters["group"]),
    ]


#: Section slug -> the run table behind it (for CSV downloads).
TABLE_OF_SECTION = {
    "rates": "rates",
    "ratios": "ratios",
    "outcomes": "proportions",
    "within": "within",
    "areas": "funnel",
    "trend": "trend",
    "monthly": "monthly",
}


#: Columns of the run tables that hold counts (or residents): whole numbers in a download.
COUNT_COLUMNS = frozenset(
    {
        "events",
        "population",
        "reference_events",
        "reference_population",
        "successes",
        "trials",
        "n",
        "size",
        "periods",
        "count",
        "previous_count",
    }
)
_MONTH_STAMP = re.compile(r"(\d{4}-\d{2})-01T00:00:00(\.0+)?Z?")


def csv_cell(column: str, value: Any) -> Cell:
    """A run table's value as its CSV download gives it.

    Hidden (and missing) values are an empty cell, as in the other downloads; counts are
    whole numbers (12, not the 12.0 a stored table's column of counts with gaps comes back
    as); months are ``2022-01``, as the form names them, not a timestamp.
    """
    if _blank(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if column in COUNT_COLUMNS and number.is_integer():
            return int(number)
        return 0.0 if number == 0 else number  # never "-0.0"
    text = str(value)
    month = _MONTH_STAMP.fullmatch(text)
    return month.group(1) if month else text


def csv_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[Cell]]]:
    """The header and rows of a run table's CSV download (see :func:`csv_cell`)."""
    header = [str(column) for column in frame.columns]
    rows = [
        [csv_cell(column, value) for column, value in zip(header, values, strict=True)]
        for values in frame.itertuples(index=False, name=None)
    ]
    return header, rows
