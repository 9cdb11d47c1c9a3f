"""The retention list is drawn through the one gate to cases (``Case.objects.visible_to``).

Before: the page asked for the due cases of the person's organisation, and of every
organisation when it found no membership. The view's own check (supervisors only) kept that
from happening; the list now cannot show a case its reader could not open.
"""

from __future__ import annotations

import pytest

from accord.casework import retention
from accord.casework.models import Case
from accord.policy.roles import OrgKind, Role
from tests.casework.test_retention import _past_review, advocate
from tests.factories import person
from tests.security.matrix_casework_rights import closed_case, supervisor

pytestmark = pytest.mark.django_db


def test_the_retention_list_shows_only_cases_its_reader_could_open() -> None:
    worker = advocate()
    case = closed_case(worker)
    _past_review(case)

    def seen_by(user: object) -> list[str]:
        return [due.reference for due in retention.due_list(among=Case.objects.visible_to(user))]

    assert seen_by(supervisor()) == [case.reference]
    assert seen_by(worker) == [case.reference]
    assert seen_by(advocate()) == []
    assert seen_by(person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)) == []
    assert seen_by(None) == []
