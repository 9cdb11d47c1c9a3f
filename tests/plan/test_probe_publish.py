"""Probe: the publish switch changes the plan only on a clear yes or no.

Anything else (a missing or mistyped value) took the plan off the public pages, and said so
as if it had been asked for.
"""

from __future__ import annotations

import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.plan.models import Plan
from tests.plan.factories import make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _stepped_up(user: User) -> Client:
    """Signed in, with a second factor confirmed just now (publishing asks for one)."""
    client = client_for("x", {"x": user})
    session = client.session
    methods = list(session[AUTHENTICATION_METHODS_SESSION_KEY])
    methods.append({"at": time.time(), "reauthenticated": True, "method": "mfa", "type": "totp"})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = methods
    session.save()
    return client


@pytest.mark.parametrize("sent", [{}, {"published": "true"}, {"published": "Yes please"}])
def test_an_unclear_answer_changes_nothing_and_says_so(sent: dict[str, str]) -> None:
    who = people()
    plan = make_plan(who.owner, published=True)
    client = _stepped_up(who.owner)
    response = client.post(reverse("plan_publish", args=[plan.slug]), sent, follow=True)
    assert response.redirect_chain == [(reverse("plan_detail", args=[plan.slug]), 302)]
    assert (
        "Nothing was changed: choose to publish the plan or to take it off the public pages."
        in response.content.decode()
    )
    assert Plan.objects.get(pk=plan.pk).published


def test_a_clear_no_takes_it_off() -> None:
    who = people()
    plan = make_plan(who.owner, published=True)
    client = _stepped_up(who.owner)
    client.post(reverse("plan_publish", args=[plan.slug]), {"published": "no"})
    assert not Plan.objects.get(pk=plan.pk).published
