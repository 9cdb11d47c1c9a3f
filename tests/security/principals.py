"""The people the authorization matrix signs in as: every role, plus the awkward cases."""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.test import Client

from accord.accounts.models import User
from accord.policy.roles import OrgKind, Role
from tests.factories import person

ROLES: dict[str, tuple[OrgKind, Role]] = {
    "advocate": (OrgKind.ADVISORY_SERVICE, Role.ADVOCATE),
    "supervisor": (OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR),
    "service_admin": (OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN),
    "plan_owner": (OrgKind.POLICE, Role.PLAN_OWNER),
    "analyst": (OrgKind.POLICE, Role.ANALYST),
    "police_viewer": (OrgKind.POLICE, Role.VIEWER),
    "contributor": (OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR),
    "partner_viewer": (OrgKind.VAWG_PARTNER, Role.VIEWER),
    "oversight_viewer": (OrgKind.OVERSIGHT, Role.VIEWER),
    "system_admin": (OrgKind.PLATFORM, Role.SYSTEM_ADMIN),
}
SPECIAL = ("anonymous", "deactivated", "mfa_not_done")
PRINCIPALS: tuple[str, ...] = (*SPECIAL, *ROLES)

CASEWORK_ROLES = ("advocate", "supervisor", "service_admin")
PARTNERSHIP_ROLES = (
    "plan_owner",
    "analyst",
    "police_viewer",
    "contributor",
    "partner_viewer",
    "oversight_viewer",
)
SIGNED_IN = (*CASEWORK_ROLES, *PARTNERSHIP_ROLES, "system_admin")


def make_users() -> dict[str, User]:
    users = {name: person(kind, role) for name, (kind, role) in ROLES.items()}
    deactivated = person(OrgKind.POLICE, Role.ANALYST)
    users["deactivated"] = deactivated
    users["mfa_not_done"] = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, mfa=False)
    return users


def client_for(name: str, users: dict[str, User]) -> Client:
    client = Client()
    if name == "anonymous":
        return client
    user = users[name]
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    # What allauth records after a real sign-in (not a re-authentication: pages that need
    # one, such as adding an authenticator, must still ask for the password again).
    session = client.session
    now = time.time()
    methods = [{"method": "password", "at": now, "email": user.email}]
    if user.needs_mfa and name != "mfa_not_done":
        methods.append({"method": "mfa", "at": now, "type": "totp"})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = methods
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    if name == "deactivated":
        # Signed in, then deactivated: the session must stop working at once.
        User.objects.filter(pk=user.pk).update(is_active=False)
    return client


ClientFactory = Callable[[str], Client]
