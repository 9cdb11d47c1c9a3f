"""Charts stay truthful and readable at the edges: hidden rows keep their place, long labels
wrap instead of being cut, grouped bars stay bar-thick, and a table's own column names can
never bend what is drawn."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from accord.monitoring.release_charts import chart_spec
from accord.reports.charts import bar_chart, funnel_chart, interval_chart, render_svg


def _texts(svg: str) -> list[str]:
    """Every drawn line of text (a wrapped label is one <tspan> a line)."""
    return re.findall(r"<(?:text|tspan)[^>]*>([^<]+)</(?:text|tspan)>", svg)


def _bar_heights(svg: str) -> list[float]:
    marks = re.search(r'layer_0_marks"[^>]*>(.*?)</g>', svg)
    assert marks
    return [float(h) for h in re.findall(r'd="M[-\d.]+,[-\d.]+h[-\d.]+v([\d.]+)h', marks.group(1))]


def _height(svg: str) -> float:
    match = re.search(r'<svg[^>]* height="([\d.]+)"', svg)
    assert match
    return float(match.group(1))


def _grouped(levels: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quarter": [q for q in ("2026 Q1", "2026 Q2") for _ in range(levels)],
            "came_by": [f"Way {i}" for _ in range(2) for i in range(levels)],
            "cases": [10 + i for i in range(2 * levels)],
        }
    )


def test_grouped_bars_are_one_bar_thick_not_one_category_thick() -> None:
    # Vega-Lite applies a plain height step to each bar within a group: 3 levels drew
    # 56 px bars and a 572 px chart.
    svg = render_svg(
        bar_chart(
            _grouped(3),
            category="quarter",
            value="cases",
            series="came_by",
            title="Cases",
            value_title="cases",
            description="Cases",
        )
    )
    bars = _bar_heights(svg)
    assert len(bars) == 6 and max(bars) <= 17
    assert _height(svg) < 250


def test_long_labels_wrap_whole_and_two_alike_stay_apart() -> None:
    alike = [
        "Settled or pre-settled status, or indefinite leave to remain",
        "Settled or pre-settled status, or indefinite leave to remain (EU scheme)",
    ]
    frame = pd.DataFrame({"status": [*alike, "British or Irish citizen"], "n": [40, None, 120]})
    spec = bar_chart(
        frame, category="status", value="n", title="Status", value_title="clients", description="d"
    )
    texts = _texts(render_svg(spec))
    assert not any("…" in t for t in texts)
    assert "to remain" in texts and "to remain (EU scheme)" in texts
    # The data keeps each whole label: only the drawing is wrapped.
    assert [v["category"] for v in spec["data"]["values"]][:2] == alike


def test_a_hidden_group_keeps_its_row_in_an_interval_chart_and_says_hidden() -> None:
    frame = pd.DataFrame(
        {
            "group": ["10-17", "18-24", "25-34"],
            "estimate": [5.0, None, 7.0],
            "lower": [4.0, None, 6.0],
            "upper": [6.0, None, 8.0],
        }
    )
    spec = interval_chart(
        frame, category="group", title="Rates", value_title="rate", description="d"
    )
    texts = _texts(render_svg(spec))
    assert texts.index("10-17") < texts.index("18-24") < texts.index("25-34")
    assert "hidden" in texts


def test_zero_on_a_log_scale_keeps_its_row_and_says_why_it_has_no_point() -> None:
    frame = pd.DataFrame(
        {"group": ["A", "B"], "estimate": [0.0, 2.0], "lower": [0.0, 1.5], "upper": [0.5, 2.5]}
    )
    spec = interval_chart(
        frame,
        category="group",
        title="Ratios",
        value_title="times",
        description="d",
        reference_value=1.0,
        log_scale=True,
    )
    texts = _texts(render_svg(spec))
    assert "A" in texts and "zero: not on a log scale" in texts


def test_zeros_say_zero_and_an_empty_chart_keeps_a_whole_number_axis() -> None:
    frame = pd.DataFrame({"sex": ["Female", "Male"], "cases": [0, 0]})
    spec = bar_chart(
        frame, category="sex", value="cases", title="Cases", value_title="cases", description="d"
    )
    texts = _texts(render_svg(spec))
    assert texts.count("0") >= 3  # a "0" beside each bar, and the axis's own 0
    assert "1" in texts  # the axis runs 0 to 1, not a lone 0 in the middle
    small = bar_chart(
        frame.assign(cases=[3, 1]),
        category="sex",
        value="cases",
        title="Cases",
        value_title="cases",
        description="d",
    )
    assert not any("." in t for t in _texts(render_svg(small)))  # no 0.5 ticks


def test_rows_with_the_same_label_are_never_drawn_as_their_sum() -> None:
    frame = pd.DataFrame({"sex": ["Female", "Female"], "cases": [20, 30]})
    spec = bar_chart(
        frame, category="sex", value="cases", title="Cases", value_title="cases", description="d"
    )
    assert spec["layer"][0]["encoding"]["x"]["stack"] is None


def _release_table(columns: list[str], value: str, rows: list[dict[str, object]]) -> dict:
    return {
        "id": "t",
        "title": "New cases",
        "kind": "counts",
        "columns": columns,
        "value": value,
        "rows": rows,
    }


def test_a_releases_own_column_names_cannot_bend_the_chart() -> None:
    # A column called "hidden" used to clash with the marker (a 500 on the release pages
    # for good); "age.band" was read by Vega-Lite as a path, drawing one bar of 70.
    for name in ("hidden", "age.band", "a[0]"):
        spec = chart_spec(
            _release_table(
                [name],
                "cases",
                [{name: "18 to 24", "cases": 30}, {name: "25 and over", "cases": 40}],
            )
        )
        assert spec is not None
        texts = _texts(render_svg(spec))
        assert "18 to 24" in texts and "25 and over" in texts
        assert [v["count"] for v in spec["data"]["values"]] == [30, 40]
    assert chart_spec(_release_table(["sex"], "hidden", [{"sex": "F", "hidden": 3}])) is not None


def test_no_chart_where_it_could_not_be_read_truthfully() -> None:
    same_name = _release_table(["sex", "sex"], "cases", [{"sex": "F", "cases": 3}])
    value_is_a_label = _release_table(["sex"], "sex", [{"sex": "F"}])
    repeated = _release_table(
        ["sex"], "cases", [{"sex": "F", "cases": 20}, {"sex": "F", "cases": 30}]
    )
    all_hidden = _release_table(
        ["sex"], "cases", [{"sex": "F", "cases": None}, {"sex": "M", "cases": None}]
    )
    many = _release_table(
        ["quarter", "way"],
        "cases",
        [{"quarter": "Q1", "way": f"W{i}", "cases": 12} for i in range(7)],
    )
    for table in (same_name, value_is_a_label, repeated, all_hidden, many):
        assert chart_spec(table) is None, table


def test_the_alt_text_says_which_figures_are_hidden_and_only_when_some_are() -> None:
    shown = chart_spec(
        _release_table(
            ["sex"], "cases", [{"sex": "Female", "cases": 20}, {"sex": "Male", "cases": 12}]
        )
    )
    assert shown is not None and "hidden" not in shown["description"]
    some = chart_spec(
        _release_table(
            ["quarter", "came_by"],
            "cases",
            [
                {"quarter": "2026 Q1", "came_by": "Self-referral", "cases": None},
                {"quarter": "2026 Q1", "came_by": "Police", "cases": 14},
                {"quarter": "2026 Q2", "came_by": "Self-referral", "cases": None},
                {"quarter": "2026 Q2", "came_by": "Police", "cases": 19},
            ],
        )
    )
    assert some is not None
    assert some["description"].endswith(
        "; hidden to protect small numbers, so no bar: "
        "2026 Q1 (Self-referral), 2026 Q2 (Self-referral)"
    )
    many = chart_spec(
        _release_table(
            ["borough"],
            "cases",
            [{"borough": f"B{i}", "cases": None if i < 7 else 40} for i in range(8)],
        )
    )
    assert many is not None and many["description"].endswith("B3, B4 and 2 more")


def test_a_long_title_wraps_to_the_charts_width() -> None:
    title = "Domestic abuse and coercive control: " * 5
    spec = bar_chart(
        pd.DataFrame({"s": ["A"], "n": [3]}),
        category="s",
        value="n",
        title=title,
        value_title="n",
        description="d",
    )
    assert isinstance(spec["title"]["text"], list) and len(spec["title"]["text"]) > 1
    width = re.search(r'<svg[^>]* width="([\d.]+)"', render_svg(spec))
    assert width and float(width.group(1)) < 700


def test_a_funnel_points_shape_means_the_same_on_every_page() -> None:
    limits = pd.DataFrame(
        {
            "size": [100.0, 1000.0],
            "target": [0.5, 0.5],
            "lower_95": [0.4, 0.47],
            "upper_95": [0.6, 0.53],
            "lower_998": [0.35, 0.45],
            "upper_998": [0.65, 0.55],
        }
    )
    kinds = ("Within", "Ahead", "Behind")

    def shapes(outliers: list[str]) -> dict[str, Any]:
        units = pd.DataFrame(
            {"unit": ["A", "B"], "size": [100, 900], "estimate": [0.5, 0.51], "outlier": outliers}
        )
        spec = funnel_chart(
            units,
            limits,
            unit="unit",
            size="size",
            title="t",
            value_title="v",
            size_title="s",
            description="d",
            log_values=False,
            kinds=kinds,
        )
        return spec["layer"][-1]["encoding"]["shape"]["scale"]  # type: ignore[no-any-return]

    # Only "Behind" on one page, "Ahead" and "Within" on another: the same shapes still.
    assert shapes(["Behind", "Behind"]) == shapes(["Within", "Ahead"])
    assert shapes(["Within", "Within"]) == {
        "domain": list(kinds),
        "range": ["circle", "triangle-up", "triangle-down"],
    }
