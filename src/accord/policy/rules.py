"""The one place that decides who may do what.

Every view asks :func:`can`; querysets come from each model's ``visible_to(user)``.
A rule is a plain function of the acting :class:`Principal` and the object; nothing else in
the code base grants access, so reading this file tells you the whole access model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from accord.policy.roles import ZONE_BY_KIND, OrgKind, Role, Zone


class UserLike(Protocol):
    is_authenticated: bool
    is_active: bool


@dataclass(frozen=True)
class Principal:
    """What the policy needs to know about an acting person."""

    user_id: int
    organisation_id: int
    kind: OrgKind
    role: Role

    @property
    def zone(self) -> Zone:
        return ZONE_BY_KIND[self.kind]


def principal_of(user: Any) -> Principal | None:
    """The principal for an active, authenticated user with a membership, else None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_active", False):
        return None
    membership = getattr(user, "active_membership", None)
    if membership is None:
        return None
    return Principal(
        user_id=int(user.pk),
        organisation_id=int(membership.organisation_id),
        kind=OrgKind(membership.organisation.kind),
        role=Role(membership.role),
    )


Rule = Callable[[Principal, Any], bool]
RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        if action in RULES:
            raise ValueError(f"A rule for {action!r} is already registered.")
        RULES[action] = func
        return func

    return register


class UnknownAction(LookupError):
    """A view asked about an action with no rule: a programming error, refused loudly."""


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (to ``obj``)? Unknown actions raise; default is deny."""
    try:
        check = RULES[action]
    except KeyError as error:
        raise UnknownAction(f"No policy rule is registered for {action!r}.") from error
    principal = principal_of(user)
    if principal is None:
        return False
    return bool(check(principal, obj))


def in_zone(user: Any, zone: Zone) -> bool:
    principal = principal_of(user)
    return principal is not None and principal.zone is zone


# --- Rules -----------------------------------------------------------------------------------


@rule("web.view_home")
def _view_home(principal: Principal, obj: Any) -> bool:
    return True


@rule("casework.enter")
def _enter_casework(principal: Principal, obj: Any) -> bool:
    return principal.kind is OrgKind.ADVISORY_SERVICE


@rule("accounts.view_people")
def _view_people(principal: Principal, obj: Any) -> bool:
    """System administrators see everyone; service administrators their own service."""
    if principal.role is Role.SYSTEM_ADMIN:
        return True
    if principal.role is Role.SERVICE_ADMIN:
        return obj is None or getattr(obj, "pk", None) == principal.organisation_id
    return False


@rule("accounts.invite")
def _invite(principal: Principal, obj: Any) -> bool:
    """``obj`` is the organisation the new person would join."""
    if obj is None:
        return principal.role in {Role.SYSTEM_ADMIN, Role.SERVICE_ADMIN}
    if principal.role is Role.SYSTEM_ADMIN:
        return True
    return principal.role is Role.SERVICE_ADMIN and obj.pk == principal.organisation_id


@rule("accounts.invite_caseworker")
def _invite_caseworker(principal: Principal, obj: Any) -> bool:
    """Advocates and supervisors (``obj``: their service) are invited by that service's own
    service administrators only. A system administrator who could invite one, at an address
    they read, would hold every case of the service: separation of duties."""
    return (
        principal.kind is OrgKind.ADVISORY_SERVICE
        and principal.role is Role.SERVICE_ADMIN
        and getattr(obj, "pk", None) == principal.organisation_id
    )


@rule("accounts.deactivate")
def _deactivate(principal: Principal, obj: Any) -> bool:
    """``obj`` is the membership; nobody deactivates themselves (no lock-out by mistake)."""
    if obj is None or obj.user_id == principal.user_id:
        return False
    if principal.role is Role.SYSTEM_ADMIN:
        return True
    return principal.role is Role.SERVICE_ADMIN and obj.organisation_id == principal.organisation_id


@rule("accounts.manage_organisations")
def _manage_organisations(principal: Principal, obj: Any) -> bool:
    return principal.role is Role.SYSTEM_ADMIN


PARTNERSHIP_KINDS = frozenset({OrgKind.POLICE, OrgKind.VAWG_PARTNER, OrgKind.OVERSIGHT})


@rule("datasets.view")
def _view_datasets(principal: Principal, obj: Any) -> bool:
    """Imported datasets are public statistics: every partnership role may read them."""
    return principal.kind in PARTNERSHIP_KINDS


#: The people who bring data in: datasets, and releases from the advisory service.
IMPORTERS = frozenset({Role.ANALYST, Role.PLAN_OWNER, Role.CONTRIBUTOR})


@rule("datasets.import")
def _import_datasets(principal: Principal, obj: Any) -> bool:
    """Police analysts and plan owners, and partner contributors, bring data in."""
    return principal.role in IMPORTERS


@rule("monitoring.analyse")
def _analyse(principal: Principal, obj: Any) -> bool:
    """Analysis uses only imported public data; every partnership role may run it."""
    return principal.kind in PARTNERSHIP_KINDS


# --- Releases from the advisory service (received in the partnership zone) ------------------


@rule("releases.view")
def _view_releases(principal: Principal, obj: Any) -> bool:
    """Received releases are approved, disclosure-controlled aggregates: every partnership
    role may read them, including those meant only for partners."""
    return principal.kind in PARTNERSHIP_KINDS


@rule("releases.receive")
def _receive_releases(principal: Principal, obj: Any) -> bool:
    """The people who bring data in (as for "datasets.import") bring releases in too; the
    kind check keeps any future casework role of the same name out."""
    return principal.kind in PARTNERSHIP_KINDS and principal.role in IMPORTERS


@rule("audit.verify")
def _verify_audit(principal: Principal, obj: Any) -> bool:
    return principal.role is Role.SYSTEM_ADMIN


# --- Casework (the sealed zone) -----------------------------------------------------------
# Service administrators manage people, not cases: separation of duties. They enter the
# zone (its people pages) but see no case. Case-level checks mirror
# ``Case.objects.visible_to`` (a test holds the two together).

CASEWORKERS = frozenset({Role.ADVOCATE, Role.SUPERVISOR})


def _is_caseworker(principal: Principal) -> bool:
    return principal.kind is OrgKind.ADVISORY_SERVICE and principal.role in CASEWORKERS


@rule("casework.work")
def _work_cases(principal: Principal, obj: Any) -> bool:
    """Open the casework pages and take referrals: advocates and supervisors."""
    return _is_caseworker(principal)


@rule("casework.supervise")
def _supervise(principal: Principal, obj: Any) -> bool:
    """Assign, triage, approve closures and erasures: supervisors."""
    return principal.kind is OrgKind.ADVISORY_SERVICE and principal.role is Role.SUPERVISOR


@rule("casework.view_case")
def _view_case(principal: Principal, case: Any) -> bool:
    if case is None:
        return _is_caseworker(principal)
    if not _is_caseworker(principal) or case.organisation_id != principal.organisation_id:
        return False
    if case.status == "erased":
        return False
    if principal.role is Role.SUPERVISOR:
        return True
    return bool(
        case.advocate_id == principal.user_id or (case.status == "new" and case.advocate_id is None)
    )


@rule("casework.edit_case")
def _edit_case(principal: Principal, case: Any) -> bool:
    """Change a case: whoever may see it, unless processing is restricted or it is closed."""
    if case is not None and (case.restricted or case.status in {"closed", "erased"}):
        return False
    return _view_case(principal, case)


# --- The action plan (partnership zone) ------------------------------------------------------


@rule("plan.view")
def _view_plan(principal: Principal, obj: Any) -> bool:
    """Police, partners and oversight all read the plan, drafts included: it is co-produced."""
    return principal.kind in PARTNERSHIP_KINDS


@rule("plan.manage")
def _manage_plan(principal: Principal, obj: Any) -> bool:
    """Police plan owners write the police's side, of their own force's plans (``obj``)."""
    if principal.role is not Role.PLAN_OWNER or principal.kind is not OrgKind.POLICE:
        return False
    owner_id = getattr(obj, "owner_id", None)
    return obj is None or owner_id == principal.organisation_id


@rule("plan.comment")
def _comment_on_plan(principal: Principal, obj: Any) -> bool:
    """VAWG partners' contributors comment on draft commitments; they never edit them."""
    return principal.kind is OrgKind.VAWG_PARTNER and principal.role is Role.CONTRIBUTOR


@rule("plan.rate")
def _rate_commitment(principal: Principal, obj: Any) -> bool:
    """VAWG partners' contributors give their organisation's own rating and status."""
    return principal.kind is OrgKind.VAWG_PARTNER and principal.role is Role.CONTRIBUTOR


# --- Equality impact assessments (partnership zone) ------------------------------------------


@rule("eia.view")
def _view_eia(principal: Principal, obj: Any) -> bool:
    """Police, partners and oversight read the register and every assessment."""
    return principal.kind in PARTNERSHIP_KINDS


@rule("eia.author")
def _author_eia(principal: Principal, obj: Any) -> bool:
    """Police plan owners and analysts write assessments; partners review them."""
    return principal.kind is OrgKind.POLICE and principal.role in {Role.PLAN_OWNER, Role.ANALYST}


@rule("eia.review")
def _review_eia(principal: Principal, obj: Any) -> bool:
    """VAWG partners' contributors comment on assessments under review."""
    return principal.kind is OrgKind.VAWG_PARTNER and principal.role is Role.CONTRIBUTOR


@rule("eia.approve")
def _approve_eia(principal: Principal, obj: Any) -> bool:
    """Police plan owners sign off (two different ones) and publish."""
    return principal.kind is OrgKind.POLICE and principal.role is Role.PLAN_OWNER
