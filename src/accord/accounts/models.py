"""People, organisations and memberships.

One person, one membership: a person who works for two organisations holds two accounts.
This keeps separation of duties simple to reason about (an advocate is never also a police
analyst in the same session) and makes the authorization matrix finite.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone

from accord.policy.roles import (
    ORG_KIND_LABELS,
    ROLE_LABELS,
    OrgKind,
    Role,
    role_allowed,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("Every account needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField("name", max_length=150)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name"]

    class Meta:
        ordering = ("display_name",)

    def __str__(self) -> str:
        return self.display_name or self.email

    # Django's auth machinery asks these of every user model; Accord does not use Django's
    # permission system (the policy layer decides), so nobody is staff or superuser.
    is_staff = False
    is_superuser = False

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    @property
    def active_membership(self) -> Membership | None:
        cached = getattr(self, "_active_membership", None)
        if cached is None:
            cached = (
                Membership.objects.select_related("organisation")
                .filter(user=self, is_active=True, organisation__is_active=True)
                .first()
            )
            self._active_membership = cached
        return cached

    @property
    def needs_mfa(self) -> bool:
        """Everyone enrols in MFA before any page but enrolment (SECURITY.md AU-1).

        Not only casework: a police or partner account publishes statistics and signs off
        impact assessments, and a stolen password alone must not be enough for that. Casework
        roles also need a phishing-resistant factor (``accounts.middleware.needs_webauthn``).
        """
        return True


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=[(k.value, k.label) for k in OrgKind])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        return ORG_KIND_LABELS[OrgKind(self.kind)]


class Membership(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=[(r.value, r.label) for r in Role])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("organisation__name", "user__display_name")

    def __str__(self) -> str:
        return f"{self.user} — {self.role_label}, {self.organisation}"

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not role_allowed(OrgKind(self.organisation.kind), Role(self.role)):
            raise ValidationError(
                {
                    "role": (
                        f"A {ROLE_LABELS[Role(self.role)].lower()} cannot belong to "
                        f"{ORG_KIND_LABELS[OrgKind(self.organisation.kind)].lower()}."
                    )
                }
            )


class KnownDevice(models.Model):
    """A browser someone has signed in on before (SECURITY.md AU-11): a sign-in from any
    other is reported to them by email. The browser holds a random token in a cookie; only
    its SHA-256 is kept here, so this table cannot be used to pose as the browser."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    token_hash = models.CharField(max_length=64, unique=True)
    description = models.CharField(max_length=100, help_text="Browser and system, roughly.")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-last_seen",)

    def __str__(self) -> str:
        return f"{self.description} of user {self.user_id}"
