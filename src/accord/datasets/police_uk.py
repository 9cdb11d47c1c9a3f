"""The police.uk file layouts Accord reads, and how to tell them apart by their headers.

Stop and search comes in two header styles with the same facts:

* the **API field names** (``age_range``, ``location.latitude`` ...), as in the real London
  file, which ExtractSS also tagged with ``la_name``/``la_code``/``county``/``region``/
  ``country``;
* the **monthly download** headers (``Age range``, ``Latitude`` ...), as in the CSV files
  from data.police.uk/data.

Street-level crime and outcomes come from the monthly downloads only (see the "about" page
of data.police.uk for the columns).

Each layout maps its source headers onto Accord's canonical column names; matching ignores
case and spacing. A header with a required column missing, or with a column no layout knows,
is refused with both lists, so the person can see what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from accord.datasets.errors import ImportFailed
from accord.datasets.validation import header_mismatch, refuse_same_columns
from accord.datasets.vocabularies import normalise

PUBLISHER = "data.police.uk (Home Office)"
LICENCE = "Open Government Licence v3.0"


@dataclass(frozen=True)
class Layout:
    """One header style: canonical name -> source header, which are required, which ignored."""

    kind: str  # stop_and_search | street_crime | outcomes
    name: str
    columns: dict[str, str]
    required: frozenset[str]
    #: Source headers recognised but not kept (say why in ``ignored_note``).
    ignored: frozenset[str] = frozenset()
    ignored_note: str = ""
    #: Canonical columns of which at least one must be present.
    one_of: tuple[frozenset[str], ...] = field(default_factory=tuple)

    @property
    def known(self) -> dict[str, str]:
        """normalised source header -> canonical name (``""`` for ignored headers)."""
        known = {normalise(source): canonical for canonical, source in self.columns.items()}
        known.update({normalise(source): "" for source in self.ignored})
        return known


STOP_AND_SEARCH_API = Layout(
    kind="stop_and_search",
    name="police.uk stop and search (API field names)",
    columns={
        "type": "type",
        "involved_person": "involved_person",
        "date": "date",
        "time": "time",
        "datetime": "datetime",
        "operation": "operation",
        "operation_name": "operation_name",
        "latitude": "location.latitude",
        "longitude": "location.longitude",
        "street_id": "location.street.id",
        "street_name": "location.street.name",
        "gender": "gender",
        "age_range": "age_range",
        "self_defined_ethnicity": "self_defined_ethnicity",
        "officer_defined_ethnicity": "officer_defined_ethnicity",
        "legislation": "legislation",
        "object_of_search": "object_of_search",
        "outcome": "outcome",
        "outcome_linked_to_object_of_search": "outcome_linked_to_object_of_search",
        "removal_of_more_than_outer_clothing": "removal_of_more_than_outer_clothing",
        "force": "force",
        "la_code": "la_code",
        "la_name": "la_name",
    },
    required=frozenset(
        {
            "type",
            "gender",
            "age_range",
            "self_defined_ethnicity",
            "officer_defined_ethnicity",
            "legislation",
            "object_of_search",
            "outcome",
            "latitude",
            "longitude",
        }
    ),
    one_of=(frozenset({"date", "datetime"}),),
    ignored=frozenset({"county", "region", "country"}),
    ignored_note=(
        "The columns county, region and country were not kept: they follow from la_code."
    ),
)

STOP_AND_SEARCH_DOWNLOAD = Layout(
    kind="stop_and_search",
    name="police.uk stop and search (monthly download)",
    columns={
        "type": "Type",
        "datetime": "Date",
        "operation": "Part of a policing operation",
        "operation_name": "Policing operation",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "gender": "Gender",
        "age_range": "Age range",
        "self_defined_ethnicity": "Self-defined ethnicity",
        "officer_defined_ethnicity": "Officer-defined ethnicity",
        "legislation": "Legislation",
        "object_of_search": "Object of search",
        "outcome": "Outcome",
        "outcome_linked_to_object_of_search": "Outcome linked to object of search",
        "removal_of_more_than_outer_clothing": "Removal of more than just outer clothing",
    },
    required=frozenset(
        {
            "type",
            "datetime",
            "operation",
            "operation_name",
            "latitude",
            "longitude",
            "gender",
            "age_range",
            "self_defined_ethnicity",
            "officer_defined_ethnicity",
            "legislation",
            "object_of_search",
            "outcome",
            "outcome_linked_to_object_of_search",
            "removal_of_more_than_outer_clothing",
        }
    ),
)

_CRIME_COMMON = {
    "crime_id": "Crime ID",
    "month": "Month",
    "reported_by": "Reported by",
    "falls_within": "Falls within",
    "longitude": "Longitude",
    "latitude": "Latitude",
    "location": "Location",
    "lsoa_code": "LSOA code",
    "lsoa_name": "LSOA name",
}

STREET_CRIME = Layout(
    kind="street_crime",
    name="police.uk street-level crime (monthly download)",
    columns={
        **_CRIME_COMMON,
        "crime_type": "Crime type",
        "last_outcome_category": "Last outcome category",
        "context": "Context",
    },
    required=frozenset({*_CRIME_COMMON, "crime_type", "last_outcome_category"}),
)

OUTCOMES = Layout(
    kind="outcomes",
    name="police.uk outcomes (monthly download)",
    columns={**_CRIME_COMMON, "outcome_type": "Outcome type"},
    required=frozenset({*_CRIME_COMMON, "outcome_type"}),
)

LAYOUTS = (STOP_AND_SEARCH_API, STOP_AND_SEARCH_DOWNLOAD, STREET_CRIME, OUTCOMES)

KIND_LABELS = {
    "stop_and_search": "stop and search",
    "street_crime": "street-level crime",
    "outcomes": "outcomes",
}


@dataclass(frozen=True)
class Match:
    """How a header fits a layout: canonical -> header as written, and what is off."""

    layout: Layout
    found: dict[str, str]
    missing: list[str]
    unknown: list[str]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unknown

    @property
    def score(self) -> int:
        return len(self.found) - len(self.missing) - len(self.unknown)


def match(header: Sequence[str], layout: Layout) -> Match:
    known = layout.known
    found: dict[str, str] = {}
    seen: set[str] = set()
    unknown: list[str] = []
    for name in header:
        key = normalise(name)
        canonical = known.get(key)
        if canonical is None:
            unknown.append(name)
            continue
        if key in seen:  # named twice: refused by the caller (refuse_same_columns)
            continue
        seen.add(key)
        if canonical:
            found[canonical] = name
    missing = [layout.columns[c] for c in layout.columns if c in layout.required and c not in found]
    for group in layout.one_of:
        if not group & found.keys():
            missing.append(" or ".join(layout.columns[c] for c in sorted(group)))
    return Match(layout, found, missing, unknown)


def identify(header: Sequence[str]) -> Match | None:
    """The layout the header fits exactly, if any."""
    for layout in LAYOUTS:
        fit = match(header, layout)
        if fit.ok:
            return fit
    return None


def expect(header: Sequence[str], kind: str, display: str) -> Match:
    """The layout of ``kind`` this header fits, or :class:`ImportFailed` saying what is off."""
    fit = identify(header)
    if fit is not None and fit.layout.kind == kind:
        refuse_same_columns(header, display)
        return fit
    if fit is not None:
        raise ImportFailed.one(
            f"this is a police.uk {KIND_LABELS[fit.layout.kind]} file, not "
            f"{KIND_LABELS[kind]}. Import it as {KIND_LABELS[fit.layout.kind]}.",
            display,
            row=1,
        )
    candidates = [match(header, layout) for layout in LAYOUTS if layout.kind == kind]
    best = max(candidates, key=lambda m: m.score)
    message = header_mismatch(
        best.missing,
        best.unknown,
        ", ".join(best.layout.columns.values()),
        lead=f"the header row does not match the {best.layout.name} layout.",
    )
    raise ImportFailed.one(message, display, row=1)
