"""Changes to people and memberships: one function per action, each in a transaction with
its audit event."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from accord.accounts.models import Membership, Organisation, User
from accord.audit.services import record
from accord.policy.roles import OrgKind, Role, role_allowed
from accord.policy.rules import can


class InvitationError(ValueError):
    """The invitation cannot be made as asked; the message says why."""


def invite_person(
    request: HttpRequest,
    *,
    email: str,
    display_name: str,
    organisation: Organisation,
    role: Role,
) -> User:
    """Create an account with no password and email a link to choose one."""
    if not role_allowed(OrgKind(organisation.kind), role):
        raise InvitationError(
            f"{organisation.name} cannot have a {role.label.lower()}. Choose another role."
        )
    email = email.strip().lower()
    with transaction.atomic():
        refuse_invitation_from_outside(request.user, organisation, role)
        if User.objects.filter(email__iexact=email).exists():
            raise InvitationError("Someone with this email address already has an account.")
        user = User.objects.create_user(email=email, display_name=display_name.strip())
        Membership.objects.create(user=user, organisation=organisation, role=role.value)
        record(request, "accounts.invited", "user", str(user.pk))
        transaction.on_commit(lambda: send_invitation(request, user))
    return user


#: Roles that see cases: only their own service's administrators invite them.
CASEWORKER_ROLES = frozenset({Role.ADVOCATE, Role.SUPERVISOR})


def refuse_invitation_from_outside(inviter: object, organisation: Organisation, role: Role) -> None:
    """Refuse an invitation into the advisory service from anyone outside it, except its
    first service administrator.

    Why: whoever holds an invitation link chooses the password and enrols their own key, so
    an invitation to an address the inviter reads is an account for the inviter. A system
    administrator who could invite a caseworker, or a second service administrator who then
    invites one, would hold every case of the service (separation of duties). Someone has to
    invite a new service's first administrator, so that alone is left to them.
    """
    if organisation.kind != OrgKind.ADVISORY_SERVICE:
        return
    if can(inviter, "accounts.invite_caseworker", organisation):
        return  # the service's own administrators
    if role in CASEWORKER_ROLES:
        raise InvitationError(
            "Only the service's own service administrators can invite advocates and supervisors."
        )
    has_admin = Membership.objects.filter(
        organisation=organisation,
        role=Role.SERVICE_ADMIN.value,
        is_active=True,
        user__is_active=True,
    ).exists()
    if has_admin:
        raise InvitationError(
            f"{organisation.name} already has a service administrator, so only they can "
            "invite its staff. A system administrator can invite a service administrator "
            "only for a service that has none."
        )


def send_invitation(request: HttpRequest, user: User) -> None:
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    url = request.build_absolute_uri(path)
    body = render_to_string("accounts/email/invitation.txt", {"user": user, "url": url})
    from django.core.mail import EmailMessage

    EmailMessage(subject="Accord: you have been invited", body=body, to=[user.email]).send()


def deactivate_membership(request: HttpRequest, membership: Membership) -> None:
    """Stop someone signing in; their sessions end at their next request."""
    with transaction.atomic():
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        user = membership.user
        user.is_active = False
        user.save(update_fields=["is_active"])
        record(request, "accounts.deactivated", "user", str(user.pk))
