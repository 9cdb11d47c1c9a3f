"""An analysis run counts each table once: the counts taken to decide what every table
hides are reused by the measures (``api.reuse_counts``), with the same results."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pytest

from accord.monitoring import analysis
from accord.monitoring.analysis import Choice
from tests.duckdb_queries import count_queries
from tests.monitoring.data import import_london

pytestmark = pytest.mark.django_db


def test_the_run_reuses_the_counts_it_took_for_disclosure_control(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events, population = import_london()
    choice = Choice(
        Path(events.path),
        Path(population.path),
        "officer_defined_ethnicity_broad",
        reference="White",
        focus="Black",
    )
    ran = count_queries(monkeypatch)
    reused = analysis.run(choice)
    once = len(ran)

    ran.clear()
    monkeypatch.setattr(analysis.api, "reuse_counts", contextlib.nullcontext)
    counted_again = analysis.run(choice)
    # Counted again: the rates', the outcomes' and the monthly table's counts (taken first
    # for disclosure control), and the ratios' and the trend's, which are the rates' and the
    # monthly table's own. Five distinct queries, run once each; and two more either way,
    # which areas have searches and which have residents ("all areas" needs both).
    assert (once, len(ran)) == (7, 12)

    for name in ("rates", "ratios", "proportions", "funnel", "trend", "monthly"):
        pd.testing.assert_frame_equal(getattr(reused, name), getattr(counted_again, name))
    assert reused.notes == counted_again.notes
    assert reused.sentences == counted_again.sentences
