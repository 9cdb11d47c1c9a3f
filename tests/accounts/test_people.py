"""Invite-only accounts: administrators invite and deactivate, within their own scope."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Membership, User
from accord.audit.models import AuditEvent
from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.security.principals import client_for


@pytest.mark.django_db
def test_signup_is_closed() -> None:
    response = Client().post(
        "/account/signup/",
        {"email": "new@example.org", "password1": "x" * 20, "password2": "x" * 20},
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="new@example.org").exists()


@pytest.mark.django_db
def test_service_admin_invites_into_their_own_service(
    mailoutbox: list, django_capture_on_commit_callbacks: object
) -> None:
    admin = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN)
    organisation = admin.active_membership.organisation
    client = client_for("x", {"x": admin})
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(
            "/people/invite/",
            {
                "display_name": "New Advocate",
                "email": "New.Advocate@Example.org",
                "organisation": organisation.pk,
                "role": Role.ADVOCATE.value,
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="new.advocate@example.org")
    assert not user.has_usable_password()
    assert user.active_membership.role == Role.ADVOCATE.value
    assert AuditEvent.objects.filter(action="accounts.invited", object_id=str(user.pk)).exists()
    (message,) = mailoutbox
    link = re.search(r"http://testserver(/account/password/reset/key/\S+)", message.body)
    assert link is not None
    # The invitee chooses a password through the link, then can sign in.
    invitee = Client()
    follow = invitee.get(link.group(1), follow=True)
    assert follow.status_code == 200
    form_url = follow.redirect_chain[-1][0] if follow.redirect_chain else link.group(1)
    new_password = "plum sofa lantern river"
    done = invitee.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


@pytest.mark.django_db
def test_service_admin_cannot_invite_into_another_organisation() -> None:
    admin = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN)
    police = person(OrgKind.POLICE, Role.ANALYST).active_membership.organisation
    client = client_for("x", {"x": admin})
    response = client.post(
        "/people/invite/",
        {
            "display_name": "X",
            "email": "x@example.org",
            "organisation": police.pk,
            "role": "analyst",
        },
    )
    assert response.status_code == 200  # the organisation is not even a choice
    assert b"There is a problem" in response.content
    assert not User.objects.filter(email="x@example.org").exists()


@pytest.mark.django_db
def test_a_role_that_does_not_fit_the_organisation_is_refused() -> None:
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    police = person(OrgKind.POLICE, Role.ANALYST).active_membership.organisation
    client = client_for("x", {"x": admin})
    response = client.post(
        "/people/invite/",
        {
            "display_name": "X",
            "email": "x@example.org",
            "organisation": police.pk,
            "role": "advocate",
        },
    )
    assert response.status_code == 200
    assert "can only have these roles" in response.content.decode()
    assert not User.objects.filter(email="x@example.org").exists()


@pytest.mark.django_db
def test_an_existing_email_is_refused_without_half_writing() -> None:
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    existing = person(OrgKind.POLICE, Role.ANALYST)
    client = client_for("x", {"x": admin})
    before = Membership.objects.count()
    response = client.post(
        "/people/invite/",
        {
            "display_name": "Again",
            "email": existing.email,
            "organisation": existing.active_membership.organisation_id,
            "role": "viewer",
        },
    )
    assert "already has an account" in response.content.decode()
    assert Membership.objects.count() == before


@pytest.mark.django_db
def test_deactivation_ends_the_session_at_once() -> None:
    admin = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN)
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    advocate_client = client_for("a", {"a": advocate})
    assert advocate_client.get("/home/").status_code == 200
    admin_client = client_for("x", {"x": admin})
    response = admin_client.post(f"/people/{advocate.active_membership.pk}/deactivate/")
    assert response.status_code == 302
    assert advocate_client.get("/home/").status_code == 302


@pytest.mark.django_db
def test_nobody_deactivates_themselves() -> None:
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    client = client_for("x", {"x": admin})
    client.post(f"/people/{admin.active_membership.pk}/deactivate/")
    admin.refresh_from_db()
    assert admin.is_active


@pytest.mark.django_db
def test_service_admin_cannot_see_or_touch_other_organisations() -> None:
    admin = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN)
    other = person(OrgKind.POLICE, Role.ANALYST)
    client = client_for("x", {"x": admin})
    assert other.email not in client.get("/people/").content.decode()
    response = client.post(f"/people/{other.active_membership.pk}/deactivate/")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def _invite(mailoutbox: list, capture: object) -> tuple[User, str]:
    admin = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN)
    client = client_for("x", {"x": admin})
    with capture(execute=True):  # type: ignore[operator]
        client.post(
            "/people/invite/",
            {
                "display_name": "New Advocate",
                "email": "invitee@example.org",
                "organisation": admin.active_membership.organisation.pk,
                "role": Role.ADVOCATE.value,
            },
        )
    link = re.search(r"http://testserver(/account/password/reset/key/\S+)", mailoutbox[-1].body)
    assert link is not None
    assert "expires after 24 hours" in mailoutbox[-1].body
    return User.objects.get(email="invitee@example.org"), link.group(1)


def _choose_password(link: str) -> int:
    invitee = Client()
    follow = invitee.get(link, follow=True)
    if follow.context and follow.context.get("token_fail"):
        return 410
    form_url = follow.redirect_chain[-1][0] if follow.redirect_chain else link
    password = "plum sofa lantern river"
    return invitee.post(form_url, {"password1": password, "password2": password}).status_code


@pytest.mark.django_db
def test_an_invitation_link_expires_after_24_hours(
    mailoutbox: list, django_capture_on_commit_callbacks: object
) -> None:
    """SECURITY.md AU-10: invite tokens expire within 24 hours."""
    user, link = _invite(mailoutbox, django_capture_on_commit_callbacks)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert _choose_password(link) == 410
    user.refresh_from_db()
    assert not user.has_usable_password()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23)):
        assert _choose_password(link) == 302


@pytest.mark.django_db
def test_an_invitation_link_works_once(
    mailoutbox: list, django_capture_on_commit_callbacks: object
) -> None:
    _, link = _invite(mailoutbox, django_capture_on_commit_callbacks)
    assert _choose_password(link) == 302
    assert _choose_password(link) == 410
