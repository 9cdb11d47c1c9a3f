"""Who a person may see in the people pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accord.accounts.models import Membership, Organisation
from accord.policy.roles import Role
from accord.policy.rules import principal_of


def memberships_visible_to(user: Any) -> QuerySet[Membership]:
    principal = principal_of(user)
    qs = Membership.objects.select_related("user", "organisation")
    if principal is None:
        return qs.none()
    if principal.role is Role.SYSTEM_ADMIN:
        return qs
    if principal.role is Role.SERVICE_ADMIN:
        return qs.filter(organisation_id=principal.organisation_id)
    return qs.none()


def organisations_for_invites(user: Any) -> QuerySet[Organisation]:
    principal = principal_of(user)
    qs = Organisation.objects.filter(is_active=True)
    if principal is None:
        return qs.none()
    if principal.role is Role.SYSTEM_ADMIN:
        return qs
    if principal.role is Role.SERVICE_ADMIN:
        return qs.filter(pk=principal.organisation_id)
    return qs.none()
