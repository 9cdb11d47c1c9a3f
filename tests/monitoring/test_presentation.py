"""How the analysis tables write their numbers."""

from __future__ import annotations

import pandas as pd

from accord.monitoring.presentation import HIDDEN, ratios_section


def _ratio(group: str, estimate: float | None, low: float | None, high: float | None) -> dict:
    return {
        "group": group,
        "reference_group": "White",
        "is_reference": False,
        "suppressed": estimate is None,
        "estimate": estimate,
        "lower": low,
        "upper": high,
        "exact_lower": low,
        "exact_upper": high,
    }


def test_ratio_tables_give_each_row_the_decimals_it_needs() -> None:
    frame = pd.DataFrame(
        [
            _ratio("Asian", 0.9834, 0.9691, 0.9979),  # to 2 decimals: 0.98 (0.97 to 1.00)
            _ratio("Black", 3.0303, 2.9946, 3.0664),
            _ratio("Mixed", None, None, None),
            {**_ratio("White", 1.0, 1.0, 1.0), "is_reference": True},
        ]
    )
    section = ratios_section(frame)
    assert section.rows == [
        ["Asian", "0.983", "0.969 to 0.998", "0.969 to 0.998"],
        ["Black", "3.03", "2.99 to 3.07", "2.99 to 3.07"],
        ["Mixed", HIDDEN, "–", "–"],
    ]
