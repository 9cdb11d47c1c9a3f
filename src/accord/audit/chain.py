"""The hash chain behind the audit log, with no Django in it.

Each event's hash covers its own fields and the previous event's hash, so changing,
inserting or removing any event breaks every link after it. Removing the newest events
cannot be seen from the chain alone: operators copy the head hash somewhere else
(``accord audit verify`` prints it) and compare later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class Link:
    """The fields of one event that the chain protects."""

    seq: int
    occurred_at: str
    actor_id: str
    actor_org_id: str
    action: str
    object_type: str
    object_id: str
    request_id: str
    prev_hash: str
    hash: str


def digest(
    *,
    prev_hash: str,
    occurred_at: str,
    actor_id: str,
    actor_org_id: str,
    action: str,
    object_type: str,
    object_id: str,
    request_id: str,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            occurred_at,
            actor_id,
            actor_org_id,
            action,
            object_type,
            object_id,
            request_id,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def first_break(links: Iterable[Link]) -> Break | None:
    """The first event whose link does not hold, or None when the whole chain is intact."""
    expected_prev = GENESIS
    for link in links:
        if link.prev_hash != expected_prev:
            return Break(
                link.seq,
                "its previous-hash does not match the event before it "
                "(an event before it was removed, inserted or changed)",
            )
        recomputed = digest(
            prev_hash=link.prev_hash,
            occurred_at=link.occurred_at,
            actor_id=link.actor_id,
            actor_org_id=link.actor_org_id,
            action=link.action,
            object_type=link.object_type,
            object_id=link.object_id,
            request_id=link.request_id,
        )
        if recomputed != link.hash:
            return Break(link.seq, "its contents do not match its hash (the event was changed)")
        expected_prev = link.hash
    return None
