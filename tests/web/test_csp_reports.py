"""SECURITY.md WB-1: a strict Content-Security-Policy whose violations are reported to Accord."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from accord.web import csp_reports

pytestmark = pytest.mark.django_db

URL = "/csp-report/"


def report(**fields: str) -> dict[str, dict[str, str]]:
    body = {
        "document-uri": "https://accord.example/casework/cases/ABC-123/?q=Jane#notes",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "https://evil.example/x.js?token=secret",
        "script-sample": "alert('Jane Doe')",
        "disposition": "enforce",
    }
    body.update(fields)
    return {"csp-report": body}


def post(payload: object, content_type: str = "application/csp-report", **extra: str) -> object:
    return Client().post(URL, json.dumps(payload), content_type=content_type, **extra)


def test_the_policy_allows_nothing_unnamed_and_reports_here() -> None:
    csp = Client().get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "'self'"  # no data: images
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["form-action"] == "'self'"
    assert directives["report-uri"] == URL
    assert directives["script-src"].startswith("'self' 'nonce-")
    assert "data:" not in csp and "unsafe" not in csp


def test_a_report_is_logged_without_queries_fragments_or_samples(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="accord.csp"):
        response = post(report())
    assert response.status_code == 204  # type: ignore[attr-defined]
    (line,) = [r.getMessage() for r in caplog.records if r.name == "accord.csp"]
    assert line == (
        "csp.violation directive=script-src-elem blocked=https://evil.example/x.js "
        "page=https://accord.example/casework/cases/ABC-123/ disposition=enforce"
    )
    assert "Jane" not in line and "secret" not in line and "alert" not in line


def test_the_reporting_api_format_is_read_too(caplog: pytest.LogCaptureFixture) -> None:
    entries = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "https://accord.example/plans/",
                "effectiveDirective": "img-src",
                "blockedURL": "data",
                "disposition": "report",
            },
        },
        {"type": "deprecation", "body": {"id": "x"}},
    ]
    with caplog.at_level(logging.WARNING, logger="accord.csp"):
        response = post(entries, content_type="application/reports+json")
    assert response.status_code == 204  # type: ignore[attr-defined]
    (line,) = [r.getMessage() for r in caplog.records if r.name == "accord.csp"]
    assert "directive=img-src blocked=data page=https://accord.example/plans/" in line


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        ("{}", "text/plain", 415, "Send a CSP violation report as JSON."),
        ("{not json", "application/csp-report", 400, "The report is not valid JSON."),
        ('{"hello": 1}', "application/csp-report", 400, "The report holds no CSP violation."),
        (
            json.dumps(report(**{"script-sample": "x" * 20_000})),
            "application/csp-report",
            413,
            "The report is too large.",
        ),
    ],
)
def test_anything_else_is_refused_and_not_logged(
    body: str, content_type: str, status: int, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="accord.csp"):
        response = Client().post(URL, body, content_type=content_type)
    assert response.status_code == status
    assert response.content.decode() == message
    assert not [r for r in caplog.records if r.name == "accord.csp"]


def test_a_flood_of_reports_cannot_fill_the_logs(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csp_reports, "REPORTS_PER_WINDOW", 3)
    with caplog.at_level(logging.WARNING, logger="accord.csp"):
        statuses = [post(report(), REMOTE_ADDR="10.9.9.9").status_code for _ in range(6)]  # type: ignore[attr-defined]
        post(report(), REMOTE_ADDR="10.9.9.8")
    assert statuses == [204] * 6  # the sender learns nothing
    assert len([r for r in caplog.records if r.name == "accord.csp"]) == 4


def test_a_get_is_refused() -> None:
    assert Client().get(URL).status_code == 405
