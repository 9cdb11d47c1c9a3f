"""Charts and reports: one Vega-Lite spec per chart, drawn as SVG for pages and PDF."""
