"""Vega-Lite specs for Accord's charts, and their server-side rendering.

Why server-side: the same spec draws the chart on the page (inline SVG, so no script runs and
the strict CSP holds) and in the PDF report, and the page works without JavaScript. Every
chart is shown next to its data table, so nobody depends on seeing the picture.
"""

from __future__ import annotations

import functools
import json
import math
import re
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd
import vl_convert

VEGA_LITE_VERSION = "5.21"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
COLOURS = {"estimate": "#1d70b8", "interval": "#505a5f", "reference": "#d4351c", "limit": "#b1b4b6"}

Spec = dict[str, Any]


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """JSON-safe rows: NaN becomes None so Vega-Lite leaves a gap rather than drawing zero."""
    subset = frame.loc[:, list(columns)].astype(object)
    subset = subset.where(pd.notna(subset), None)
    return json.loads(subset.to_json(orient="records", date_format="iso"))  # type: ignore[no-any-return]


#: Characters per line of a wrapped axis label (about 200 px at 13 px).
LABEL_LINE = 28


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True) or [text]


def _title(title: str, width: int) -> str | list[str]:
    """The title in lines no wider than the chart (about 9 px a character at 16 px).

    Why: a course or table name can run to 200 characters; one unbroken line made the
    chart, and so the page, scroll sideways just to read it.
    """
    lines = _lines(title, max(width // 9, 20))
    return lines[0] if len(lines) == 1 else lines


def _label_expr(labels: Sequence[str]) -> str | None:
    """A Vega ``labelExpr`` breaking long axis labels into lines, or None when all fit.

    Why: a cut label ("Settled or pre-settled status, or inde…") loses the words that tell
    two answers apart. The chart's data keeps the whole label; only the drawing wraps it.
    JSON string literals are valid Vega expression strings, so quotes are safe.
    """
    long = [text for text in dict.fromkeys(labels) if len(text) > LABEL_LINE]
    if not long:
        return None
    expression = "datum.label"
    for text in reversed(long):
        lines = json.dumps(_lines(text, LABEL_LINE))
        expression = f"datum.value === {json.dumps(text)} ? {lines} : {expression}"
    return expression


def _notes(rows: Spec) -> Spec:
    """A layer writing each row's ``note`` ("hidden", "0") at the start of its row, in
    italics: where a mark would be, so a missing mark is never read as zero or absent."""
    return {
        "transform": [{"filter": "datum.note != ''"}],
        "mark": {
            "type": "text",
            "align": "left",
            "dx": 4,
            "fontStyle": "italic",
            "color": COLOURS["interval"],
        },
        "encoding": {**rows, "x": {"value": 0}, "text": {"field": "note"}},
    }


def _base(title: str, description: str, width: int) -> Spec:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": _title(title, width), "anchor": "start", "fontSize": 16},
        "description": description,
        "width": width,
        # Labels are measured in the font the chart is drawn with here; a browser whose
        # system font is wider (DejaVu Sans on Linux) would push the longest label past the
        # left edge and cut it. The spare room on the left keeps it whole.
        "padding": {"left": 32, "top": 5, "right": 5, "bottom": 5},
        "config": {
            "font": FONT,
            "axis": {
                "labelFontSize": 13,
                "titleFontSize": 13,
                "labelLimit": 220,
                "titlePadding": 14,
            },
            # columnPadding: room for a browser font wider than the one measured here
            "legend": {
                "orient": "bottom",
                "labelFontSize": 13,
                "titleFontSize": 13,
                "columnPadding": 24,
            },
            "view": {"stroke": None},
            # The root SVG is one labelled image beside its table: per-mark labels would
            # read raw field names and unrounded numbers to the few readers that reach them.
            "mark": {"aria": False},
        },
    }


def interval_chart(
    frame: pd.DataFrame,
    *,
    category: str,
    title: str,
    value_title: str,
    description: str,
    reference_value: float | None = None,
    log_scale: bool = False,
    width: int = 520,
    why_missing: str | None = None,
) -> Spec:
    """Point estimates with their confidence intervals, one row per category.

    Used for rates and ratios: for ratios ``reference_value=1`` draws the line of equality
    and ``log_scale`` keeps 0.5× and 2× the same distance from it. ``why_missing`` names a
    column saying why a row has no estimate when that is not because it is hidden (a
    comparison with no one to compare with); such rows say "hidden" otherwise.
    """
    data = _records(frame, [category, "estimate", "lower", "upper"])
    reasons = [""] * len(frame) if why_missing is None else list(frame[why_missing].fillna(""))
    for row, reason in zip(data, reasons, strict=True):
        # A hidden (suppressed) row keeps its place and says so, as the bar charts do: a
        # group missing from the picture reads as a group that does not exist.
        row["note"] = (
            (reason or "hidden")
            if row["estimate"] is None
            else "zero: not on a log scale"
            if log_scale and row["estimate"] <= 0
            else ""
        )
    scale: dict[str, Any] = {"type": "log"} if log_scale else {"zero": True}
    x = {"type": "quantitative", "title": value_title, "scale": scale}
    categories = list(dict.fromkeys(str(v) for v in frame[category]))
    axis: Spec = {}
    expression = _label_expr(categories)
    if expression:
        axis = {"axis": {"labelExpr": expression, "labelLimit": 240}}
    y = {
        "field": category,
        "type": "nominal",
        "title": None,
        "sort": None,
        "scale": {"domain": categories},
        **axis,
    }
    drawn = "datum.estimate > 0 && datum.lower > 0" if log_scale else "datum.estimate != null"
    layers: list[Spec] = [
        {
            "transform": [{"filter": drawn}],
            "mark": {"type": "rule", "color": COLOURS["interval"], "strokeWidth": 2},
            "encoding": {"y": y, "x": {**x, "field": "lower"}, "x2": {"field": "upper"}},
        },
        {
            "transform": [{"filter": drawn}],
            "mark": {"type": "point", "filled": True, "size": 90, "color": COLOURS["estimate"]},
            "encoding": {
                "y": y,
                "x": {**x, "field": "estimate"},
                "tooltip": [
                    {"field": category, "type": "nominal"},
                    {"field": "estimate", "type": "quantitative", "format": ".3~g"},
                    {"field": "lower", "type": "quantitative", "format": ".3~g"},
                    {"field": "upper", "type": "quantitative", "format": ".3~g"},
                ],
            },
        },
        _notes({"y": y}),
    ]
    if reference_value is not None:
        layers.append(
            {
                "data": {"values": [{"reference": reference_value}]},
                "mark": {"type": "rule", "color": COLOURS["reference"], "strokeDash": [4, 3]},
                "encoding": {"x": {"field": "reference", "type": "quantitative"}},
            }
        )
    spec = _base(title, description, width)
    # A log scale has no place for zero: such rows keep their label but no mark (the table
    # beside the chart shows them) rather than every point being pinned to the edge.
    spec.update({"data": {"values": data}, "layer": layers, "height": {"step": 34}})
    return spec


def change_chart(
    frame: pd.DataFrame,
    *,
    category: str,
    title: str,
    value_title: str,
    description: str,
    reference_value: float,
    reference_label: str,
    inside_label: str,
    outside_label: str,
    width: int = 520,
) -> Spec:
    """Each unit's change (a point) against the band chance alone allows at its size
    (``lower``/``upper``, a grey bar centred on ``reference_value``): a point outside its
    bar changed unlike the rest, beyond chance.

    Why not Spiegelhalter's funnel of changes against precision: people read "this
    borough's dot is outside its own grey bar" at a glance; 1/se^2 on an axis they do not.
    ``frame`` has ``category``, ``estimate``, ``lower``, ``upper`` and ``outside`` (true
    for a point outside its bar); the legend names the two kinds of point.
    """
    labelled = frame.assign(
        outside=frame["outside"].map(lambda out: outside_label if out else inside_label)
    )
    data = _records(labelled, [category, "estimate", "lower", "upper", "outside"])
    x = {"type": "quantitative", "title": value_title, "scale": {"zero": False}}
    y = {"field": category, "type": "nominal", "title": None, "sort": None}
    layers: list[Spec] = [
        {
            "mark": {"type": "bar", "color": COLOURS["limit"], "opacity": 0.6, "height": 12},
            "encoding": {"y": y, "x": {**x, "field": "lower"}, "x2": {"field": "upper"}},
        },
        {
            "data": {"values": [{"reference": reference_value, "label": reference_label}]},
            "mark": {"type": "rule", "color": COLOURS["reference"], "strokeDash": [4, 3]},
            "encoding": {
                "x": {"field": "reference", "type": "quantitative"},
                "tooltip": [{"field": "label", "type": "nominal"}],
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 90},
            "encoding": {
                "y": y,
                "x": {**x, "field": "estimate"},
                "shape": {
                    "field": "outside",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": [inside_label, outside_label]},
                },
                "color": {
                    "field": "outside",
                    "type": "nominal",
                    "title": None,
                    "scale": {
                        "domain": [inside_label, outside_label],
                        "range": [COLOURS["estimate"], COLOURS["reference"]],
                    },
                },
                "tooltip": [
                    {"field": category, "type": "nominal"},
                    {"field": "estimate", "type": "quantitative", "format": "+.1f"},
                    {"field": "outside", "type": "nominal"},
                ],
            },
        },
    ]
    spec = _base(title, description, width)
    spec.update({"data": {"values": data}, "layer": layers, "height": {"step": 24}})
    return spec


def funnel_chart(
    units: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    unit: str,
    size: str,
    title: str,
    value_title: str,
    size_title: str,
    description: str,
    log_values: bool = True,
    value_domain: tuple[float, float] | None = None,
    kinds: Sequence[str] = (),
    width: int = 560,
) -> Spec:
    """A funnel plot: each unit's value against its size, with control limits.

    ``units`` has ``unit``, ``size``, ``estimate`` and ``outlier``; ``limits`` has ``size``,
    ``target``, and the limit columns ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``.
    ``kinds`` names every ``outlier`` label in a fixed order (within, above, below), so each
    keeps its shape (circle, triangle up, triangle down) whichever kinds a page has: else
    the circle means "ahead" on one page and "within chance" on the next.
    """
    limit_columns = ["lower_95", "upper_95", "lower_998", "upper_998"]
    long_limits = limits.melt(
        id_vars=[size], value_vars=limit_columns, var_name="limit", value_name="value"
    )
    long_limits["band"] = long_limits["limit"].map(
        lambda name: "99.8% limits" if name.endswith("998") else "95% limits"
    )
    x = {"field": size, "type": "quantitative", "title": size_title}
    # A log scale keeps one extreme area (such as the City of London, with few residents and
    # many visitors) from flattening every other area against the axis.
    y_scale: dict[str, Any] = {"type": "log"} if log_values else {"zero": False}
    if value_domain is not None:
        # Limits far outside the units' values would only squash the picture: clip them.
        y_scale.update({"domain": list(value_domain), "clamp": True})
    spec = _base(title, description, width)
    # Under the plot, one entry a line: the page's font is often wider than the one the
    # chart was measured with, and a legend beside the plot had its words cut off.
    spec["config"]["legend"] = {
        "orient": "bottom",
        "direction": "vertical",
        "labelFontSize": 13,
        "labelLimit": 400,
        "padding": 12,  # room between the two legends, whatever the font
    }
    spec["layer"] = [
        {
            "data": {"values": _records(long_limits, [size, "limit", "value", "band"])},
            "transform": [{"filter": "datum.value > 0"}] if log_values else [],
            "mark": {"type": "line", "strokeWidth": 1.5},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": value_title,
                    "scale": y_scale,
                },
                "detail": {"field": "limit"},
                "strokeDash": {
                    "field": "band",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": ["95% limits", "99.8% limits"], "range": [[4, 3], [1, 0]]},
                },
                "color": {"value": COLOURS["interval"]},
            },
        },
        {
            "data": {"values": _records(limits, [size, "target"])},
            "mark": {"type": "line", "color": COLOURS["reference"]},
            "encoding": {"x": x, "y": {"field": "target", "type": "quantitative"}},
        },
        {
            "data": {"values": _records(units, [unit, size, "estimate", "outlier"])},
            "transform": [{"filter": "datum.estimate > 0"}] if log_values else [],
            "mark": {"type": "point", "filled": True, "size": 70},
            "encoding": {
                "x": x,
                "y": {"field": "estimate", "type": "quantitative"},
                "shape": {
                    "field": "outlier",
                    "type": "nominal",
                    "title": None,
                    **(
                        {"scale": {"domain": list(kinds), "range": list(SHAPES[: len(kinds)])}}
                        if kinds
                        else {}
                    ),
                },
                "color": {"value": COLOURS["estimate"]},
                "tooltip": [{"field": unit}, {"field": "estimate", "format": ".3~g"}],
            },
        },
    ]
    return spec


def trend_chart(
    frame: pd.DataFrame,
    *,
    period: str,
    title: str,
    value_title: str,
    description: str,
    series: str | None = None,
    width: int = 560,
) -> Spec:
    """Counts or rates over time, with their intervals as a band; one line per ``series``."""
    columns = [period, "estimate", "lower", "upper", *([series] if series else [])]
    data = _records(frame, columns)
    x = {"field": period, "type": "temporal", "title": None, "axis": {"format": "%b %Y"}}
    colour: dict[str, Any] = (
        {"color": {"field": series, "type": "nominal", "title": None}}
        if series
        else {"color": {"value": COLOURS["estimate"]}}
    )
    y = {"field": "estimate", "type": "quantitative", "title": value_title}
    layers: list[Spec] = []
    if frame[["lower", "upper"]].notna().any().any():
        layers.append(
            {
                "mark": {"type": "area", "opacity": 0.2},
                "encoding": {
                    "x": x,
                    "y": {"field": "lower", "type": "quantitative", "title": value_title},
                    "y2": {"field": "upper"},
                    **colour,
                },
            }
        )
    layers.append({"mark": {"type": "line", "point": True}, "encoding": {"x": x, "y": y, **colour}})
    spec = _base(title, description, width)
    spec.update({"data": {"values": data}, "layer": layers})
    return spec


def before_after_chart(
    frame: pd.DataFrame,
    *,
    start: str,
    title: str,
    value_title: str,
    description: str,
    width: int = 560,
) -> Spec:
    """Monthly rates of the two sets of areas, one line each, with the start marked.

    ``frame`` has ``month`` (first day, ISO), ``set`` and ``rate``; a hidden month is a
    gap in its line. The start is a dashed rule, so the months before it (where the
    lines should move alike) can be read apart from those after.
    """
    x = {"field": "month", "type": "temporal", "title": None, "axis": {"format": "%b %Y"}}
    colour = {
        "field": "set",
        "type": "nominal",
        "title": None,
        "scale": {"range": [COLOURS["estimate"], COLOURS["reference"]]},
        "legend": {"direction": "vertical"},
    }
    spec = _base(title, description, width)
    spec["layer"] = [
        {
            "data": {"values": _records(frame, ["month", "set", "rate"])},
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": x,
                "y": {"field": "rate", "type": "quantitative", "title": value_title},
                "color": colour,
                "strokeDash": {"field": "set", "type": "nominal", "legend": None},
            },
        },
        {
            "data": {"values": [{"month": start, "label": "Start"}]},
            "mark": {"type": "rule", "strokeDash": [6, 4], "color": COLOURS["interval"]},
            "encoding": {"x": {"field": "month", "type": "temporal"}},
        },
        {
            "data": {"values": [{"month": start, "label": "Start"}]},
            "mark": {
                "type": "text",
                "align": "left",
                "dx": 4,
                "dy": 4,
                "baseline": "top",
                "fontSize": 13,
                "color": COLOURS["interval"],
            },
            "encoding": {
                "x": {"field": "month", "type": "temporal"},
                "y": {"value": 0},
                "text": {"field": "label"},
            },
        },
    ]
    return spec


@functools.lru_cache(maxsize=256)
def _svg(spec_json: str) -> str:
    return str(vl_convert.vegalite_to_svg(json.loads(spec_json), vl_version=VEGA_LITE_VERSION))


def render_svg(spec: Spec) -> str:
    """The chart as an accessible inline SVG (role img, labelled by its description)."""
    svg = _svg(json.dumps(spec, sort_keys=True))
    label = _escape(str(spec.get("description", "")))
    return re.sub(
        r"^<svg ", f'<svg role="img" aria-label="{label}" focusable="false" ', svg, count=1
    )


def render_pdf(spec: Spec) -> bytes:
    return bytes(vl_convert.vegalite_to_pdf(spec, vl_version=VEGA_LITE_VERSION))


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def status_chart(
    rows: Sequence[dict[str, Any]],
    *,
    title: str,
    description: str,
    order: Sequence[str],
    colours: Sequence[str],
    width: int = 520,
) -> Spec:
    """How many commitments stood at each status at the end of each period (stacked bars).

    ``rows`` are ``{"period": label, "status": label, "count": n}``; ``order`` lists the
    status labels bottom to top with their ``colours``.
    """
    spec = _base(title, description, width)
    spec.update(
        {
            "data": {"values": list(rows)},
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": "period",
                    "type": "ordinal",
                    "title": None,
                    "sort": None,
                    "axis": {"labelAngle": 0},
                },
                "y": {
                    "field": "count",
                    "type": "quantitative",
                    "title": "Commitments",
                    "axis": {"tickMinStep": 1},
                },
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": list(order), "range": list(colours)},
                },
                "order": {"field": "rank", "type": "quantitative"},
            },
        }
    )
    return spec


#: Series colours for grouped bars (GOV.UK blue, orange, green, purple, turquoise, pink):
#: distinct in hue and lightness, so they stay apart for most colour-blind readers too.
#: Funnel point shapes, in the order of ``funnel_chart``'s ``kinds``.
SHAPES = ("circle", "triangle-up", "triangle-down")
SERIES = ("#1d70b8", "#f47738", "#00703c", "#4c2c92", "#28a197", "#d53880")


def bar_chart(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    value_title: str,
    description: str,
    series: str | None = None,
    width: int = 520,
) -> Spec:
    """Counts as horizontal bars, one row per ``category`` (grouped by ``series``).

    A hidden count (None) has no bar: the word "hidden" stands where it would start, so
    nobody reads the gap as zero; a zero says "0" for the same reason. The fields get
    fixed internal names: a table's own column names (``age.band``, ``hidden``) would
    otherwise be read by Vega-Lite as paths or clash with the marker.
    """
    counts = pd.to_numeric(frame[value], errors="coerce")
    data = _records(
        pd.DataFrame(
            {
                "category": frame[category].astype(str),
                "count": counts,
                "series": frame[series].astype(str) if series else "",
                "note": ["hidden" if pd.isna(n) else "0" if n == 0 else "" for n in counts],
            }
        ),
        ["category", "count", "series", "note"],
    )
    # Explicit domains: the bars leave hidden rows out, so a domain taken from the layers
    # would put the categories with a hidden figure last, out of order.
    categories = list(dict.fromkeys(str(v) for v in frame[category]))
    levels = list(dict.fromkeys(str(v) for v in frame[series])) if series else []
    axis: Spec = {"labelLimit": 240}
    expression = _label_expr(categories)
    if expression:
        axis["labelExpr"] = expression
    y: Spec = {
        "field": "category",
        "type": "nominal",
        "title": None,
        "sort": None,
        "scale": {"domain": categories},
        "axis": axis,
    }
    offset: Spec = {}
    if series:
        offset = {
            "yOffset": {
                "field": "series",
                "type": "nominal",
                "sort": None,
                "scale": {"domain": levels},
            }
        }
    colour: Spec = (
        {
            "color": {
                "field": "series",
                "type": "nominal",
                "title": None,
                "sort": None,
                "scale": {"domain": levels, "range": list(SERIES[: len(levels)])},
            }
        }
        if series and len(levels) <= len(SERIES)
        else {}
    )
    # Nothing to scale by (every figure hidden or zero): keep a readable axis from 0 to 1
    # rather than a single "0" tick in the middle.
    # Counts are whole: below ten, Vega's own ticks fall on halves, so the ticks are given
    # (0 to 1 where nothing is drawn: not a lone "0" in the middle of the chart).
    top = counts.max(skipna=True)
    small = 1 if pd.isna(top) or top <= 0 else math.ceil(top) if top < 10 else 0
    ticks: Spec = {"format": ",d", **({"values": list(range(small + 1))} if small else {})}
    x: Spec = {
        "field": "count",
        "type": "quantitative",
        "title": value_title,
        "axis": ticks,
        # Never stack: two rows with the same label would otherwise draw their sum, a
        # figure in no table.
        "stack": None,
        **({"scale": {"domain": [0, small]}} if small else {}),
    }
    bars: Spec = {
        "mark": {"type": "bar", **({} if colour else {"color": COLOURS["estimate"]})},
        "encoding": {"y": y, **offset, "x": x, **colour},
    }
    notes = _notes({"y": y, **offset})
    spec = _base(title, description, width)
    # One step per bar: with a series, Vega-Lite applies the step to each bar in a group.
    # A wrapped label needs about 15 px a line, so its category gets at least that.
    lines = max(len(_lines(c, LABEL_LINE)) for c in categories)
    needed = 15 * lines + 6
    height: Spec = (
        {"step": max(16, -(-needed // len(levels))), "for": "offset"}
        if series
        else {"step": max(22, needed)}
    )
    spec.update({"data": {"values": data}, "layer": [bars, notes], "height": height})
    return spec
