"""The relative rate index under disclosure control: a ratio inherits suppression from
either rate (EIA-ANCHORS §2.5), so a hidden reference cell blanks the whole stage."""

from __future__ import annotations

import pandas as pd

from accord.stats import api
from accord.stats.api import disclosure


def _searches(group: str, searches: int, arrests: int, stratum: str = "All") -> pd.DataFrame:
    outcome = ["Arrest"] * arrests + ["None"] * (searches - arrests)
    return pd.DataFrame({"area": stratum, "eth": group, "outcome": outcome})


# White (the reference) has 5 arrests in 500 searches: hidden. Asian is hidden beside it
# (secondary), so Black's own arrest count (250) stays shown.
EVENTS = pd.concat(
    [_searches("White", 500, 5), _searches("Black", 1000, 250), _searches("Asian", 300, 20)],
    ignore_index=True,
)
STAGES = [("searches", None), ("arrests", {"outcome": "Arrest"})]


def test_a_hidden_reference_cell_blanks_every_ratio_at_that_stage() -> None:
    result = api.rri(EVENTS, group="eth", stages=STAGES, reference="White")
    arrests = result.loc[result.stage == "arrests"].set_index("eth")
    # The reference's 5 arrests are hidden; from Black's shown rate and index they would
    # come straight back (0.25 / 25 = 0.01 of 500 searches), so Black's row is blank too.
    assert arrests.loc["White", "suppressed"]
    assert arrests.loc["Black", "suppressed"]
    for column in ("reference_rate", "estimate", "lower", "upper", "rate", "count"):
        assert arrests[column].isna().all(), column
    # The searches stage has no hidden cell: nothing there is blanked.
    searches = result.loc[result.stage == "searches"]
    assert not searches["suppressed"].any()
    assert searches["reference_rate"].notna().all()


def test_a_hidden_reference_cell_blanks_only_its_own_stratum() -> None:
    events = pd.concat(
        [
            EVENTS,
            _searches("White", 3000, 600, "North"),
            _searches("Black", 900, 200, "North"),
            _searches("Asian", 300, 40, "North"),
            _searches("White", 600, 60, "East"),
            _searches("Black", 900, 200, "East"),
            _searches("Asian", 300, 12, "East"),
        ],
        ignore_index=True,
    )
    events["area"] = events["area"].replace({"All": "South"})
    result = api.rri(events, group="eth", stages=STAGES, by="area", reference="White")
    arrests = result.loc[result.stage == "arrests"]
    counts = events.assign(arrests=events.outcome == "Arrest").groupby(["area", "eth"])
    cells = counts["arrests"].sum().reset_index()
    hidden = disclosure.hidden_cells(cells, ["area", "eth"], "arrests", api.Disclosure())
    reference_hidden = hidden.loc[hidden.eth == "White"].set_index("area")["hidden"]
    assert reference_hidden["South"]
    assert not reference_hidden.all()  # some stratum keeps its reference
    for area, rows in arrests.groupby("area"):
        if reference_hidden[area]:
            assert rows["suppressed"].all(), area
            assert rows["reference_rate"].isna().all(), area
        else:
            assert rows["reference_rate"].notna().all(), area
    north = arrests.set_index(["area", "eth"]).loc[("North", "Black")]
    assert north["estimate"] == (200 / 900) / (600 / 3000)
