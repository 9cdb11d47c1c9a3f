"""Which local authority (borough) a record is in, from a code, a name, an LSOA or a point.

There are no boundary files offline, so Accord resolves areas from two small tables shipped
in ``accord/datasets/data`` (provenance in ``data/PROVENANCE.md``):

* ``local_authorities.csv``: the 331 local authority districts of England and Wales in the
  Census 2021 tables (code and name), from the ONS population file;
* ``police_uk_points_london.parquet``: police.uk's anonymised map points (police.uk snaps
  every location to one of a fixed set of points) seen in the Metropolitan and City of
  London Police stop-and-search data for December 2021 to November 2022, each with the
  local authority it was recorded in. A point not in this table cannot be placed and is
  counted as unmapped, never guessed.

An LSOA name starts with its local authority's name ("Camden 001A"), so LSOAs resolve by
name. An LSOA *code* alone (E01000907) cannot be placed without the ONS lookup file, which
is not shipped; where a file gives both, the names seen for each code are used.

Run ``python -m accord.datasets.boroughs REAL_STOPS.csv.gz CENSUS_5CAT.csv`` to rebuild
both tables from the real files.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from accord.datasets.vocabularies import normalise

DATA_DIR = Path(__file__).resolve().parent / "data"
LOCAL_AUTHORITIES = DATA_DIR / "local_authorities.csv"
POINTS = DATA_DIR / "police_uk_points_london.parquet"

LA_CODE = re.compile(r"^[EW]0[6-9]\d{6}$")
LSOA_CODE = re.compile(r"^[EW]01\d{6}$")
_LSOA_SUFFIX = re.compile(r"\s+\d{3}[A-Z]$")
#: Coordinates are matched at police.uk's precision of six decimal places.
_SCALE = 1_000_000


@dataclass(frozen=True)
class Area:
    code: str
    name: str


class LocalAuthorities:
    """Local authority districts by code and by name (case and spacing ignored)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.by_code = dict(pairs)
        self.by_name = {normalise(name): code for code, name in pairs}

    @classmethod
    @cache
    def shipped(cls) -> LocalAuthorities:
        table = pacsv.read_csv(LOCAL_AUTHORITIES)
        return cls(list(zip(table["code"].to_pylist(), table["name"].to_pylist(), strict=True)))

    def area(self, code: str) -> Area | None:
        name = self.by_code.get(code.strip().upper())
        return None if name is None else Area(code.strip().upper(), name)

    def from_name(self, name: str) -> Area | None:
        code = self.by_name.get(normalise(name))
        return None if code is None else Area(code, self.by_code[code])

    def from_lsoa_name(self, lsoa_name: str) -> Area | None:
        """``"Camden 001A"`` -> Camden. The name must end in three digits and a letter."""
        stripped = _LSOA_SUFFIX.sub("", lsoa_name.strip())
        if stripped == lsoa_name.strip():
            return None
        return self.from_name(stripped)

    def resolve(self, text: str, lsoa_names: dict[str, str] | None = None) -> Area | None:
        """An area from a local authority code or name, or an LSOA name or (known) code.

        Example:
            >>> las = LocalAuthorities.shipped()
            >>> las.resolve("Camden 001A"), las.resolve("E09000001").name
            (Area(code='E09000007', name='Camden'), 'City of London')
        """
        value = text.strip()
        if LA_CODE.match(value.upper()):
            return self.area(value)
        if LSOA_CODE.match(value.upper()):
            name = (lsoa_names or {}).get(value.upper())
            return None if name is None else self.from_lsoa_name(name)
        return self.from_lsoa_name(value) or self.from_name(value)


def _keys(
    latitude: npt.NDArray[np.float64], longitude: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    lat = np.rint(latitude * _SCALE).astype(np.int64)
    lon = np.rint(longitude * _SCALE).astype(np.int64)
    return (lat << 32) + (lon + (1 << 31))


class PointLookup:
    """police.uk map points -> local authority code."""

    def __init__(
        self,
        latitude: pa.Array | pa.ChunkedArray,
        longitude: pa.Array | pa.ChunkedArray,
        codes: pa.Array,
    ) -> None:
        keys = _keys(
            np.asarray(latitude.to_numpy(False), dtype=np.float64),
            np.asarray(longitude.to_numpy(False), dtype=np.float64),
        )
        order = np.argsort(keys)
        self.keys = keys[order]
        self.codes = codes.take(pa.array(order))

    @classmethod
    @cache
    def shipped(cls) -> PointLookup:
        table = pq.read_table(POINTS)
        scale = pa.scalar(float(_SCALE))
        return cls(
            pc.divide(table["latitude_e6"].cast(pa.float64()), scale),
            pc.divide(table["longitude_e6"].cast(pa.float64()), scale),
            table["la_code"].combine_chunks(),
        )

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, latitude: pa.Array, longitude: pa.Array) -> pa.Array:
        """Local authority code per point; null where a coordinate is missing or unknown."""
        lat = pc.fill_null(latitude, np.nan).to_numpy(False)
        lon = pc.fill_null(longitude, np.nan).to_numpy(False)
        present = _usable(lat, lon)
        return self._find(_keys(np.where(present, lat, 0.0), np.where(present, lon, 0.0)), present)

    def lookup_coded(
        self,
        latitude: pa.Array,
        latitude_rows: pa.Array,
        longitude: pa.Array,
        longitude_rows: pa.Array,
    ) -> pa.Array:
        """:meth:`lookup` of ``latitude.take(latitude_rows)``, ``longitude.take(longitude_rows)``.

        For dictionary-encoded coordinates: each distinct (latitude, longitude) pair is
        looked up once, and the rows only take the answer of their pair (the same keys are
        compared, so the result is the same as :meth:`lookup`'s, in less time).
        """
        width = len(longitude) + 1  # the last number of each side stands for an empty cell
        lat_row = np.asarray(pc.fill_null(latitude_rows, len(latitude)).to_numpy(False))
        lon_row = np.asarray(pc.fill_null(longitude_rows, len(longitude)).to_numpy(False))
        pairs = pc.dictionary_encode(pa.array(lat_row.astype(np.int64) * width + lon_row))
        distinct = np.asarray(pairs.dictionary.to_numpy(False))
        lat = _with_empty(latitude)[distinct // width]
        lon = _with_empty(longitude)[distinct % width]
        present = _usable(lat, lon)
        keys = _keys(np.where(present, lat, 0.0), np.where(present, lon, 0.0))
        return self._find(keys, present).take(pairs.indices)

    def _find(self, keys: npt.NDArray[np.int64], present: npt.NDArray[np.bool_]) -> pa.Array:
        position = np.searchsorted(self.keys, keys)
        position = np.minimum(position, len(self.keys) - 1)
        found = present & (self.keys[position] == keys)
        return self.codes.take(pa.array(position, mask=~found))


def _usable(
    latitude: npt.NDArray[np.float64], longitude: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Points that can be looked up: present, and on the globe.

    The importers refuse other coordinates; this keeps an infinity or a huge number that
    got past them from reaching ``_keys``, where casting it to an integer is undefined.
    """
    with np.errstate(invalid="ignore"):
        return (np.abs(latitude) <= 90) & (np.abs(longitude) <= 180)


def _with_empty(values: pa.Array) -> npt.NDArray[np.float64]:
    """The numbers as NumPy, empty ones as NaN, and a NaN at the end (for empty cells)."""
    return np.append(np.asarray(pc.fill_null(values, np.nan).to_numpy(False), np.float64), np.nan)


def build(stops: Path, census_5cat: Path) -> None:
    """Rebuild the shipped tables from the real London file and the 5-category Census file."""
    census = pacsv.read_csv(census_5cat)
    authorities = pa.table({"code": census["LAD_code"], "name": census["LAD"]}).sort_by("code")
    pacsv.write_csv(authorities, LOCAL_AUTHORITIES)
    columns = ["location.latitude", "location.longitude", "la_code"]
    raw = pacsv.read_csv(
        stops,
        convert_options=pacsv.ConvertOptions(
            include_columns=columns,
            column_types={"location.latitude": pa.float64(), "location.longitude": pa.float64()},
        ),
    )
    points = (
        raw.group_by(columns[:2])
        .aggregate([("la_code", "count_distinct"), ("la_code", "min")])
        .rename_columns(["latitude", "longitude", "authorities", "la_code"])
    )
    ambiguous = pc.greater(points["authorities"], 1)
    points = points.filter(pc.invert(ambiguous)).drop_columns(["authorities"])
    points = points.sort_by([("la_code", "ascending"), ("latitude", "ascending")])
    scale = pa.scalar(float(_SCALE))
    compact = pa.table(
        {
            "latitude_e6": pc.round(pc.multiply(points["latitude"], scale)).cast(pa.int32()),
            "longitude_e6": pc.round(pc.multiply(points["longitude"], scale)).cast(pa.int32()),
            "la_code": pc.dictionary_encode(points["la_code"]),
        }
    )
    pq.write_table(compact, POINTS, compression="zstd", compression_level=19)
    print(f"{len(authorities)} local authorities, {len(points)} points")


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
