"""Looking for canaries where they must never be (``tests.security.crawler`` feeds it).

Channels: response bodies and headers (including cookies), log records at DEBUG (SQL with
its parameters included), outgoing mail, every cache, every stored session (decoded: the
messages framework keeps its messages there), and the audit log. Only response bodies and
headers may ever hold case content, and only for people allowed to see it; every other
channel must stay clean for everyone.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.http import HttpResponseBase

from accord.audit.models import AuditEvent

# A canary is CANARY-<label>-<12 hex digits> (tests.casework.factories.canary). Searched
# without regard to case, so a lower-cased copy (an email address, a slug) is caught too;
# the shortest whole canary is reported (raw pages pack values together), or, for a cut-off
# copy, what follows the prefix.
MARKER = re.compile(r"canary-(?:[\w-]*?-[0-9a-f]{12}|[\w-]{0,40})", re.IGNORECASE)
# Test-only libraries (never installed in production) whose DEBUG chatter is only noise.
SKIP_LOGGERS = ("faker", "factory")


@functools.lru_cache(maxsize=16)
def _pattern(allowed: frozenset[str]) -> re.Pattern[str] | None:
    if not allowed:
        return None
    words = sorted(allowed, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)), re.IGNORECASE)


_WORD = re.compile(r"[A-Za-z0-9-]+")


@functools.lru_cache(maxsize=8)
def _identifier_index(
    identifiers: frozenset[str],
) -> tuple[frozenset[str], tuple[int, ...], frozenset[str]]:
    """(identifiers written in letters, digits and dashes; their lengths; the others)."""
    plain = frozenset(i for i in identifiers if _WORD.fullmatch(i))
    return plain, tuple(sorted({len(i) for i in plain})), identifiers - plain


def identifiers_in(text: str, identifiers: frozenset[str]) -> set[str]:
    """The ``identifiers`` that occur in ``text`` (as substrings, case-sensitive).

    The same answer as ``{i for i in identifiers if i in text}``, without searching the
    text once per identifier (a crawl checks thousands of record ids against thousands of
    pages). Case references and ids are written in letters, digits and dashes, so any copy
    of one lies inside a run of such characters: only the distinct runs are searched, at
    the lengths identifiers have.
    """
    plain, lengths, others = _identifier_index(identifiers)
    found = {i for i in others if i in text}
    if not lengths:
        return found
    shortest = lengths[0]
    for run in set(_WORD.findall(text)):
        if len(run) < shortest:
            continue
        for size in lengths:
            if size > len(run):
                break
            for start in range(len(run) - size + 1):
                piece = run[start : start + size]
                if piece in plain:
                    found.add(piece)
    return found


def markers(text: str, allowed: Iterable[str] = ()) -> set[str]:
    """Every canary in ``text`` once the ``allowed`` ones are taken out."""
    pattern = _pattern(frozenset(allowed))
    if pattern is not None:
        text = pattern.sub("", text)
    return set(MARKER.findall(text))


def _as_text(data: bytes | str) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    data: tuple[tuple[str, str], ...] = ()

    @property
    def shape(self) -> tuple[str, str, tuple[str, ...]]:
        parts = urlsplit(self.url)
        names = sorted({pair.partition("=")[0] for pair in parts.query.split("&") if pair})
        return self.method, parts.path, tuple(names)

    def __str__(self) -> str:
        suffix = f" {dict(self.data)}" if self.data else ""
        return f"{self.method} {self.url}{suffix}"


@dataclass
class Scanner:
    """Collects every place a canary (or, for outsiders, a case identifier) turned up.

    ``allowed``: canaries this principal may see in responses (none, for outsiders).
    ``identifiers``: case references and record ids that must not appear in responses
    either, apart from echoes of the URL that was asked for.
    """

    allowed: set[str] = field(default_factory=set)
    identifiers: frozenset[str] = frozenset()
    findings: list[str] = field(default_factory=list)
    seen_allowed: set[str] = field(default_factory=set)
    server_errors: list[str] = field(default_factory=list)
    _mail_seen: int = 0

    def _report(self, channel: str, where: str, found: Iterable[str]) -> None:
        for value in sorted(found):
            self.findings.append(f"{channel}: {value} in {where}")

    def text(self, channel: str, where: str, data: bytes | str) -> None:
        """A channel where no canary may ever appear, for anyone."""
        self._report(channel, where, markers(_as_text(data)))

    def response(self, request: Request, response: HttpResponseBase) -> bytes:
        """Body, headers and cookies of one response; returns the body for link discovery."""
        if response.status_code >= 500:
            self.server_errors.append(f"{request} -> {response.status_code}")
        if getattr(response, "streaming", False):
            body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        else:
            body = response.content  # type: ignore[attr-defined]
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        cookies = response.cookies.output()
        for part, data in (("body", _as_text(body)), ("headers", f"{headers}\n{cookies}")):
            where = f"the {part} of {request}"
            lowered = data.lower()
            self.seen_allowed |= {v for v in self.allowed if v.lower() in lowered}
            self._report("response", where, markers(data, self.allowed))
            if self.identifiers:
                left = _without_echoes(data, request)
                self._report("response", where, identifiers_in(left, self.identifiers))
        return body

    def logs(self, where: str, records: Iterable[logging.LogRecord]) -> None:
        formatter = logging.Formatter()
        for record in records:
            parts = [formatter.format(record)]
            parts += [repr(v) for k, v in record.__dict__.items() if k not in _STANDARD_RECORD]
            said = record.getMessage()[:160]
            self.text(
                "log", f"{record.name} {record.levelname} {said!r} during {where}", "\n".join(parts)
            )

    def mail(self, where: str) -> None:
        for message in mail.outbox[self._mail_seen :]:
            parts: list[Any] = [
                message.subject,
                message.body,
                message.from_email,
                *message.to,
                *message.cc,
                *message.bcc,
                *message.reply_to,
                json.dumps(message.extra_headers),
                *(content for content, _type in getattr(message, "alternatives", [])),
                *(repr(attachment) for attachment in message.attachments),
                message.message().as_bytes().decode("utf-8", "replace"),
            ]
            self.text("mail", f"a message sent during {where}", "\n".join(map(str, parts)))
        self._mail_seen = len(mail.outbox)

    def caches(self, where: str) -> None:
        for alias, key, value in cache_contents():
            self.text("cache", f"cache {alias!r} key {key!r} after {where}", key.encode() + value)

    def sessions(self, where: str) -> None:
        for key, data in session_contents():
            self.text("session", f"session {key[:6]}… after {where}", data)

    def audit(self, where: str) -> None:
        names = [f.attname for f in AuditEvent._meta.concrete_fields]
        for row in AuditEvent.objects.values_list(*names):
            self.text("audit", f"audit event {row[0]} after {where}", " ".join(map(str, row)))


_STANDARD_RECORD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
}


def _without_echoes(text: str, request: Request) -> str:
    """The text without copies of what was asked for (a login page's `next`, a redirect)."""
    parts = urlsplit(request.url)
    echoes = {request.url, parts.path, quote(parts.path, safe=""), unquote(parts.path)}
    for pair in parts.query.split("&"):
        value = pair.partition("=")[2]
        echoes |= {value, unquote(value), quote(unquote(value), safe="")}
    for _name, value in request.data:
        echoes.add(value)
    for echo in sorted((e for e in echoes if e), key=len, reverse=True):
        text = text.replace(echo, "")
    return text


def cache_contents() -> Iterator[tuple[str, str, bytes]]:
    """(alias, key, raw stored bytes) of every entry in every configured cache."""
    for alias in settings.CACHES:
        backend = caches[alias]
        if isinstance(backend, DatabaseCache):
            table = connection.ops.quote_name(backend._table)  # type: ignore[attr-defined]
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT cache_key, value FROM {table}")  # noqa: S608
                for key, value in cursor.fetchall():
                    yield alias, key, base64.b64decode(value)
        elif isinstance(backend, LocMemCache):
            for key, value in list(backend._cache.items()):  # type: ignore[attr-defined]
                yield alias, key, value
        else:  # pragma: no cover - a new cache backend must be taught here
            raise AssertionError(f"cannot look inside cache {alias!r} ({type(backend)})")


def session_contents() -> Iterator[tuple[str, str]]:
    """(key, decoded data as JSON) of every stored session."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not hasattr(store_class, "get_model_class"):  # pragma: no cover
        raise AssertionError(f"cannot look inside sessions of {settings.SESSION_ENGINE}")
    for row in store_class.get_model_class().objects.all():
        decoded = store_class().decode(row.session_data)
        yield row.session_key, json.dumps(decoded, default=str)


@contextmanager
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every logger at DEBUG into caplog, SQL with its parameters included.

    Loggers whose level the project pins in ``settings.LOGGING`` keep it: that is a decision
    about what may ever be emitted (for example, Django's template engine logs the whole
    template context at DEBUG), and the test checks what the configuration can emit.
    """
    manager = logging.root.manager
    pinned = tuple(
        name
        for name, config in dict(getattr(settings, "LOGGING", {}).get("loggers", {})).items()
        if "level" in config
    )
    names = [
        name
        for name in manager.loggerDict
        if not name.startswith(SKIP_LOGGERS)
        and not any(name == p or name.startswith(f"{p}.") for p in pinned)
    ]
    caplog.set_level(logging.DEBUG)
    for name in names:
        caplog.set_level(logging.DEBUG, logger=name)
    isolated = [
        logger
        for name in names
        if isinstance(logger := logging.getLogger(name), logging.Logger) and not logger.propagate
    ]
    for logger in isolated:
        logger.addHandler(caplog.handler)
    forced = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        yield
    finally:
        connection.force_debug_cursor = forced
        for logger in isolated:
            logger.removeHandler(caplog.handler)
