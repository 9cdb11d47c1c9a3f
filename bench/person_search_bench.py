"""Benchmark: finding a person across 100,000 cases for a subject access request.

    .venv/bin/python bench/person_search_bench.py                      # PostgreSQL, 100k cases
    .venv/bin/python bench/person_search_bench.py --database sqlite    # the embedded default
    .venv/bin/python bench/person_search_bench.py --cases 20000        # quicker

The data is the casework benchmark's service (``casework_bench.py``: the same generator,
real AES-GCM under each case's key, the person index built as a real import would). One
supervisor then searches in-process with ``find_person``, the function the page calls:

- a client's full name, the client's surname alone, and a name no one has;
- the same full-name search with the index switched off (every party marked as not
  indexed, which is how the search worked before the index: every case opened);
- rebuilding the whole index (``name_index.reindex_stale``, what ``accord casework keys
  rewrap`` runs after a master key change).

Each search is timed (wall and the process's CPU), with the cases it opened (each one an
audit event) and the people it found. Results go to ``bench/results/person_search.md``
and ``.json``. Benchmarks never run in the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import casework_bench as cb

RESULTS = cb.RESULTS


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--db-name", default="accord_bench_people")
    parser.add_argument("--workdir", default="/tmp/accord-person-search-bench")  # noqa: S108
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each indexed search")
    parser.add_argument("--keep", action="store_true", help="keep the database and keys")
    parser.add_argument("--reuse", action="store_true", help="reuse what --keep left")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    # What the casework generator reads, at its defaults (no load test follows).
    args.settings = "accord.settings.production"
    args.advocates, args.supervisors, args.seed = 60, 6, 20261125
    args.open_per_advocate, args.self_referrals = 40, 300
    args.audit_history, args.chunk = 0, 1000
    args.workers = os.cpu_count() or 1
    if args.output is None:
        suffix = "" if args.database == "postgresql" else "-sqlite"
        args.output = RESULTS / f"person_search{suffix}.md"
    return args


def _cpu() -> float:
    return time.process_time()


def _search(organisation: Any, supervisor: Any, name: str) -> dict[str, Any]:
    from django.db import connection

    from accord.audit.models import AuditEvent
    from accord.casework.person_search import find_person

    before = AuditEvent.objects.filter(action="casework.person_search").count()
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    wall, cpu = time.perf_counter(), _cpu()
    with connection.execute_wrapper(count):
        found = find_person(None, organisation, name, by=supervisor)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    opened = AuditEvent.objects.filter(action="casework.person_search").count() - before
    return {
        "wall": wall,
        "cpu": cpu,
        "opened": opened,
        "found": len(found),
        # Cases opened only because their buckets matched: no one there has the name.
        "false": opened - len({f.case.pk for f in found}),
        "queries": queries,
    }


def _vacuum() -> None:
    """What autovacuum does after a mass update, so the searches after one are not timed
    against dead index entries no real service would keep for long."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")


def _timed(organisation: Any, supervisor: Any, name: str, runs: int) -> dict[str, Any]:
    results = [_search(organisation, supervisor, name) for _ in range(runs)]
    first = results[0]
    return {
        "runs": runs,
        "wall_median": statistics.median(r["wall"] for r in results),
        "wall_max": max(r["wall"] for r in results),
        "cpu_median": statistics.median(r["cpu"] for r in results),
        "opened": first["opened"],
        "found": first["found"],
        "false": first["false"],
        "queries": first["queries"],
    }


def measure(args: argparse.Namespace, service: cb.Service) -> dict[str, Any]:
    from django.db import connection

    from accord.accounts.models import Organisation, User
    from accord.casework import name_index
    from accord.casework.models import Case, NameToken, Party

    organisation = Organisation.objects.get(pk=service.organisation_id)
    supervisor = User.objects.get(pk=service.supervisors[0])
    client = (
        Party.objects.filter(case__organisation=organisation, role=Party.Role.CLIENT)
        .select_related("case")
        .order_by("pk")[len(cb.FIRST_NAMES) * 7]
    )
    full = client.name
    surname = full.split()[-1]
    absent = "Zebulon Quartermaine"
    facts: dict[str, Any] = {
        "cases": Case.objects.filter(organisation=organisation).count(),
        "parties": Party.objects.count(),
        "index_rows": NameToken.objects.count(),
        "bits": name_index.BITS,
        "distinct_words": len(
            {
                word
                for name in (*cb.FIRST_NAMES, *cb.LAST_NAMES, *cb.PERPETRATOR_FIRST)
                for word in name_index.words_of(name)
            }
        ),
        "database": connection.vendor,
        "searches": {},
    }
    for label, name in (("full name", full), ("surname only", surname), ("no one", absent)):
        print(f"  indexed search: {label}", flush=True)
        facts["searches"][label] = _timed(organisation, supervisor, name, args.runs)
    print("  index off: every party marked as not indexed", flush=True)
    Party.objects.update(name_indexed_under="")
    _vacuum()
    facts["searches"]["full name, index off"] = _timed(organisation, supervisor, full, 1)
    print("  rebuilding the whole index", flush=True)
    NameToken.objects.all().delete()
    wall, cpu = time.perf_counter(), _cpu()
    indexed, failures = name_index.reindex_stale()
    facts["rebuild"] = {
        "parties": indexed,
        "failures": len(failures),
        "wall": time.perf_counter() - wall,
        "cpu": _cpu() - cpu,
        "index_rows": NameToken.objects.count(),
    }
    _vacuum()
    facts["searches"]["full name, after rebuild"] = _timed(organisation, supervisor, full, 1)
    return facts


def report(args: argparse.Namespace, facts: dict[str, Any], gen: dict[str, Any]) -> str:
    rows = []
    for label, s in facts["searches"].items():
        rows.append(
            f"| {label} | {s['runs']} | {s['wall_median'] * 1000:,.0f} ms | "
            f"{s['wall_max'] * 1000:,.0f} ms | {s['cpu_median'] * 1000:,.0f} ms | "
            f"{s['opened']:,} | {s['false']:,} | {s['found']:,} | {s['queries']:,} |"
        )
    rebuild = facts["rebuild"]
    off = facts["searches"]["full name, index off"]
    on = facts["searches"]["full name"]
    one = facts["searches"]["surname only"]
    lines = [
        "# Person search benchmark: finding one person across a service's cases",
        "",
        f"Generated by `bench/person_search_bench.py` on "
        f"{dt.datetime.now(dt.UTC):%d %B %Y}. Do not edit by hand.",
        "",
        f"- Machine: {cb._machine()}; database {facts['database']}.",
        f"- Data: the casework benchmark's service (`casework_bench.py`), {facts['cases']:,} "
        f"cases, {facts['parties']:,} people (clients and alleged perpetrators), "
        f"{facts['index_rows']:,} rows in the person index ({2 ** facts['bits']:,} buckets). "
        f"Loaded in {gen.get('load_seconds', 0):.0f} s.",
        "- Each search is `find_person` in-process, as the page calls it: the candidate "
        "query, then every candidate case opened (its key unwrapped, its people's names "
        "decrypted and compared) and audited. 'Opened' counts those audit events.",
        "- The name searched for is a client's name from the data; the benchmark never "
        "writes it out.",
        "",
        "| search | runs | wall (median) | wall (max) | CPU (median) | cases opened | "
        "of them naming no one found | people found | queries |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Rebuilding the whole index (`name_index.reindex_stale`, run by `accord casework keys "
        f"rewrap`): {rebuild['parties']:,} people in {rebuild['wall']:.1f} s wall "
        f"({rebuild['cpu']:.1f} s CPU), {rebuild['failures']} failures, "
        f"{rebuild['index_rows']:,} index rows.",
        "",
        "## Reading the numbers",
        "",
        f"- Without the index, one search opened {off['opened']:,} cases (each an audit "
        f"event) and took {off['wall_median']:.1f} s. With it, the same search opened "
        f"{on['opened']:,} and took {on['wall_median'] * 1000:,.0f} ms.",
        f"- A surname alone opens more ({one['opened']:,}): every case with someone of that "
        f"surname, plus {one['false']:,} whose words only share its bucket. Those are "
        "decrypted, compared and audited, and not shown. (The generator draws surnames from "
        "a short list, so far more people share one than in a real service.)",
        f"- The generator uses only {facts['distinct_words']} different name words, so "
        f"almost every one has a bucket of its own out of {2 ** facts['bits']:,} and there "
        "are few false candidates here. A real service has thousands of different words, "
        "many to a bucket: a one-word search then also opens about every party holding "
        f"any word of that bucket, roughly {facts['parties']:,} people x "
        f"{facts['index_rows'] / facts['parties']:.1f} words each / "
        f"{2 ** facts['bits']:,} buckets = "
        f"{facts['parties'] * facts['index_rows'] / facts['parties'] / 2 ** facts['bits']:,.0f}"
        " more cases (an estimate, not measured), and a two-word search almost none.",
        "- The index keeps few bits on purpose (see `accord.casework.name_index`): many "
        "words share each bucket, so a copy of the database without the master key says "
        "little about who shares a name.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    args = parse()
    bench = cb.prepare(args)
    os.environ.update(bench.env)
    import django

    django.setup()
    try:
        from django.core.management import call_command

        if bench.reused:
            service = cb.service_from_database()
            gen = bench.generation
        else:
            call_command("migrate", verbosity=0)
            print(f"Generating {args.cases:,} cases.", flush=True)
            service, _plan, gen = cb.generate(args, bench)
            bench.remember(gen)
        facts = measure(args, service)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report(args, facts, gen), encoding="utf-8")
        data = {"generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **facts}
        args.output.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
        print(f"Wrote {args.output}.")
    finally:
        cb.finish(bench, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
