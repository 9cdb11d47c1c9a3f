"""A small same-site crawler for the leak tests: links, redirects and forms, within a budget.

Forms are sent as they stand (hidden fields, ticked boxes, chosen options, typed text).
With a ``filler``, every empty text box of a form is filled in first and a choice made in
every unanswered list, so that what people type travels through the views; the dump test
then looks for it in plaintext.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.core.cache import cache
from django.http import HttpResponseBase
from django.test import Client
from django.urls import Resolver404, resolve

from tests.security.leaks import Request, Scanner

TEXT_KINDS = frozenset({"text", "search", "email", "tel", "url", "textarea"})
SKIPPED_KINDS = frozenset({"submit", "button", "image", "reset", "file", "password"})


@dataclass
class Field:
    """One control of a form: a text box, a box or radio button, a list or a text area."""

    name: str
    kind: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    fields: list[Field] = field(default_factory=list)

    def as_it_stands(self) -> list[tuple[str, str]]:
        data: list[tuple[str, str]] = []
        for f in self.fields:
            if f.kind in {"checkbox", "radio"}:
                if f.checked:
                    data.append((f.name, f.value or "on"))
            elif f.kind == "select":
                chosen = [v for v, selected in f.options if selected] or [
                    v for v, _ in f.options[:1]
                ]
                data += [(f.name, v) for v in chosen]
            else:
                data.append((f.name, f.value))
        return data

    def filled(self, filler: Filler) -> list[tuple[str, str]]:
        """As it stands, with every empty box filled and every unanswered choice made."""
        data = self.as_it_stands()
        answered = {name for name, value in data if value}
        filled: list[tuple[str, str]] = []
        for name, value in data:
            f = next(f for f in self.fields if f.name == name)
            if not value and f.kind not in {"hidden", "select"}:
                value = filler(self.action, f)
            elif not value and f.kind == "select":
                value = next((v for v, _ in f.options if v), "")
            filled.append((name, value))
        for f in self.fields:  # radio groups with nothing chosen: the first answer
            if f.kind == "radio" and f.name not in answered:
                filled.append((f.name, f.value))
                answered.add(f.name)
        return filled


Filler = Callable[[str, Field], str]


class _Page(HTMLParser):
    """Links and forms of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._open: Field | None = None  # a select or a textarea being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in {"a", "area"} and a.get("href"):
            self.links.append(a["href"])
        elif tag in {"iframe", "frame"} and a.get("src"):
            self.links.append(a["src"])
        elif tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
        elif tag == "option" and self._open is not None and self._open.kind == "select":
            self._open.options.append((a.get("value", ""), "selected" in a))
        elif self._form is not None and a.get("name"):
            if tag == "input":
                kind = a.get("type", "text").lower()
                if kind not in SKIPPED_KINDS:
                    entry = Field(a["name"], kind, a.get("value", ""), "checked" in a)
                    self._form.fields.append(entry)
            elif tag in {"select", "textarea"}:
                self._open = Field(a["name"], tag)
                self._form.fields.append(self._open)

    def handle_data(self, data: str) -> None:
        if self._open is not None and self._open.kind == "textarea":
            self._open.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag in {"select", "textarea"} and self._open is not None:
            if tag == "textarea":
                self._open.value = self._open.value.removeprefix("\n")
            self._open = None


def local_path(base: str, target: str) -> str | None:
    """``target`` as a path on this site, or None when it leaves the site or is not a page."""
    url = urljoin(base, target.strip())
    parts = urlsplit(url)
    if parts.scheme not in {"", "http", "https"} or parts.netloc not in {"", "testserver"}:
        return None
    try:
        resolve(parts.path)
    except Resolver404:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def discover(
    request: Request, response: HttpResponseBase, body: bytes, filler: Filler | None = None
) -> list[Request]:
    """What a visitor could do next: the redirect, every link, every form (and, with a
    ``filler``, every form filled in)."""
    found: list[Request] = []
    location = response.get("Location")
    if location and (local := local_path(request.url, location)):
        found.append(Request("GET", local))
    if "html" not in response.get("Content-Type", ""):
        return found
    page = _Page()
    page.feed(body.decode("utf-8", "replace"))
    for href in page.links:
        if local := local_path(request.url, href):
            found.append(Request("GET", local))
    for form in page.forms:
        local = local_path(request.url, form.action or request.url)
        if local is None:
            continue
        form.action = local
        variants = [form.as_it_stands()]
        if filler is not None and form.method == "post":
            variants.append(form.filled(filler))
        for data in variants:
            if form.method == "post":
                found.append(Request("POST", local, tuple(data)))
            else:
                query = urlencode(data)
                found.append(Request("GET", f"{local.split('?')[0]}?{query}" if query else local))
    return found


@dataclass
class Crawl:
    """Every start request, then what they lead to, up to ``budget`` more requests.

    ``client`` gives a signed-in client for the principal; it is asked again whenever the
    session has gone (a sign-out or quick-exit link), so the crawl keeps its identity.
    After every request the side channels are searched (logs, mail, caches), and the cache
    is emptied so that throttles do not cut the crawl short.
    """

    client: Callable[[], Client]
    scanner: Scanner
    caplog: pytest.LogCaptureFixture
    signed_in: bool
    budget: int = 250
    filler: Filler | None = None
    visited: list[Request] = field(default_factory=list)

    def run(self, start: Iterable[Request]) -> None:
        client = self._fresh()
        first = deque(start)
        later: deque[Request] = deque()
        done: set[Request] = set()
        shapes: dict[tuple[str, str, tuple[str, ...]], int] = {}
        extra = 0
        while first or (later and extra < self.budget):
            if first:
                request = first.popleft()
            else:
                request = later.popleft()
                # The same page with other query values (a sign-in page's `next`) twice at
                # most, so the budget goes to pages not seen yet.
                if request in done or shapes.get(request.shape, 0) >= 2:
                    continue
                shapes[request.shape] = shapes.get(request.shape, 0) + 1
                extra += 1
            if request in done:
                continue
            done.add(request)
            self.visited.append(request)
            response = (
                client.get(request.url)
                if request.method == "GET"
                else client.post(request.url, _post_data(request.data))
            )
            body = self.scanner.response(request, response)
            self._side_channels(str(request))
            found = discover(request, response, body, self.filler)
            later.extend(r for r in found if r not in done)
            if self.signed_in and "_auth_user_id" not in client.session:
                client = self._fresh()

    def _fresh(self) -> Client:
        client = self.client()
        client.raise_request_exception = False
        return client

    def _side_channels(self, where: str) -> None:
        self.scanner.logs(where, self.caplog.records)
        self.caplog.clear()
        self.scanner.mail(where)
        self.scanner.caches(where)
        cache.clear()


def _post_data(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data
