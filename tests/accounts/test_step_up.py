"""SECURITY.md SE-5: a fresh second factor, not the password, before acts that cannot be undone."""

from __future__ import annotations

import time
from typing import Any

import pytest
import time_machine
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.accounts.totp import code_for_secret
from accord.eia.models import AssessmentStatus
from accord.plan.models import Plan
from accord.policy.roles import OrgKind, Role
from tests.eia.factories import assessment_in_review
from tests.factories import PASSWORD, enrol_totp, person
from tests.plan.factories import make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

MFA_REAUTH = "/account/2fa/reauthenticate/"


def _confirmed(client: Client, record: dict[str, Any]) -> Client:
    session = client.session
    methods = list(session[AUTHENTICATION_METHODS_SESSION_KEY])
    methods.append({"at": time.time(), "reauthenticated": True, **record})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = methods
    session.save()
    return client


def _by_password(client: Client, user: User) -> Client:
    return _confirmed(client, {"method": "password", "email": user.email})


def _by_app(client: Client) -> Client:
    return _confirmed(client, {"method": "mfa", "type": "totp"})


def _publish(client: Client, plan: Plan) -> Any:
    return client.post(reverse("plan_publish", args=[plan.slug]), {"published": "yes"})


def test_publishing_a_plan_asks_for_the_authenticator_not_the_password() -> None:
    who = people()
    plan = make_plan(who.owner, published=False)
    client = client_for("owner", {"owner": who.owner})

    response = _publish(client, plan)
    assert response.status_code == 302
    assert response["Location"].startswith(MFA_REAUTH)
    response = _publish(_by_password(client, who.owner), plan)
    assert response["Location"].startswith(MFA_REAUTH)
    plan.refresh_from_db()
    assert not plan.published

    response = _publish(_by_app(client), plan)
    assert response["Location"] == reverse("plan_detail", args=[plan.slug])
    plan.refresh_from_db()
    assert plan.published


def test_a_step_up_lasts_five_minutes() -> None:
    who = people()
    plan = make_plan(who.owner, published=False)
    with time_machine.travel("2026-12-05 10:00:00Z", tick=False) as clock:
        client = _by_app(client_for("owner", {"owner": who.owner}))
        clock.shift(4 * 60 + 50)
        assert _publish(client, plan)["Location"] == reverse("plan_detail", args=[plan.slug])
        clock.shift(20)
        assert _publish(client, plan)["Location"].startswith(MFA_REAUTH)


def test_the_real_code_page_confirms_and_finishes_the_publishing() -> None:
    """Through allauth's own page: the code is checked, and the held-back POST goes through."""
    owner = person(OrgKind.POLICE, Role.PLAN_OWNER, mfa=False)
    secret = enrol_totp(owner)
    plan = make_plan(owner, published=False)
    client = client_for("owner", {"owner": owner})

    asked = _publish(client, plan)
    assert asked["Location"].startswith(MFA_REAUTH)
    page = client.get(asked["Location"])
    assert page.status_code == 200
    assert b'name="password"' not in page.content
    done = client.post(asked["Location"], {"code": code_for_secret(secret)})
    assert done.status_code == 302
    plan.refresh_from_db()
    assert plan.published


def test_publishing_an_assessment_needs_a_step_up() -> None:
    who = people()
    second_owner = person(OrgKind.POLICE, Role.PLAN_OWNER)
    from accord.eia import services

    assessment = assessment_in_review(who)
    services.approve(None, assessment, by=who.owner)
    services.approve(None, assessment, by=second_owner)
    url = reverse("assessment_publish", args=[assessment.uid])
    client = client_for("owner", {"owner": who.owner})

    assert client.post(url)["Location"].startswith(MFA_REAUTH)
    assert _by_password(client, who.owner).post(url)["Location"].startswith(MFA_REAUTH)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED
    _by_app(client).post(url)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.PUBLISHED


def test_the_password_page_sends_an_enrolled_person_to_their_authenticator() -> None:
    owner = person(OrgKind.POLICE, Role.PLAN_OWNER)
    client = client_for("owner", {"owner": owner})
    response = client.get("/account/reauthenticate/?next=/plans/")
    assert response.status_code == 302
    assert response["Location"] == f"{MFA_REAUTH}?next=/plans/"
    # Posting the password there directly does not count either.
    client.post("/account/reauthenticate/", {"password": "correct horse battery staple"})
    methods = client.session[AUTHENTICATION_METHODS_SESSION_KEY]
    assert not [m for m in methods if m.get("reauthenticated")]


def test_someone_still_setting_up_confirms_with_their_password() -> None:
    """Before the first authenticator there is nothing else to confirm with."""
    newcomer = person(OrgKind.POLICE, Role.ANALYST, mfa=False)
    client = client_for("mfa_not_done", {"mfa_not_done": newcomer})
    assert client.get("/account/reauthenticate/").status_code == 200
    methods = get_adapter().get_reauthentication_methods(newcomer)
    assert [m["id"] for m in methods] == ["reauthenticate"]
    _by_password(client, newcomer)
    assert client.get("/account/2fa/totp/activate/").status_code == 200


def test_the_password_that_confirmed_enrolment_still_shows_the_new_recovery_codes() -> None:
    """Straight after setting up the first authenticator, allauth shows the recovery codes;
    the password confirmation that allowed the set-up counts there, for its few minutes."""
    newcomer = person(OrgKind.POLICE, Role.ANALYST, mfa=False)
    with time_machine.travel("2026-12-05 10:00:00Z", tick=False) as clock:
        client = _by_password(client_for("mfa_not_done", {"mfa_not_done": newcomer}), newcomer)
        clock.shift(30)
        enrol_totp(newcomer)
        clock.shift(30)
        assert client.get("/account/2fa/recovery-codes/").status_code == 200
        # A password confirmation made after enrolment does not count.
        _by_password(client, newcomer)
        assert client.get("/account/2fa/recovery-codes/")["Location"].startswith(MFA_REAUTH)


def test_changing_an_authenticator_needs_the_authenticator() -> None:
    owner = person(OrgKind.POLICE, Role.PLAN_OWNER)
    client = client_for("owner", {"owner": owner})
    url = "/account/2fa/totp/deactivate/"
    assert client.get(url)["Location"].startswith(MFA_REAUTH)
    assert _by_password(client, owner).get(url)["Location"].startswith(MFA_REAUTH)
    assert _by_app(client).get(url).status_code == 200


def test_casework_roles_step_up_with_their_security_key(settings: Any) -> None:
    settings.ACCORD_CASEWORK_REQUIRE_WEBAUTHN = True
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    Authenticator.objects.create(
        user=supervisor, type=Authenticator.Type.WEBAUTHN, data={"name": "key", "credential": {}}
    )
    methods = get_adapter().get_reauthentication_methods(supervisor)
    assert [m["id"] for m in methods] == ["mfa_reauthenticate:webauthn"]

    client = client_for("supervisor", {"supervisor": supervisor})
    _confirmed(client, {"method": "mfa", "type": "webauthn"})  # signed in with the key
    url = "/account/2fa/recovery-codes/generate/"
    response = _by_password(client, supervisor).get(url)
    assert response["Location"].startswith(reverse("mfa_reauthenticate_webauthn"))
    # An app code is not enough either: the session now counts as signed in without the key.
    assert _by_app(client).get(url)["Location"] == "/account/security/set-up/"
    _confirmed(client, {"method": "mfa", "type": "webauthn"})
    assert client.get(url).status_code == 200


def test_partnership_roles_are_offered_only_second_factors() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    assert "reauthenticate" not in [
        m["id"] for m in get_adapter().get_reauthentication_methods(analyst)
    ]


def test_the_step_up_window_is_five_minutes() -> None:
    from accord.settings import base

    assert base.ACCOUNT_REAUTHENTICATION_TIMEOUT == 300


def test_changing_an_authenticator_ends_the_other_sessions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SECURITY.md SE-4: a session left open on a lost or watched device ends too."""
    from allauth.usersessions.models import UserSession

    owner = person(OrgKind.POLICE, Role.PLAN_OWNER, mfa=False)
    secret = enrol_totp(owner)

    def signed_in() -> Client:
        client = Client()
        client.post("/account/login/", {"login": owner.email, "password": PASSWORD})
        client.post("/account/2fa/authenticate/", {"code": code_for_secret(secret)})
        assert client.get("/home/").status_code == 200
        return client

    with time_machine.travel("2026-12-05 10:00:00Z", tick=False) as clock:
        phone = signed_in()
        clock.shift(31)  # a new code for the second sign-in
        laptop = signed_in()
        assert UserSession.objects.filter(user=owner).count() == 2
        _by_app(laptop)
        # allauth signals once the change commits: in production inside the request, in a
        # test only after the test's transaction, so here at once.
        from allauth.mfa.recovery_codes.internal import flows

        monkeypatch.setattr(flows.transaction, "on_commit", lambda callback, *a, **k: callback())
        done = laptop.post("/account/2fa/recovery-codes/generate/")
        assert done.status_code == 302
        assert laptop.get("/home/").status_code == 200  # the session in use stays
        assert phone.get("/home/").status_code == 302  # the other one is gone
        assert UserSession.objects.filter(user=owner).count() == 1
