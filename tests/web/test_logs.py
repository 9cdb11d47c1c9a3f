"""Logs are one JSON object per line, and an error page gives the reference of its record."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.test import Client, override_settings

from accord.web.logs import JsonFormatter, RequestIdFilter


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the configured console handler writes, as it writes it."""
    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, JsonFormatter)
    ]
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(old)


def test_a_line_break_in_a_value_cannot_forge_a_record(console: io.StringIO) -> None:
    """SECURITY.md LG-3."""
    logging.getLogger("accord.test").warning(
        "Sign-in failed for %s", "x@example.org\r\n2026-01-01 INFO forged"
    )
    (line,) = console.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "Sign-in failed for x@example.org\r\n2026-01-01 INFO forged"
    assert record["level"] == "WARNING" and record["logger"] == "accord.test"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.web.error_urls")
def test_the_error_page_shows_the_reference_the_log_holds(console: io.StringIO) -> None:
    """SECURITY.md LG-4: no traceback on the page; the log has it, under the same id."""
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    reference = response["X-Request-ID"]
    assert f"<strong>{reference}</strong>" in page
    assert "Traceback" not in page and "secret detail" not in page
    records = [json.loads(line) for line in console.getvalue().splitlines()]
    (error,) = [r for r in records if r["level"] == "ERROR"]
    assert error["request_id"] == reference
    assert "RuntimeError: secret detail" in error["exception"]


def test_outside_a_request_the_reference_is_empty() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == ""


@pytest.mark.django_db
def test_a_not_found_record_carries_its_request_id_too(console: io.StringIO) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    records = [json.loads(line) for line in console.getvalue().splitlines()]
    (warning,) = [r for r in records if r["message"] == "Not Found: /no-such-page/"]
    assert warning["request_id"] == response["X-Request-ID"]
