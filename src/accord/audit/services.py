"""Writing to and checking the audit log. The only code that inserts audit events."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest

from accord.audit.chain import GENESIS, Anchor, Break, Link, anchor_break, digest, first_break
from accord.audit.models import AuditEvent

# Any fixed number: PostgreSQL advisory lock that serialises appends to the chain.
_PG_LOCK_KEY = 74_110_001


def _fields(request: HttpRequest | None, actor: Any) -> dict[str, str]:
    """Who and which request, for every event of one call."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    membership = getattr(actor, "active_membership", None) if actor is not None else None
    return {
        "actor_id": str(actor.pk) if actor is not None else "",
        "actor_org_id": str(membership.organisation_id) if membership is not None else "",
        "request_id": str(getattr(request, "request_id", "")) if request is not None else "",
    }


def _append(events: list[dict[str, str]]) -> list[AuditEvent]:
    """Chain ``events`` (each its fields) onto the head, in order, and insert them together.

    Appends are serialised (an advisory lock on PostgreSQL; SQLite's IMMEDIATE transactions
    already take the write lock) so two workers never chain onto the same previous event.
    One insert of many rows gives them ids in the order they are chained, which is the
    order ``verify`` reads them back in.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEvent.objects.order_by("-id").only("hash").first()
        prev_hash = last.hash if last is not None else GENESIS
        occurred_at = dt.datetime.now(dt.UTC)
        key = chain_key()
        chained = []
        for fields in events:
            event = AuditEvent(occurred_at=occurred_at, prev_hash=prev_hash, **fields)
            event.hash = digest(
                key=key, prev_hash=prev_hash, occurred_at=event.occurred_at_text, **fields
            )
            chained.append(event)
            prev_hash = event.hash
        if len(chained) == 1:
            chained[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(chained, batch_size=500)
            ids = [event.pk for event in chained]
            if ids != sorted(ids):  # never leave a chain that reads back in another order
                raise RuntimeError("The audit events were given ids out of chain order.")
    return chained


def record(
    request: HttpRequest | None,
    action: str,
    object_type: str,
    object_id: str,
    *,
    actor: Any = None,
) -> AuditEvent:
    """Append one event, in the caller's transaction when there is one."""
    fields = {
        **_fields(request, actor),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
    }
    return _append([fields])[0]


def record_many(
    request: HttpRequest | None,
    action: str,
    object_type: str,
    object_ids: Sequence[str],
    *,
    actor: Any = None,
) -> list[AuditEvent]:
    """Append one event per object, in order, under one lock: the same events as calling
    :func:`record` for each, for work that touches many objects at once (a person search
    opens hundreds of cases)."""
    return record_events(
        request, [(action, object_type, object_id) for object_id in object_ids], actor=actor
    )


def record_events(
    request: HttpRequest | None,
    events: Sequence[tuple[str, str, str]],
    *,
    actor: Any = None,
) -> list[AuditEvent]:
    """Append events given as (action, object type, object id), in order, under one lock.

    A list page records its own view and each case it shows: one append takes the chain's
    lock and head once, where an append per kind of event took them again (and committed
    again) on every page view.
    """
    if not events:
        return []
    who = _fields(request, actor)
    return _append(
        [
            {**who, "action": action, "object_type": object_type, "object_id": object_id}
            for action, object_type, object_id in events
        ]
    )


def _links() -> Iterator[Link]:
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        yield event.as_link()


def chain_key() -> bytes:
    return str(settings.ACCORD_AUDIT_KEY).encode()


class AnchorFileError(ValueError):
    """The anchor file cannot be read; the message names the line."""


def verify() -> Break | None:
    """The first broken link in the stored chain, or the first anchor it no longer reaches."""
    broken = first_break(
        _links(), key=chain_key(), unkeyed_until=int(settings.ACCORD_AUDIT_UNKEYED_UNTIL)
    )
    if broken is not None:
        return broken
    anchors = read_anchors()
    stored = dict(
        AuditEvent.objects.filter(pk__in={a.seq for a in anchors}).values_list("pk", "hash")
    )
    return anchor_break(anchors, stored)


def _anchor_path() -> Path:
    return Path(settings.ACCORD_AUDIT_ANCHOR_FILE)


def read_anchors() -> list[Anchor]:
    path = _anchor_path()
    if not path.exists():
        return []
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            anchors.append(Anchor(at=str(data["at"]), seq=int(data["seq"]), hash=str(data["hash"])))
        except (ValueError, KeyError, TypeError) as error:
            raise AnchorFileError(
                f"{path}, line {number}, is not an anchor written by 'accord audit anchor'."
            ) from error
    return anchors


def write_anchor() -> Anchor | None:
    """Append the chain's head to the anchor file (after checking the chain), or None when
    there is nothing to anchor yet. Run daily ("accord audit anchor")."""
    last = AuditEvent.objects.order_by("-id").only("hash").first()
    if last is None:
        return None
    anchor = Anchor(
        at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), seq=last.pk, hash=last.hash
    )
    path = _anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": anchor.at, "seq": anchor.seq, "hash": anchor.hash}) + "\n"
    with path.open("a", encoding="utf-8") as out:
        out.write(line)
        out.flush()
        os.fsync(out.fileno())
    return anchor


def head() -> tuple[int, str]:
    """How many events there are, and the newest event's hash."""
    last = AuditEvent.objects.order_by("-id").first()
    return AuditEvent.objects.count(), (GENESIS if last is None else last.hash)
