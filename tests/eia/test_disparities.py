"""Flagging significant disparities: Holm across groups, from the Katz intervals."""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import norm

from accord.eia.disparities import flag


def _row(group: str, estimate: float, se: float, **extra: object) -> dict[str, object]:
    z = norm.ppf(0.975)
    return {
        "eth": group,
        "estimate": estimate,
        "lower": estimate * math.exp(-z * se),
        "upper": estimate * math.exp(z * se),
        "conf_level": 0.95,
        "suppressed": False,
        **extra,
    }


def test_holm_keeps_a_marginal_group_out_that_a_single_test_would_flag() -> None:
    # Unadjusted p-values 1e-10, 0.03 and 0.04. Holm: 1e-10 x 3 passes; 0.03 x 2 = 0.06 does
    # not, and the step-down stops there, so 0.04 is not flagged either.
    def se_for(estimate: float, p: float) -> float:
        return abs(math.log(estimate)) / norm.isf(p / 2)

    table = pd.DataFrame(
        [
            _row("White", 1.0, 0.01),
            _row("Black", 3.0, se_for(3.0, 1e-10)),
            _row("Asian", 1.3, se_for(1.3, 0.03)),
            _row("Other", 0.8, se_for(0.8, 0.04)),
        ]
    )
    flagged = flag(table, group_column="eth", reference="White")
    assert [d.group for d in flagged] == ["Black"]
    assert flagged[0].direction == "higher"
    assert math.isclose(flagged[0].p_adjusted, 3e-10, rel_tol=1e-6)
    # Without the correction (one group alone), the marginal one would be flagged.
    alone = flag(
        pd.DataFrame([_row("Asian", 1.3, se_for(1.3, 0.03))]), group_column="eth", reference="White"
    )
    assert [d.group for d in alone] == ["Asian"]


def test_suppressed_reference_and_empty_rows_are_never_flagged() -> None:
    table = pd.DataFrame(
        [
            _row("White", 5.0, 0.01),  # the reference, however extreme
            _row("Black", 3.0, 0.01, suppressed=True),
            {
                "eth": "Mixed",
                "estimate": float("nan"),
                "lower": None,
                "upper": None,
                "conf_level": 0.95,
                "suppressed": False,
            },
            _row("Asian", 0.5, 0.05),
        ]
    )
    flagged = flag(table, group_column="eth", reference="White")
    assert [(d.group, d.direction) for d in flagged] == [("Asian", "lower")]
