"""``accord stats`` over files: outputs, and clear errors (exit 2) on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from accord.stats.cli import main
from tests.stats._data import CENSUS_SUBSET, STOPS_SUBSET, SUBSET_CODES

GROUPS = "Asian,Black,Mixed,Other,White"
POPULATION = [
    "--population",
    str(CENSUS_SUBSET),
    "--population-wide",
    GROUPS,
    "--population-column",
    "la_code=LAD_code",
    "--population-where",
    "LAD_code=" + ",".join(SUBSET_CODES),
]


def _expected_rates() -> pd.DataFrame:
    stops = pd.read_csv(STOPS_SUBSET, usecols=["la_code", "officer_defined_ethnicity"])
    counts = stops.dropna().groupby(["la_code", "officer_defined_ethnicity"]).size()
    census = pd.read_csv(CENSUS_SUBSET).set_index("LAD_code")
    rows = []
    for code in SUBSET_CODES:
        for group in GROUPS.split(","):
            events = int(counts.get((code, group), 0))
            rows.append(
                {
                    "la_code": code,
                    "officer_defined_ethnicity": group,
                    "events": events,
                    "rate": 1000 * events / census.loc[code, group],
                }
            )
    return pd.DataFrame(rows)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_rates_to_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = [tmp_path / f"rates.{suffix}" for suffix in ("csv", "json", "parquet", "html")]
    args = ["rates", str(STOPS_SUBSET), *POPULATION, "--group", "officer_defined_ethnicity"]
    args += ["--by", "la_code"]
    for path in outputs:
        args += ["-o", str(path)]
    code, out, err = _run(args, capsys)
    assert code == 0, err
    assert out == ""
    expected = _expected_rates()
    table = pd.read_csv(outputs[0])
    merged = table.merge(expected, on=["la_code", "officer_defined_ethnicity"])
    assert len(merged) == len(expected) == 15
    shown = merged.loc[~merged.suppressed]
    assert (shown.events_x == shown.events_y).all()
    assert ((shown.estimate - shown.rate).abs() < 1e-9).all()
    # Primary suppression: counts from 1 to 9 are never published.
    hidden = merged.loc[merged.suppressed]
    assert ((merged.events_y >= 1) & (merged.events_y < 10) <= merged.suppressed).all()
    assert hidden.estimate.isna().all() and hidden.events_x.isna().all()
    document = json.loads(outputs[1].read_text())
    assert len(document["rows"]) == 15
    assert any("residential population" in note for note in document["notes"])
    parquet = pd.read_parquet(outputs[2])
    assert parquet.estimate.round(9).tolist() == table.estimate.round(9).tolist()
    page = outputs[3].read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "http" not in page and "<link" not in page
    assert "residential population" in page and "per 1,000" in page


def test_csv_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["ratios", str(STOPS_SUBSET), *POPULATION, "--group", "officer_defined_ethnicity"]
    code, out, err = _run([*args, "--reference", "White"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("officer_defined_ethnicity,group,reference_group")
    assert len(lines) == 6
    assert all(",White," in line for line in lines[1:])


def test_proportions_trend_and_funnel_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stops = str(STOPS_SUBSET)
    runs = [
        ["proportions", stops, "--group", "officer_defined_ethnicity", "--success",
         "outcome=Arrest", "--where", "involved_person=true", "--compare", "difference"],
        ["trend", stops, "--date", "date", "--period", "month", "--by", "la_name",
         "--group", "la_name"],
        ["funnel", stops, "--unit", "la_code", *POPULATION],
        ["funnel", stops, "--unit", "la_name", "--success", "outcome=Arrest"],
    ]  # fmt: skip
    for args in runs:
        out_file = tmp_path / f"{args[0]}.html"
        code, _, err = _run([*args, "-o", str(out_file)], capsys)
        assert code == 0, (args, err)
        assert "<table>" in out_file.read_text()


def test_formulas_are_neutralised_in_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.csv"
    pd.DataFrame({"g": ["=HYPERLINK(1)"] * 12 + ["plain"] * 15}).to_csv(events, index=False)
    population = tmp_path / "population.csv"
    pd.DataFrame({"g": ["=HYPERLINK(1)", "plain"], "population": [100, 200]}).to_csv(
        population, index=False
    )
    code, out, err = _run(
        ["rates", str(events), "--population", str(population), "--group", "g"], capsys
    )
    assert code == 0, err
    assert "'=HYPERLINK(1)" in out
    assert "\n=HYPERLINK" not in out


def test_html_escapes_group_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.csv"
    pd.DataFrame({"g": ["<b>x</b>"] * 12}).to_csv(events, index=False)
    population = tmp_path / "population.csv"
    pd.DataFrame({"g": ["<b>x</b>"], "population": [100]}).to_csv(population, index=False)
    page = tmp_path / "out.html"
    args = ["rates", str(events), "--population", str(population), "--group", "g"]
    code, _, err = _run([*args, "-o", str(page)], capsys)
    assert code == 0, err
    text = page.read_text()
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text


def test_progress_bar_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["rates", str(STOPS_SUBSET), *POPULATION, "--group", "officer_defined_ethnicity"]
    _, _, quiet = _run(args, capsys)
    assert "accord stats:" not in quiet
    _, _, noisy = _run([*args, "--progress"], capsys)
    assert "accord stats: 100%" in noisy


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["rates", str(STOPS_SUBSET), *POPULATION, "--group", "ethnicity"],
            "Unknown column 'ethnicity' in the events. Available columns: la_name, la_code,",
        ),
        (
            ["rates", str(STOPS_SUBSET), *POPULATION[:4], "--group", "officer_defined_ethnicity",
             "--population-column", "la_code=LA_code", "--by", "la_code"],
            "Unknown column 'LA_code' in the population. Available columns: LAD, LAD_code,",
        ),
        (
            ["ratios", str(STOPS_SUBSET), *POPULATION, "--group", "officer_defined_ethnicity",
             "--reference", "Martian"],
            "Reference group 'Martian' is not in the data. Groups present: 'Asian', 'Black',",
        ),
        (
            ["rates", str(STOPS_SUBSET), *POPULATION[:-1], "LAD_code=E09000001",
             "--group", "officer_defined_ethnicity", "--by", "la_code"],
            "Population missing for 8 group(s) that have events: "
            "la_code=E09000027, officer_defined_ethnicity=Asian;",
        ),
        (
            ["rates", str(STOPS_SUBSET), *POPULATION, "--group", "officer_defined_ethnicity",
             "--where", "outcome=Nothing of the kind"],
            "No events to count: the data (after any filter) is empty.",
        ),
        (
            ["proportions", str(STOPS_SUBSET), "--group", "officer_defined_ethnicity",
             "--success", "involved_person=perhaps"],
            "Value 'perhaps' does not fit column 'involved_person', which holds boolean.",
        ),
        (
            ["rates", "/no/such.csv", "--population", str(CENSUS_SUBSET), "--group", "g"],
            "File not found: /no/such.csv.",
        ),
        (
            ["rates", str(STOPS_SUBSET), *POPULATION, "--group", "officer_defined_ethnicity",
             "-o", "out.xlsx"],
            "cannot write out.xlsx",
        ),
        (["rates", str(STOPS_SUBSET)], "the following arguments are required: --population"),
        (["histogram"], "invalid choice: 'histogram'"),
    ],
    ids=[
        "unknown-column",
        "unknown-population-column",
        "reference-absent",
        "population-missing-for-area",
        "empty-after-filter",
        "value-of-wrong-type",
        "missing-file",
        "unknown-output",
        "missing-argument",
        "unknown-command",
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(args, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("accord stats: error: ")
    assert message in err
    assert "Traceback" not in err


def test_zero_population_with_events_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.csv"
    pd.DataFrame({"area": ["Hill"] * 12 + ["Vale"] * 20}).to_csv(events, index=False)
    population = tmp_path / "population.csv"
    pd.DataFrame({"area": ["Hill", "Vale"], "population": [0, 500]}).to_csv(population, index=False)
    args = ["rates", str(events), "--population", str(population), "--group", "area"]
    code, _, err = _run(args, capsys)
    assert code == 2
    assert "Population is zero for 1 group(s) that have events: area=Hill (12 events)" in err


# --- The high-level API the command line calls (accord.stats.api) -------------------

API_EVENTS = pd.DataFrame(
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
API_POPULATION = pd.DataFrame(
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


def test_api_ratios_keep_one_reference_and_hide_what_depends_on_hidden_cells() -> None:
    from accord.stats import api

    result = api.ratios(API_EVENTS, API_POPULATION, group="eth", by="area")
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
        people = API_POPULATION.set_index(["area", "eth"]).population
        events = API_EVENTS.groupby(["area", "eth"]).size()
        expected = (events.get((row.area, row.eth), 0) / people[(row.area, row.eth)]) / (
            events[(row.area, "White")] / people[(row.area, "White")]
        )
        assert row.estimate == pytest.approx(expected)


def test_api_rates_by_period_blank_hidden_cells() -> None:
    from accord.stats import api

    result = api.rates(API_EVENTS, API_POPULATION, group="eth", period="quarter", date="date")
    quarters = API_EVENTS.date.dt.to_period("Q").nunique()
    assert len(result) == 3 * quarters
    hidden = result.loc[result.suppressed]
    assert len(hidden) > 0
    assert hidden.estimate.isna().all() and hidden.n.isna().all()
    shown = result.loc[~result.suppressed]
    assert not ((shown.events >= 1) & (shown.events < 10)).any()
    assert any("residential population" in note for note in result.attrs["notes"])


def test_api_stratum_errors_can_become_notes() -> None:
    from accord.stats import api

    events = pd.concat([API_EVENTS, pd.DataFrame({"area": ["West"] * 12, "eth": ["Black"] * 12})])
    population = pd.concat(
        [API_POPULATION, pd.DataFrame({"area": ["West"] * 2, "eth": ["Black", "White"],
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


def test_api_proportions_rri_trend_funnel_and_tabulate() -> None:
    from accord.stats import api

    arrests = api.proportions(
        API_EVENTS, success={"outcome": "Arrest"}, group="eth", compare="ratio", disclosure=None
    )
    assert set(arrests.reference_group) == {"White"}
    expected = API_EVENTS.assign(hit=API_EVENTS.outcome == "Arrest").groupby("eth").hit.mean()
    black = arrests.loc[arrests.eth == "Black"].iloc[0]
    assert black.estimate == pytest.approx(expected["Black"] / expected["White"])

    stages = api.rri(
        API_EVENTS,
        API_POPULATION,
        group="eth",
        stages=[("searches", None), ("arrests", {"outcome": "Arrest"})],
    )
    assert list(dict.fromkeys(stages.stage)) == ["searches", "arrests"]

    trend = api.trend(API_EVENTS, date="date", period="month", group="eth")
    asian = trend.loc[trend.eth == "Asian"].iloc[0]
    assert asian.suppressed and pd.isna(asian.estimate)  # 4 events in all

    funnel = api.funnel(API_EVENTS, API_POPULATION, unit="area")
    assert set(funnel.area) == {"North", "South", "East"}
    assert {"outlier", "lower_998", "upper_998"} <= set(funnel.columns)

    table = api.tabulate(API_EVENTS, by=["area", "eth"], disclosure=api.Disclosure(rounding=5))
    cells = table.set_index(["area", "eth"])
    assert cells.loc[("South", "Asian"), "events_flag"] == "primary"
    assert cells.loc[("Total", "Total"), "events"] == 225
    shown = table.events.dropna()
    assert (shown % 5 == 0).all()
