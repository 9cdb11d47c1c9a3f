"""Benchmark: police.uk stop-and-search CSV -> validated, harmonised Parquet.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--repeat 5]

Builds synthetic files of ``--rows`` rows from the real London file
(``/work/shared/data/real/stop_and_search/...``, or ``$ACCORD_REAL_DATA``) by drawing
whole rows at random with replacement, so every column keeps the real file's values and
their joint distribution. Two layouts are measured:

* ``api``: the real file's own layout (police.uk API field names, 24 columns);
* ``download``: the same rows with the police.uk monthly-download headers (15 columns,
  ``Date`` as ``2022-06-01T00:30:00+01:00``), what data.police.uk hands out.

One run is the whole import except the single database row: the size and type checks and
SHA-256 of the source (``open_inputs``), reading, validation and harmonisation
(``read_stop_and_search``), and writing the Parquet file with fsync and its SHA-256
(``storage.stage``). Each layout runs with Arrow on one thread (rows per second on one
core, directly) and on every core. "Per core" is rows divided by the process's CPU time.
The CSV is read by Accord's scanner (``accord.datasets.csvscan``) when it is built, as
in a real import; the report says which reader ran. Results go to
``bench/results/import.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from accord.datasets import csvscan, storage  # noqa: E402
from accord.datasets.archives import Limits  # noqa: E402
from accord.datasets.csvfiles import read_header  # noqa: E402
from accord.datasets.files import Given, InputFile, open_inputs  # noqa: E402
from accord.datasets.stop_and_search import read_stop_and_search  # noqa: E402

REAL = Path(os.environ.get("ACCORD_REAL_DATA", "/work/shared/data/real"))
STOPS = REAL / "stop_and_search" / "london_stops_2021-12_to_2022-11.csv.gz"
RESULTS = ROOT / "bench" / "results" / "import.md"
TARGET = 1_000_000  # rows per second per core


def _offsets(con: duckdb.DuckDBPyConnection) -> None:
    """A table of UK offsets (+00:00 or +01:00) for every local date in the real file."""
    london = ZoneInfo("Europe/London")
    days = [
        row[0]
        for row in con.execute("SELECT DISTINCT date FROM real WHERE date IS NOT NULL").fetchall()
    ]
    offsets = []
    for day in days:
        noon = dt.datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=london)
        offsets.append("+01:00" if noon.utcoffset() == dt.timedelta(hours=1) else "+00:00")
    con.register("offsets", pa.table({"date": days, "offset": offsets}))


def make_files(rows: int, folder: Path) -> dict[str, Path]:
    """Write the two synthetic files (deterministic for a given ``rows``)."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE real AS SELECT row_number() OVER () - 1 AS k, * "
        "FROM read_csv(?, all_varchar = true)",
        [str(STOPS)],
    )
    (count,) = con.execute("SELECT count(*) FROM real").fetchone() or (0,)
    con.execute(
        "CREATE TABLE drawn AS SELECT real.* EXCLUDE (k) FROM range(?) r(i) "
        "JOIN real ON real.k = hash(r.i) % ?",
        [rows, count],
    )
    _offsets(con)
    api = folder / f"stops_api_{rows}.csv"
    download = folder / f"stops_download_{rows}.csv"
    con.execute(f"COPY drawn TO '{api}' (HEADER)")
    con.execute(
        f"""COPY (
          SELECT type AS "Type",
                 date || 'T' || time || o.offset AS "Date",
                 CASE operation WHEN 'TRUE' THEN 'True' WHEN 'FALSE' THEN 'False' END
                   AS "Part of a policing operation",
                 NULL AS "Policing operation",
                 "location.latitude" AS "Latitude",
                 "location.longitude" AS "Longitude",
                 gender AS "Gender",
                 age_range AS "Age range",
                 self_defined_ethnicity AS "Self-defined ethnicity",
                 officer_defined_ethnicity AS "Officer-defined ethnicity",
                 legislation AS "Legislation",
                 object_of_search AS "Object of search",
                 outcome AS "Outcome",
                 CASE outcome_linked_to_object_of_search WHEN 'TRUE' THEN 'True'
                   WHEN 'FALSE' THEN 'False' END AS "Outcome linked to object of search",
                 CASE removal_of_more_than_outer_clothing WHEN 'TRUE' THEN 'True'
                   WHEN 'FALSE' THEN 'False' END AS "Removal of more than just outer clothing"
          FROM drawn JOIN offsets o USING (date)
        ) TO '{download}' (HEADER)"""
    )
    return {"api": api, "download": download}


@dataclass
class Run:
    wall: float
    cpu: float
    stages: dict[str, tuple[float, float]]


def _timed(stages: dict[str, tuple[float, float]], name: str, work: Callable[[], object]) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    stages[name] = (time.perf_counter() - wall, time.process_time() - cpu)
    return result


def one_run(path: Path, scratch: Path) -> Run:
    stages: dict[str, tuple[float, float]] = {}
    limits = Limits.from_max(4 * 1024**3)
    wall, cpu = time.perf_counter(), time.process_time()
    with open_inputs([Given(path, path.name)], scratch, limits) as inputs:
        stages["check + SHA-256 of source"] = (
            time.perf_counter() - wall,
            time.process_time() - cpu,
        )
        imported = _timed(
            stages,
            "read + validate + harmonise",
            lambda: read_stop_and_search(inputs.files, inputs.sources),
        )
    table = imported.table  # type: ignore[attr-defined]
    staged = _timed(
        stages,
        "write Parquet + fsync + SHA-256",
        lambda: storage.stage(table, scratch, "bench/out.parquet"),
    )
    total = Run(time.perf_counter() - wall, time.process_time() - cpu, stages)
    staged.temporary.unlink()  # type: ignore[attr-defined]
    if table.num_rows == 0:
        raise AssertionError("nothing was imported")
    return total


def measure(path: Path, scratch: Path, repeat: int, threads: int) -> list[Run]:
    pa.set_cpu_count(threads)
    pa.set_io_thread_count(max(threads, 2))
    one_run(path, scratch)  # warm up: imports, caches, page cache
    return [one_run(path, scratch) for _ in range(repeat)]


def reader_of(path: Path) -> str:
    """Which reader an import of ``path`` uses: Accord's scanner, or Arrow and why."""
    header = read_header(InputFile(path, path.name, "csv"))
    scanned = csvscan.read(path, header, header, ())
    if isinstance(scanned, csvscan.Bail):
        return f"Arrow (the scanner left it: {scanned.name})"
    return "Accord's scanner"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


def report(
    rows: int,
    files: dict[str, Path],
    results: dict[tuple[str, int], list[Run]],
    loads: tuple[str, str],
    readers: dict[str, str],
) -> str:
    import duckdb as duck
    import pyarrow

    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    lines = [
        "# Import benchmark: police.uk stop-and-search CSV to harmonised Parquet",
        "",
        f"Generated by `bench/import_bench.py` on {dt.date.today():%d %B %Y}. Do not edit by hand.",
        "",
        f"- Machine: {os.cpu_count()} cores ({cpu_model}), Python {platform.python_version()}, "
        f"pyarrow {pyarrow.__version__}, DuckDB {duck.__version__} (DuckDB only builds the files).",
        f"- Load average before: {loads[0]}; after: {loads[1]}. The machine is shared with "
        "other work, so the best of the runs is the fairer figure; the median is shown too.",
        f"- Input: {rows:,} rows drawn at random (with replacement) from the real London file "
        "(150,152 rows), every column keeping the real values and their joint distribution.",
        "- One run = size/type checks and SHA-256 of the source, reading, validation (every "
        "category, date, number, flag and formula check), harmonisation (broad ethnic groups, "
        "age band, month, local authority), writing zstd Parquet with fsync and its SHA-256. "
        "Only the one database row of a real import is left out.",
        "- rows/s per core = rows / CPU seconds of the process (all threads).",
        "- CSV reader: "
        + "; ".join(f"{layout} layout: {reader}" for layout, reader in readers.items())
        + " (`accord.datasets.csvscan`, decision 0025).",
        "",
        "| layout | file | Arrow threads | wall best | wall median | CPU median "
        "| rows/s (best wall) | rows/s per core (median) | target 1M rows/s per core |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for (layout, threads), runs in results.items():
        size = files[layout].stat().st_size
        best = min(r.wall for r in runs)
        wall = statistics.median(r.wall for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        per_core = rows / cpu
        lines.append(
            f"| {layout} | {size / 1e6:,.0f} MB ({size / rows:,.0f} B/row) | {threads} | "
            f"{best:.2f} s | {wall:.2f} s | {cpu:.2f} s | {rows / best:,.0f} | "
            f"{per_core:,.0f} | {'met' if per_core >= TARGET else 'NOT met'} |"
        )
    lines += ["", "## Where the time goes (median CPU seconds, one thread)", ""]
    lines.append("| layout | stage | CPU s | share |")
    lines.append("|---|---|---:|---:|")
    for (layout, threads), runs in results.items():
        if threads != 1:
            continue
        total = statistics.median(r.cpu for r in runs)
        for stage in runs[0].stages:
            value = statistics.median(r.stages[stage][1] for r in runs)
            lines.append(f"| {layout} | {stage} | {value:.2f} | {value / total:.0%} |")
    verdicts = {
        layout: rows / statistics.median(r.cpu for r in runs) >= TARGET
        for (layout, threads), runs in results.items()
        if threads == 1
    }
    lines += [
        "",
        "## Reading the numbers",
        "",
        "- Target (1M rows/s per core, median, one thread): "
        + "; ".join(f"{k} layout {'met' if v else 'NOT met'}" for k, v in verdicts.items())
        + ".",
        "- 'Per core' here is rows divided by the CPU seconds of the whole process (every "
        "thread, user + system), not wall time: with two threads the wall time can drop "
        "while the CPU time does not.",
        "- The CSV is read by Accord's own scanner (`native/csvscan`, Rust): one pass that "
        "finds cells 64 bytes at a time and numbers each distinct value of a column with a "
        "keyed hash, straight into Arrow's dictionary layout. It takes only plain CSV "
        "(police.uk's shape) and leaves anything else to Arrow's reader, which then reads "
        "the file as before; the tests hold the two to the same table. With Arrow's reader "
        "alone this import took 1.4-1.5 CPU seconds (API) and 1.0 (download) on this "
        "machine (decision 0019, now superseded by 0025).",
        "- What is left is mostly fixed: SHA-256 of the source is about 0.18 s for the API "
        "file, at OpenSSL's own peak on this CPU (`openssl speed -evp sha256`: about "
        "1.8 GB/s with SHA-NI), kept for provenance and the duplicate check; writing "
        "Parquet is about 0.25 s, most of it Parquet's dictionary-index encoder (zstd is "
        "about 0.04 s, and no writer setting tried saved more than that).",
        "- The checks and mappings run once per distinct value and then a `take` by the "
        "row indices (a few hundredths of a second in all); TRUE/FALSE flag columns are "
        "read straight as booleans; UTF-8 is checked once per distinct value.",
        "- Arrow threads: the scanner runs on one thread either way; a second Arrow thread "
        "only adds work to the small Arrow steps after it (checks, Parquet), so the "
        "one-thread row is the one that counts.",
        "- The machine is a shared virtual machine: the same run varies by 10-20% from one "
        "minute to the next, which is why the table shows medians of several runs.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not STOPS.exists():
        print(f"The real file {STOPS} is not here; set ACCORD_REAL_DATA.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="accord-import-bench-") as folder:
        work = Path(folder)
        files = make_files(args.rows, work)
        before = _load()
        results: dict[tuple[str, int], list[Run]] = {}
        readers = {layout: reader_of(path) for layout, path in files.items()}
        for layout, path in files.items():
            for threads in (1, os.cpu_count() or 1):
                results[(layout, threads)] = measure(path, work, args.repeat, threads)
                runs = results[(layout, threads)]
                print(
                    f"{layout:8} threads={threads}: best {min(r.wall for r in runs):.2f} s, "
                    f"median CPU {statistics.median(r.cpu for r in runs):.2f} s"
                )
        text = report(args.rows, files, results, (before, _load()), readers)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
