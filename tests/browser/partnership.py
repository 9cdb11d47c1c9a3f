"""Steps of the partnership-zone journeys: bringing data in and asking for an analysis.

The files are the real police.uk and ONS subsets the data tests use (see the PROVENANCE.md
next to each). The importer refuses a file its organisation has already uploaded, so each
file can be imported once per organisation per test server: the analyst's journey imports
them for the police, and the ``partner_london_data`` fixture (``conftest.py``) imports them
once for the VAWG partner, for the tests that only need some data to be there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, expect

from tests.browser.browsing import Browse

ROOT = Path(__file__).resolve().parents[2]
STOPS = ROOT / "tests" / "stats" / "fixtures" / "london_stops_3_boroughs.csv.gz"
STOPS_ROWS = 4_426
CENSUS = ROOT / "tests" / "datasets" / "fixtures" / "census2021_5cat_london.csv"
CENSUS_ROWS = 33 * 5  # one row per London local authority and broad ethnic group

STOP_AND_SEARCH = "Stop and search records from police.uk"
POPULATION = "Census 2021 population by ethnic group (ONS)"

UPLOAD_STATUS = re.compile(r"^/datasets/uploads/[0-9a-f-]{36}/$")
ANALYSIS_RUN = re.compile(r"^/analysis/runs/[0-9a-f-]{36}/$")


@dataclass(frozen=True)
class LondonData:
    """The names two imported datasets were given, as the analysis form lists them."""

    stops: str
    census: str

    @property
    def stops_option(self) -> str:
        return self.stops  # a first version is listed by its name alone

    @property
    def census_option(self) -> str:
        return self.census


def menu_link(browse: Browse, name: str) -> Locator:
    return browse.page.get_by_role("navigation", name="Menu").get_by_role("link", name=name)


def fill_import_form(browse: Browse, path: Path, kind: str, name: str) -> None:
    """On /datasets/import/: choose the file, say what it is and name it (not submitted)."""
    page = browse.page
    assert browse.path == "/datasets/import/", browse.where()
    page.locator("input[name=file]").set_input_files(path)
    page.get_by_role("radio", name=kind, exact=True).check()
    page.get_by_label("Name for this dataset").fill(name)


def import_file(browse: Browse, path: Path, kind: str, name: str) -> None:
    """Fill in and send the import form; the browser ends on the upload's status page."""
    fill_import_form(browse, path, kind, name)
    browse.submit(browse.page.get_by_role("button", name="Check and import"))
    assert UPLOAD_STATUS.match(browse.path), browse.where()


def expect_imported(browse: Browse, rows: int) -> None:
    panel = browse.page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Imported")
    expect(panel).to_contain_text(f"{rows} rows")


def import_london_data(browse: Browse, label: str) -> LondonData:
    """Import both files from the data page as whoever is signed in."""
    data = LondonData(
        stops=f"{label} stop and search, Dec 2021 to Nov 2022",
        census=f"{label} Census 2021 population by ethnic group",
    )
    for path, kind, name, rows in (
        (STOPS, STOP_AND_SEARCH, data.stops, STOPS_ROWS),
        (CENSUS, POPULATION, data.census, CENSUS_ROWS),
    ):
        browse.goto("/datasets/")
        browse.submit(browse.page.get_by_role("link", name="Import data"))
        import_file(browse, path, kind, name)
        expect_imported(browse, rows)
    return data


def show_analysis(browse: Browse, data: LondonData, split: str | None = None) -> None:
    """On /analysis/: pick the two datasets (and the split, if given: its option's text),
    keep the other defaults and ask for the results."""
    page = browse.page
    assert browse.path == "/analysis/", browse.where()
    page.get_by_label("Stop and search data").select_option(label=data.stops_option)
    page.get_by_label("Population").select_option(label=data.census_option)
    if split is not None:
        page.get_by_label("Also compare outcomes within each sex or age group").select_option(
            label=split
        )
    browse.submit(page.get_by_role("button", name="Show the analysis"))
    assert ANALYSIS_RUN.match(browse.path), browse.where()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disproportionality analysis")
