"""Received releases' counts tables come with a bar chart drawn from the same figures."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from accord.monitoring.received_releases import receive
from accord.monitoring.release_charts import chart_spec
from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.monitoring.release_files import release, signed
from tests.security.principals import client_for


def _table(content: dict[str, object], table_id: str) -> dict[str, object]:
    tables = content["tables"]
    assert isinstance(tables, list)
    return next(t for t in tables if t["id"] == table_id)


def test_a_counts_table_is_charted_without_its_totals_and_hidden_figures_say_so() -> None:
    table = _table(release(), "cases_by_quarter")
    spec = chart_spec(table)  # type: ignore[arg-type]
    assert spec is not None
    values = spec["data"]["values"]
    # The total row is left out of the picture; every other row is there, in order.
    assert [(v["category"], v["series"], v["count"], v["note"]) for v in values] == [
        ("2026 Q1", "Self-referral", 12, ""),
        ("2026 Q1", "Another agency", None, "hidden"),
        ("2026 Q2", '=HYPERLINK("x")', 0, "0"),
    ]
    bars, notes = spec["layer"]
    assert bars["encoding"]["yOffset"]["field"] == "series"
    assert notes["transform"] == [{"filter": "datum.note != ''"}]
    assert spec["title"]["text"] == "New cases by quarter and how they came to us"
    assert spec["description"].endswith(
        "; hidden to protect small numbers, so no bar: 2026 Q1 (Another agency)"
    )


def test_one_column_tables_get_plain_bars_and_measures_get_none() -> None:
    content = release()
    assert chart_spec(_table(content, "complaint_stage_days")) is None  # type: ignore[arg-type]
    one = {
        "id": "cases_by_sex",
        "title": "New cases by sex",
        "kind": "counts",
        "columns": ["sex"],
        "value": "cases",
        "rows": [
            {"sex": "Female", "cases": 120, "flag": ""},
            {"sex": "Male", "cases": None, "flag": "primary"},
            {"sex": "Total", "cases": None, "flag": "secondary"},
        ],
    }
    spec = chart_spec(one)
    assert spec is not None
    assert [v["category"] for v in spec["data"]["values"]] == ["Female", "Male"]
    assert "yOffset" not in spec["layer"][0]["encoding"]
    assert chart_spec({**one, "rows": [one["rows"][2]]}) is None  # only a total: no chart


@pytest.mark.django_db
def test_the_release_pages_show_each_counts_tables_chart() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    with time_machine.travel(dt.datetime(2026, 7, 3, 9, tzinfo=dt.UTC), tick=False):
        received = receive(None, signed(), by=analyst)
    viewer = person(OrgKind.OVERSIGHT, Role.VIEWER)
    page = (
        client_for("x", {"x": viewer})
        .get(reverse("release_detail", args=[received.uid]))
        .content.decode()
    )
    charts = re.findall(r'<figure class="accord-chart"[^>]*aria-label="Chart: ([^"(]+)', page)
    assert [c.strip() for c in charts] == ["New cases by quarter and how they came to us"]
    assert '<svg role="img" aria-label="Bar chart: New cases by quarter' in page
    assert "<script" not in page.split("<main", 1)[1]
