"""Sign-in details for the browser tests, printed as one JSON line.

Run by ``conftest.py`` in a subprocess with the demo settings and the browser tests' own
database (never imported by the tests): loads the demo people with ``load_demo()`` and adds
the extra advisory-service people the journeys need.

Everyone signs in with an authenticator code, and a code cannot be used twice by the same
person within its 30-second window, so each journey that signs in has its own person: the
demo people, extra advocates, and spare copies of the partnership people
(``AccordServer.take_like``), in the same organisation with the same role.
"""

from __future__ import annotations

import json
import sys

import django

MARKER = "ACCORD-BROWSER-ACCOUNTS:"

# key -> (display name, enrolled in MFA?)
EXTRA_ADVOCATES: dict[str, tuple[str, bool]] = {
    # A long name, to show how the header copes on a narrow screen.
    "screenshot-advocate": ("Alexandra Okonkwo-Whitfield", True),
    "no-mfa-advocate": ("Nadia New-Advocate", False),
    "webauthn-advocate": ("Wren Key-Holder", False),
    "casework-advocate": ("Casey Caseworker", True),
    **{f"spare-advocate-{n}": (f"Spare Advocate {n}", True) for n in range(1, 8)},
}

#: Demo people (``accord.accounts.demo.PEOPLE``) with this many spare copies each.
SPARES: dict[str, int] = {
    "plan-owner": 4,
    "plan-owner-2": 2,
    "analyst": 4,
    "partner": 5,
    "partner-viewer": 2,
    "supervisor": 2,
    "supervisor-2": 1,
}


def spare_key(slug: str, n: int) -> str:
    return f"{slug}-spare-{n}"


def main() -> None:
    django.setup()
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.db import transaction

    from accord.accounts.demo import (
        DEMO_DOMAIN,
        ORGANISATIONS,
        load_demo,
        new_password,
    )
    from accord.accounts.models import Membership, Organisation, User
    from accord.policy.roles import OrgKind, Role

    accounts: dict[str, dict[str, str | None]] = {}
    with transaction.atomic():
        for login in load_demo():
            user = User.objects.get(email=login.email)
            accounts[login.email.split("@")[0]] = {
                "email": login.email,
                "password": login.password,
                "name": user.display_name,
                "role": login.role,
                "organisation": login.organisation,
                "totp_secret": login.totp_secret,
            }

        def add(
            key: str, name: str, organisation: Organisation, role: Role, enrolled: bool
        ) -> None:
            email = f"browser-{key}@{DEMO_DOMAIN}"
            password = new_password()
            user = User.objects.create_user(email=email, password=password, display_name=name)
            Membership.objects.create(user=user, organisation=organisation, role=role.value)
            secret = None
            if enrolled:
                secret = generate_totp_secret()
                TOTP.activate(user, secret)
                RecoveryCodes.activate(user)
            accounts[key] = {
                "email": email,
                "password": password,
                "name": name,
                "role": role.label,
                "organisation": organisation.name,
                "totp_secret": secret,
            }

        service = Organisation.objects.get(name=ORGANISATIONS[OrgKind.ADVISORY_SERVICE])
        # A year of past, closed cases (no stories), so that a release has figures to show.
        from accord.releases.demo import load_demo_history

        load_demo_history(service, User.objects.get(email=f"advocate@{DEMO_DOMAIN}"))
        for key, (name, enrolled) in EXTRA_ADVOCATES.items():
            add(key, name, service, Role.ADVOCATE, enrolled)
        for slug, copies in SPARES.items():
            membership = Membership.objects.select_related("organisation").get(
                user__email=f"{slug}@{DEMO_DOMAIN}"
            )
            # The demo person's own name, so that screenshots show the names people see.
            original = str(accounts[slug]["name"])
            for n in range(1, copies + 1):
                add(
                    spare_key(slug, n),
                    original,
                    membership.organisation,
                    Role(membership.role),
                    True,
                )
    sys.stdout.write(MARKER + json.dumps(accounts) + "\n")


if __name__ == "__main__":
    main()
