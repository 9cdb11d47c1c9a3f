"""The policy layer: ``can(user, action, obj)``, view markers and zone checks."""

from accord.policy.roles import OrgKind, Role, Zone
from accord.policy.rules import Principal, UnknownAction, can, in_zone, principal_of

__all__ = [
    "OrgKind",
    "Principal",
    "Role",
    "UnknownAction",
    "Zone",
    "can",
    "in_zone",
    "principal_of",
]
