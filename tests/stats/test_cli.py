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
