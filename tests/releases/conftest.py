"""Cases to count: made on given days, with the client's consent to be counted or not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.models import User
from accord.casework.models import Case
from accord.casework.vocabularies import ConsentPurpose, Source
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person

COUNTED = [ConsentPurpose.KEEP_RECORD, ConsentPurpose.CONTACT, ConsentPurpose.ANONYMOUS_STATISTICS]
NOT_COUNTED = [ConsentPurpose.KEEP_RECORD, ConsentPurpose.CONTACT]


def made_on(case: Case, day: dt.date) -> Case:
    """As if the case had been recorded on ``day`` (at noon, London time)."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Case.objects.filter(pk=case.pk).update(created_at=moment)
    case.refresh_from_db()
    return case


def cases(
    advocate: User,
    count: int,
    day: dt.date,
    *,
    source: str = Source.STAFF,
    consents: list[str] = COUNTED,
    **overrides: Any,
) -> list[Case]:
    return [
        made_on(make_case(advocate, source=source, consents=consents, **overrides), day)
        for _ in range(count)
    ]


@pytest.fixture
def advocate() -> User:
    return person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)


@pytest.fixture
def drafter() -> User:
    return person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)


@pytest.fixture
def approver() -> User:
    return person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
