"""Sign-in details for the browser tests, printed as one JSON line.

Run by ``conftest.py`` in a subprocess with the demo settings and the browser tests' own
database (never imported by the tests): loads the demo people with ``load_demo()`` and adds
the extra advisory-service people the journeys need.

A TOTP code cannot be used twice by the same person within its 30-second window, so each
journey that signs in with a code has its own person.
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
    **{f"spare-advocate-{n}": (f"Spare Advocate {n}", True) for n in range(1, 7)},
}


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
        service = Organisation.objects.get(name=ORGANISATIONS[OrgKind.ADVISORY_SERVICE])
        for key, (name, enrolled) in EXTRA_ADVOCATES.items():
            email = f"browser-{key}@{DEMO_DOMAIN}"
            password = new_password()
            user = User.objects.create_user(email=email, password=password, display_name=name)
            Membership.objects.create(user=user, organisation=service, role=Role.ADVOCATE.value)
            secret = None
            if enrolled:
                secret = generate_totp_secret()
                TOTP.activate(user, secret)
                RecoveryCodes.activate(user)
            accounts[key] = {
                "email": email,
                "password": password,
                "name": name,
                "role": Role.ADVOCATE.label,
                "organisation": service.name,
                "totp_secret": secret,
            }
    sys.stdout.write(MARKER + json.dumps(accounts) + "\n")


if __name__ == "__main__":
    main()
