"""Probe: two people editing the same record. The second save must not silently wipe out
the first; the second person keeps what they typed and is told what happened."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.eia import services
from accord.eia.models import Assessment
from accord.plan.conflicts import CONFLICT
from accord.plan.models import Commitment
from tests.plan.factories import make_commitment, make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    return client_for("x", {"x": user})


def _seen(page: bytes) -> str:
    """The fingerprint the page carries ('' when it carries none)."""
    found = re.search(r'name="seen" value="([^"]*)"', page.decode())
    return found.group(1) if found else ""


def _draft(author: User) -> Assessment:
    initiative = services.create_initiative(
        None, title="Arrests", description="Policy.", kind="new", by=author
    )
    return services.start_assessment(None, initiative, by=author)


def test_an_assessment_saved_by_someone_else_meanwhile_is_not_overwritten() -> None:
    who = people()
    draft = _draft(who.analyst)
    url = reverse("assessment_edit", args=[draft.uid])
    mine = _client(who.owner)
    opened = _seen(mine.get(url).content)
    services.save_sections(None, draft, aims="Their aims.", by=who.analyst)

    first = mine.post(url, {"aims": "My aims.", "seen": opened})
    assert first.status_code == 200
    page = html.unescape(first.content.decode())
    assert CONFLICT in page
    assert ">\nMy aims.</textarea>" in page  # what they typed is still there
    draft.refresh_from_db()
    assert draft.aims == "Their aims."

    again = mine.post(url, {"aims": "My aims.", "seen": _seen(first.content)})
    assert again.status_code == 302
    draft.refresh_from_db()
    assert draft.aims == "My aims."


def test_a_commitment_changed_by_someone_else_meanwhile_is_not_overwritten() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    url = reverse("commitment_edit", args=[plan.slug, commitment.uid])
    mine = _client(who.owner)
    opened = _seen(mine.get(url).content)
    Commitment.objects.filter(pk=commitment.pk).update(statement="Their wording.")

    form = {"number": "1.1", "title": "Train staff", "statement": "My wording.", "seen": opened}
    response = mine.post(url, form)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert CONFLICT in page
    assert ">\nMy wording.</textarea>" in page
    commitment.refresh_from_db()
    assert commitment.statement == "Their wording."
