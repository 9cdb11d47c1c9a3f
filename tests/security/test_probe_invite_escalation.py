"""A system administrator must not be able to make themselves a caseworker.

The platform's administrators manage people and organisations, never case content
(ARCHITECTURE.md, "separation of duties"). Inviting an advocate or a supervisor into the
advisory service, at an email address the administrator reads, would hand them every case
of the service: the invitation link lets whoever holds it choose the password and enrol
their own authenticator. So advocates and supervisors are invited only by the service's own
service administrators.
"""

from __future__ import annotations

from typing import Any

import pytest

from accord.accounts.models import Membership, Organisation, User
from accord.policy.roles import OrgKind, Role
from accord.policy.rules import can
from tests.factories import enrol_totp, person
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


def _service_admin_invited(inviter: User, service_id: int, email: str) -> Any:
    return client_for("x", {"x": inviter}).post(
        "/people/invite/",
        {
            "display_name": "New Admin",
            "email": email,
            "organisation": service_id,
            "role": Role.SERVICE_ADMIN.value,
        },
    )


@pytest.mark.django_db
def test_a_system_administrator_invites_only_a_first_service_administrator() -> None:
    """Someone has to set up a new service's first administrator; a second one, invited to
    an address the system administrator reads, would then invite them a caseworker."""
    service = Organisation.objects.create(name="New Service", kind=OrgKind.ADVISORY_SERVICE)
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    first = _service_admin_invited(admin, service.pk, "first.admin@example.org")
    assert first.status_code == 302
    invited = User.objects.get(email="first.admin@example.org")
    assert invited.active_membership.role == Role.SERVICE_ADMIN.value

    second = _service_admin_invited(admin, service.pk, "mine@example.org")
    assert second.status_code == 200
    assert (
        "New Service already has a service administrator, so only they can invite its staff. "
        "A system administrator can invite a service administrator only for a service that "
        "has none."
    ) in second.content.decode().replace("&#x27;", "'")
    assert not User.objects.filter(email="mine@example.org").exists()

    # The service's own administrator still invites colleagues, administrators included.
    enrol_totp(invited)
    own = _service_admin_invited(invited, service.pk, "colleague@example.org")
    assert own.status_code == 302
    assert User.objects.get(email="colleague@example.org").active_membership.organisation == service


@pytest.mark.django_db
def test_a_deactivated_service_administrator_does_not_count() -> None:
    service_admin = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN)
    service = service_admin.active_membership.organisation
    Membership.objects.filter(user=service_admin).update(is_active=False)
    User.objects.filter(pk=service_admin.pk).update(is_active=False)
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    assert _service_admin_invited(admin, service.pk, "replacement@example.org").status_code == 302
