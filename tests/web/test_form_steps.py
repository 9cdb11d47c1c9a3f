"""The shared shape of form pages: a refusal lands on the form, success moves on."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.test import RequestFactory

from accord.web.form_steps import form_step

TEMPLATE = "web/form_fields.html"


class NameForm(forms.Form):
    name = forms.CharField(label="Name")


class Refused(ValueError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _request(method: str, data: dict[str, str] | None = None) -> HttpRequest:
    factory = RequestFactory()
    request = factory.post("/", data or {}) if method == "POST" else factory.get("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _page(request: HttpRequest, act: Any, seen: list[dict[str, Any]]) -> HttpResponse:
    def recorded(data: dict[str, Any]) -> str:
        seen.append(dict(data))
        return str(act(data))

    return form_step(
        request,
        NameForm(request.POST or None),
        recorded,
        refused=Refused,
        done=lambda result: f"Saved {result}.",
        then=lambda result: HttpResponseRedirect(f"/done/{result}"),
        template=TEMPLATE,
        context={},
    )


def test_a_get_shows_the_form_and_does_nothing() -> None:
    seen: list[dict[str, Any]] = []
    response = _page(_request("GET"), lambda data: "x", seen)
    assert response.status_code == 200
    assert b'name="name"' in response.content
    assert seen == []


def test_an_invalid_form_never_reaches_the_service() -> None:
    seen: list[dict[str, Any]] = []
    response = _page(_request("POST", {"name": ""}), lambda data: "x", seen)
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert seen == []


def test_success_says_so_and_moves_on_with_what_the_service_returned() -> None:
    seen: list[dict[str, Any]] = []
    request = _request("POST", {"name": "Ada"})
    response = _page(request, lambda data: data["name"].upper(), seen)
    assert isinstance(response, HttpResponseRedirect)
    assert response.url == "/done/ADA"
    assert seen == [{"name": "Ada"}]
    assert [str(m) for m in get_messages(request)] == ["Saved ADA."]


@pytest.mark.parametrize(("field", "beside"), [("name", True), ("nothing_like_it", False)])
def test_a_refusal_shows_on_the_form_beside_its_field_or_on_top(field: str, beside: bool) -> None:
    def refuse(data: dict[str, Any]) -> str:
        raise Refused("Not that one.", field=field)

    request = _request("POST", {"name": "Ada"})
    response = _page(request, refuse, [])
    assert response.status_code == 200
    assert b'href="#id_name">Not that one.</a>' in response.content  # the summary on top
    assert (b'id="id_name-error"' in response.content) is beside
    assert list(get_messages(request)) == []


def test_errors_that_are_not_refusals_are_not_swallowed() -> None:
    def crash(data: dict[str, Any]) -> str:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        _page(_request("POST", {"name": "Ada"}), crash, [])
