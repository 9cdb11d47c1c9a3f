"""Import ONS Census 2021 usual-resident population by ethnic group, per local authority.

Two layouts are read (both in ``shared/data/real/census``):

* **20 categories**, one row per local authority and category (the ONS "long" download):
  ``Lower Tier Local Authorities Code, Lower Tier Local Authorities, Ethnic group (20
  categories) Code, Ethnic group (20 categories), Observation``;
* **5 categories**, one row per local authority district with a column per broad group:
  ``LAD, LAD_code, Asian, Black, Mixed, Other, White``.

Every area must be one of the local authority districts of England and Wales that Accord
ships (:mod:`accord.datasets.boroughs`), under its own name (case and spacing aside): a
region's row would count its people twice in any total. Header names are matched with case
and spacing ignored, so two that differ only in those are refused as one column named twice.

Both become one long table: ``la_code``, ``la_name``, ``ethnic_group``,
``ethnic_group_detailed`` (the 19 Census 2021 categories; empty for the 5-category file),
``ethnic_group_extractss`` and ``population``. The 20-category file's "Does not apply" rows
are not an ethnic group; they are left out and their total is reported.

Two ways of forming five groups. ``ethnic_group`` is the ONS broad group (the one
``self_defined_ethnicity_broad`` in the police data uses). ``ethnic_group_extractss`` is the
collapse Black Thrive's ExtractSS used for its 5-category file, meant for comparisons with
officer-defined ethnicity: people of White and Black African or White and Black Caribbean
ethnicity count as Black, Gypsy or Irish Traveller and Roma people as Other (see
:data:`accord.datasets.vocabularies.EXTRACTSS_GROUP`). The real 5-category file is exactly
that collapse of the real 20-category file, for all 331 local authorities; in that file both
columns hold its groups, as it gives no more detail.

To find the population of an area named in other data, use
:meth:`accord.datasets.boroughs.LocalAuthorities.resolve` (local authority code or name,
LSOA name, or an LSOA code whose name is known).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from accord.datasets.boroughs import LocalAuthorities
from accord.datasets.csvfiles import (
    DICTIONARY,
    blank_rows,
    read_header,
    read_table,
    spreadsheet_rows,
)
from accord.datasets.errors import ImportFailed, Problem, problem
from accord.datasets.files import InputFile, SourceRecord
from accord.datasets.harmonise import Imported, Progress, Report, no_progress
from accord.datasets.validation import (
    Column,
    check_formulas,
    check_pattern,
    header_mismatch,
    quoted,
    refuse_same_columns,
)
from accord.datasets.vocabularies import BROAD_GROUPS, CENSUS_2021_20, EXTRACTSS_GROUP, normalise

IMPORTER_VERSION = "census/1"
PUBLISHER = "Office for National Statistics"
LICENCE = "Open Government Licence v3.0"
CENSUS_DAY = dt.date(2021, 3, 21)

HEADER_20 = (
    "Lower Tier Local Authorities Code",
    "Lower Tier Local Authorities",
    "Ethnic group (20 categories) Code",
    "Ethnic group (20 categories)",
    "Observation",
)
HEADER_5_ORDER = ("LAD", "LAD_code", "Asian", "Black", "Mixed", "Other", "White")

SCHEMA = pa.schema(
    [
        ("la_code", DICTIONARY),
        ("la_name", DICTIONARY),
        ("ethnic_group", DICTIONARY),
        ("ethnic_group_detailed", DICTIONARY),
        ("ethnic_group_extractss", DICTIONARY),
        ("population", pa.int64()),
    ]
)
_COUNT = r"^\s*\d+(\.0+)?\s*$"
_LA_CODE = r"^[EWSN]\d{8}$"
#: A Census group code as the ONS writes it ("-8.0", "19.0"); longer numbers are no code.
_GROUP_CODE = re.compile(r"^(-?[0-9]{1,6})(?:\.0+)?$")
#: England and Wales had 59,597,542 usual residents on Census day, so no count for one
#: local authority can be larger: a bigger number is a typing or export mistake. Below this,
#: every count is also exact as the float64 Arrow reads it through and fits in int64.
MAX_POPULATION = 60_000_000
#: How many problems of one kind a column reports (the rest are alike).
_SHOWN = 5

Categories = Literal[5, 20]


def _layout(header: Sequence[str], display: str, categories: int | None) -> Categories:
    names = {normalise(h) for h in header}
    fits: dict[Categories, tuple[str, ...]] = {20: HEADER_20, 5: HEADER_5_ORDER}
    for count, expected in fits.items():
        if names == {normalise(e) for e in expected}:
            if categories is not None and categories != count:
                raise ImportFailed.one(
                    f"this is the {count}-category Census file, but {categories} categories "
                    f"were asked for. Choose {count} categories, or the other file.",
                    display,
                    row=1,
                )
            return count
    wanted: Sequence[Categories] = [20, 5] if categories is None else [categories]  # type: ignore[list-item]
    best = max(wanted, key=lambda c: len(names & {normalise(e) for e in fits[c]}))
    expected = fits[best]
    missing = [e for e in expected if normalise(e) not in names]
    unknown = [h for h in header if normalise(h) not in {normalise(e) for e in expected}]
    lead = f"the header row does not match the Census 2021 {best}-category layout."
    message = header_mismatch(missing, unknown, ", ".join(expected), lead=lead)
    raise ImportFailed.one(message, display, row=1)


def _by_name(table: pa.Table, header: Sequence[str]) -> dict[str, Column]:
    """Each column under its normalised name (``refuse_same_columns`` made them unique)."""
    blank = blank_rows(table)
    return {normalise(name): Column.of(table[name], blank) for name in header}


def _counts(column: Column, display: str, name: str) -> tuple[list[Problem], pa.Array]:
    """The count per distinct value (empty where it is not one) and what is wrong with any."""
    problems = check_pattern(
        column,
        _COUNT,
        display,
        name,
        lambda value, rows: f"{value!r} is not a count of people (a whole number, 0 or more).",
    )
    problems += [
        problem("the count is empty; write 0 if there is nobody.", display, row=row, column=name)
        for row in column.rows(np.flatnonzero(column.codes < 0)[:_SHOWN]).tolist()
    ]
    ok = pc.fill_null(pc.match_substring_regex(column.values, _COUNT), False)
    # The pattern allows spaces around the digits, so they go before the cast.
    text = pc.if_else(ok, pc.utf8_trim_whitespace(column.values), pa.scalar(None, pa.string()))
    numbers = text.cast(pa.float64())
    too_large = pc.fill_null(pc.greater(numbers, pa.scalar(float(MAX_POPULATION))), False)
    huge = {
        int(code): str(column.values[int(code)].as_py())
        for code in np.flatnonzero(np.asarray(too_large.to_numpy(False)))
    }
    for code, (row, _) in sorted(column.first_rows(huge).items(), key=lambda i: i[1][0])[:_SHOWN]:
        problems.append(
            problem(
                f"{quoted(huge[code].strip(), 30)} is larger than any real count: England and "
                f"Wales had fewer than {MAX_POPULATION // 1_000_000} million usual residents on "
                "Census day.",
                display,
                row=row,
                column=name,
            )
        )
    numbers = pc.if_else(too_large, pa.scalar(None, pa.float64()), numbers)
    return problems, numbers.cast(pa.int64())


def _check_areas(
    columns: dict[str, Column], code: str, name: str, file: InputFile
) -> list[Problem]:
    problems = check_pattern(
        columns[normalise(code)],
        _LA_CODE,
        file.name,
        code,
        lambda value, rows: f"{value!r} is not an area code such as E09000001.",
    )
    for column_name in (code, name):
        column = columns[normalise(column_name)]
        missing = column.rows(np.flatnonzero(column.codes < 0)[:_SHOWN])
        problems += [
            problem("the area is empty.", file.name, row=int(row), column=column_name)
            for row in missing
        ]
    return problems + _unknown_areas(columns, code, name, file.name)


def _unknown_areas(columns: dict[str, Column], code: str, name: str, display: str) -> list[Problem]:
    """Codes that are not local authorities, and names that belong to another code.

    A region or country code has the same shape as a local authority's, but its people are
    also in its local authorities' rows, so any total would count them twice; a name under
    the wrong code puts one area's people in another.
    """
    authorities = LocalAuthorities.shipped()
    codes, names = columns[normalise(code)], columns[normalise(name)]
    shaped = re.compile(_LA_CODE)
    unknown = {
        index: value
        for index, value in enumerate(codes.value_list())
        if shaped.match(value) and value not in authorities.by_code
    }
    first = sorted(codes.first_rows(unknown).items(), key=lambda item: item[1][0])
    problems = [
        problem(
            f"{unknown[index]!r} is not the code of a local authority district in England or "
            "Wales. Regions, counties and countries cannot be used: their people are already "
            "counted in their local authorities.",
            display,
            row=row,
            column=code,
        )
        for index, (row, _) in first[:_SHOWN]
    ]
    pairs, records = np.unique(
        np.stack([codes.codes, names.codes], axis=1), axis=0, return_index=True
    )
    rows = codes.rows(records)
    wrong: list[tuple[int, str, str, str]] = []
    for (code_index, name_index), row in zip(pairs.tolist(), rows.tolist(), strict=True):
        if code_index < 0 or name_index < 0:
            continue
        area_code = str(codes.values[code_index].as_py())
        expected = authorities.by_code.get(area_code)
        given = str(names.values[name_index].as_py())
        if expected is not None and normalise(given) != normalise(expected):
            wrong.append((row, given, area_code, expected))
    problems += [
        problem(
            f"{given!r} is not the name of {area_code}, which is {expected!r}. Check that the "
            "code and the name are for the same area.",
            display,
            row=row,
            column=name,
        )
        for row, given, area_code, expected in sorted(wrong)[:_SHOWN]
    ]
    return problems


def _group_numbers(codes: Column) -> pa.Array:
    """Per distinct value, the Census group code it spells; empty for anything else, which
    the caller reports as not matching the row's group. Python ints, not an Arrow cast, so a
    20-digit "code" is just not a code rather than an overflow."""
    numbers: list[int | None] = []
    for value in codes.value_list():
        match = _GROUP_CODE.match(value)
        number = int(match.group(1)) if match else None
        numbers.append(number if number in CENSUS_2021_20 else None)
    return pa.array(numbers, type=pa.int64())


def _read_20(file: InputFile, table: pa.Table, header: Sequence[str]) -> tuple[pa.Table, int]:
    columns = _by_name(table, header)
    code_name, la_name_name, group_code_name, group_name, value_name = HEADER_20
    problems = _check_areas(columns, code_name, la_name_name, file)
    groups = columns[normalise(group_name)]
    codes = columns[normalise(group_code_name)]
    labels = {normalise(label): number for number, (label, _) in CENSUS_2021_20.items()}
    known = [labels.get(normalise(v)) for v in groups.value_list()]
    bad_labels = {i: v for i, v in enumerate(groups.value_list()) if known[i] is None}
    for index, (row, rows) in groups.first_rows(bad_labels).items():
        problems.append(
            problem(
                f"{bad_labels[index]!r} is not a Census 2021 ethnic group "
                f"({'in 1 row' if rows == 1 else f'in {rows:,} rows'}).",
                file.name,
                row=row,
                column=group_name,
            )
        )
    row_group = groups.take(pa.array(known, type=pa.int64()))
    row_code = codes.take(_group_numbers(codes))
    mismatch = np.flatnonzero(
        np.asarray(pc.fill_null(pc.not_equal(row_group, row_code), True).to_numpy(False))
        & np.asarray(pc.is_valid(row_group).to_numpy(False))
    )
    shown = mismatch[:_SHOWN]
    for index, row in zip(shown, spreadsheet_rows(table, shown).tolist(), strict=True):
        given = int(codes.codes[int(index)])
        written = "" if given < 0 else f" {quoted(str(codes.values[given].as_py()), 30)}"
        problems.append(
            problem(
                f"the code{written} does not match the ethnic group "
                f"{CENSUS_2021_20[int(row_group[int(index)].as_py())][0]!r} "
                f"(its code is {int(row_group[int(index)].as_py())}).",
                file.name,
                row=row,
                column=group_code_name,
            )
        )
    found, population = _counts(columns[normalise(value_name)], file.name, value_name)
    problems += found
    if problems:
        raise ImportFailed(problems)
    raw = pa.table(
        {
            "la_code": columns[normalise(code_name)].as_dictionary(),
            "la_name": columns[normalise(la_name_name)].as_dictionary(),
            "group": row_group,
            "population": columns[normalise(value_name)].take(population),
        }
    )
    per_pair = raw.group_by(["la_code", "group"]).aggregate([("population", "count")])
    repeated = per_pair.filter(pc.greater(per_pair["population_count"], 1))
    if repeated.num_rows:
        first = repeated.slice(0, 1).to_pylist()[0]
        raise ImportFailed.one(
            f"area {first['la_code']} has {first['population_count']} rows for "
            f"{CENSUS_2021_20[first['group']][0]!r}; each area needs exactly one per group.",
            file.name,
        )
    not_applicable = raw.filter(pc.equal(raw["group"], -8))
    real = raw.filter(pc.not_equal(raw["group"], -8))
    areas = pc.unique(real["la_code"].cast(pa.string()))
    expected_rows = len(areas) * (len(CENSUS_2021_20) - 1)
    if real.num_rows != expected_rows:
        present = set(
            zip(
                real["la_code"].cast(pa.string()).to_pylist(),
                real["group"].to_pylist(),
                strict=True,
            )
        )
        gaps = [
            (area, number)
            for area in areas.to_pylist()
            for number in CENSUS_2021_20
            if number > 0 and (area, number) not in present
        ]
        raise ImportFailed(
            [
                problem(
                    f"area {area} has no row for {CENSUS_2021_20[number][0]!r}; every area "
                    "needs all 19 ethnic groups.",
                    file.name,
                )
                for area, number in gaps[:10]
            ],
            more=max(0, len(gaps) - 10),
        )
    label = {n: lab for n, (lab, _) in CENSUS_2021_20.items()}
    broad = {n: b for n, (_, b) in CENSUS_2021_20.items()}
    group_numbers = real["group"].to_pylist()
    table_out = pa.table(
        {
            "la_code": real["la_code"],
            "la_name": real["la_name"],
            "ethnic_group": pc.dictionary_encode(pa.array([broad[g] for g in group_numbers])),
            "ethnic_group_detailed": pc.dictionary_encode(
                pa.array([label[g] for g in group_numbers])
            ),
            "ethnic_group_extractss": pc.dictionary_encode(
                pa.array([EXTRACTSS_GROUP[g] for g in group_numbers])
            ),
            "population": real["population"],
        },
        schema=SCHEMA,
    )
    return table_out, int(pc.sum(not_applicable["population"]).as_py() or 0)


def _read_5(file: InputFile, table: pa.Table, header: Sequence[str]) -> pa.Table:
    columns = _by_name(table, header)
    problems = _check_areas(columns, "LAD_code", "LAD", file)
    counts: dict[str, pa.Array] = {}
    actual = {normalise(h): h for h in header}
    for group in BROAD_GROUPS:
        found, values = _counts(columns[normalise(group)], file.name, actual[normalise(group)])
        problems += found
        counts[group] = columns[normalise(group)].take(values)
    if problems:
        raise ImportFailed(problems)
    codes = columns[normalise("LAD_code")].as_dictionary()
    names = columns[normalise("LAD")].as_dictionary()
    repeated = pc.value_counts(codes.cast(pa.string()))
    twice = [v["values"] for v in repeated.to_pylist() if v["counts"] > 1]
    if twice:
        raise ImportFailed.one(
            f"area {twice[0]} has more than one row; each area needs exactly one.", file.name
        )
    parts = []
    for group in BROAD_GROUPS:
        group_column = pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(len(codes), dtype=np.int32)), pa.array([group])
        )
        parts.append(
            pa.table(
                {
                    "la_code": codes,
                    "la_name": names,
                    "ethnic_group": group_column,
                    "ethnic_group_detailed": pa.nulls(len(codes), DICTIONARY),
                    "ethnic_group_extractss": group_column,
                    "population": counts[group],
                },
                schema=SCHEMA,
            )
        )
    return pa.concat_tables(parts).unify_dictionaries().combine_chunks()


def read_census(
    files: Sequence[InputFile],
    sources: list[SourceRecord],
    *,
    categories: int | None = None,
    progress: Progress = no_progress,
) -> Imported:
    """Validate one Census population file into the long table described above.

    Args:
        categories: 5 or 20 to insist on a layout; None to accept either.

    Raises:
        ImportFailed: naming file, row and column of every problem found.
    """
    if categories not in (None, 5, 20):
        raise ImportFailed([Problem("Census files have 5 or 20 categories.")])
    if len(files) != 1:
        raise ImportFailed([Problem("Import one Census file at a time.")])
    (file,) = files
    header = read_header(file)
    refuse_same_columns(header, file.name)
    layout = _layout(header, file.name, categories)
    table = read_table(file, header, on_progress=lambda n: progress(0.5, "Reading"))
    problems: list[Problem] = []
    blank = blank_rows(table)
    for name in header:
        problems += check_formulas(Column.of(table[name], blank), file.name, name)
    if problems:
        raise ImportFailed(problems)
    report = Report(rows=0, files=[{"name": file.name, "rows": table.num_rows}])
    if layout == 20:
        out, not_applicable = _read_20(file, table, header)
        report.notes.append(
            f"The 'Does not apply' rows were left out: they are not an ethnic group "
            f"(their total population is {not_applicable:,})."
        )
        source = (
            "ONS Census 2021: usual residents by ethnic group (20 categories), "
            "by lower tier local authority"
        )
    else:
        out = _read_5(file, table, header)
        report.notes.append(
            "Files in this layout (from Black Thrive's ExtractSS) count people of White and "
            "Black African or White and Black Caribbean ethnicity as Black, and Gypsy or Irish "
            "Traveller and Roma people as Other; the ONS broad groups put them in Mixed and "
            "White. The 20-category file gives both (ethnic_group and ethnic_group_extractss)."
        )
        source = (
            "ONS Census 2021: usual residents by ethnic group (5 categories), "
            "by local authority district"
        )
    report.rows = out.num_rows
    report.column("ethnic_group", "ethnic group", out.num_rows, {})
    report.notes.append(
        "Populations are usual residents on Census day (21 March 2021), not the people "
        "present in an area."
    )
    return Imported(
        kind="population",
        table=out,
        source=source,
        publisher=PUBLISHER,
        licence=LICENCE,
        importer_version=IMPORTER_VERSION,
        report=report,
        sources=sources,
        period_start=CENSUS_DAY,
        period_end=CENSUS_DAY,
        column_roles={"group": "ethnic_group", "area": "la_code", "population": "population"},
    )
