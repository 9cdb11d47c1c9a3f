"""``accord stats``: disproportionality statistics over files, from the command line.

Usage (the ``accord`` console script passes everything after ``stats`` here)::

    accord stats rates stops.csv.gz --population census.csv \\
        --population-wide Asian,Black,Mixed,Other,White \\
        --population-column la_code=LAD_code \\
        --group officer_defined_ethnicity --by la_name -o rates.csv -o rates.html

Subcommands: ``rates``, ``ratios``, ``proportions``, ``funnel`` and ``trend``. Output
goes to each ``-o`` file, its format taken from the name (``.csv``, ``.parquet``,
``.json`` or ``.html``, a self-contained summary page), or as CSV to standard output.
Bad input (an unknown column, a group with no population, a reference group that is
absent, ...) ends with exit code 2 and a message on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

import duckdb
import pandas as pd
from ibis.common.exceptions import IbisError
from tqdm import tqdm

from accord.stats import api
from accord.stats.errors import StatsInputError
from accord.stats.inputs import connect
from accord.stats.sentences import (
    describe_outlier,
    describe_proportion,
    describe_rate,
    describe_ratio,
    describe_trend,
)

__all__ = ["PROGRESS_BYTES", "build_parser", "main", "write_output"]

#: Inputs at least this big get a progress bar (on standard error).
PROGRESS_BYTES = 50 * 1024 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_OUTPUT_SUFFIXES = (".csv", ".parquet", ".json", ".html")


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports errors by exception, so main() decides the exit."""

    def error(self, message: str) -> NoReturn:
        raise StatsInputError(message)


def _columns(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _condition(text: str) -> tuple[str, list[str]]:
    column, sep, values = text.partition("=")
    if not sep or not column.strip():
        raise argparse.ArgumentTypeError(f"expected COLUMN=VALUE[,VALUE...], got {text!r}")
    return column.strip(), [v.strip() for v in values.split(",")]


def _pair(text: str) -> tuple[str, str]:
    left, sep, right = text.partition("=")
    if not sep or not left.strip() or not right.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=NAME, got {text!r}")
    return left.strip(), right.strip()


def _recode(text: str) -> tuple[str, str, str]:
    column, sep, mapping = text.partition(":")
    old, sep2, new = mapping.partition("=")
    if not sep or not sep2 or not column.strip():
        raise argparse.ArgumentTypeError(f"expected COLUMN:OLD=NEW, got {text!r}")
    return column.strip(), old.strip(), new.strip()


def _conditions(items: Sequence[tuple[str, list[str]]] | None) -> dict[str, object] | None:
    if not items:
        return None
    merged: dict[str, list[str]] = {}
    for column, values in items:
        merged.setdefault(column, []).extend(values)
    return {column: values for column, values in merged.items()}


def _add_common(parser: argparse.ArgumentParser, *, population: str) -> None:
    parser.add_argument("events", type=Path, help="events file: CSV, CSV.gz, TSV or Parquet")
    if population != "none":
        parser.add_argument(
            "--population",
            type=Path,
            required=population == "required",
            help="population file: the group columns and a population column",
        )
        parser.add_argument(
            "--population-value",
            default="population",
            metavar="COLUMN",
            help="column of head counts (default: population)",
        )
        parser.add_argument(
            "--population-wide",
            type=_columns,
            metavar="COL,COL",
            help="columns holding one group each (the Census layout), e.g. Asian,Black,White",
        )
        parser.add_argument(
            "--population-names-to",
            metavar="COLUMN",
            help="events column the wide column names are values of (default: first --group)",
        )
        parser.add_argument(
            "--population-column",
            type=_pair,
            action="append",
            metavar="EVENTS=POPULATION",
            help="an events column and its name in the population file, e.g. la_code=LAD_code",
        )
        parser.add_argument(
            "--population-where",
            type=_condition,
            action="append",
            metavar="COLUMN=VALUE[,VALUE]",
            help="keep only these population rows (population column names)",
        )
        parser.add_argument(
            "--unmatched",
            choices=["error", "drop"],
            default="error",
            help="events in a group with no population: stop (default) or leave them out",
        )
    parser.add_argument(
        "--where",
        type=_condition,
        action="append",
        metavar="COLUMN=VALUE[,VALUE]",
        help="keep only these events (repeat for several conditions, all must hold)",
    )
    parser.add_argument(
        "--recode",
        type=_recode,
        action="append",
        metavar="COLUMN:OLD=NEW",
        help="replace a value in an events column before counting",
    )
    parser.add_argument("--conf-level", type=float, default=0.95, help="default 0.95")
    parser.add_argument(
        "--threshold",
        type=int,
        default=10,
        help="disclosure control: hide counts from 1 to THRESHOLD-1 (default 10)",
    )
    parser.add_argument("--hide-zeros", action="store_true", help="hide zero counts too")
    parser.add_argument(
        "--no-margins",
        action="store_true",
        help="totals are not published, so only primary suppression is needed",
    )
    parser.add_argument(
        "--backend",
        default="duckdb",
        help="engine: duckdb (default), spark, or a postgresql:// URL",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        action="append",
        help="output file (.csv, .parquet, .json, .html); repeat for several; default CSV "
        "to standard output",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: for inputs over 50 MB)",
    )


def _add_grouping(parser: argparse.ArgumentParser, *, group_required: bool = True) -> None:
    parser.add_argument(
        "--group",
        type=_columns,
        action="extend",
        required=group_required,
        metavar="COLUMN",
        help="column(s) compared, e.g. officer_defined_ethnicity (repeat or comma-separate)",
    )
    parser.add_argument(
        "--by", type=_columns, action="extend", metavar="COLUMN", help="strata, e.g. la_name"
    )


def _add_period(parser: argparse.ArgumentParser, *, required: bool = False) -> None:
    parser.add_argument(
        "--period",
        choices=["month", "quarter", "year"],
        default="month" if required else None,
        help="count per period of the --date column" + (" (default month)" if required else ""),
    )
    parser.add_argument("--date", required=required, metavar="COLUMN", help="date column")


def build_parser() -> argparse.ArgumentParser:
    """The ``accord stats`` argument parser."""
    parser = _Parser(
        prog="accord stats",
        description="Disproportionality statistics with intervals and disclosure control.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    rates = commands.add_parser("rates", help="events per 1,000 people in each group")
    _add_common(rates, population="required")
    _add_grouping(rates)
    _add_period(rates)
    rates.add_argument("--per", type=float, default=1000.0, help="rate base (default 1000)")

    ratios = commands.add_parser("ratios", help="each group's rate against a reference group")
    _add_common(ratios, population="required")
    _add_grouping(ratios)
    _add_period(ratios)
    ratios.add_argument("--reference", help="reference group (default: largest population)")
    ratios.add_argument("--form", choices=["poisson", "risk", "odds"], default="poisson")

    proportions = commands.add_parser(
        "proportions", help="share of events with an outcome, e.g. searches ending in arrest"
    )
    _add_common(proportions, population="none")
    _add_grouping(proportions)
    _add_period(proportions)
    proportions.add_argument(
        "--success",
        type=_condition,
        action="append",
        required=True,
        metavar="COLUMN=VALUE[,VALUE]",
        help="the outcome counted, e.g. outcome=Arrest",
    )
    proportions.add_argument("--compare", choices=["ratio", "difference"])
    proportions.add_argument("--reference", help="reference group for --compare")
    proportions.add_argument("--method", choices=["wilson", "clopper-pearson"], default="wilson")

    funnel = commands.add_parser("funnel", help="compare areas against the overall figure")
    _add_common(funnel, population="optional")
    funnel.add_argument(
        "--unit",
        type=_columns,
        action="extend",
        required=True,
        metavar="COLUMN",
        help="the units compared, e.g. la_name",
    )
    funnel.add_argument(
        "--success",
        type=_condition,
        action="append",
        metavar="COLUMN=VALUE[,VALUE]",
        help="without --population: compare the share of events with this outcome",
    )
    funnel.add_argument("--per", type=float, default=1000.0)
    funnel.add_argument(
        "--overdispersion", choices=["none", "multiplicative", "additive"], default="none"
    )

    trend = commands.add_parser("trend", help="annual percentage change over time")
    _add_common(trend, population="optional")
    _add_grouping(trend, group_required=False)
    _add_period(trend, required=True)
    return parser


def _population(args: argparse.Namespace) -> api.Population | None:
    if getattr(args, "population", None) is None:
        return None
    names_to = args.population_names_to or (args.group[0] if getattr(args, "group", None) else None)
    return api.Population(
        args.population,
        value=args.population_value,
        wide=args.population_wide,
        names_to=names_to,
        columns=dict(args.population_column) if args.population_column else None,
        where=_conditions(args.population_where),
    )


def _recodes(args: argparse.Namespace) -> dict[str, dict[object, object]] | None:
    if not args.recode:
        return None
    out: dict[str, dict[object, object]] = {}
    for column, old, new in args.recode:
        out.setdefault(column, {})[old] = new
    return out


def _run(args: argparse.Namespace) -> pd.DataFrame:
    disclosure = api.Disclosure(
        threshold=args.threshold, show_zeros=not args.hide_zeros, margins=not args.no_margins
    )
    common: dict[str, Any] = {
        "where": _conditions(args.where),
        "conf_level": args.conf_level,
        "recode": _recodes(args),
        "disclosure": disclosure,
    }
    if args.backend != "duckdb":
        common["backend"] = connect(args.backend)
    if args.command in ("rates", "ratios", "funnel", "trend"):
        common["unmatched"] = args.unmatched
    population = _population(args)
    if args.command == "rates":
        return api.rates(
            args.events,
            population,
            group=args.group,
            by=args.by,
            per=args.per,
            period=args.period,
            date=args.date,
            **common,
        )
    if args.command == "ratios":
        return api.ratios(
            args.events,
            population,
            group=args.group,
            by=args.by,
            reference=args.reference,
            form=args.form,
            period=args.period,
            date=args.date,
            **common,
        )
    if args.command == "proportions":
        return api.proportions(
            args.events,
            success=_conditions(args.success),
            group=args.group,
            by=args.by,
            compare=args.compare,
            reference=args.reference,
            method=args.method,
            period=args.period,
            date=args.date,
            **common,
        )
    if args.command == "funnel":
        return api.funnel(
            args.events,
            population,
            unit=args.unit,
            success=_conditions(args.success),
            per=args.per,
            overdispersion=args.overdispersion,
            **common,
        )
    return api.trend(
        args.events,
        population,
        date=args.date,
        period=args.period,
        group=args.group,
        **common,
    )


def _safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in text cells (SECURITY.md IN-3)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _for_csv(result: pd.DataFrame) -> pd.DataFrame:
    out = result.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_safe_cell)
    return out


def _json_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.date):
        return value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if hasattr(value, "item"):
        return _json_value(value.item())
    return value


def _json(result: pd.DataFrame) -> str:
    rows = [
        {str(k): _json_value(v) for k, v in row.items()} for row in result.to_dict(orient="records")
    ]
    return json.dumps({"notes": result.attrs.get("notes", []), "rows": rows}, indent=2)


_SENTENCES: dict[str, Callable[[pd.Series], str]] = {
    "rates": describe_rate,
    "ratios": describe_ratio,
    "proportions": describe_proportion,
    "funnel": describe_outlier,
    "trend": describe_trend,
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#0b0c0c;max-width:72rem}
h1{font-size:1.6rem}table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #b1b4b6;padding:.3rem .5rem;text-align:left}
th{background:#f3f2f1}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.hidden td{color:#505a5f;font-style:italic}.notes{background:#fff7bf;padding:.5rem 1rem}
"""


def _cell(value: object) -> tuple[str, bool]:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        text = f"{int(number):,}" if number.is_integer() and abs(number) >= 1 else f"{number:.4g}"
        return text, True
    if hasattr(value, "item"):
        return _cell(value.item())
    return str(value), False


def _html(result: pd.DataFrame, command: str, title: str, strata: Sequence[str] = ()) -> str:
    shown = [
        c
        for c in result.columns
        if c not in ("method", "note", "conf_level", "slope_se", "phi", "tau2")
    ]
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in shown)
    body = []
    describe = _SENTENCES.get(command)
    sentences: list[str] = []
    for _, row in result.iterrows():
        cells = []
        for column in shown:
            text, numeric = _cell(row[column])
            klass = " class='num'" if numeric else ""
            cells.append(f"<td{klass}>{html.escape(text)}</td>")
        hidden = " class='hidden'" if bool(row.get("suppressed", False)) else ""
        body.append(f"<tr{hidden}>{''.join(cells)}</tr>")
        if describe is not None and "comparison" not in result.columns:
            where = ", ".join(str(row[k]) for k in strata if k in row.index)
            sentences.append((f"{where}: " if where else "") + describe(row))
    methods = sorted({str(m) for m in result.get("method", pd.Series(dtype=str)).dropna()})
    notes = [str(n) for n in result.attrs.get("notes", [])]
    suppressed = int(result["suppressed"].sum()) if "suppressed" in result else 0
    notes.append(
        f"{suppressed} row(s) are suppressed (too few to publish): their numbers are blank."
    )
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en-GB'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        "<div class='notes'><ul>",
        *[f"<li>{html.escape(n)}</li>" for n in notes],
        "</ul></div>",
        "<h2>Method</h2><ul>",
        *[f"<li>{html.escape(m)}</li>" for m in methods],
        "</ul>",
    ]
    if sentences:
        parts += ["<h2>In words</h2><ul>", *[f"<li>{html.escape(s)}</li>" for s in sentences]]
        parts.append("</ul>")
    parts += [
        "<h2>Table</h2>",
        f"<table><thead><tr>{head}</tr></thead><tbody>",
        *body,
        "</tbody></table></body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_output(
    result: pd.DataFrame,
    path: Path | None,
    *,
    command: str,
    stdout: TextIO,
    strata: Sequence[str] = (),
) -> None:
    """Write ``result`` to ``path`` in the format its name gives (CSV to stdout if None)."""
    if path is None:
        _for_csv(result).to_csv(stdout, index=False)
        return
    suffix = path.suffix.lower()
    if suffix not in _OUTPUT_SUFFIXES:
        raise StatsInputError(
            f"Cannot write {path}: the name must end with one of {', '.join(_OUTPUT_SUFFIXES)}."
        )
    if suffix == ".csv":
        _for_csv(result).to_csv(path, index=False)
    elif suffix == ".parquet":
        result.to_parquet(path, index=False)
    elif suffix == ".json":
        path.write_text(_json(result), encoding="utf-8")
    else:
        title = f"accord stats {command}: {path.stem}"
        path.write_text(_html(result, command, title, strata), encoding="utf-8")


def _strata(args: argparse.Namespace) -> list[str]:
    strata = list(getattr(args, "by", None) or [])
    if getattr(args, "period", None) and args.command != "trend":
        strata.append("period")
    return strata


def _wants_progress(args: argparse.Namespace) -> bool:
    if args.progress is not None:
        return bool(args.progress)
    try:
        return bool(args.events.stat().st_size >= PROGRESS_BYTES)
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    """Run ``accord stats``; returns the exit code (0, or 2 for bad input)."""
    arguments = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(arguments)
    except StatsInputError as error:
        print(f"accord stats: error: {error}", file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)
    outputs: list[Path | None] = list(args.output) if args.output else [None]
    for path in outputs:
        if path is not None and path.suffix.lower() not in _OUTPUT_SUFFIXES:
            print(
                f"accord stats: error: cannot write {path}: use one of "
                f"{', '.join(_OUTPUT_SUFFIXES)}",
                file=sys.stderr,
            )
            return 2
    steps = tqdm(
        total=1 + len(outputs),
        desc="accord stats",
        unit="step",
        file=sys.stderr,
        disable=not _wants_progress(args),
    )
    try:
        steps.set_postfix_str(f"counting {args.events.name}")
        result = _run(args)
        steps.update()
        for path in outputs:
            steps.set_postfix_str(f"writing {path or 'stdout'}")
            write_output(
                result, path, command=args.command, stdout=sys.stdout, strata=_strata(args)
            )
            steps.update()
    except StatsInputError as error:
        print(f"accord stats: error: {error}", file=sys.stderr)
        return 2
    except (duckdb.Error, IbisError) as error:
        print(f"accord stats: error: could not read or count the data: {error}", file=sys.stderr)
        return 2
    finally:
        steps.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
