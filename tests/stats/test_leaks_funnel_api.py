"""``api.funnel`` protects a small unit with another unit, however many columns name it."""

from __future__ import annotations

import pandas as pd

from accord.stats import api


def _data(counts: dict[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    events = pd.DataFrame(
        [
            {"code": f"E{i}", "name": name}
            for i, (name, n) in enumerate(counts.items())
            for _ in range(n)
        ]
    )
    people = pd.DataFrame(
        [{"code": f"E{i}", "name": name, "population": 20_000} for i, name in enumerate(counts)]
    )
    return events, people


def test_a_unit_named_by_code_and_name_is_protected_by_another_unit() -> None:
    events, people = _data({"One": 3, "Two": 400, "Three": 60, "Four": 90})
    result = api.funnel(events, people, unit=["code", "name"], total_published=True)
    hidden = result.loc[result["suppressed"].astype(bool), "name"].tolist()
    assert hidden == ["One", "Three"]  # the smallest other unit, not the total
    assert result["target"].notna().all()
    assert result.loc[result["suppressed"].astype(bool), "outlier"].isna().all()


def test_with_the_total_hidden_the_method_gives_no_dispersion_value() -> None:
    events, people = _data({"One": 3, "Two": 400, "Three": 60, "Four": 90, "Five": 150})
    forced = api.Disclosure(hide=({},))
    result = api.funnel(events, people, unit="name", overdispersion="additive", disclosure=forced)
    assert result["target"].isna().all()
    text = " ".join(result["method"].astype(str)) + " ".join(result["overdispersion"].astype(str))
    assert "tau^2 =" not in text and "phi =" not in text
