"""factory_boy factories for every model."""

from __future__ import annotations

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accord.accounts.models import Membership, Organisation, User
from accord.policy.roles import OrgKind, Role

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrgKind.POLICE.value


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.VIEWER.value


def person(kind: OrgKind, role: Role, *, mfa: bool = True, **user_fields: object) -> User:
    """A user with a membership; enrolled in TOTP when their role needs MFA and ``mfa``."""
    organisation = Organisation.objects.filter(kind=kind.value).first() or OrganisationFactory(
        kind=kind.value, name=f"{kind.label} {Organisation.objects.count() + 1}"
    )
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organisation=organisation, role=role.value)
    if mfa and user.needs_mfa:
        enrol_totp(user)
    return user


def enrol_totp(user: User) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def totp_authenticator(user: User) -> Authenticator:
    return Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
