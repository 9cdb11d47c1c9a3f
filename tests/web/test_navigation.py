"""The menu shows where people are, and the home page leads to what they can do."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accord.accounts.models import User
from accord.policy.roles import OrgKind, Role
from accord.web.context_processors import section_of
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _menu(html: str) -> str:
    start = html.index('aria-label="Menu"')
    return html[start : html.index("</nav>", start)]


def _current(html: str) -> list[tuple[str, str]]:
    """(aria-current value, link text) for every menu link marked current."""
    return re.findall(r'aria-current="(page|true)">([^<]+)</a>', _menu(html))


@pytest.fixture
def analyst_client() -> Client:
    return client_for("analyst", {"analyst": person(OrgKind.POLICE, Role.ANALYST)})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/", [("page", "Home")]),
        ("/plans/", [("page", "Action plans")]),
        ("/eia/", [("page", "Impact assessments")]),
        ("/datasets/", [("page", "Data")]),
        ("/datasets/import/", [("true", "Data")]),
        ("/analysis/", [("page", "Analysis")]),
        ("/releases/", [("page", "Releases")]),
        ("/releases/receive/", [("true", "Releases")]),
        ("/account/2fa/", [("page", "Sign-in security")]),
    ],
)
def test_the_menu_marks_the_section_and_says_page_only_on_its_own_page(
    analyst_client: Client, path: str, expected: list[tuple[str, str]]
) -> None:
    response = analyst_client.get(path)
    assert response.status_code == 200, path
    assert _current(response.content.decode()) == expected


def test_the_casework_menu_marks_cases() -> None:
    users: dict[str, User] = {"advocate": person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)}
    response = client_for("advocate", users).get("/casework/")
    assert _current(response.content.decode()) == [("page", "Cases")]


def test_section_of_knows_pages_outside_the_menu() -> None:
    assert section_of("/public/eia/") is None
    assert section_of("/public/releases/") is None
    assert section_of("/plans/met/commitments/x/") == "plans"
    assert section_of("/account/sessions/") == "security"
    # Confirming it is you interrupts publishing a plan: not a visit to "Sign-in security".
    assert section_of("/account/2fa/reauthenticate/") is None
    assert section_of("/account/2fa/webauthn/reauthenticate/") is None
    assert section_of("/account/2fa/totp/activate/") == "security"


def test_partnership_home_links_every_card_it_offers(analyst_client: Client) -> None:
    html = analyst_client.get("/home/").content.decode()
    cards = html[html.index("What you can do") :]
    for href, text in [
        ("/plans/", "Action plans"),
        ("/eia/", "Impact assessments"),
        ("/datasets/", "Data"),
        ("/analysis/", "Analysis"),
        ("/releases/", "Releases"),
        ("/account/2fa/", "Sign-in security"),
    ]:
        assert f'<a class="govuk-link" href="{href}">{text}</a>' in cards, text
    assert '<dd class="govuk-summary-list__value">Police force</dd>' in html


def test_the_organisation_kind_keeps_its_capitals() -> None:
    users: dict[str, User] = {"contributor": person(OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR)}
    html = client_for("contributor", users).get("/home/").content.decode()
    assert '<dd class="govuk-summary-list__value">VAWG sector partner</dd>' in html
