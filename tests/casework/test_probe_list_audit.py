"""Every case a list page shows is an audited read (SECURITY.md LG-1, DP-7).

The casework home page and the retention list show case references with what is known about
each case (review dates, conflict-of-interest warnings, complaint deadlines, legal holds).
One "home page viewed" event cannot say which cases a person saw listed, and an
investigation of snooping needs exactly that. So each case shown gets its own event.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework.models import Case
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case, service_of
from tests.factories import person
from tests.security.matrix_casework_rights import closed_case, supervisor
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _listed(action: str, user: User) -> list[str]:
    return sorted(
        AuditEvent.objects.filter(
            action=action, object_type="case", actor_id=str(user.pk)
        ).values_list("object_id", flat=True)
    )


def test_each_case_on_the_home_page_is_audited_once() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    mine = make_case(advocate)
    queued = make_case(None, organisation=service_of(advocate))
    theirs = make_case(colleague)

    body = client_for("a", {"a": advocate}).get(reverse("casework_home")).content.decode()

    assert mine.reference in body and queued.reference in body
    assert theirs.reference not in body
    assert _listed("casework.list.home", advocate) == sorted([mine.reference, queued.reference])


def test_a_supervisor_s_review_list_is_audited_case_by_case() -> None:
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    due = make_case(advocate)
    Case.objects.filter(pk=due.pk).update(next_review_on=timezone.localdate())

    body = client_for("s", {"s": boss}).get(reverse("casework_home")).content.decode()

    assert due.reference in body
    assert _listed("casework.list.home", boss) == [due.reference]


def test_each_case_on_the_retention_list_is_audited() -> None:
    boss = supervisor()
    case = closed_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    Case.objects.filter(pk=case.pk).update(
        retention_review_on=timezone.localdate() - dt.timedelta(days=1)
    )

    body = client_for("s", {"s": boss}).get(reverse("rights_retention")).content.decode()

    assert case.reference in body
    assert _listed("casework.list.retention", boss) == [case.reference]


def test_an_empty_home_page_writes_no_case_events() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    response = client_for("a", {"a": advocate}).get(reverse("casework_home"))
    assert response.status_code == 200
    assert _listed("casework.list.home", advocate) == []
    assert AuditEvent.objects.filter(action="casework.home.view").count() == 1
