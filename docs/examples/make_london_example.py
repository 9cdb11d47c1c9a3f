"""Generate the London stop and search worked example (docs/examples/).

Reads the real police.uk file (every Metropolitan and City of London Police stop and
search, December 2021 to November 2022) and the Census 2021 ethnic group counts, then
uses ``accord.stats.api`` to compute, for every borough and for London as a whole:

* searches per 1,000 residents for each officer-defined ethnic group (exact Poisson
  intervals), and
* the Black/White disparity as a Poisson rate ratio (Katz and exact intervals) and as
  a binomial risk ratio (the epitools ``riskratio`` Wald convention).

Run from the repository root::

    .venv/bin/python docs/examples/make_london_example.py [DATA_DIR]

``DATA_DIR`` defaults to /work/shared/data/real. Writes
``docs/examples/london_stop_and_search.csv`` and ``london_stop_and_search.md``;
``tests/stats/test_real_data.py`` checks the committed CSV equals a fresh run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd

from accord.stats import api
from accord.stats.api import Disclosure, Population
from accord.stats.inputs import read

HERE = Path(__file__).parent
DATA = Path("/work/shared/data/real")
CSV = HERE / "london_stop_and_search.csv"
MARKDOWN = HERE / "london_stop_and_search.md"

#: Officer-defined groups compared; each is also a Census 2021 5-category column.
#: "Mixed" is not an officer-defined category (5 of 150,152 searches carry it), so
#: neither those 5 searches nor Mixed residents are used.
GROUPS = ["Asian", "Black", "Other", "White"]
#: Officer-defined ethnicity -> Census 2021 broad group. The names coincide; the
#: mapping is spelled out so the choice is visible and testable.
OFFICER_TO_CENSUS = {"Asian": "Asian", "Black": "Black", "Other": "Other", "White": "White"}
LONDON_CODES = [f"E09{n:06d}" for n in range(1, 34)]  # City of London + 32 boroughs
DECIMALS = 4


def _paths(data: Path) -> tuple[Path, Path]:
    return (
        data / "stop_and_search" / "london_stops_2021-12_to_2022-11.csv.gz",
        data / "census" / "census2021_ethnic_group_5cat_by_lad.csv",
    )


def _census(path: Path) -> Population:
    return Population(
        path,
        wide=list(OFFICER_TO_CENSUS.values()),
        names_to="officer_defined_ethnicity",
        columns={"la_code": "LAD_code"},
        where={"LAD_code": LONDON_CODES},
    )


def _area_names(census: Path) -> dict[str, str]:
    frame = pd.read_csv(census)
    return dict(zip(frame["LAD_code"], frame["LAD"], strict=True))


def build(data: Path = DATA) -> pd.DataFrame:
    """One row per area (33 local authorities, then London): rates and ratios."""
    stops_path, census = _paths(data)
    population = _census(census)
    # Read the searches once (into Arrow) so the six calls below do not re-read the file.
    columns = ["la_code", "officer_defined_ethnicity"]
    stops = read(stops_path).select(*columns).to_pyarrow()
    frames = []
    for by in ("la_code", None):
        common: dict[str, Any] = {
            "group": "officer_defined_ethnicity",
            "by": by,
            "where": {"officer_defined_ethnicity": GROUPS},
            "recode": {"officer_defined_ethnicity": OFFICER_TO_CENSUS},
            "disclosure": Disclosure(),
        }
        rates = api.rates(stops, population, **common)
        poisson = api.ratios(stops, population, reference="White", **common)
        # The binomial form needs searches <= residents; where not (Black searches in
        # the City of London) the row is left blank with the reason in ``note``.
        risk = api.ratios(
            stops, population, reference="White", form="risk", stratum_errors="note", **common
        )
        frames.append(_wide(rates, poisson, risk, by))
    table = pd.concat(frames, ignore_index=True)
    names = _area_names(census)
    table.insert(0, "area", table["la_code"].map(names).fillna("London"))
    return table.round(DECIMALS)


def _wide(
    rates: pd.DataFrame, poisson: pd.DataFrame, risk: pd.DataFrame, by: str | None
) -> pd.DataFrame:
    if not by:
        for frame in (rates, poisson, risk):
            frame["la_code"] = "E12000007"  # the ONS code for the London region
    out = rates.pivot(index="la_code", columns="officer_defined_ethnicity")
    columns: dict[str, pd.Series] = {}
    for group in GROUPS:
        name = group.lower()
        columns[f"{name}_searches"] = out[("events", group)]
        columns[f"{name}_population"] = out[("population", group)]
        columns[f"{name}_rate_per_1000"] = out[("estimate", group)]
        columns[f"{name}_rate_lower"] = out[("lower", group)]
        columns[f"{name}_rate_upper"] = out[("upper", group)]
    black = poisson.loc[poisson["officer_defined_ethnicity"] == "Black"].set_index("la_code")
    columns["rate_ratio"] = black["estimate"]
    columns["rate_ratio_lower"] = black["lower"]
    columns["rate_ratio_upper"] = black["upper"]
    columns["rate_ratio_exact_lower"] = black["exact_lower"]
    columns["rate_ratio_exact_upper"] = black["exact_upper"]
    black_risk = risk.loc[risk["officer_defined_ethnicity"] == "Black"].set_index("la_code")
    columns["risk_ratio"] = black_risk["estimate"]
    columns["risk_ratio_lower"] = black_risk["lower"]
    columns["risk_ratio_upper"] = black_risk["upper"]
    table = pd.DataFrame(columns)
    table["suppressed"] = rates.groupby("la_code")["suppressed"].any() | black["suppressed"].astype(
        bool
    )
    return table.reset_index()


def _fmt(value: object, digits: int = 1) -> str:
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return "–"
    return f"{float(value):,.{digits}f}"  # type: ignore[arg-type]


def _ratio(row: pd.Series, name: str) -> str:
    if pd.isna(row[name]):
        return "not computable (more searches than residents)"
    return f"{_fmt(row[name], 2)} ({_fmt(row[f'{name}_lower'], 2)}–{_fmt(row[f'{name}_upper'], 2)})"


def markdown(table: pd.DataFrame) -> str:
    """The worked example page, with the headline table."""
    london = table.loc[table["area"] == "London"].iloc[0]
    lines = [
        "# Worked example: stop and search in London, by ethnicity",
        "",
        "Generated by `docs/examples/make_london_example.py` with `accord.stats`; the full",
        "table is [london_stop_and_search.csv](london_stop_and_search.csv). Do not edit by",
        "hand: run the script (a test checks the CSV matches a fresh run).",
        "",
        "## Data",
        "",
        "- Searches: every stop and search recorded by the Metropolitan Police and the City",
        "  of London Police, 1 December 2021 to 30 November 2022 (150,152 searches), from",
        "  data.police.uk as collated by Black Thrive's ExtractSS package.",
        "- Population: Census 2021 usual residents by ethnic group (5 categories) per local",
        "  authority, Office for National Statistics.",
        "- Both under the Open Government Licence v3.0.",
        "",
        "## Method",
        "",
        "- Ethnicity is the officer-defined ethnicity (Asian, Black, Other, White), matched",
        "  to the Census group of the same name. Officers do not record a Mixed category",
        "  (5 searches say Mixed), so Mixed residents are not in any denominator; people of",
        "  Mixed ethnicity who were searched are counted in whichever group the officer",
        "  chose, which pushes those groups' rates up a little.",
        f"- {int(london['black_searches'] + london['white_searches'] + london['asian_searches'] + london['other_searches']):,} "  # noqa: E501
        "searches have one of these four groups; searches with no officer-defined",
        "  ethnicity are left out.",
        "- Rate: searches per 1,000 residents, exact Poisson (Garwood) 95% interval.",
        "- Rate ratio: Black rate / White rate, Katz log 95% interval (exact conditional",
        "  interval in the CSV). Risk ratio: the binomial form (epitools `riskratio`, Wald),",
        "  which treats residents as the people at risk; it cannot be computed where",
        "  searches outnumber residents (Black searches in the City of London).",
        "- Disclosure control: counts from 1 to 9 are hidden (threshold 10), with",
        "  complementary suppression against the totals; "
        + (
            f"{int(table['suppressed'].sum())} area(s) have suppressed cells."
            if table["suppressed"].any()
            else "no cell here needed it."
        ),
        "",
        "## Caveat",
        "",
        "Rates use the residential population, not the people present in an area. The City",
        "of London and Westminster have far more visitors and workers than residents, so",
        "their per-resident rates overstate and should not be compared with other areas.",
        "One person can be searched more than once, so a rate per 1,000 residents is not the",
        "share of residents who were searched.",
        "",
        "## Results",
        "",
        f"Across London, Black people were searched at {_fmt(london['rate_ratio'])} times",
        f"the rate of White people (95% CI {_fmt(london['rate_ratio_lower'])} to "
        f"{_fmt(london['rate_ratio_upper'])}): {_fmt(london['black_rate_per_1000'])} and "
        f"{_fmt(london['white_rate_per_1000'])} searches per 1,000 residents.",
        "",
        "| Area | Black rate per 1,000 (95% CI) | White rate per 1,000 (95% CI) "
        "| Black/White rate ratio (95% CI) | Risk ratio (95% CI) |",
        "|---|---:|---:|---:|---:|",
    ]
    for _, row in table.iterrows():
        suppressed = " (suppressed)" if bool(row["suppressed"]) else ""
        lines.append(
            f"| {row['area']}{suppressed} "
            f"| {_fmt(row['black_rate_per_1000'])} ({_fmt(row['black_rate_lower'])}–"
            f"{_fmt(row['black_rate_upper'])}) "
            f"| {_fmt(row['white_rate_per_1000'])} ({_fmt(row['white_rate_lower'])}–"
            f"{_fmt(row['white_rate_upper'])}) "
            f"| {_ratio(row, 'rate_ratio')} "
            f"| {_ratio(row, 'risk_ratio')} |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    data = Path(argv[0]) if argv else DATA
    table = build(data)
    table.to_csv(CSV, index=False)
    MARKDOWN.write_text(markdown(table), encoding="utf-8")
    print(f"wrote {CSV} and {MARKDOWN} ({len(table)} areas)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
