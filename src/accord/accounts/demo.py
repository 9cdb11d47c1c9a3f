"""Demo organisations and people, one per role, for ``make demo`` and the browser tests.

Passwords are random on every run and printed; nothing here runs on a real install unless
someone runs ``accord demo_data`` by hand, and production settings refuse demo keys anyway.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import transaction

from accord.accounts.models import Membership, Organisation, User
from accord.policy.roles import OrgKind, Role

DEMO_DOMAIN = "demo.accord.invalid"

ORGANISATIONS: dict[OrgKind, str] = {
    OrgKind.ADVISORY_SERVICE: "Independent Advisory Service (demo)",
    OrgKind.POLICE: "Metropolitan Police Service (demo)",
    OrgKind.VAWG_PARTNER: "London VAWG Partner (demo)",
    OrgKind.OVERSIGHT: "Oversight Body (demo)",
    OrgKind.PLATFORM: "Accord Platform (demo)",
}

PEOPLE: list[tuple[str, str, OrgKind, Role]] = [
    ("advocate", "Amina Advocate", OrgKind.ADVISORY_SERVICE, Role.ADVOCATE),
    ("supervisor", "Sam Supervisor", OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR),
    # A second supervisor: a release is drafted by one and approved by another.
    ("supervisor-2", "Rowan Supervisor", OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR),
    ("service-admin", "Sasha Service-Admin", OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN),
    ("plan-owner", "Pat Plan-Owner", OrgKind.POLICE, Role.PLAN_OWNER),
    # A second plan owner: an assessment is signed off by two different people.
    ("plan-owner-2", "Kim Plan-Owner", OrgKind.POLICE, Role.PLAN_OWNER),
    ("analyst", "Alex Analyst", OrgKind.POLICE, Role.ANALYST),
    ("police-viewer", "Val Police-Viewer", OrgKind.POLICE, Role.VIEWER),
    ("partner", "Priya Partner", OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR),
    ("partner-viewer", "Morgan Partner-Viewer", OrgKind.VAWG_PARTNER, Role.VIEWER),
    ("oversight", "Olu Oversight", OrgKind.OVERSIGHT, Role.VIEWER),
    ("sysadmin", "Sol Sysadmin", OrgKind.PLATFORM, Role.SYSTEM_ADMIN),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str
    organisation: str
    totp_secret: str | None


def new_password() -> str:
    return "-".join(secrets.token_urlsafe(5) for _ in range(4))


@transaction.atomic
def load_demo(*, enrol_mfa: bool = True) -> list[DemoLogin]:
    organisations = {
        kind: Organisation.objects.get_or_create(name=name, defaults={"kind": kind.value})[0]
        for kind, name in ORGANISATIONS.items()
    }
    logins: list[DemoLogin] = []
    for slug, name, kind, role in PEOPLE:
        email = f"{slug}@{DEMO_DOMAIN}"
        password = new_password()
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, display_name=name)
        user.set_password(password)
        user.is_active = True
        user.save()
        Membership.objects.update_or_create(
            user=user,
            defaults={"organisation": organisations[kind], "role": role.value, "is_active": True},
        )
        secret = None
        if enrol_mfa:
            Authenticator.objects.filter(user=user).delete()
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
            RecoveryCodes.activate(user)
        logins.append(DemoLogin(email, password, role.label, organisations[kind].name, secret))
    return logins


def demo_user(slug: str) -> User:
    return User.objects.get(email=f"{slug}@{DEMO_DOMAIN}")
