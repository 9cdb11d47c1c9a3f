"""Bringing public data in and analysing it, as partnership-zone people do in Chromium.

Every Accord page these journeys open is checked with axe-core (see ``browsing.py``).
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import AccordServer, Browse
from tests.browser.partnership import (
    CENSUS,
    CENSUS_ROWS,
    POPULATION,
    STOP_AND_SEARCH,
    STOPS,
    STOPS_ROWS,
    LondonData,
    expect_imported,
    import_file,
    menu_link,
    show_analysis,
)

pytestmark = pytest.mark.browser

SECTIONS = ["rates", "ratios", "outcomes", "areas", "trend"]
DOWNLOAD = "Download this table (CSV)"
RATES_CSV_HEADER = [
    "officer_defined_ethnicity_broad",
    "group",
    "events",
    "population",
    "per",
    "estimate",
    "lower",
    "upper",
    "conf_level",
    "method",
    "n",
    "suppressed",
    "note",
]


def test_analyst_imports_police_and_census_data_then_analyses_and_downloads_a_table(
    accord_server: AccordServer, browse: Browse, tmp_path: Path
) -> None:
    analyst = accord_server.take_like("analyst")
    page = browse.page
    browse.sign_in(analyst)
    assert browse.path == "/home/", browse.where()
    data = LondonData(
        stops="Police analyst: Met stop and search, 3 boroughs",
        census="Police analyst: Census 2021, London boroughs",
    )

    browse.submit(menu_link(browse, "Data"))
    assert browse.path == "/datasets/", browse.where()
    browse.submit(page.get_by_role("link", name="Import data"))
    import_file(browse, STOPS, STOP_AND_SEARCH, data.stops)
    expect_imported(browse, STOPS_ROWS)
    expect(page.locator(".govuk-caption-l")).to_have_text(STOPS.name)

    browse.submit(page.get_by_role("link", name="Back to data"))
    browse.submit(page.get_by_role("link", name="Import data"))
    import_file(browse, CENSUS, POPULATION, data.census)
    expect_imported(browse, CENSUS_ROWS)

    browse.submit(page.get_by_role("link", name="Back to data"))
    datasets = page.get_by_role("table", name="Datasets")
    expect(datasets.get_by_role("link", name=data.stops)).to_be_visible()
    expect(datasets.get_by_role("link", name=data.census)).to_be_visible()

    browse.submit(menu_link(browse, "Analysis"))
    show_analysis(browse, data)

    expect(page.locator(".govuk-caption-l")).to_have_text(data.stops)
    summary = page.locator("h2:has-text('In summary') + ul")
    expect(summary).to_contain_text("times the rate of White people")
    sections = page.locator("section.accord-section")
    expect(sections).to_have_count(len(SECTIONS))
    assert sections.evaluate_all("all => all.map(s => s.id)") == SECTIONS
    for slug in SECTIONS:
        section = page.locator(f"section#{slug}")
        expect(section.locator("figure.accord-chart svg")).to_have_count(1)
        expect(section.locator("table.govuk-table tbody tr").first).to_be_visible()
        expect(section.get_by_role("link", name=DOWNLOAD)).to_have_attribute(
            "href", f"{browse.path}{slug}.csv"
        )
    expect(page.locator("main svg")).to_have_count(len(SECTIONS))

    rates = page.locator("section#rates")
    with page.expect_download() as arrival:
        rates.get_by_role("link", name=DOWNLOAD).click()
    download = arrival.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header == RATES_CSV_HEADER, header
    on_page = rates.locator("table tbody tr")
    assert len(body) == on_page.count(), (body, on_page.all_inner_texts())
    # The same groups in the same order, with the same numbers of searches and residents.
    shown = [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()[:3]]
        for row in on_page.all()
    ]
    group, events, residents = (header.index(c) for c in ("group", "events", "population"))
    assert [[r[group], f"{int(r[events]):,}", f"{int(r[residents]):,}"] for r in body] == shown


def bad_dates_file(folder: Path) -> Path:
    """The first 20 records of the real file, the eighth with a day-first date (row 9)."""
    with gzip.open(STOPS, "rt", encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        header = next(reader)
        records = [next(reader) for _ in range(20)]
    records[7][header.index("date")] = "31/12/2022"
    path = folder / "stops-with-a-bad-date.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows([header, *records])
    return path


def test_a_file_with_a_bad_date_is_not_imported_and_can_be_discarded(
    accord_server: AccordServer, browse: Browse, tmp_path: Path
) -> None:
    bad = bad_dates_file(tmp_path)
    name = "Police analyst: stops with a bad date"
    page = browse.page
    browse.sign_in(accord_server.take_like("analyst"))
    browse.goto("/datasets/import/")

    import_file(browse, bad, STOP_AND_SEARCH, name)

    status = browse.path
    expect(page.get_by_role("heading", level=1)).to_have_text("The file was not imported")
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem with the file")
    expect(summary.locator("li")).to_have_text(
        [
            f"{bad.name}, row 9, column 'date': '31/12/2022' is not a date Accord can read "
            "(in 1 row). Write dates as YYYY-MM-DD, for example 2022-11-30."
        ]
    )
    expect(page.get_by_text("Nothing from this file was stored.")).to_be_visible()

    browse.goto("/datasets/")
    expect(page.get_by_role("table", name="Datasets")).not_to_contain_text(name)
    waiting = page.get_by_role("link", name=bad.name)
    expect(waiting).to_have_count(1)
    expect(page.locator("li", has=waiting)).to_contain_text("could not be imported")

    browse.submit(waiting)
    assert browse.path == status, browse.where()
    browse.submit(page.get_by_role("button", name="Discard this file"))

    assert browse.path == "/datasets/", browse.where()
    expect(page.get_by_text(f"The file {bad.name} was discarded.")).to_be_visible()
    expect(page.get_by_role("link", name=bad.name)).to_have_count(0)
    browse.goto(status)
    expect(page.get_by_role("heading", level=1)).to_have_text("Discarded")
    expect(page.get_by_role("button", name="Discard this file")).to_have_count(0)


def test_partner_viewer_sees_data_and_analysis_but_cannot_import(
    accord_server: AccordServer, browse: Browse, partner_london_data: LondonData
) -> None:
    viewer = accord_server.take_like("partner-viewer")
    page = browse.page
    browse.sign_in(viewer)

    browse.submit(menu_link(browse, "Data"))
    assert browse.path == "/datasets/", browse.where()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data")
    expect(page.get_by_role("link", name=partner_london_data.stops)).to_be_visible()
    expect(page.get_by_role("link", name="Import data")).to_have_count(0)
    expect(page.get_by_role("button", name="Import data")).to_have_count(0)
    response = page.goto(accord_server.url("/datasets/import/"))
    browse.check()
    assert response is not None and response.status == 403, browse.where()

    browse.goto("/home/")
    browse.submit(menu_link(browse, "Analysis"))
    show_analysis(browse, partner_london_data)
    expect(page.locator("h2:has-text('In summary') + ul")).to_contain_text(
        "times the rate of White people"
    )
    expect(page.locator("figure.accord-chart svg")).to_have_count(len(SECTIONS))


def test_advocate_is_told_the_analysis_and_data_pages_do_not_exist(
    accord_server: AccordServer, browse: Browse
) -> None:
    advocate = accord_server.take_spare_advocate()
    page = browse.page
    browse.sign_in(advocate)
    assert browse.path == "/home/", browse.where()
    expect(menu_link(browse, "Analysis")).to_have_count(0)
    expect(menu_link(browse, "Data")).to_have_count(0)

    for path in ("/analysis/", "/datasets/", "/datasets/import/"):
        response = page.goto(accord_server.url(path))
        browse.check()
        assert response is not None and response.status == 404, f"{path}: {browse.where()}"
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
