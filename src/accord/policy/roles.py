"""Organisation kinds, roles and the trust zone each belongs to."""

from __future__ import annotations

from enum import StrEnum


class OrgKind(StrEnum):
    ADVISORY_SERVICE = "advisory_service"
    POLICE = "police"
    VAWG_PARTNER = "vawg_partner"
    OVERSIGHT = "oversight"
    PLATFORM = "platform"

    @property
    def label(self) -> str:
        return ORG_KIND_LABELS[self]


class Role(StrEnum):
    ADVOCATE = "advocate"
    SUPERVISOR = "supervisor"
    SERVICE_ADMIN = "service_admin"
    PLAN_OWNER = "plan_owner"
    ANALYST = "analyst"
    VIEWER = "viewer"
    CONTRIBUTOR = "contributor"
    SYSTEM_ADMIN = "system_admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


class Zone(StrEnum):
    CASEWORK = "casework"
    PARTNERSHIP = "partnership"
    PLATFORM = "platform"


ORG_KIND_LABELS: dict[OrgKind, str] = {
    OrgKind.ADVISORY_SERVICE: "Independent advisory service",
    OrgKind.POLICE: "Police force",
    OrgKind.VAWG_PARTNER: "VAWG sector partner",
    OrgKind.OVERSIGHT: "Oversight body",
    OrgKind.PLATFORM: "Platform operator",
}

ROLE_LABELS: dict[Role, str] = {
    Role.ADVOCATE: "Advocate",
    Role.SUPERVISOR: "Supervisor",
    Role.SERVICE_ADMIN: "Service administrator",
    Role.PLAN_OWNER: "Plan owner",
    Role.ANALYST: "Analyst",
    Role.VIEWER: "Viewer",
    Role.CONTRIBUTOR: "Contributor",
    Role.SYSTEM_ADMIN: "System administrator",
}

#: Which roles each kind of organisation may hold (ARCHITECTURE.md, "Trust zones and roles").
ROLES_BY_KIND: dict[OrgKind, frozenset[Role]] = {
    OrgKind.ADVISORY_SERVICE: frozenset({Role.ADVOCATE, Role.SUPERVISOR, Role.SERVICE_ADMIN}),
    OrgKind.POLICE: frozenset({Role.PLAN_OWNER, Role.ANALYST, Role.VIEWER}),
    OrgKind.VAWG_PARTNER: frozenset({Role.CONTRIBUTOR, Role.VIEWER}),
    OrgKind.OVERSIGHT: frozenset({Role.VIEWER}),
    OrgKind.PLATFORM: frozenset({Role.SYSTEM_ADMIN}),
}

ZONE_BY_KIND: dict[OrgKind, Zone] = {
    OrgKind.ADVISORY_SERVICE: Zone.CASEWORK,
    OrgKind.POLICE: Zone.PARTNERSHIP,
    OrgKind.VAWG_PARTNER: Zone.PARTNERSHIP,
    OrgKind.OVERSIGHT: Zone.PARTNERSHIP,
    OrgKind.PLATFORM: Zone.PLATFORM,
}


def role_allowed(kind: OrgKind, role: Role) -> bool:
    return role in ROLES_BY_KIND[kind]
