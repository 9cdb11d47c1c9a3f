"""Probe: the training CSV names a bad query value with 400, not a bare 404.

A 404 says the dataset is not there; the dataset is there, the course or period is wrong,
and the person (or the script that builds the address) needs to know which.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from accord.datasets.models import Dataset, Kind
from accord.datasets.services import import_paths
from accord.monitoring.training_demo import write_demo_csv
from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path: Path) -> Dataset:
    path = write_demo_csv(tmp_path / "training.csv", dt.date(2026, 12, 6))
    return import_paths([path], kind=Kind.TRAINING, name="Training")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"course": "Knitting"},
            "Course: Select a valid choice. Knitting is not one of the available choices.",
        ),
        (
            {"period": "2022-02-30"},
            "At the end of: Select a valid choice. 2022-02-30 is not one of the available choices.",
        ),
        (
            {"spread": "wide"},
            "Limits: Select a valid choice. wide is not one of the available choices.",
        ),
    ],
)
def test_a_bad_value_is_named_with_400(demo: Dataset, query: dict[str, str], message: str) -> None:
    client = client_for("x", {"x": person(OrgKind.POLICE, Role.ANALYST)})
    response = client.get(reverse("training_csv", args=[demo.pk]), query)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == f"This table cannot be made: {message}\n"
