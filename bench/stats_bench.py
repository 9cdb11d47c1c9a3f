"""Benchmark accord.stats against raw DuckDB SQL, Aequitas and Fairlearn.

Run from the repository root (see bench/README.md for installing Aequitas and Fairlearn
into a separate throwaway virtual environment)::

    .venv/bin/python bench/stats_bench.py                  # 10M and 100M rows, 5M third-party
    .venv/bin/python bench/stats_bench.py --sizes 10M      # quicker

What it does, all in one run:

1. Generates synthetic search records with DuckDB (``range()`` plus hash-based draws)
   into Parquet under a temporary directory. The shares follow the real London file
   (/work/shared/data/real): borough sizes, officer-defined ethnicity within each
   borough, sex, age band, month and outcome. A population panel (33 local authorities
   x 5 ethnic groups x 2 sexes x 5 age bands) comes from the Census 2021 borough counts
   split by fixed sex and age shares.
2. Times each variant in worker processes (imports done before the clock starts): one
   untimed first call, then ``--runs`` timed runs, in ``--rounds`` processes per variant
   taken in turn with the other variants of the task, so that load from other work on
   the machine falls on all of them alike. Reports the median (and range) of all timed
   runs, the first call, and the worker's peak resident memory (VmHWM, no psutil).

Tasks, each at every ``--sizes``:

* ``rates``: searches per 1,000 by borough x ethnicity (165 cells);
* ``panel``: the full London panel, rates by borough x ethnicity x sex x age band x
  month (19,800 cells).

Variants of each task:

* raw DuckDB SQL (count, join the population, rate) with the exact Poisson interval of
  each cell from ``scipy.stats.chi2`` (DuckDB's SQL has no chi-square quantile);
* Accord computing the same (``accord.stats.api.rates(..., disclosure=None)``); the
  two results are compared cell by cell;
* Accord's full published output (``accord.stats.api.rates`` with its default
  disclosure control), reported separately: raw SQL has no equivalent.

And ``arrests``: share of searches ending in arrest by ethnicity with the ratio to
White, on 5M rows: Accord (from the Parquet file, and from an in-memory pandas frame),
Aequitas (``Group.get_crosstabs`` + ``Bias.get_disparity_predefined_groups``) and
Fairlearn (``MetricFrame`` of ``selection_rate``), the last two from the same frame.

Benchmarks never run in the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REAL = Path("/work/shared/data/real")
STOPS = REAL / "stop_and_search" / "london_stops_2021-12_to_2022-11.csv.gz"
CENSUS = REAL / "census" / "census2021_ethnic_group_5cat_by_lad.csv"
THIRD_PARTY_PYTHON = Path(
    os.environ.get("ACCORD_BENCH_PYTHON", "/tmp/accord-bench-venv/bin/python")  # noqa: S108
)
ETHNICITIES = ["Asian", "Black", "Mixed", "Other", "White"]
SEXES = {"Male": 0.49, "Female": 0.51}
AGE_SHARES = {"under 10": 0.12, "10-17": 0.09, "18-24": 0.08, "25-34": 0.17, "over 34": 0.54}


# ----------------------------------------------------------------------------- data


def _shares(con: Any) -> dict[str, Any]:
    """Category shares measured on the real London file."""
    src = f"read_csv('{STOPS}')"

    def table(sql: str) -> list[tuple[Any, ...]]:
        return list(con.sql(sql).fetchall())

    areas = table(f"SELECT la_code, count(*) FROM {src} GROUP BY 1 ORDER BY 1")
    eth = table(
        f"SELECT la_code, officer_defined_ethnicity, count(*) FROM {src} "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    sex = table(f"SELECT gender, count(*) FROM {src} WHERE gender IN ('Male', 'Female') GROUP BY 1")
    age = table(f"SELECT age_range, count(*) FROM {src} WHERE age_range IS NOT NULL GROUP BY 1")
    month = table(f"SELECT month(date), count(*) FROM {src} GROUP BY 1 ORDER BY 1")
    outcome = table(
        f"SELECT outcome, count(*) FROM {src} WHERE outcome IS NOT NULL GROUP BY 1 ORDER BY 2 DESC"
    )
    by_area: dict[str, list[tuple[str | None, int]]] = {}
    for code, group, count in eth:
        by_area.setdefault(code, []).append((group, count))
    return {
        "areas": areas,
        "eth": by_area,
        "sex": sex,
        "age": age,
        "month": month,
        "outcome": outcome,
    }


def _case(uniform: str, values: list[tuple[Any, int]]) -> str:
    """SQL CASE picking a value with probability proportional to its count."""
    total = sum(count for _, count in values)
    running = 0
    branches = []
    for value, count in values[:-1]:
        running += count
        literal = "NULL" if value is None else f"'{value}'"
        branches.append(f"WHEN {uniform} < {running / total!r} THEN {literal}")
    last = values[-1][0]
    return f"CASE {' '.join(branches)} ELSE {'NULL' if last is None else repr(last)} END"


def _uniform(salt: int) -> str:
    return f"((hash(i * 7919 + {salt}) % 1000000007) / 1000000007.0)"


def generate(rows: int, directory: Path) -> Path:
    """Write ``rows`` synthetic searches to Parquet; return the file."""
    import duckdb

    path = directory / f"events_{rows}.parquet"
    if path.exists():
        return path
    con = duckdb.connect()
    shares = _shares(con)
    area_case = _case(_uniform(1), [(code, n) for code, n in shares["areas"]])
    eth_case = (
        "CASE la_code "
        + " ".join(
            f"WHEN '{code}' THEN {_case(_uniform(2), groups)}"
            for code, groups in sorted(shares["eth"].items())
        )
        + " END"
    )
    month_case = _case(_uniform(5), [(m, n) for m, n in shares["month"]])
    sql = f"""
    COPY (
      SELECT la_code, {eth_case} AS eth, sex, age_band,
             make_date(CASE WHEN month = 12 THEN 2021 ELSE 2022 END, month,
                       1 + CAST(floor({_uniform(6)} * 28) AS INTEGER)) AS date,
             outcome
      FROM (
        SELECT i, {area_case} AS la_code, {_case(_uniform(3), shares["sex"])} AS sex,
               {_case(_uniform(4), shares["age"])} AS age_band,
               CAST({month_case} AS INTEGER) AS month,
               {_case(_uniform(7), shares["outcome"])} AS outcome
        FROM range({rows}) t(i)
      )
    ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000, COMPRESSION zstd)
    """
    con.execute(sql)
    return path


def population(directory: Path) -> tuple[Path, Path]:
    """Borough x ethnicity and the full panel population, as Parquet."""
    import pandas as pd

    census = pd.read_csv(CENSUS)
    london = census.loc[census.LAD_code.str.startswith("E09")]
    long = london.melt(
        id_vars=["LAD_code"], value_vars=ETHNICITIES, var_name="eth", value_name="population"
    ).rename(columns={"LAD_code": "la_code"})
    rows = []
    for record in long.itertuples(index=False):
        for sex, sex_share in SEXES.items():
            for age, age_share in AGE_SHARES.items():
                people = round(record.population * sex_share * age_share)
                rows.append((record.la_code, record.eth, sex, age, people))
    panel = pd.DataFrame(rows, columns=["la_code", "eth", "sex", "age_band", "population"])
    simple, full = directory / "population.parquet", directory / "panel_population.parquet"
    long.to_parquet(simple, index=False)
    panel.to_parquet(full, index=False)
    return simple, full


# ----------------------------------------------------------------------------- workers
#
# Every worker factory returns ``run()`` (the timed call, returning the result frame)
# and ``check(result)`` (a small summary printed with the timings). Raw SQL workers open
# their DuckDB connection once, before timing, as a hand-written pipeline in a
# long-running process would; Accord keeps its own connection per thread (see
# accord.stats.inputs.reading), so neither side pays for opening a database in a timed
# run. The first (untimed) call of each worker is reported separately.

RATES_SQL = """
WITH e AS (
  SELECT la_code, eth, count(*) AS events FROM read_parquet($events) GROUP BY ALL
)
SELECT coalesce(p.la_code, e.la_code) AS la_code, coalesce(p.eth, e.eth) AS eth,
       coalesce(e.events, 0) AS events, p.population, p.la_code IS NOT NULL AS in_population
FROM read_parquet($population) p
FULL JOIN e ON e.la_code = p.la_code AND e.eth = p.eth
ORDER BY 1, 2
"""

PANEL_SQL = """
WITH e AS (
  SELECT la_code, eth, sex, age_band, date_trunc('month', date) AS period, count(*) AS events
  FROM read_parquet($events) GROUP BY ALL
), p AS (
  SELECT * FROM read_parquet($population) CROSS JOIN (SELECT DISTINCT period FROM e)
)
SELECT coalesce(p.la_code, e.la_code) AS la_code, coalesce(p.period, e.period) AS period,
       coalesce(p.eth, e.eth) AS eth, coalesce(p.sex, e.sex) AS sex,
       coalesce(p.age_band, e.age_band) AS age_band,
       coalesce(e.events, 0) AS events, p.population, p.la_code IS NOT NULL AS in_population
FROM p FULL JOIN e
  ON e.la_code = p.la_code AND e.eth = p.eth AND e.sex = p.sex
 AND e.age_band = p.age_band AND e.period = p.period
ORDER BY 1, 2, 3, 4, 5
"""

PANEL = {
    "group": ["eth", "sex", "age_band"],
    "by": "la_code",
    "period": "month",
    "date": "date",
    "unmatched": "drop",
}


def _raw(sql: str, keys: list[str]) -> Callable[[dict[str, Any]], Any]:
    """Raw DuckDB SQL (count, join, rate) plus the Garwood interval in SciPy.

    DuckDB has no chi-square quantile, so the exact Poisson interval cannot be written
    in its SQL; the rows the query returns get it from ``scipy.stats.chi2`` directly
    (lower = chi2(a/2; 2k)/2, 0 when k = 0; upper = chi2(1 - a/2; 2k + 2)/2, over the
    population, per 1,000), as a hand-written analysis would. Events outside the
    population are counted the way Accord reports them in its notes.
    """

    def factory(args: dict[str, Any]) -> Any:
        import duckdb
        import numpy as np
        import pandas  # noqa: F401 - imported before timing, as on Accord's side
        from scipy import stats

        con = duckdb.connect()
        params = {"events": args["events"], "population": args["population"]}

        def run() -> Any:
            rows = con.execute(sql, params).df()
            inside = rows["in_population"].to_numpy(dtype=bool)
            cells = rows.loc[inside, [*keys, "events", "population"]].reset_index(drop=True)
            k = cells["events"].to_numpy(dtype=np.float64)
            scale = 1000.0 / cells["population"].to_numpy(dtype=np.float64)
            cells["estimate"] = k * scale
            lower = stats.chi2.ppf(0.025, 2.0 * np.maximum(k, 1.0)) / 2.0
            cells["lower"] = np.where(k > 0, lower, 0.0) * scale
            cells["upper"] = stats.chi2.ppf(0.975, 2.0 * k + 2.0) / 2.0 * scale
            outside = rows.loc[~inside]
            no_group = outside[keys].isna().any(axis=1)
            cells.attrs = {
                "missing_group": int(outside.loc[no_group, "events"].sum()),
                "unmatched": int(outside.loc[~no_group, "events"].sum()),
            }
            return cells

        def check(cells: Any) -> Any:
            return {"cells": len(cells), "events": int(cells["events"].sum()), **cells.attrs}

        return run, check

    return factory


def _accord(options: dict[str, Any], *, published: bool) -> Callable[[dict[str, Any]], Any]:
    """``accord.stats.api.rates``: with disclosure control (the published output) or
    without it (the statistics the raw SQL computes)."""

    def factory(args: dict[str, Any]) -> Any:
        from accord.stats import api

        extra: dict[str, Any] = {} if published else {"disclosure": None}

        def run() -> Any:
            return api.rates(args["events"], args["population"], **options, **extra)

        def check(result: Any) -> Any:
            shown = result.loc[~result["suppressed"]]
            summary = {"cells": len(result), "events": int(shown["events"].sum())}
            if published:
                summary["suppressed"] = int(result["suppressed"].sum())
                summary["hidden_rows_blank"] = bool(
                    result.loc[result["suppressed"], ["events", "estimate"]].isna().all().all()
                )
            return summary

        return run, check

    return factory


def _accord_arrests(args: dict[str, Any]) -> Any:
    import pandas as pd

    from accord.stats import api

    source: Any = args["events"]
    if args.get("in_memory"):
        source = pd.read_parquet(args["events"], columns=["eth", "outcome"])

    def run() -> Any:
        return api.proportions(
            source, success={"outcome": "Arrest"}, group="eth", compare="ratio", reference="White"
        )

    def check(result: Any) -> Any:
        black = result.loc[result["eth"] == "Black"].iloc[0]
        return {"black_white": float(black["estimate"]), "trials": int(result["trials"].sum())}

    return run, check


def _frame(args: dict[str, Any]) -> Any:
    import pandas as pd

    return pd.read_parquet(args["events"], columns=["eth", "outcome"])


def _aequitas_arrests(args: dict[str, Any]) -> Any:
    import warnings

    warnings.filterwarnings("ignore")
    from aequitas.bias import Bias
    from aequitas.group import Group

    frame = _frame(args)

    def run() -> Any:
        data = frame.dropna(subset=["eth"]).copy()
        data["score"] = (data["outcome"] == "Arrest").astype(int)
        data["label_value"] = data["score"]
        data = data[["eth", "score", "label_value"]]
        crosstab, _ = Group().get_crosstabs(data, attr_cols=["eth"])
        bias = Bias().get_disparity_predefined_groups(
            crosstab,
            original_df=data,
            ref_groups_dict={"eth": "White"},
            check_significance=False,
        )
        black = bias.loc[bias["attribute_value"] == "Black"].iloc[0]
        return {
            "black_white": float(black["pprev_disparity"]),
            "trials": int(crosstab["group_size"].sum()),
        }

    return run, lambda summary: summary


def _fairlearn_arrests(args: dict[str, Any]) -> Any:
    from fairlearn.metrics import MetricFrame, selection_rate

    frame = _frame(args)

    def run() -> Any:
        data = frame.dropna(subset=["eth"])
        arrested = (data["outcome"] == "Arrest").astype(int)
        metrics = MetricFrame(
            metrics={"selection_rate": selection_rate, "count": lambda y, p: len(y)},
            y_true=arrested,
            y_pred=arrested,
            sensitive_features=data["eth"],
        )
        rates = metrics.by_group["selection_rate"]
        return {
            "black_white": float(rates["Black"] / rates["White"]),
            "trials": int(metrics.by_group["count"].sum()),
        }

    return run, lambda summary: summary


WORKERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "raw_rates": _raw(RATES_SQL, ["la_code", "eth"]),
    "accord_rates": _accord({"group": "eth", "by": "la_code"}, published=False),
    "accord_rates_published": _accord({"group": "eth", "by": "la_code"}, published=True),
    "raw_panel": _raw(PANEL_SQL, ["la_code", "period", "eth", "sex", "age_band"]),
    "accord_panel": _accord(PANEL, published=False),
    "accord_panel_published": _accord(PANEL, published=True),
    "accord_arrests": _accord_arrests,
    "aequitas_arrests": _aequitas_arrests,
    "fairlearn_arrests": _fairlearn_arrests,
}


def worker(name: str, payload: str) -> None:
    """Serve one variant: set up (imports, data), then answer the driver line by line.

    ``run`` times one call and prints its seconds; ``finish`` writes the last result to
    ``output`` (when the payload names one, so that the driver can compare Accord's
    numbers with the raw SQL's), then prints the summary and the peak memory.
    """
    args = json.loads(payload)
    run, check = WORKERS[name](args)
    result = None
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip() == "run":
            start = time.perf_counter()
            result = run()
            print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)
        elif line.strip() == "finish":
            if args.get("output") and result is not None:
                result.to_parquet(args["output"], index=False)
            summary = check(result)
            print(json.dumps({"check": summary, "peak_kib": _peak_kib()}), flush=True)
            return


def _peak_kib() -> int:
    """This process's peak resident memory. Read from /proc (VmHWM) because
    ``ru_maxrss`` survives ``exec`` and would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# ----------------------------------------------------------------------------- driver


class Worker:
    """A worker process serving one variant (see :func:`worker`)."""

    def __init__(self, name: str, args: dict[str, Any], python: Path | None) -> None:
        command = [str(python or sys.executable), str(Path(__file__)), "worker", name]
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT / "src")
        self.name = name
        self.process = subprocess.Popen(
            [*command, json.dumps(args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        self._read()  # ready

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None and self.process.stderr is not None
        for line in self.process.stdout:
            if line.startswith("{"):
                answer: dict[str, Any] = json.loads(line)
                return answer
        self.process.wait()
        raise RuntimeError(f"{self.name} failed:\n{self.process.stderr.read()[-3000:]}")

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def finish(self) -> dict[str, Any]:
        answer = self.ask("finish")
        self.process.wait()
        return answer


Variant = tuple[str, str, dict[str, Any], Path | None]


def measure_rounds(variants: list[Variant], runs: int, rounds: int) -> dict[str, dict[str, Any]]:
    """Time the variants of one task against each other, run by run.

    Each round starts one worker process per variant, makes one untimed first call in
    each, then times ``runs`` calls taking the variants in turn (A, B, C, A, B, C, ...),
    so that any spell of load from other work on the machine falls on all of them
    alike. The timed runs of all rounds are pooled.
    """
    pooled: dict[str, dict[str, Any]] = {
        key: {"times": [], "firsts": [], "peak_mib": 0.0} for key, *_ in variants
    }
    for _ in range(rounds):
        workers = {key: Worker(name, args, python) for key, name, args, python in variants}
        for key, process in workers.items():
            pooled[key]["firsts"].append(process.ask("run")["seconds"])
        for _ in range(runs):
            for key, process in workers.items():
                pooled[key]["times"].append(process.ask("run")["seconds"])
        for key, process in workers.items():
            answer = process.finish()
            entry = pooled[key]
            entry["peak_mib"] = max(entry["peak_mib"], answer["peak_kib"] / 1024)
            entry["check"] = answer["check"]
            recent = entry["times"][-runs:]
            print(
                f"  {process.name:<24} runs {', '.join(f'{t:.3f}' for t in recent)} s  "
                f"(first {entry['firsts'][-1]:.3f} s)  peak {answer['peak_kib'] / 1024:6.0f} MiB"
                f"  {answer['check']}",
                flush=True,
            )
    for entry in pooled.values():
        entry["median"] = statistics.median(entry["times"])
        entry["first"] = statistics.median(entry["firsts"])
    return pooled


def compare(raw_path: Path, accord_path: Path, keys: list[str]) -> dict[str, Any]:
    """Do Accord's statistics (no disclosure control) equal the raw SQL's, cell by cell?"""
    import numpy as np
    import pandas as pd

    raw, accord = pd.read_parquet(raw_path), pd.read_parquet(accord_path)
    for frame in (raw, accord):
        if "period" in frame.columns:
            frame["period"] = pd.to_datetime(frame["period"]).astype("datetime64[ns]")
    merged = raw.merge(accord, on=keys, how="outer", suffixes=("_raw", "_accord"), indicator=True)
    both = merged["_merge"] == "both"
    differences = []
    for column in ("estimate", "lower", "upper"):
        a = merged.loc[both, f"{column}_accord"].to_numpy(dtype=np.float64)
        b = merged.loc[both, f"{column}_raw"].to_numpy(dtype=np.float64)
        differences.append(float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))))
    return {
        "same_cells": bool(both.all()),
        "same_counts": bool(
            (merged.loc[both, "events_raw"] == merged.loc[both, "events_accord"]).all()
        ),
        "max_relative_difference": max(differences),
    }


def _rows(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * factor)


def _versions() -> str:
    import duckdb
    import ibis
    import pandas
    import scipy

    third = "not installed"
    if THIRD_PARTY_PYTHON.exists():
        third = subprocess.run(
            [
                str(THIRD_PARTY_PYTHON),
                "-c",
                "import importlib.metadata as m; "
                "print(', '.join(f'{p} {m.version(p)}' for p in "
                "['aequitas', 'fairlearn', 'pandas']))",
            ],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    return (
        f"Python {platform.python_version()}, duckdb {duckdb.__version__}, "
        f"ibis {ibis.__version__}, pandas {pandas.__version__}, scipy {scipy.__version__}; "
        f"third-party venv: {third}"
    )


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} CPU cores, {memory:.0f} GiB RAM, {platform.platform()}"


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float:
    return float(a["median"] / b["median"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10M,100M", help="rows for rates/panel, e.g. 10M,100M")
    parser.add_argument("--third-party-rows", default="5M")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per worker process")
    parser.add_argument("--rounds", type=int, default=3, help="worker processes per variant")
    parser.add_argument("--workdir", type=Path, help="keep generated data here (default: temp)")
    parser.add_argument("--skip-third-party", action="store_true")
    parser.add_argument("--results", type=Path, default=HERE / "results" / "stats.md")
    options = parser.parse_args(argv)
    if options.runs * options.rounds < 3 or options.runs < 1 or options.rounds < 1:
        parser.error("use at least 3 timed runs in all (runs x rounds)")
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as temp:
        workdir = options.workdir or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        return _run(options, workdir)


TASKS = {
    "rates": ("population", ["la_code", "eth"]),
    "panel": ("panel_population", ["la_code", "period", "eth", "sex", "age_band"]),
}


def _run(options: argparse.Namespace, workdir: Path) -> int:
    runs, rounds = options.runs, options.rounds
    load_before = _load()
    populations = dict(zip(("population", "panel_population"), population(workdir), strict=True))
    results: dict[str, dict[str, Any]] = {}
    checks: dict[str, dict[str, Any]] = {}
    generation: dict[int, float] = {}
    for size in [_rows(s) for s in options.sizes.split(",")]:
        start = time.perf_counter()
        reused = (workdir / f"events_{size}.parquet").exists()
        events = generate(size, workdir)
        generation[size] = math.nan if reused else time.perf_counter() - start
        print(f"{size:,} rows: {events} ({generation[size]:.1f} s to generate)", flush=True)
        for task, (pop, keys) in TASKS.items():
            common = {"events": str(events), "population": str(populations[pop])}
            outputs = {v: workdir / f"out_{task}_{size}_{v}.parquet" for v in ("raw", "accord")}
            variants: list[Variant] = [
                ("raw", f"raw_{task}", {**common, "output": str(outputs["raw"])}, None),
                ("accord", f"accord_{task}", {**common, "output": str(outputs["accord"])}, None),
                ("published", f"accord_{task}_published", common, None),
            ]
            for key, value in measure_rounds(variants, runs, rounds).items():
                results[f"{task}_{size}_{key}"] = value
            checks[f"{task}_{size}"] = compare(outputs["raw"], outputs["accord"], keys)
            print(f"  same result: {checks[f'{task}_{size}']}", flush=True)
    third_rows = _rows(options.third_party_rows)
    start = time.perf_counter()
    reused = (workdir / f"events_{third_rows}.parquet").exists()
    third_events = generate(third_rows, workdir)
    generation[third_rows] = math.nan if reused else time.perf_counter() - start
    common = {"events": str(third_events)}
    print(f"{third_rows:,} rows for the arrests task", flush=True)
    third_party = not options.skip_third_party and THIRD_PARTY_PYTHON.exists()
    if not options.skip_third_party and not third_party:
        print(f"no third-party venv at {THIRD_PARTY_PYTHON}; see bench/README.md")
    variants: list[Variant] = [
        ("arrests_accord_parquet", "accord_arrests", common, None),
        ("arrests_accord_pandas", "accord_arrests", {**common, "in_memory": True}, None),
    ]
    if third_party:
        variants.append(("arrests_aequitas", "aequitas_arrests", common, THIRD_PARTY_PYTHON))
    results.update(measure_rounds(variants, runs, rounds))
    if third_party:
        # Fairlearn takes over 20 s a run: one process, timed on its own.
        results.update(
            measure_rounds(
                [("arrests_fairlearn", "fairlearn_arrests", common, THIRD_PARTY_PYTHON)], runs, 1
            )
        )
    load = (load_before, _load())
    report = _report(options, results, checks, generation, third_rows, load)
    options.results.parent.mkdir(parents=True, exist_ok=True)
    options.results.write_text(report, encoding="utf-8")
    print(f"wrote {options.results}")
    return 0


def _report(
    options: argparse.Namespace,
    results: dict[str, dict[str, Any]],
    checks: dict[str, dict[str, Any]],
    generation: dict[int, float],
    third_rows: int,
    load: tuple[str, str],
) -> str:
    def cell(key: str, digits: int = 3) -> str:
        r = results[key]
        spread = f"{min(r['times']):.{digits}f}–{max(r['times']):.{digits}f}"
        return f"{r['median']:.{digits}f} s ({spread})"

    sizes = [_rows(s) for s in options.sizes.split(",")]
    samples = options.runs * options.rounds
    lines = [
        "# accord.stats benchmark results",
        "",
        f"Generated by `bench/stats_bench.py --sizes {options.sizes} --runs {options.runs} "
        f"--rounds {options.rounds}` on {time.strftime('%Y-%m-%d')}.",
        "",
        f"- Machine: {_machine()}. The machine is shared with other work; load average "
        f"(1, 5, 15 min) {load[0]} at the start and {load[1]} at the end.",
        f"- Software: {_versions()}.",
        f"- Each figure: the median of {samples} timed runs: {options.rounds} rounds, each "
        "starting one worker process per variant of the task, making one untimed first call "
        f"in each, then timing {options.runs} calls that take the variants in turn (A, B, C, "
        "A, B, C, ...), so that load from other work falls on all variants alike; range in "
        "brackets. Imports happen before timing. Peak memory: the largest peak resident set "
        "of the worker processes (VmHWM; includes the interpreter and libraries).",
        "- Data generation time: "
        + ", ".join(
            f"{rows:,} rows " + ("reused from --workdir" if math.isnan(sec) else f"{sec:.1f} s")
            for rows, sec in generation.items()
        )
        + " (DuckDB, to zstd Parquet; not part of any timing).",
        "",
        "## 1. The same computation: Accord against raw DuckDB SQL",
        "",
        "Both sides count the events per cell, join the population (keeping count of events "
        "outside it), and give each cell its rate per 1,000 with the exact Poisson (Garwood) "
        "95% interval; neither applies disclosure control. DuckDB's SQL has no chi-square "
        "quantile, so the raw side computes the interval from the rows its query returns "
        "with `scipy.stats.chi2`, the same formula Accord uses. Accord: "
        "`accord.stats.api.rates(..., disclosure=None)`. The last column compares the two "
        "results cell by cell.",
        "",
        "| task | rows | raw SQL + SciPy | peak | Accord | peak | Accord / raw | target ≤ 1.3× "
        "| same result |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    verdicts: list[str] = []
    for size in sizes:
        for task in TASKS:
            raw, accord = results[f"{task}_{size}_raw"], results[f"{task}_{size}_accord"]
            ratio = _ratio(accord, raw)
            ok = ratio <= 1.3
            same = checks[f"{task}_{size}"]
            agree = same["same_cells"] and same["same_counts"]
            agree = agree and same["max_relative_difference"] <= 1e-9
            agreement = (
                f"yes (largest relative difference {same['max_relative_difference']:.1e})"
                if agree
                else f"**NO** {same}"
            )
            verdicts.append(
                f"- {task} at {size:,} rows, same computation: Accord {ratio:.2f}× raw SQL — "
                + ("target met." if ok else "**target missed**.")
            )
            lines.append(
                f"| {task} | {size:,} | {cell(f'{task}_{size}_raw')} | {raw['peak_mib']:,.0f} MiB "
                f"| {cell(f'{task}_{size}_accord')} | {accord['peak_mib']:,.0f} MiB "
                f"| {ratio:.2f}× | {'met' if ok else 'MISSED'} | {agreement} |"
            )
    lines += [
        "",
        "## 2. Accord's full published output (with disclosure control)",
        "",
        "What Accord publishes by default: the same table after primary suppression (counts "
        "1–9 hidden) and secondary suppression over the table and all its margins (the "
        "hypercube method), with every hidden row's counts and estimates blanked. Raw SQL "
        "has no equivalent, so this is not a like-for-like comparison; it shows what "
        "disclosure control costs. `extra` is this time minus the same computation's.",
        "",
        "| task | rows | Accord, published | peak | extra for disclosure control "
        "| ÷ raw SQL (section 1) | within 1.3× of raw? |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for size in sizes:
        for task in TASKS:
            raw = results[f"{task}_{size}_raw"]
            accord = results[f"{task}_{size}_accord"]
            published = results[f"{task}_{size}_published"]
            ratio = _ratio(published, raw)
            extra = published["median"] - accord["median"]
            within = ratio <= 1.3
            lines.append(
                f"| {task} | {size:,} | {cell(f'{task}_{size}_published')} "
                f"| {published['peak_mib']:,.0f} MiB | {extra:+.3f} s | {ratio:.2f}× "
                f"| {'yes' if within else '**no**'} |"
            )
            verdicts.append(
                f"- {task} at {size:,} rows, published output with disclosure control: "
                f"{ratio:.2f}× raw SQL (disclosure control adds {extra:.3f} s) — "
                + ("within 1.3× too." if within else "**over 1.3×** (not like-for-like).")
            )
    biggest = max(sizes)
    panel = results[f"panel_{biggest}_published"]
    panel_ok = panel["median"] < 120 and panel["peak_mib"] < 8 * 1024
    verdicts.append(
        f"- {biggest:,}-row London panel, published output: {panel['median']:.1f} s, peak "
        f"{panel['peak_mib']:,.0f} MiB (target < 120 s and < 8 GiB) — "
        + ("target met." if panel_ok else "**target missed**.")
    )
    lines += [
        "",
        f"Panel checks at {biggest:,} rows: raw {results[f'panel_{biggest}_raw']['check']}; "
        f"Accord {results[f'panel_{biggest}_accord']['check']}; "
        f"published {panel['check']}.",
        "",
        "## 3. First call in a fresh process",
        "",
        "The untimed first call of each worker (median over its processes): Accord opens its "
        "hardened DuckDB, reads the files' schemas and compiles the query; the raw side's "
        "connection is already open, as in the timed runs. What a one-off command line run "
        "pays on top of the times above.",
        "",
        "| task | rows | raw SQL + SciPy | Accord | Accord, published |",
        "|---|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for task in TASKS:
            firsts = [
                results[f"{task}_{size}_{v}"]["first"] for v in ("raw", "accord", "published")
            ]
            lines.append(
                f"| {task} | {size:,} | " + " | ".join(f"{f:.3f} s" for f in firsts) + " |"
            )
    lines += [
        "",
        f"## 4. Accord against Aequitas and Fairlearn ({third_rows:,} rows)",
        "",
        "Share of searches ending in arrest by ethnicity, with the ratio to White. Aequitas "
        "and Fairlearn start from a pandas frame already in memory (reading the Parquet file "
        "is not timed for them); Accord is timed from the file and from the same frame, and "
        "does more: Wilson intervals, the Katz interval for each ratio, and disclosure "
        "control. Aequitas is timed in turn with Accord; Fairlearn (over 20 s a run) in one "
        "process on its own.",
        "",
        "| tool | median (range) | peak | result check | time ÷ Accord (file) "
        "| time ÷ Accord (frame) | target ≥ 10× |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    from_file = results["arrests_accord_parquet"]
    from_frame = results["arrests_accord_pandas"]
    for key, label in [
        ("arrests_accord_parquet", "Accord, from Parquet"),
        ("arrests_accord_pandas", "Accord, from pandas"),
        ("arrests_aequitas", "Aequitas"),
        ("arrests_fairlearn", "Fairlearn"),
    ]:
        if key not in results:
            lines.append(f"| {label} | not run | | | | | |")
            continue
        r = results[key]
        speed, speed_frame = _ratio(r, from_file), _ratio(r, from_frame)
        third = key in ("arrests_aequitas", "arrests_fairlearn")
        verdict = ""
        if third:
            both = speed >= 10 and speed_frame >= 10
            verdict = "met" if both else ("met from the file only" if speed >= 10 else "MISSED")
            verdicts.append(
                f"- {label}: Accord reading the Parquet file is {speed:.1f}× faster — "
                + ("target met" if speed >= 10 else "**target missed**")
                + f"; Accord from the same in-memory pandas frame is {speed_frame:.1f}× "
                + ("faster — target met." if speed_frame >= 10 else "faster — **target missed**.")
            )
        lines.append(
            f"| {label} | {cell(key)} | {r['peak_mib']:,.0f} MiB | {r['check']} "
            f"| {speed:.1f}× | {speed_frame:.1f}× | {verdict} |"
        )
    lines += ["", "## Verdicts", "", *verdicts, ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(main())
