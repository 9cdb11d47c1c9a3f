"""Import police.uk street-level crime and outcomes CSV files (monthly downloads).

Canonical columns: ``crime_id``, ``month`` (``YYYY-MM``), ``date`` (the first day of the
month), ``reported_by``, ``falls_within``, ``latitude``, ``longitude``, ``location``,
``lsoa_code``, ``lsoa_name``, ``la_code``, ``la_name``, then ``crime_type``,
``last_outcome_category`` and ``context`` (street crime) or ``outcome_type`` (outcomes), and
``source_file``.

The local authority comes from the LSOA name ("Camden 001A" is in Camden); where a row has
only an LSOA code, from the name the same code has elsewhere in the files; failing that,
from the map point (see :mod:`accord.datasets.boroughs`). Rows that none of these place are
kept and counted.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.datasets import police_uk
from accord.datasets.boroughs import LocalAuthorities, PointLookup
from accord.datasets.csvfiles import DICTIONARY, blank_rows, read_header, read_table
from accord.datasets.errors import ImportFailed, Problem
from accord.datasets.files import InputFile, SourceRecord
from accord.datasets.harmonise import Imported, Progress, Report, date_range, no_progress, reading
from accord.datasets.validation import (
    Column,
    check_coordinates,
    check_formulas,
    check_numbers,
    check_pattern,
    check_years,
)

IMPORTER_VERSION = "crimes/1"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

_COMMON = [
    ("crime_id", DICTIONARY),
    ("month", DICTIONARY),
    ("date", pa.date32()),
    ("reported_by", DICTIONARY),
    ("falls_within", DICTIONARY),
    ("latitude", pa.float64()),
    ("longitude", pa.float64()),
    ("location", DICTIONARY),
    ("lsoa_code", DICTIONARY),
    ("lsoa_name", DICTIONARY),
    ("la_code", DICTIONARY),
    ("la_name", DICTIONARY),
]
SCHEMAS = {
    "street_crime": pa.schema(
        [
            *_COMMON,
            ("crime_type", DICTIONARY),
            ("last_outcome_category", DICTIONARY),
            ("context", DICTIONARY),
            ("source_file", DICTIONARY),
        ]
    ),
    "outcomes": pa.schema([*_COMMON, ("outcome_type", DICTIONARY), ("source_file", DICTIONARY)]),
}


def _convert(file: InputFile, fit: police_uk.Match, table: pa.Table, kind: str) -> pa.Table:
    rows = table.num_rows
    blank = blank_rows(table)
    by_source = {name: Column.of(table[name], blank) for name in table.column_names}
    columns = {c: by_source[s] for c, s in fit.found.items()}
    problems: list[Problem] = []
    for name, column in by_source.items():
        problems += check_formulas(column, file.name, name)
    month = columns["month"]
    problems += check_pattern(
        month,
        MONTH_PATTERN,
        file.name,
        fit.found["month"],
        lambda value, n: f"{value!r} is not a month; police.uk writes months as YYYY-MM.",
    )
    first_days = pc.strptime(
        pc.binary_join_element_wise(month.values, "01", "-"),
        format="%Y-%m-%d",
        unit="s",
        error_is_null=True,
    ).cast(pa.date32())
    found, first_days = check_years(month, first_days, file.name, fit.found["month"], "month")
    problems += found
    numbers: dict[str, pa.Array] = {}
    for axis in ("latitude", "longitude"):
        found, values = check_numbers(columns[axis], file.name, fit.found[axis])
        problems += found
        found, values = check_coordinates(columns[axis], values, axis, file.name, fit.found[axis])
        problems += found
        numbers[axis] = columns[axis].take(values)
    if problems:
        raise ImportFailed(problems)
    out: dict[str, pa.Array] = {}
    for field in SCHEMAS[kind]:
        name, kind_of = field.name, field.type
        if name in columns and kind_of == DICTIONARY:
            out[name] = columns[name].as_dictionary()
        elif name not in ("date", "latitude", "longitude", "la_code", "la_name", "source_file"):
            out[name] = pa.nulls(rows, DICTIONARY)
    out["date"] = month.take(first_days)
    out.update(numbers)
    out["la_code"] = pa.nulls(rows, DICTIONARY)
    out["la_name"] = pa.nulls(rows, DICTIONARY)
    out["source_file"] = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(rows, dtype=np.int32)), pa.array([file.name])
    )
    return pa.table({name: out[name] for name in SCHEMAS[kind].names}, schema=SCHEMAS[kind])


def _place(table: pa.Table) -> tuple[pa.Table, dict[str, int]]:
    """Fill ``la_code``/``la_name`` from LSOA names, known LSOA codes, then map points."""
    authorities = LocalAuthorities.shipped()
    names = Column.of(table["lsoa_name"])
    by_name = [authorities.from_lsoa_name(v) for v in names.value_list()]
    from_name = names.remap([a.code if a else None for a in by_name]).cast(pa.string())
    pairs = (
        pa.table({"code": table["lsoa_code"], "name": from_name})
        .filter(pc.and_(pc.is_valid(table["lsoa_code"]), pc.is_valid(from_name)))
        .group_by("code")
        .aggregate([("name", "min")])
    )
    known = dict(zip(pairs["code"].to_pylist(), pairs["name_min"].to_pylist(), strict=True))
    codes = Column.of(table["lsoa_code"])
    from_code = codes.remap([known.get(v) for v in codes.value_list()]).cast(pa.string())
    from_point = PointLookup.shipped().lookup(table["latitude"], table["longitude"])
    from_point = from_point.cast(pa.string())
    la = pc.coalesce(from_name, from_code, from_point)
    la_column = Column.of(la)
    la_names = la_column.remap([authorities.by_code.get(v) for v in la_column.value_list()])
    has_name = pc.is_valid(table["lsoa_name"])
    counts = {
        "name": int(pc.sum(pc.is_valid(from_name).cast(pa.int64())).as_py() or 0),
        "name_unknown": int(
            pc.sum(pc.and_(has_name, pc.is_null(from_name)).cast(pa.int64())).as_py() or 0
        ),
    }
    table = table.set_column(
        table.schema.get_field_index("la_code"), "la_code", la_column.as_dictionary()
    )
    table = table.set_column(table.schema.get_field_index("la_name"), "la_name", la_names)
    return table, counts


def read_crimes(
    files: Sequence[InputFile],
    sources: list[SourceRecord],
    kind: str,
    *,
    skipped: Sequence[str] = (),
    progress: Progress = no_progress,
) -> Imported:
    """Validate and harmonise street-level crime (``kind="street_crime"``) or outcomes files.

    Raises:
        ImportFailed: with every problem found (up to the reporting limit).
    """
    total = max(sum(f.path.stat().st_size for f in files), 1)
    done = 0
    tables: list[pa.Table] = []
    problems: list[Problem] = []
    notes = [f"Left out (not CSV files): {name}." for name in skipped]
    for file in files:
        header = read_header(file)
        fit = police_uk.identify(header)
        size = file.path.stat().st_size
        if len(files) > 1 and fit is not None and fit.layout.kind != kind:
            notes.append(
                f"Left out {file.name}: a police.uk {police_uk.KIND_LABELS[fit.layout.kind]} "
                f"file, not {police_uk.KIND_LABELS[kind]}."
            )
            done += size
            continue
        try:
            fit = police_uk.expect(header, kind, file.name)
            offset = done
            table = read_table(
                file,
                header,
                on_progress=reading(progress, file.name, offset, total),
            )
            tables.append(_convert(file, fit, table, kind))
        except ImportFailed as failure:
            problems += failure.problems
        done += size
    if problems:
        raise ImportFailed(problems)
    if not tables:
        raise ImportFailed(
            [Problem(f"None of the files given is a police.uk {police_uk.KIND_LABELS[kind]} file.")]
        )
    progress(0.85, "Harmonising")
    table = pa.concat_tables(tables).unify_dictionaries().combine_chunks()
    table, counts = _place(table)
    report = Report(
        rows=table.num_rows,
        files=[
            {"name": str(item["values"]), "rows": int(item["counts"])}
            for item in pc.value_counts(table["source_file"].cast(pa.string())).to_pylist()
        ],
        notes=notes,
    )
    la = table["la_code"]
    no_place = pc.and_(pc.is_null(table["lsoa_name"]), pc.is_null(table["latitude"]))
    no_place_count = int(pc.sum(pc.and_(no_place, pc.is_null(la)).cast(pa.int64())).as_py() or 0)
    report.column(
        "la_code",
        "lsoa_name, lsoa_code, latitude and longitude",
        table.num_rows - la.null_count,
        {
            "no location in the source": no_place_count,
            "LSOA or map point not recognised": la.null_count - no_place_count,
        },
    )
    if counts["name_unknown"]:
        report.notes.append(
            f"{counts['name_unknown']:,} rows have an LSOA name that does not start with a "
            "local authority Accord knows."
        )
    start, end = date_range(table["date"])
    end_of_month = None
    if end is not None:
        end_of_month = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return Imported(
        kind=kind,
        table=table,
        source=police_uk.STREET_CRIME.name if kind == "street_crime" else police_uk.OUTCOMES.name,
        publisher=police_uk.PUBLISHER,
        licence=police_uk.LICENCE,
        importer_version=IMPORTER_VERSION,
        report=report,
        sources=sources,
        period_start=start,
        period_end=end_of_month,
        column_roles={
            "group": "crime_type" if kind == "street_crime" else "outcome_type",
            "area": "la_code",
            "date": "date",
            "outcome": "last_outcome_category" if kind == "street_crime" else "outcome_type",
        },
    )
