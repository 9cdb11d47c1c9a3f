"""The demo cases load once, decrypt, and give the demo advocate something to work on."""

from __future__ import annotations

import pytest

from accord.accounts.demo import demo_user, load_demo
from accord.casework.demo import load_demo_cases
from accord.casework.models import Case

pytestmark = pytest.mark.django_db


def test_demo_cases_load_once_and_decrypt() -> None:
    load_demo(enrol_mfa=False)
    advocate, supervisor = demo_user("advocate"), demo_user("supervisor")
    service = advocate.active_membership.organisation  # type: ignore[union-attr]
    assert load_demo_cases(service, advocate, supervisor) == 3
    assert load_demo_cases(service, advocate, supervisor) == 0
    mine = Case.objects.visible_to(advocate).filter(advocate=advocate)
    assert mine.count() == 2
    assert all(case.client is not None and case.client.name for case in mine)
    assert Case.objects.filter(status="new", advocate__isnull=True).count() == 1
