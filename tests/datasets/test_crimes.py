"""police.uk street-level crime and outcomes files: layout, months and places."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from accord.datasets.archives import Limits
from accord.datasets.crimes import read_crimes
from accord.datasets.errors import ImportFailed
from accord.datasets.files import Given, open_inputs
from accord.datasets.harmonise import Imported
from tests.datasets.conftest import OUTCOMES, STREET, Dirs, with_cell

LIMITS = Limits.from_max(64 * 1024 * 1024)


def read(path: Path, kind: str, scratch: Path) -> Imported:
    with open_inputs([Given(path, path.name)], scratch, LIMITS) as inputs:
        return read_crimes(inputs.files, inputs.sources, kind)


def test_street_crime_places_rows_by_lsoa_name_code_and_map_point(dirs: Dirs) -> None:
    imported = read(STREET, "street_crime", dirs.scratch)
    table = imported.table
    assert table.num_rows == 40
    places = Counter(table["la_name"].to_pylist())
    assert places == {
        "Camden": 10,  # five by LSOA name, five by an LSOA code seen with a Camden name
        "Westminster": 5,
        "Croydon": 5,
        "Hartlepool": 5,
        "City of London": 5,  # no LSOA: a police.uk map point in the lookup
        None: 10,
    }
    assert imported.report.columns["la_code"]["reasons"] == {
        "no location in the source": 5,
        "LSOA or map point not recognised": 5,
    }
    assert imported.report.notes == [
        "5 rows have an LSOA name that does not start with a local authority Accord knows."
    ]
    assert (str(imported.period_start), str(imported.period_end)) == ("2022-10-01", "2022-11-30")
    assert Counter(table["month"].to_pylist()) == {"2022-10": 20, "2022-11": 20}


def test_outcomes(dirs: Dirs) -> None:
    imported = read(OUTCOMES, "outcomes", dirs.scratch)
    assert imported.row_count == 20
    assert "outcome_type" in imported.table.column_names
    assert imported.column_roles["outcome"] == "outcome_type"


def test_an_outcomes_file_is_not_street_crime(dirs: Dirs) -> None:
    with pytest.raises(ImportFailed) as caught:
        read(OUTCOMES, "street_crime", dirs.scratch)
    assert caught.value.summary == (
        "outcomes_synthetic.csv, row 1: this is a police.uk outcomes file, not street-level "
        "crime. Import it as outcomes."
    )


def test_a_bad_month(dirs: Dirs, tmp_path: Path) -> None:
    bad = with_cell(STREET, tmp_path / "street.csv", 12, "Month", "2022-13")
    with pytest.raises(ImportFailed) as caught:
        read(bad, "street_crime", dirs.scratch)
    assert caught.value.summary == (
        "street.csv, row 12, column 'Month': '2022-13' is not a month; police.uk writes months "
        "as YYYY-MM."
    )
