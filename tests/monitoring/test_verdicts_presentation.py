"""How the analysis page and its downloads write numbers: no "-0.0%", a reason where a
trend has none, searches not called hidden when the page publishes them, the summary's
ratios rounded as the table's, and CSV cells a spreadsheet reads as they are meant."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from accord.monitoring.analysis import Choice, run
from accord.monitoring.models import AnalysisRun, RunStatus
from accord.monitoring.presentation import (
    HIDDEN,
    csv_cell,
    proportions_section,
    published_searches,
    ratios_section,
    sections,
    trend_section,
)
from accord.monitoring.services import frames
from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.monitoring.test_verdicts_messages import (
    SELF,
    ask,
    datasets,
    event_rows,
    monthly,
    write,
)
from tests.security.principals import client_for

MONTHLY = pd.DataFrame(
    {SELF: ["White", "Total"], "period": ["2022-01-01T00:00:00.000", "Total"], "events": [1, 1]}
)


def _trend(**row: object) -> pd.DataFrame:
    return pd.DataFrame([{"group": "White", "suppressed": False, "note": "", **row}])


def test_a_flat_trend_is_0_0_per_cent_not_minus_0_0() -> None:
    section = trend_section(_trend(estimate=-1e-12, lower=-52.4673, upper=110.3818), MONTHLY, SELF)
    assert section.rows == [["White", "0.0%", "-52.5 to 110.4"]]


def test_a_trend_with_no_estimate_says_why(tmp_path: Path) -> None:
    events, population = write(
        tmp_path,
        event_rows(
            [
                {"group": g, "n": 40, "month": m}
                for g in ("Black", "White")
                for m in ("2022-01", "2022-02")
            ]
        ),
    )
    results = run(Choice(events, population, SELF, "White", "Black"))
    section = trend_section(results.trend, results.monthly, SELF)
    assert [row[:2] for row in section.rows] == [
        [
            "Black",
            "No estimate: fewer than three months, so no trend or dispersion can be estimated",
        ],
        [
            "White",
            "No estimate: fewer than three months, so no trend or dispersion can be estimated",
        ],
    ]
    assert not any("–%" in cell for row in section.rows for cell in row)


def _numbers(cell: str) -> str:
    return cell.replace(",", "")


def test_searches_are_not_called_hidden_where_the_rates_publish_them(tmp_path: Path) -> None:
    """Asian: 60 searches, 3 arrests. The arrests are hidden (and so the per cent); the
    searches are the rates table's 60 and are shown. Other's 5 searches (and Mixed's 20
    beside them) are hidden in every table, so the outcome table still hides them: it
    publishes no number the rates don't."""
    rows = event_rows(
        [
            {"group": "Asian", "n": 60, "arrests": 3},
            {"group": "Black", "n": 150, "arrests": 40},
            {"group": "Mixed", "n": 20, "arrests": 6},  # hidden beside Other's 5
            {"group": "Other", "n": 5, "arrests": 0},
            {"group": "White", "n": 400, "arrests": 100},
        ]
    )
    events, population = write(tmp_path, rows)
    results = run(Choice(events, population, SELF, "White", "Black"))
    rates = results.rates.set_index("group")
    proportions = results.proportions.set_index("group")
    assert bool(proportions.loc["Asian", "suppressed"])
    assert not bool(rates.loc["Asian", "suppressed"]) and int(rates.loc["Asian", "events"]) == 60
    assert bool(rates.loc["Other", "suppressed"]) and bool(rates.loc["Mixed", "suppressed"])

    from accord.monitoring.analysis import outcome_of

    section = proportions_section(
        results.proportions, outcome_of("Arrest"), published_searches(results.rates)
    )
    by_group = {row[0]: row for row in section.rows}
    assert by_group["Asian"] == ["Asian", "60", HIDDEN, HIDDEN, "–"]
    assert by_group["Other"][1] == HIDDEN and by_group["Mixed"][1] == HIDDEN
    # The attacker's view: every searches figure the outcome table shows is one the rates
    # table shows for the same group; nothing new is published.
    rates_shown = {
        str(g): str(int(r["events"])) for g, r in rates.iterrows() if not bool(r["suppressed"])
    }
    for group, row in by_group.items():
        if row[1] != HIDDEN:
            assert _numbers(row[1]) == rates_shown[group]
    # Through sections(), as the page builds it.
    page = sections({**results.tables()}, {"group": SELF, "focus": "Black", "outcome": "Arrest"})
    outcomes = next(s for s in page if s.slug == "outcomes")
    assert outcomes.rows == section.rows


def test_the_summary_rounds_a_ratio_as_the_table_does(tmp_path: Path) -> None:
    """Asian 32 searches against White's 400 (equal populations): 0.08 (0.056 to 0.115).
    The summary gave the upper limit one decimal, "0.1", where the table says "0.11"."""
    rows = event_rows(
        [{"group": "Asian", "n": 32}, {"group": "Black", "n": 150}, {"group": "White", "n": 400}]
    )
    events, population = write(tmp_path, rows)
    results = run(Choice(events, population, SELF, "White", "Black"))
    table = {row[0]: row for row in ratios_section(results.ratios).rows}
    estimate, katz = table["Asian"][1], table["Asian"][2]
    sentence = next(s for s in results.sentences if s.startswith("Asian people were searched"))
    assert f"at {estimate} times the rate of White people (95% CI {katz})." in sentence, (
        sentence,
        table["Asian"],
    )
    assert katz.endswith("0.11")


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("events", 12.0, 12),
        ("events", float("nan"), None),
        ("trials", None, None),
        ("size", 20000.0, 20000),
        ("estimate", 12.0, 12.0),
        ("estimate", -0.0, 0.0),
        ("period", "2022-01-01T00:00:00.000", "2022-01"),
        ("period", "Total", "Total"),
        ("suppressed", True, True),
    ],
)
def test_csv_cells(column: str, value: object, expected: object) -> None:
    got = csv_cell(column, value)
    assert got == expected and type(got) is type(expected)


@pytest.mark.django_db
def test_the_monthly_download_has_blank_hidden_cells_whole_counts_and_months(
    tmp_path: Path,
) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    events, population = datasets(
        tmp_path, monthly({"Asian": 60, "Black": 80, "Other": 3, "White": 200}), analyst
    )
    client = client_for("x", {"x": analyst})
    response = ask(client, events, population)
    run_row = AnalysisRun.objects.get()
    assert run_row.status == RunStatus.DONE, run_row.error
    stored = frames(run_row)["monthly"]
    text = client.get(f"/analysis/runs/{run_row.pk}/monthly.csv").content.decode()
    assert "nan" not in text.lower() and "T00:00:00" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(stored)
    hidden = [r for r in rows if r["events"] == ""]
    assert hidden  # Other's 3 a month
    assert all(re.fullmatch(r"\d+", r["events"]) for r in rows if r["events"])
    months = {r["period"] for r in rows}
    assert months == {"2022-01", "2022-02", "2022-03", "2022-04", "Total"}
    assert response.status_code == 302
    # The rates download: counts whole too.
    rates = list(
        csv.DictReader(
            io.StringIO(client.get(f"/analysis/runs/{run_row.pk}/rates.csv").content.decode())
        )
    )
    assert all(re.fullmatch(r"\d*", r["events"]) for r in rates)
