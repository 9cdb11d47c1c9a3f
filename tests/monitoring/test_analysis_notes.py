"""Notes that travel with the numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from accord.monitoring.analysis import (
    Choice,
    Results,
    months_between,
    months_in,
    run,
    summary_sentences,
    thin_months,
    thin_months_note,
)
from accord.stats import api
from tests.monitoring.data import import_london


def _monthly(counts: list[int]) -> pd.DataFrame:
    periods = pd.date_range("2022-01-01", periods=len(counts), freq="MS")
    rows = [{"g": "Total", "period": p, "events": c} for p, c in zip(periods, counts, strict=True)]
    rows.append({"g": "Total", "period": "Total", "events": sum(counts)})
    rows.append({"g": "Black", "period": periods[0], "events": 5})
    return pd.DataFrame(rows)


def test_thin_months_are_found_and_named() -> None:
    monthly = _monthly([1000, 1100, 90, 1050, 980])
    assert thin_months(monthly, "g") == ["2022-03"]
    assert months_in(monthly, "g") == ["2022-01", "2022-02", "2022-03", "2022-04", "2022-05"]
    note = thin_months_note(["2022-03", "2022-06"], left_out=True)
    assert "(March 2022, June 2022)" in note
    assert "worked out without them" in note
    assert "without them" not in thin_months_note(["2022-03"], left_out=False)


def test_no_thin_months_when_months_are_even() -> None:
    assert thin_months(_monthly([1000, 1100, 900, 1050]), "g") == []


def test_a_month_whose_total_is_hidden_is_thin() -> None:
    monthly = _monthly([1000, 1100, 0, 1050, 980])
    monthly.loc[2, "events"] = pd.NA  # 1 to 9 records: disclosure control hid the total
    assert thin_months(monthly, "g") == ["2022-03"]


def test_months_between_is_inclusive_and_ordered() -> None:
    assert months_between("2022-11", "2023-02") == ["2022-11", "2022-12", "2023-01", "2023-02"]
    assert months_between(None, None) == []
    assert months_between("2023-02", "2022-12") == ["2022-12", "2023-01", "2023-02"]


def _thinned(source: Path, target: Path, keep_one_in: dict[str, int]) -> Path:
    """The events with only one record in ``n`` kept in some months, as in the real London
    file (which has almost no records for June and November 2022)."""
    table = pq.read_table(source)
    month = pc.cast(table["month"], pa.string())
    position = pa.array(range(table.num_rows))
    keep = pc.invert(pc.is_in(month, pa.array(sorted(keep_one_in))))
    for name, n in keep_one_in.items():
        kept = pc.and_(pc.equal(month, name), pc.equal(pc.bit_wise_and(position, n - 1), 0))
        keep = pc.or_(keep, kept)
    pq.write_table(table.filter(keep), target)
    return target


@pytest.mark.django_db
def test_the_trend_leaves_thin_months_out_and_says_so(tmp_path: Path) -> None:
    """A month with almost no records makes a trend fitted through it read as searches
    collapsing. The page fits the trend without such months, and says so."""
    imported, population = import_london()
    # June keeps about 4 records (its total is hidden), November about 15 (shown, but thin).
    thinned = {"2022-06": 32, "2022-11": 8}
    events = _thinned(Path(imported.path), tmp_path / "events.parquet", thinned)
    choice = Choice(
        events=events,
        population=Path(population.path),
        group="officer_defined_ethnicity_broad",
        reference="White",
        focus="Black",
    )
    results = run(choice)
    thin = thin_months(results.monthly, choice.group)
    assert thin == ["2022-06", "2022-11"]
    kept = [m for m in months_in(results.monthly, choice.group) if m not in thin]
    direct = api.trend(
        str(events),
        date="date",
        period="month",
        group=choice.group,
        where={"month": kept},
    )
    # The page's trend is the library's, except for what disclosure control takes out: the
    # groups the other tables hide, and the counts (over the kept months only, they would
    # give the left-out months back from the group totals).
    shown = ~results.trend["suppressed"].astype(bool)
    assert shown.any()
    for column in ("estimate", "lower", "upper"):
        pd.testing.assert_series_equal(
            results.trend.loc[shown, column], direct.loc[shown, column], check_dtype=False
        )
    assert results.trend["n"].isna().all() and direct["n"].notna().any()
    monthly = results.monthly
    totals = monthly.loc[monthly["period"].astype(str) == "Total"]
    hidden = set(totals.loc[totals["events"].isna(), choice.group].astype(str))
    trend_hidden = set(results.trend.loc[~shown, choice.group].astype(str))
    # ... and the groups with a hidden month among those it is fitted on (hidden beside
    # the thin months' few records): the slope alone gives one such month back.
    cells = monthly.loc[monthly["period"].astype(str) != "Total"]
    in_kept = cells["period"].map(lambda p: pd.Timestamp(str(p)).strftime("%Y-%m")).isin(kept)
    hidden_kept = set(cells.loc[in_kept & cells["events"].isna(), choice.group].astype(str))
    assert trend_hidden == (hidden & set(results.trend[choice.group].astype(str))) | set(
        direct.loc[direct["suppressed"].astype(bool), choice.group].astype(str)
    ) | (hidden_kept - {"Total"})
    with_thin = api.trend(str(events), date="date", period="month", group=choice.group)
    assert not results.trend["estimate"].equals(with_thin["estimate"])
    assert any("worked out without them" in note for note in results.notes)
    # The monthly table keeps every month.
    assert set(thin) <= set(months_in(results.monthly, choice.group))


def test_a_hidden_row_in_the_summary_says_what_is_hidden_and_why() -> None:
    """Other is hidden only to protect a handful of Mixed searches: "too small" would be
    untrue of Other's 7,430 searches."""
    empty = pd.DataFrame()
    ratios = pd.DataFrame(
        [
            {
                "group": "Other",
                "reference_group": "White",
                "is_reference": False,
                "suppressed": True,
                "estimate": None,
            },
            {
                "group": "White",
                "reference_group": "White",
                "is_reference": True,
                "suppressed": False,
                "estimate": 1.0,
            },
        ]
    )
    proportions = pd.DataFrame(
        [
            {"group": "Mixed", "suppressed": True, "estimate": None},
            {
                "group": "White",
                "suppressed": False,
                "estimate": 0.145,
                "lower": 0.142,
                "upper": 0.148,
                "conf_level": 0.95,
            },
        ]
    )
    results = Results(empty, ratios, proportions, empty, empty, empty)
    choice = Choice(Path("e"), Path("p"), "g", reference="White", focus="Black")
    assert summary_sentences(results, choice) == [
        "Other people compared with White people: hidden to protect small numbers.",
        "For Mixed people, the share of searches that ended in arrest: hidden to protect "
        "small numbers.",
        "For White people, 14.5% of searches ended in arrest (95% CI 14.2% to 14.8%).",
    ]
