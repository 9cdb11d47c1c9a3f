"""The public self-referral form: no cookies, no login, rate-limited, lands in triage."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accord.casework import selfreferral
from accord.casework.models import Case
from accord.policy.roles import OrgKind, Role
from tests.factories import person

pytestmark = pytest.mark.django_db


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "form_token": selfreferral.new_token(),
        "name": "Sam",
        "method": "text",
        "phone": "07700 900456",
        "times": "after 7pm",
        "voicemail_safe": "no",
        "code_word": "bluebird",
        "officer_status": "former_officer",
        "force": "met",
        "summary": "My ex-partner is an officer.",
        "agree": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _service() -> None:
    cache.clear()
    person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)


def test_the_form_sets_no_cookie_and_is_not_cached() -> None:
    client = Client()
    for response in (
        client.get(reverse("self_referral")),
        client.post(reverse("self_referral"), _form()),
    ):
        assert response.status_code == 200
        assert not response.cookies, response.cookies
        assert "Set-Cookie" not in response.headers
        assert "no-store" in response["Cache-Control"]
        assert response["Referrer-Policy"] == "no-referrer"
    assert client.cookies == {} or not any(c.value for c in client.cookies.values())


def test_the_page_has_quick_exit_and_works_without_javascript() -> None:
    body = Client().get(reverse("self_referral")).content.decode()
    assert reverse("quick_exit") in body and "Leave this site quickly" in body
    assert 'method="post"' in body and 'type="submit"' in body
    assert "call 999" in body
    assert 'autocomplete="off"' in body
    assert "<script" in body  # only our own module (quick exit by keyboard); the form needs none
    assert "https://" not in body.split("<body", 1)[1].split("data-neutral-url", 1)[0]


def test_a_referral_lands_in_the_triage_queue_sealed() -> None:
    response = Client().post(reverse("self_referral"), _form())
    assert "An advocate will contact you" in response.content.decode()
    case = Case.objects.get()
    assert case.status == "new" and case.advocate is None and case.source == "self_referral"
    assert case.summary == "My ex-partner is an officer."
    client = case.client
    assert client is not None and client.name == "Sam"
    assert client.details["contact"]["code_word"] == "bluebird"
    assert {c.purpose for c in case.consents.all()} == {"keep_record", "contact"}


def test_missing_answers_get_specific_errors_and_keep_what_was_typed() -> None:
    response = Client().post(reverse("self_referral"), _form(phone="", agree=""))
    body = response.content.decode()
    assert "Enter a mobile number for texts, or choose another way" in body
    assert "Tick the box" in body
    assert "after 7pm" in body  # kept
    assert Case.objects.count() == 0


def test_a_stale_or_forged_token_keeps_the_answers_and_saves_nothing() -> None:
    response = Client().post(reverse("self_referral"), _form(form_token="forged"))
    body = response.content.decode()
    assert "Your answers are still here" in body and "bluebird" in body
    assert Case.objects.count() == 0


@override_settings(ACCORD_SELF_REFERRAL_LIMIT=2)
def test_rate_limited_per_network_address() -> None:
    client = Client()
    assert client.post(reverse("self_referral"), _form()).status_code == 200
    assert client.post(reverse("self_referral"), _form()).status_code == 200
    busy = client.post(reverse("self_referral"), _form())
    assert busy.status_code == 429 and "0808 2000 247" in busy.content.decode()
    other = Client(REMOTE_ADDR="192.0.2.7").post(reverse("self_referral"), _form())
    assert other.status_code == 200
    assert Case.objects.count() == 3


def test_the_queue_shows_on_the_advocate_home() -> None:
    Client().post(reverse("self_referral"), _form())
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    from tests.security.principals import client_for

    body = client_for("advocate", {"advocate": advocate}).get(reverse("casework_home"))
    text = body.content.decode()
    assert Case.objects.get().reference in text
    assert "Sam" not in text  # the queue lists references, not names
