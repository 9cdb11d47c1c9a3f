"""Crawl the whole app as everyone outside the service: no canary, no case identifier.

Cases are seeded with a unique canary in every sealed field (tests.casework.seed), plus a
self-referral sent through the public form. Every URL pattern is requested with GET and
POST, its parameters filled from real objects (the authorization matrix's KWARGS, then the
same URL again pointed at each seeded case), and every link, redirect and form on the
answers is followed. Canaries must not appear in any response, log record (DEBUG, SQL
included), email, cache entry, session or audit event. The assigned advocate's crawl is the
positive control: the same crawler finds the canaries there, so this test can fail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve

from accord.accounts.models import User
from accord.audit.services import record
from accord.casework.models import Case, Document
from accord.policy.roles import OrgKind, Role
from accord.urls import all_patterns
from tests.casework.factories import canary, make_case
from tests.casework.seed import Seeded, seed_case
from tests.factories import person
from tests.security.case_urls import (
    case_identifiers,
    route_params,
    start_requests,
    stored_canaries,
    submit_self_referral,
)
from tests.security.crawler import Crawl
from tests.security.leaks import (
    Request,
    Scanner,
    everything_logged,
)
from tests.security.principals import PARTNERSHIP_ROLES, client_for, make_users

pytestmark = pytest.mark.django_db

# Everyone who must never see case content. Service admins manage people, not cases;
# "deactivated_advocate" is the advocate of a seeded case whose account was then switched
# off, and "mfa_not_done" the advocate of another who has not finished MFA set-up.
OUTSIDERS = (
    "anonymous",
    "deactivated",
    "mfa_not_done",
    "deactivated_advocate",
    "service_admin",
    *PARTNERSHIP_ROLES,
    "system_admin",
)


@dataclass
class World:
    users: dict[str, Any]
    main: Seeded
    others: list[Seeded]
    self_referral: Case
    self_referral_canaries: set[str]

    @property
    def targets(self) -> list[Case]:
        return [self.main.case, *(s.case for s in self.others), self.self_referral]


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with everything_logged(caplog):
        yield caplog


@pytest.fixture
def world(settings: Any, tmp_path: Path, logged: pytest.LogCaptureFixture) -> World:
    settings.ACCORD_CASE_FILES_DIR = tmp_path / "case-files"
    users: dict[str, Any] = make_users()
    users["deactivated_advocate"] = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    supervisor = users["supervisor"]
    main = seed_case(users["advocate"], supervisor=supervisor)
    others = [
        seed_case(users[name], supervisor=supervisor)
        for name in ("mfa_not_done", "deactivated_advocate")
    ]
    sent = Scanner()
    case, canaries = submit_self_referral(sent)
    assert not sent.findings, sent.findings
    return World(users, main, others, case, canaries)


def _client(name: str, users: dict[str, Any]) -> Callable[[], Client]:
    if name == "deactivated_advocate":
        return lambda: client_for("deactivated", {"deactivated": users[name]})
    return lambda: client_for(name, users)


def _report(findings: dict[str, list[str]]) -> str:
    lines = []
    for principal, found in findings.items():
        lines += [f"{principal}: {line}" for line in found[:40]]
        if len(found) > 40:
            lines.append(f"{principal}: ... and {len(found) - 40} more")
    return "\n".join(lines)


# --- the tests -----------------------------------------------------------------------------


def test_no_one_outside_the_service_ever_sees_a_canary(
    world: World, logged: pytest.LogCaptureFixture
) -> None:
    findings: dict[str, list[str]] = {}
    for principal in OUTSIDERS:
        # Outsiders are refused before any record is looked up: one of each kind will do.
        requests = start_requests(world.users, world.targets, rows=1)
        scanner = Scanner(identifiers=case_identifiers())
        crawl = Crawl(
            client=_client(principal, world.users),
            scanner=scanner,
            caplog=logged,
            signed_in=principal != "anonymous",
        )
        crawl.run(requests)
        scanner.sessions(f"the crawl as {principal}")
        scanner.audit(f"the crawl as {principal}")
        assert len(crawl.visited) >= len(requests)
        problems = scanner.findings + [f"server error: {e}" for e in scanner.server_errors]
        if problems:
            findings[principal] = problems
    assert not findings, "case content or identifiers reached outsiders:\n" + _report(findings)
    # Every case page was asked for with the seeded case itself, not only the matrix's own.
    reference = world.main.case.reference
    asked = {resolve(urlsplit(r.url).path).url_name for r in requests if reference in r.url}
    case_pages = {p.name for route, p in all_patterns() if "reference" in route_params(route)}
    assert case_pages and case_pages <= asked, sorted(case_pages - asked)


def test_the_assigned_advocate_sees_the_canaries_and_nothing_else_leaks(
    world: World, logged: pytest.LogCaptureFixture
) -> None:
    """The positive control: the same crawl, as the case's own advocate, finds its canaries."""
    advocate: User = world.users["advocate"]
    requests = start_requests(world.users, world.targets)
    visible = Case.objects.visible_to(advocate)
    allowed = stored_canaries(visible) | world.main.canaries
    assert world.self_referral in visible  # the triage queue
    assert not allowed & {c for other in world.others for c in other.canaries}
    scanner = Scanner(allowed=allowed)
    crawl = Crawl(
        client=_client("advocate", world.users), scanner=scanner, caplog=logged, signed_in=True
    )
    crawl.run(requests)
    scanner.sessions("the crawl as the advocate")
    scanner.audit("the crawl as the advocate")
    problems = scanner.findings + [f"server error: {e}" for e in scanner.server_errors]
    assert not problems, "leaks during the advocate's crawl:\n" + "\n".join(problems[:60])

    labels = world.main.labels
    must_see = {
        labels[name]
        for name in (
            "case-summary",
            "client-name",
            "client-phone",
            "client-code-word",
            "client-times",
            "perpetrator-name",
            "perpetrator-unit",
        )
    }
    must_see.add(next(c for c in world.self_referral_canaries if "selfref-name" in c))
    document_uids = {str(d.uid) for d in Document.objects.filter(case=world.main.case)}
    if any(uid in r.url for r in crawl.visited for uid in document_uids):
        must_see.add(labels["document-content"])  # a download page exists: content shows
    missing = must_see - scanner.seen_allowed
    assert not missing, f"the advocate's crawl never showed {sorted(missing)}"


def test_the_scanner_catches_a_canary_in_every_channel(
    logged: pytest.LogCaptureFixture,
) -> None:
    """Each channel the crawl searches, shown to report a planted canary."""
    users: dict[str, Any] = {"advocate": person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)}
    reference = make_case(users["advocate"]).reference
    channels = ("body", "header", "log", "sql", "mail", "cache", "session", "audit")
    planted = {name: canary(f"planted-{name}") for name in channels}
    scanner = Scanner(identifiers=frozenset({reference}))
    request = Request("GET", "/somewhere/")
    response = HttpResponse(f"<p>{planted['body']} {reference}</p>")
    response["X-Note"] = planted["header"]
    scanner.response(request, response)
    logging.getLogger("accord.casework").debug("note %s", planted["log"])
    assert not Case.objects.filter(reference=planted["sql"]).exists()  # SQL parameters
    mail.send_mail("Hello", f"Body {planted['mail']}", None, ["someone@example.org"])
    cache.set("planted", {"value": planted["cache"]})
    session = client_for("advocate", users).session
    session["planted"] = planted["session"]
    session.save()
    record(None, "planted", "test", planted["audit"])
    scanner.logs("the plant", logged.records)
    scanner.mail("the plant")
    scanner.caches("the plant")
    scanner.sessions("the plant")
    scanner.audit("the plant")
    report = "\n".join(scanner.findings)
    for name, value in planted.items():
        assert value in report, f"{name} not caught:\n{report}"
    assert f"response: {reference} in the body of GET /somewhere/" in report
    # An echo of the URL asked for is not a leak (a sign-in page's `next`, a redirect).
    echo = Scanner(identifiers=frozenset({reference}))
    asked = Request("GET", f"/login/?next=/cases/{reference}/")
    echo.response(asked, HttpResponse(f'<input name="next" value="/cases/{reference}/">'))
    assert echo.findings == []
    echo.response(asked, HttpResponse(f"<p>Case {reference}</p>"))
    assert echo.findings == [f"response: {reference} in the body of {asked}"]
