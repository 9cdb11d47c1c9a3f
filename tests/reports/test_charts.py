"""Charts are drawn from their data, accessibly, with no inline styles or scripts."""

from __future__ import annotations

import math
import re

import pandas as pd

from accord.reports.charts import (
    bar_chart,
    change_chart,
    funnel_chart,
    interval_chart,
    render_pdf,
    render_svg,
    trend_chart,
)


def _ratios() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["Black", "Asian", "Mixed"],
            "estimate": [3.9, 1.4, math.nan],
            "lower": [3.8, 1.3, math.nan],
            "upper": [4.0, 1.5, math.nan],
        }
    )


def test_interval_chart_carries_every_value_and_the_line_of_equality() -> None:
    spec = interval_chart(
        _ratios(),
        category="group",
        title="Search rate ratio",
        value_title="times the White rate",
        description="Search rate ratios against White people",
        reference_value=1.0,
        log_scale=True,
    )
    values = spec["data"]["values"]
    assert [v["group"] for v in values] == ["Black", "Asian", "Mixed"]
    assert values[0]["estimate"] == 3.9
    assert values[2]["estimate"] is None  # suppressed rows leave a gap, never a zero
    assert spec["layer"][-1]["data"]["values"] == [{"reference": 1.0}]


def test_svg_is_accessible_and_csp_safe() -> None:
    spec = interval_chart(
        _ratios(),
        category="group",
        title="Search rate ratio",
        value_title="times the White rate",
        description='Ratios <against> "White"',
    )
    svg = render_svg(spec)
    assert svg.startswith('<svg role="img" aria-label="Ratios &lt;against&gt; &quot;White&quot;"')
    assert "<script" not in svg
    # An inline style attribute would need unsafe-inline; SVG font-style= is an attribute.
    assert not re.search(r"\sstyle=", svg) and "<style" not in svg
    assert "Black" in svg and "Asian" in svg


def test_funnel_and_trend_render() -> None:
    units = pd.DataFrame(
        {
            "borough": ["A", "B"],
            "population": [1000, 5000],
            "estimate": [12.0, 8.0],
            "outlier": ["above 99.8%", ""],
        }
    )
    limits = pd.DataFrame(
        {
            "population": [500, 5000],
            "target": [9.0, 9.0],
            "lower_95": [4.0, 7.0],
            "upper_95": [14.0, 11.0],
            "lower_998": [2.0, 6.0],
            "upper_998": [17.0, 12.0],
        }
    )
    funnel = funnel_chart(
        units,
        limits,
        unit="borough",
        size="population",
        title="Funnel",
        value_title="per 1,000",
        size_title="residents",
        description="Funnel plot",
    )
    assert len(re.findall("<path", render_svg(funnel))) > 3
    months = pd.DataFrame(
        {
            "month": ["2022-01-01", "2022-02-01"],
            "estimate": [5.0, 6.0],
            "lower": [4.0, 5.0],
            "upper": [6.0, 7.0],
        }
    )
    trend = trend_chart(
        months,
        period="month",
        title="Trend",
        value_title="searches",
        description="Monthly searches",
    )
    assert "Trend" in render_svg(trend)
    assert render_pdf(trend).startswith(b"%PDF")


def test_the_funnel_legend_sits_under_the_plot_with_its_words_whole() -> None:
    """Beside the plot, browsers' wider fonts cut the legend's words off at the chart's edge
    (seen on the analysis page); under it, one entry a line, they have the chart's width."""
    label = "Behind London by more than chance allows"
    units = pd.DataFrame(
        {"borough": ["A", "B"], "population": [1000, 5000], "estimate": [12.0, 8.0]}
    ).assign(outlier=[label, "Within chance"])
    limits = pd.DataFrame(
        {
            "population": [500, 5000],
            "target": [9.0, 9.0],
            "lower_95": [4.0, 7.0],
            "upper_95": [14.0, 11.0],
            "lower_998": [2.0, 6.0],
            "upper_998": [17.0, 12.0],
        }
    )
    spec = funnel_chart(
        units,
        limits,
        unit="borough",
        size="population",
        title="Funnel",
        value_title="per 1,000",
        size_title="residents",
        description="Funnel plot",
    )
    assert spec["config"]["legend"]["orient"] == "bottom"
    assert spec["config"]["legend"]["direction"] == "vertical"
    assert label in render_svg(spec)  # not cut short with an ellipsis


def test_change_chart_marks_units_outside_their_band_in_the_warning_colour() -> None:
    frame = pd.DataFrame(
        {
            "borough": ["Croydon", "Camden", "Bexley"],
            "estimate": [22.0, 4.0, math.nan],
            "lower": [-1.0, -3.0, math.nan],
            "upper": [11.0, 13.0, math.nan],
            "outside": [True, False, False],
        }
    )
    spec = change_chart(
        frame,
        category="borough",
        title="Change",
        value_title="points",
        description="Each borough's change",
        reference_value=5.0,
        reference_label="London's change: +5.0 points",
        inside_label="Within",
        outside_label="Outside",
    )
    values = spec["data"]["values"]
    assert [(v["borough"], v["outside"]) for v in values] == [
        ("Croydon", "Outside"),
        ("Camden", "Within"),
        ("Bexley", "Within"),
    ]
    assert values[2]["estimate"] is None
    band, reference, points = spec["layer"]
    assert band["encoding"]["x"]["field"] == "lower" and band["encoding"]["x2"]["field"] == "upper"
    assert reference["data"]["values"] == [
        {"reference": 5.0, "label": "London's change: +5.0 points"}
    ]
    colour = points["encoding"]["color"]["scale"]
    # Outside is always the warning colour, whatever order the words sort in.
    assert dict(zip(colour["domain"], colour["range"], strict=True)) == {
        "Within": "#1d70b8",
        "Outside": "#d4351c",
    }
    svg = render_svg(spec)
    assert "Croydon" in svg and not re.search(r"\sstyle=", svg)


def test_bar_chart_keeps_the_categories_in_order_even_where_a_figure_is_hidden() -> None:
    frame = pd.DataFrame(
        {
            "quarter": ["2025 Q4", "2025 Q4", "2026 Q1", "2026 Q1"],
            "came_by": ["Staff", "Online", "Staff", "Online"],
            "cases": [None, None, 14, 19],
        }
    )
    spec = bar_chart(
        frame,
        category="quarter",
        value="cases",
        series="came_by",
        title="Cases",
        value_title="cases",
        description="Cases by quarter",
    )
    bars, notes = spec["layer"]
    assert bars["encoding"]["y"]["scale"]["domain"] == ["2025 Q4", "2026 Q1"]
    assert bars["encoding"]["yOffset"]["scale"]["domain"] == ["Staff", "Online"]
    assert notes["encoding"]["y"] == bars["encoding"]["y"]
    assert [v["note"] for v in spec["data"]["values"]] == ["hidden", "hidden", "", ""]
    svg = render_svg(spec)
    assert svg.index("2025 Q4") < svg.index("2026 Q1")
