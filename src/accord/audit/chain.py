"""The hash chain behind the audit log, with no Django in it.

Each event's hash covers its own fields and the previous event's hash, so changing,
inserting or removing any event breaks every link after it. The hash is an HMAC-SHA256 with
a key kept outside the database (SECURITY.md LG-2): someone who can write to the database
but not read the key cannot rewrite events and recompute the chain after them. Removing the
newest events cannot be seen from the chain alone; anchors, the head written outside the
database every day (:func:`anchor_break`), catch that.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
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
    key: bytes | None,
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
    if key is None:  # events written before the chain was keyed (see first_break)
        return hashlib.sha256(payload.encode("ascii")).hexdigest()
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int
    reason: str


def first_break(links: Iterable[Link], *, key: bytes, unkeyed_until: int = 0) -> Break | None:
    """The first event whose link does not hold, or None when the whole chain is intact.

    Events up to ``unkeyed_until`` were written before the chain was keyed and are checked
    with plain SHA-256; that number comes from the deployment's settings, never from the
    database, so nobody can declare rewritten events "old".
    """
    expected_prev = GENESIS
    for link in links:
        if link.prev_hash != expected_prev:
            return Break(
                link.seq,
                "its previous-hash does not match the event before it "
                "(an event before it was removed, inserted or changed)",
            )
        recomputed = digest(
            key=None if link.seq <= unkeyed_until else key,
            prev_hash=link.prev_hash,
            occurred_at=link.occurred_at,
            actor_id=link.actor_id,
            actor_org_id=link.actor_org_id,
            action=link.action,
            object_type=link.object_type,
            object_id=link.object_id,
            request_id=link.request_id,
        )
        if not hmac.compare_digest(recomputed, link.hash):
            return Break(link.seq, "its contents do not match its hash (the event was changed)")
        expected_prev = link.hash
    return None


@dataclass(frozen=True)
class Anchor:
    """The head of the chain as it was at one time, kept outside the database."""

    at: str
    seq: int
    hash: str


def anchor_break(anchors: Iterable[Anchor], hash_at: Mapping[int, str]) -> Break | None:
    """The first anchor the stored chain no longer reaches (its newest events were removed
    or replaced), or None. ``hash_at`` maps event numbers to their stored hashes."""
    for anchor in anchors:
        stored = hash_at.get(anchor.seq)
        if stored is None:
            return Break(
                anchor.seq,
                f"the anchor of {anchor.at} names this event, and it is no longer stored "
                "(events at the end of the log were removed)",
            )
        if not hmac.compare_digest(stored, anchor.hash):
            return Break(
                anchor.seq,
                f"its hash differs from the one anchored on {anchor.at} (the end of the log "
                "was rewritten)",
            )
    return None
