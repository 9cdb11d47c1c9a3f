"""The training change chart names the boroughs it leaves out and never writes "-0.0"."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.urls import reverse

from accord.datasets.models import Dataset, Kind
from accord.datasets.services import import_paths
from accord.monitoring.training import signed_points
from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db
HEAD = "borough,course,period,officers_in_scope,officers_trained\n"


def _page(tmp_path: Path, rows: str) -> str:
    path = tmp_path / "training.csv"
    path.write_text(HEAD + rows, encoding="utf-8")
    dataset: Dataset = import_paths([path], kind=Kind.TRAINING, name="Training")
    user = person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)
    query = {"dataset": dataset.pk, "course": "DA", "period": "2026 Q2", "spread": "additive"}
    response = client_for("x", {"x": user}).get(reverse("training"), query)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _change_svg(page: str) -> str:
    svgs = re.findall(r'<svg role="img".*?</svg>', page, re.S)
    return next(svg for svg in svgs if "change in coverage" in svg)


def test_signed_points_never_says_minus_zero() -> None:
    assert [signed_points(v) for v in (-0.04, 0.0, 0.04, -1.26, 2.44)] == [
        "0.0",
        "0.0",
        "0.0",
        "-1.3",
        "+2.4",
    ]


def test_a_change_that_rounds_to_nothing_is_not_written_as_a_fall(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        "Camden,DA,2026 Q1,5000,1500\nCamden,DA,2026 Q2,5000,1502\n"
        "Hackney,DA,2026 Q1,5000,1500\nHackney,DA,2026 Q2,5000,1496\n",
    )
    assert "-0.0" not in page
    assert "London's change of 0.0 points" in _change_svg(page)


def test_boroughs_without_both_periods_are_named_under_the_chart(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        "Camden,DA,2026 Q1,400,100\nCamden,DA,2026 Q2,400,300\n"
        "Hackney,DA,2026 Q1,200,100\nHackney,DA,2026 Q2,200,110\n"
        "Bexley,DA,2026 Q2,100,50\n"
        "Barnet,DA,2026 Q1,300,60\nBarnet,DA,2026 Q2,300,140\n",
    )
    svg = _change_svg(page)
    missing = "Not shown, without figures for both 2026 Q1 and 2026 Q2: Bexley"
    assert missing in re.findall(r"<text[^>]*>([^<]+)</text>", svg)  # drawn, under the title
    label = re.search(r'aria-label="([^"]*)"', svg)
    assert label and label.group(1).endswith(missing)
