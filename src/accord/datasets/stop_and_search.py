"""Import police.uk stop-and-search CSV files (either header style) into one canonical table.

Canonical columns (one row per search, every row of every file kept):

==================================== ===========================================================
``force``                            as recorded (API files) or from the download file's name
``type``, ``involved_person``        search type; whether a person was searched
``date``, ``time``, ``month``        local date and time as written; ``month`` is ``YYYY-MM``
``operation``, ``operation_name``    part of a policing operation
``latitude``, ``longitude``          police.uk's anonymised map point
``street_id``, ``street_name``       the point's id and name (API files)
``la_code``, ``la_name``             local authority: from the file, or from the map point
``gender``                           Male, Female or Other (police.uk's values, fixed spelling)
``age_range``                        as recorded
``age_band``                         harmonised age range (fixed spelling)
``self_defined_ethnicity``           as recorded (Census categories)
``self_defined_ethnicity_broad``     Asian, Black, Mixed, White or Other; empty if not stated
``officer_defined_ethnicity``        as recorded
``officer_defined_ethnicity_broad``  the same five groups, fixed spelling
``legislation``, ``object_of_search``, ``outcome``, ``outcome_linked_to_object_of_search``,
``removal_of_more_than_outer_clothing``  as recorded
``source_file``                      which file the row came from
==================================== ===========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.datasets import police_uk
from accord.datasets.boroughs import LA_CODE, Area, LocalAuthorities, PointLookup
from accord.datasets.csvfiles import DICTIONARY, blank_rows, read_header, read_table
from accord.datasets.errors import ImportFailed, Problem
from accord.datasets.files import InputFile, SourceRecord
from accord.datasets.harmonise import (
    EMPTY,
    Imported,
    Progress,
    Report,
    count_where,
    date_range,
    no_progress,
    reading,
)
from accord.datasets.validation import (
    Column,
    check_booleans,
    check_coordinates,
    check_dates,
    check_formulas,
    check_numbers,
    check_pattern,
    check_vocabulary,
    in_rows,
    report_values,
)
from accord.datasets.vocabularies import (
    AGES,
    GENDER,
    OFFICER_DEFINED,
    SELF_DEFINED,
    TYPES,
    Vocabulary,
    normalise,
)

IMPORTER_VERSION = "stop_and_search/1"

SCHEMA = pa.schema(
    [
        ("force", DICTIONARY),
        ("type", DICTIONARY),
        ("involved_person", pa.bool_()),
        ("date", pa.date32()),
        ("time", DICTIONARY),
        ("month", DICTIONARY),
        ("operation", pa.bool_()),
        ("operation_name", DICTIONARY),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("street_id", DICTIONARY),
        ("street_name", DICTIONARY),
        ("la_code", DICTIONARY),
        ("la_name", DICTIONARY),
        ("gender", DICTIONARY),
        ("age_range", DICTIONARY),
        ("age_band", DICTIONARY),
        ("self_defined_ethnicity", DICTIONARY),
        ("self_defined_ethnicity_broad", DICTIONARY),
        ("officer_defined_ethnicity", DICTIONARY),
        ("officer_defined_ethnicity_broad", DICTIONARY),
        ("legislation", DICTIONARY),
        ("object_of_search", DICTIONARY),
        ("outcome", DICTIONARY),
        ("outcome_linked_to_object_of_search", pa.bool_()),
        ("removal_of_more_than_outer_clothing", pa.bool_()),
        ("source_file", DICTIONARY),
    ]
)

#: Force names for the slugs in police.uk download file names ("2022-11-metropolitan-...").
FORCE_SLUGS = {
    "metropolitan": "Metropolitan Police",
    "city-of-london": "London, City of",
}
#: A time of day that exists: 00:00 to 23:59, seconds optional.
TIME_PATTERN = r"^([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
#: Columns first read straight as booleans (see ``read_table``'s ``flags``): the spellings
#: it takes that way are ones ``check_booleans`` reads the same way.
FLAGS = (
    "involved_person",
    "operation",
    "outcome_linked_to_object_of_search",
    "removal_of_more_than_outer_clothing",
)


def _mapped(column: Column, vocabulary: Vocabulary) -> pa.DictionaryArray:
    return column.remap(
        [vocabulary.lookup(v) if vocabulary.knows(v) else None for v in column.value_list()]
    )


def _zeros(rows: int) -> pa.Array:
    """``rows`` zeros as int32 (the indices of a one-value dictionary column)."""
    return pa.array(np.zeros(rows, dtype=np.int32))


def _force_from_name(name: str) -> str | None:
    stem = PurePosixPath(name.split(" › ")[-1]).name.lower()
    for slug, force in FORCE_SLUGS.items():
        if f"-{slug}-stop-and-search" in stem:
            return force
    return None


class _File:
    """One file being converted: its columns by canonical name, problems found so far."""

    def __init__(self, file: InputFile, fit: police_uk.Match, table: pa.Table) -> None:
        self.file = file
        self.fit = fit
        self.rows = table.num_rows
        #: columns read straight as booleans (see ``FLAGS``); the others are dictionaries
        self.flags = {
            name: table[name].combine_chunks()
            for name in table.column_names
            if table.schema.field(name).type == pa.bool_()
        }
        blank = blank_rows(table)
        self.by_source = {
            name: Column.of(table[name], blank)
            for name in table.column_names
            if name not in self.flags
        }
        self.columns = {c: self.by_source[s] for c, s in fit.found.items() if s in self.by_source}
        self.problems: list[Problem] = []
        #: canonical name -> the number for each distinct value (see :meth:`coordinate`)
        self.numbers: dict[str, pa.Array] = {}

    def header(self, canonical: str) -> str:
        return self.fit.found[canonical]

    def nulls(self, kind: pa.DataType) -> pa.Array:
        return pa.nulls(self.rows, type=kind)

    def text(self, canonical: str) -> pa.Array:
        column = self.columns.get(canonical)
        return self.nulls(DICTIONARY) if column is None else column.as_dictionary()

    def category(self, canonical: str, vocabulary: Vocabulary) -> pa.Array:
        column = self.columns[canonical]
        self.problems += check_vocabulary(
            column, vocabulary, self.file.name, self.header(canonical)
        )
        return _mapped(column, vocabulary)

    def coordinate(self, canonical: str) -> pa.Array:
        """``latitude`` or ``longitude``: a number in range, per row."""
        column = self.columns[canonical]
        found, values = check_numbers(column, self.file.name, self.header(canonical))
        self.problems += found
        found, values = check_coordinates(
            column, values, canonical, self.file.name, self.header(canonical)
        )
        self.problems += found
        self.numbers[canonical] = values
        return column.take(values)

    def boolean(self, canonical: str) -> pa.Array:
        read = self.flags.get(self.fit.found.get(canonical, ""))
        if read is not None:
            return read  # only TRUE/True/true, FALSE/False/false or empty: nothing to check
        column = self.columns.get(canonical)
        if column is None:
            return self.nulls(pa.bool_())
        found, values = check_booleans(column, self.file.name, self.header(canonical))
        self.problems += found
        return column.take(values)


def _dates(f: _File) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(date, time, month) from ``datetime`` or from ``date`` and ``time``."""
    canonical = "datetime" if "datetime" in f.columns else "date"
    column = f.columns[canonical]
    found, dates = check_dates(column, f.file.name, f.header(canonical))
    f.problems += found
    ok = pc.is_valid(dates)
    none = pa.scalar(None, pa.string())
    month = column.remap(pc.if_else(ok, pc.utf8_slice_codeunits(column.values, 0, 7), none))
    if canonical == "datetime":
        clock = pc.utf8_slice_codeunits(column.values, 11, 19)
        time = column.remap(pc.if_else(pc.equal(clock, ""), none, clock))
    elif "time" in f.columns:
        f.problems += check_pattern(
            f.columns["time"],
            TIME_PATTERN,
            f.file.name,
            f.header("time"),
            lambda value, rows: (
                f"{value!r} is not a time of day; write times as HH:MM:SS, from 00:00:00 "
                "to 23:59:59."
            ),
        )
        time = f.columns["time"].as_dictionary()
    else:
        time = f.nulls(DICTIONARY)
    return column.take(dates), time, month


def _unknown_codes(f: _File, codes: Column, known: list[Area | None]) -> list[Problem]:
    """Codes shaped like a local authority's that are not one Accord knows.

    Refused rather than counted as unmapped: the row's la_name would then name a place
    with no code, and a typo in a code would move searches out of their borough's figures.
    """
    bad = {
        code: value
        for code, (value, area) in enumerate(zip(codes.value_list(), known, strict=True))
        if area is None and LA_CODE.match(value)
    }
    return report_values(
        codes,
        bad,
        f.file.name,
        f.header("la_code"),
        lambda value, rows: (
            f"{value!r} is not a local authority Accord knows ({in_rows(rows)}). Accord knows "
            "the local authority districts of England and Wales in the Census 2021 tables. "
            "Correct the code, or leave the cell empty."
        ),
    )


def _areas(f: _File, latitude: pa.Array, longitude: pa.Array) -> tuple[pa.Array, pa.Array, str]:
    """(la_code, la_name, how): from the file's la_code when it has one, else the map point."""
    authorities = LocalAuthorities.shipped()
    if "la_code" in f.columns:
        codes = f.columns["la_code"]
        f.problems += check_pattern(
            codes,
            LA_CODE.pattern,
            f.file.name,
            f.header("la_code"),
            lambda value, rows: f"{value!r} is not a local authority code such as E09000001.",
        )
        known = [authorities.area(v) for v in codes.value_list()]
        f.problems += _unknown_codes(f, codes, known)
        code = codes.remap([a.code if a else None for a in known])
        if "la_name" in f.columns:
            name = f.columns["la_name"].as_dictionary()
        else:
            name = codes.remap([a.name if a else None for a in known])
        return code, name, "file"
    looked_up = Column.of(
        PointLookup.shipped().lookup_coded(
            f.numbers["latitude"],
            f.columns["latitude"].array.indices,
            f.numbers["longitude"],
            f.columns["longitude"].array.indices,
        )
    )
    names = [authorities.by_code.get(v) for v in looked_up.value_list()]
    return looked_up.as_dictionary(), looked_up.remap(names), "point"


def _convert(file: InputFile, fit: police_uk.Match, table: pa.Table) -> tuple[pa.Table, str]:
    f = _File(file, fit, table)
    for name, column in f.by_source.items():
        f.problems += check_formulas(column, file.name, name)
    search_type = f.category("type", TYPES)
    if "involved_person" in f.fit.found:
        involved = f.boolean("involved_person")
    else:
        # per distinct value, then per row (an empty type stays empty)
        involved = pc.not_equal(search_type.dictionary, "Vehicle search").take(search_type.indices)
    date, time, month = _dates(f)
    latitude, longitude = f.coordinate("latitude"), f.coordinate("longitude")
    la_code, la_name, how = _areas(f, latitude, longitude)
    if "force" in f.columns:
        force = f.text("force")
    else:
        force = pa.DictionaryArray.from_arrays(
            pa.nulls(f.rows, pa.int32())
            if (name := _force_from_name(file.name)) is None
            else _zeros(f.rows),
            pa.array([] if name is None else [name], pa.string()),
            safe=False,  # zeros or nulls: nothing to check row by row
        )
    columns = {
        "force": force,
        "type": search_type,
        "involved_person": involved,
        "date": date,
        "time": time,
        "month": month,
        "operation": f.boolean("operation"),
        "operation_name": f.text("operation_name"),
        "latitude": latitude,
        "longitude": longitude,
        "street_id": f.text("street_id"),
        "street_name": f.text("street_name"),
        "la_code": la_code,
        "la_name": la_name,
        "gender": f.category("gender", GENDER),
        "age_range": f.text("age_range"),
        "age_band": f.category("age_range", AGES),
        "self_defined_ethnicity": f.text("self_defined_ethnicity"),
        "self_defined_ethnicity_broad": f.category("self_defined_ethnicity", SELF_DEFINED),
        "officer_defined_ethnicity": f.text("officer_defined_ethnicity"),
        "officer_defined_ethnicity_broad": f.category("officer_defined_ethnicity", OFFICER_DEFINED),
        "legislation": f.text("legislation"),
        "object_of_search": f.text("object_of_search"),
        "outcome": f.text("outcome"),
        "outcome_linked_to_object_of_search": f.boolean("outcome_linked_to_object_of_search"),
        "removal_of_more_than_outer_clothing": f.boolean("removal_of_more_than_outer_clothing"),
        "source_file": pa.DictionaryArray.from_arrays(
            _zeros(f.rows), pa.array([file.name]), safe=False
        ),
    }
    if f.problems:
        raise ImportFailed(f.problems)
    return pa.table(columns, schema=SCHEMA), how


def _report(table: pa.Table, files: list[dict[str, object]], how: set[str]) -> Report:
    report = Report(rows=table.num_rows, files=files)
    self_raw = table["self_defined_ethnicity"]
    self_broad = table["self_defined_ethnicity_broad"]
    report.column(
        "self_defined_ethnicity_broad",
        "self_defined_ethnicity",
        table.num_rows - self_broad.null_count,
        {
            "not stated": self_broad.null_count - self_raw.null_count,
            EMPTY: self_raw.null_count,
        },
    )
    for name, source in (
        ("officer_defined_ethnicity_broad", "officer_defined_ethnicity"),
        ("age_band", "age_range"),
        ("month", "date"),
    ):
        column = table[name]
        report.column(name, source, table.num_rows - column.null_count, {EMPTY: column.null_count})
    la = table["la_code"]
    no_point = count_where(pc.and_(pc.is_null(la), pc.is_null(table["latitude"])))
    if how == {"file"}:
        report.column("la_code", "la_code", table.num_rows - la.null_count, {EMPTY: la.null_count})
    else:
        report.column(
            "la_code",
            "latitude, longitude" if how == {"point"} else "la_code or latitude, longitude",
            table.num_rows - la.null_count,
            {
                "no map point in the source": no_point,
                "map point not in Accord's London lookup": la.null_count - no_point,
            },
        )
    return report


def read_stop_and_search(
    files: Sequence[InputFile],
    sources: list[SourceRecord],
    *,
    skipped: Sequence[str] = (),
    progress: Progress = no_progress,
) -> Imported:
    """Validate and harmonise stop-and-search files into one table.

    In a folder or archive, police.uk files of another kind (street crime, outcomes) are
    left out and listed in the report's notes; a file of no known layout is an error.

    Raises:
        ImportFailed: with every problem found in every file (up to the reporting limit).
    """
    total = max(sum(f.path.stat().st_size for f in files), 1)
    done = 0
    tables: list[pa.Table] = []
    file_rows: list[dict[str, object]] = []
    problems: list[Problem] = []
    notes: list[str] = [f"Left out (not CSV files): {name}." for name in skipped]
    layouts: set[str] = set()
    how: set[str] = set()
    for file in files:
        header = read_header(file)
        fit = police_uk.identify(header)
        if len(files) > 1 and fit is not None and fit.layout.kind != "stop_and_search":
            notes.append(
                f"Left out {file.name}: a police.uk "
                f"{police_uk.KIND_LABELS[fit.layout.kind]} file, not stop and search."
            )
            done += file.path.stat().st_size
            continue
        try:
            fit = police_uk.expect(header, "stop_and_search", file.name)
            offset = done
            ignored = {normalise(name) for name in fit.layout.ignored}
            table = read_table(
                file,
                header,
                skip=[name for name in header if normalise(name) in ignored],
                flags=[fit.found[name] for name in FLAGS if name in fit.found],
                on_progress=reading(progress, file.name, offset, total),
            )
            converted, source_of_area = _convert(file, fit, table)
        except ImportFailed as failure:
            problems += failure.problems
            done += file.path.stat().st_size
            continue
        done += file.path.stat().st_size
        layouts.add(fit.layout.name)
        how.add(source_of_area)
        if fit.layout.ignored_note and ignored & {normalise(n) for n in header}:
            notes.append(fit.layout.ignored_note)
        tables.append(converted)
        file_rows.append({"name": file.name, "rows": converted.num_rows})
    if problems:
        raise ImportFailed(problems)
    if not tables:
        raise ImportFailed(
            [Problem("None of the files given is a police.uk stop-and-search file.")]
        )
    progress(0.85, "Harmonising")
    table = (
        tables[0]
        if len(tables) == 1
        else pa.concat_tables(tables).unify_dictionaries().combine_chunks()
    )
    report = _report(table, file_rows, how)
    report.notes = list(dict.fromkeys(notes))
    if "point" in how:
        report.notes.append(
            "Local authorities were found from police.uk's anonymised map points, using a "
            "lookup learned from the Metropolitan and City of London Police data for December "
            "2021 to November 2022. Points outside it are counted as unmapped."
        )
    start, end = date_range(table["date"])
    return Imported(
        kind="stop_and_search",
        table=table,
        source=", ".join(sorted(layouts)),
        publisher=police_uk.PUBLISHER,
        licence=police_uk.LICENCE,
        importer_version=IMPORTER_VERSION,
        report=report,
        sources=sources,
        period_start=start,
        period_end=end,
        column_roles={
            "group": "officer_defined_ethnicity_broad",
            "area": "la_code",
            "date": "date",
            "outcome": "outcome",
        },
    )


__all__ = ["IMPORTER_VERSION", "SCHEMA", "read_stop_and_search"]
