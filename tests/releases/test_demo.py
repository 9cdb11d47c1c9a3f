"""The demo's past cases give a release with figures to show, not only hidden cells."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from accord.policy.roles import OrgKind, Role
from accord.releases import figures
from accord.releases.demo import HISTORY, load_demo_history, past_period
from tests.casework.factories import service_of
from tests.factories import person
from tests.releases.test_equality_figures import EQUALITY_TABLES

pytestmark = pytest.mark.django_db


def test_the_demo_history_fills_every_table_of_a_release() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    service = service_of(advocate)

    assert load_demo_history(service, advocate) == HISTORY
    assert load_demo_history(service, advocate) == 0  # once only

    tables = figures.all_tables(service, figures.Period(*past_period(timezone.localdate())))
    assert [t["id"] for t in tables] == [
        "cases_by_quarter",
        "police_connection",
        *EQUALITY_TABLES,
        "complaint_standing",
        "complaint_stage_days",
        "ratings_change",
    ]
    for table in tables:
        shown = [row[table["value"]] for row in table["rows"] if row[table["value"]]]
        # An equality table may show only "Not asked" and its total: few clients raise
        # their immigration status, and every smaller group is hidden.
        assert len(shown) >= (2 if table["id"] in EQUALITY_TABLES else 3), table["id"]
    ethnic = next(t for t in tables if t["id"] == "cases_by_ethnic_group")
    assert {row["ethnic_group"] for row in ethnic["rows"] if row["cases"]} >= {
        "Asian",
        "Black",
        "White",
        "Not asked",
    }


def test_make_demo_approves_a_release_and_the_partnership_receives_it() -> None:
    from django.core.management import call_command

    from accord.monitoring.models import ReceivedRelease
    from accord.releases.models import Release, ReleaseStatus

    call_command("demo_data", stdout=io.StringIO())

    release = Release.objects.get()
    assert release.status == ReleaseStatus.APPROVED
    assert release.drafted_by.email.startswith("supervisor@")
    assert release.decided_by is not None and release.decided_by.email.startswith("supervisor-2@")
    received = ReceivedRelease.objects.public().get()
    assert received.uid == release.uid
    assert received.publisher == "Independent Advisory Service (demo)"

    call_command("demo_data", stdout=io.StringIO())  # a second run adds nothing
    assert Release.objects.count() == ReceivedRelease.objects.count() == 1
