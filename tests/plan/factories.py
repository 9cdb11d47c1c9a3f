"""A plan with its people: a police plan owner, a partner contributor, an open round."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.utils import timezone

from accord.accounts.models import User
from accord.plan import services
from accord.plan.models import Commitment, Plan
from accord.policy.roles import OrgKind, Role
from tests.factories import person

_serial = itertools.count()


@dataclass
class People:
    owner: User
    partner: User
    analyst: User
    oversight: User


def people() -> People:
    return People(
        owner=person(OrgKind.POLICE, Role.PLAN_OWNER),
        partner=person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR),
        analyst=person(OrgKind.POLICE, Role.ANALYST),
        oversight=person(OrgKind.OVERSIGHT, Role.VIEWER),
    )


def make_plan(owner: User, *, published: bool = True, open_round: bool = True) -> Plan:
    plan = services.create_plan(
        None, title="VAWG Action Plan", slug=f"vawg-{next(_serial)}", by=owner
    )
    if published:
        plan.published = True
        plan.save()
    if open_round:
        today = timezone.localdate()
        services.open_round(
            None,
            plan,
            title="Draft commitments, first round",
            opens_on=today - dt.timedelta(days=7),
            closes_on=today + dt.timedelta(days=21),
            by=owner,
        )
    return plan


def make_commitment(
    plan: Plan, owner: User, number: str = "1.1", *, published: bool = True
) -> Commitment:
    return services.save_commitment(
        None,
        plan,
        number=number,
        title="Independent advisory service",
        statement="Fund a specialist VAWG organisation to advise victims of police-perpetrated "
        "abuse, from April 2027.",
        published=published,
        by=owner,
    )
