"""``accord demo_data``: load demo organisations and one person per role, and print logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accord.accounts.demo import load_demo


def _demo_release(drafter: Any, approver: Any, receiver: Any) -> bool:
    """Draft, approve and receive one public release of the past year, once.

    Only the demo does all three in one place: a real advisory service runs its own
    deployment and sends the file to the partnership (ARCHITECTURE.md).
    """
    from django.utils import timezone

    from accord.monitoring.models import ReceivedRelease
    from accord.monitoring.received_releases import receive
    from accord.releases import services
    from accord.releases.demo import past_period
    from accord.releases.models import Release

    if Release.objects.exists() or ReceivedRelease.objects.exists():
        return False
    start, end = past_period(timezone.localdate())
    release = services.draft(
        None,
        title=f"Advisory service figures, {start:%B %Y} to {end:%B %Y}",
        start=start,
        end=end,
        audience="public",
        by=drafter,
    )
    approved = services.approve(None, release, by=approver)
    receive(None, approved.signed_file.encode("utf-8"), by=receiver)
    return True


class Command(BaseCommand):
    help = "Load demo organisations and people (one per role) and print their sign-in details."

    def handle(self, *args: Any, **options: Any) -> None:
        if "demo-only" not in str(settings.SECRET_KEY):
            raise CommandError("Demo data is only for the demo settings (make demo).")
        logins = load_demo()
        if "casework" in settings.ACCORD_ZONES:
            from accord.accounts.demo import demo_user
            from accord.casework.demo import load_demo_cases

            advocate, supervisor = demo_user("advocate"), demo_user("supervisor")
            membership = advocate.active_membership
            if membership is not None:
                count = load_demo_cases(membership.organisation, advocate, supervisor)
                if count:
                    self.stdout.write(f"Opened {count} demo cases for the advocate.")
                from accord.releases.demo import load_demo_history

                past = load_demo_history(membership.organisation, advocate)
                if past:
                    self.stdout.write(f"Opened and closed {past} past cases for the releases.")
        if "partnership" in settings.ACCORD_ZONES:
            from accord.accounts.demo import demo_user
            from accord.plan.demo import load_demo_plans

            plans = load_demo_plans(demo_user("plan-owner"), demo_user("partner"))
            if plans:
                self.stdout.write(f"Loaded {plans} demo action plans from published commitments.")
        if {"casework", "partnership"} <= set(settings.ACCORD_ZONES):
            from accord.accounts.demo import demo_user

            if _demo_release(
                demo_user("supervisor"), demo_user("supervisor-2"), demo_user("analyst")
            ):
                self.stdout.write(
                    "Approved a demo release and received it on the partnership side."
                )
        self.stdout.write("\nDemo sign-in details (new passwords every run):\n")
        for login in logins:
            self.stdout.write(f"  {login.role:<22} {login.organisation}")
            self.stdout.write(f"      email:    {login.email}")
            self.stdout.write(f"      password: {login.password}")
            if login.totp_secret:
                self.stdout.write(
                    f"      authenticator app secret: {login.totp_secret}"
                    f"   (or run: .venv/bin/accord totp_code {login.email})"
                )
        self.stdout.write("")
