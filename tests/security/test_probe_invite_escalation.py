"""A system administrator must not be able to make themselves a caseworker.

The platform's administrators manage people and organisations, never case content
(ARCHITECTURE.md, "separation of duties"). Inviting an advocate or a supervisor into the
advisory service, at an email address the administrator reads, would hand them every case
of the service: the invitation link lets whoever holds it choose the password and enrol
their own authenticator. So advocates and supervisors are invited only by the service's own
service administrators.
"""

from __future__ import annotations

import pytest

from accord.accounts.models import User
from accord.policy.roles import OrgKind, Role
from accord.policy.rules import can
from tests.factories import person
from tests.security.principals import client_for

REFUSAL = "Only the service&#x27;s own service administrators can invite advocates and supervisors."


def _invite(inviter: User, organisation_id: int, role: Role, email: str) -> str:
    response = client_for("x", {"x": inviter}).post(
        "/people/invite/",
        {
            "display_name": "Someone New",
            "email": email,
            "organisation": organisation_id,
            "role": role.value,
        },
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.SUPERVISOR])
def test_a_system_administrator_cannot_invite_a_caseworker(role: Role) -> None:
    service = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN).active_membership.organisation
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    body = _invite(admin, service.pk, role, "mine@example.org")
    assert REFUSAL in body
    assert not User.objects.filter(email="mine@example.org").exists()


@pytest.mark.django_db
def test_the_rule_keeps_caseworker_invitations_inside_the_service() -> None:
    service_admin = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN)
    service = service_admin.active_membership.organisation
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    assert not can(admin, "accounts.invite_caseworker", service)
    assert can(service_admin, "accounts.invite_caseworker", service)
    # A service administrator may also invite caseworkers only into their own service.
    other = person(OrgKind.POLICE, Role.ANALYST).active_membership.organisation
    assert not can(service_admin, "accounts.invite_caseworker", other)


@pytest.mark.django_db
def test_a_system_administrator_still_invites_a_service_administrator() -> None:
    """Someone has to set up a new service's first administrator."""
    service = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN).active_membership.organisation
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    client = client_for("x", {"x": admin})
    response = client.post(
        "/people/invite/",
        {
            "display_name": "Second Admin",
            "email": "second.admin@example.org",
            "organisation": service.pk,
            "role": Role.SERVICE_ADMIN.value,
        },
    )
    assert response.status_code == 302
    invited = User.objects.get(email="second.admin@example.org")
    assert invited.active_membership.role == Role.SERVICE_ADMIN.value
