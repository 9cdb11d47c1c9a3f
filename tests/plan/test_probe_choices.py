"""Probe: a ticked-box value too big for the database is refused on the form, not a 500.

Only a tampered request sends one, but the promise is the same: the field says what is
wrong and nothing is written.
"""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.eia.models import Initiative
from accord.plan.models import Commitment
from tests.plan.factories import make_commitment, make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
REFUSED = f"Select a valid choice. {HUGE} is not one of the available choices."


def _client(user: User) -> Client:
    client = client_for("x", {"x": user})
    client.raise_request_exception = False
    return client


def test_a_co_owner_beyond_the_database_range_is_refused_on_the_form() -> None:
    who = people()
    plan = make_plan(who.owner)
    response = _client(who.owner).post(
        reverse("commitment_new", args=[plan.slug]),
        {"number": "1.1", "title": "Train staff", "statement": "All staff.", "co_owners": HUGE},
    )
    assert response.status_code == 200
    assert REFUSED in html.unescape(response.content.decode())
    assert not Commitment.objects.filter(plan=plan).exists()


def test_a_commitment_beyond_the_database_range_is_refused_on_the_initiative_form() -> None:
    who = people()
    make_commitment(make_plan(who.owner), who.owner)  # so the form lists a commitment
    response = _client(who.analyst).post(
        reverse("initiative_new"),
        {"title": "Arrests", "description": "Policy.", "kind": "new", "commitments": HUGE},
    )
    assert response.status_code == 200
    assert REFUSED in html.unescape(response.content.decode())
    assert not Initiative.objects.exists()
