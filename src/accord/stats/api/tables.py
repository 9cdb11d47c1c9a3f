"""Count tables ready to publish: counts per cell with their totals, suppressed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from ibis.backends import BaseBackend

from accord.stats import aggregate as agg
from accord.stats.aggregate import Period, Predicate
from accord.stats.api.disclosure import DEFAULT_DISCLOSURE, Disclosure
from accord.stats.api.loading import column_list, count_in_note, finish, loaded
from accord.stats.errors import StatsInputError
from accord.stats.inputs import Source
from accord.stats.suppression import suppress

__all__ = ["tabulate"]


def tabulate(
    events: Source,
    *,
    by: str | Sequence[str],
    where: Predicate | None = None,
    period: Period | None = None,
    date: str | None = None,
    recode: Mapping[str, Mapping[object, object]] | None = None,
    disclosure: Disclosure | None = DEFAULT_DISCLOSURE,
    backend: BaseBackend | None = None,
) -> pd.DataFrame:
    """A count table ready to publish: counts per cell with totals, suppressed.

    Rows with ``Total`` in a column are the margins. ``events`` is ``<NA>`` where
    hidden and ``events_flag`` says why (``primary``/``secondary``). With
    ``disclosure=None`` nothing is hidden (for internal analysis only, e.g. to decide
    what tables released together must hide, never for publication).
    """
    keys = column_list(by, name="by")
    if not keys and not period:
        raise StatsInputError("Name at least one column to count by.")
    with loaded(events, None, keys, date=date, recode=recode, backend=backend) as inputs:
        frame = agg.collect(
            agg.event_counts(inputs.events, keys, where=where, period=period, date=date)
        )
    all_keys = [*keys, *(["period"] if period else [])]
    null_key = frame[all_keys].isna().any(axis=1)
    notes: list[str] = []
    missing = int(frame.loc[null_key, "events"].sum())
    if missing:
        notes.append(
            f"{count_in_note(missing, disclosure)} events with no value for "
            f"{', '.join(all_keys)} were left out."
        )
    frame = frame.loc[~null_key].reset_index(drop=True)
    if frame.empty:
        raise StatsInputError("No events to count: the data (after any filter) is empty.")
    # No count is small under a threshold of 1: the table with its totals, all shown.
    rule = disclosure if disclosure is not None else Disclosure(threshold=1)
    table = suppress(
        frame,
        all_keys,
        "events",
        threshold=rule.threshold,
        show_zeros=rule.show_zeros,
        margins=rule.margins,
        rounding=rule.rounding,
        force=rule.hide,
    )
    return finish(table, notes)
