"""The audit log is append-only at the database and its hash chain shows tampering."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accord.audit.chain import GENESIS, Link, first_break
from accord.audit.models import AuditEvent
from accord.audit.services import chain_key, record, record_many, verify


def _events(n: int) -> list[AuditEvent]:
    return [record(None, f"test.action{i}", "thing", str(i)) for i in range(n)]


@pytest.mark.django_db
def test_events_chain_onto_each_other() -> None:
    first, second, third = _events(3)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert verify() is None


@pytest.mark.django_db
def test_the_database_refuses_updates_and_deletes() -> None:
    (event,) = _events(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="something else")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == "test.action0"


def _without_triggers(sql: str, params: list[object]) -> None:
    """What an attacker with database access could do: switch the triggers off and edit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
            cursor.execute(sql, params)


@pytest.mark.django_db
def test_a_changed_event_is_detected_at_the_right_place() -> None:
    events = _events(5)
    _without_triggers(
        "UPDATE audit_auditevent SET object_id = %s WHERE id = %s", ["tampered", events[2].pk]
    )
    broken = verify()
    assert broken is not None
    assert broken.seq == events[2].pk
    assert "changed" in broken.reason


@pytest.mark.django_db
def test_a_removed_event_is_detected_at_the_next_one() -> None:
    events = _events(5)
    _without_triggers("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    broken = verify()
    assert broken is not None
    assert broken.seq == events[2].pk


@pytest.mark.django_db
def test_a_rehashed_event_still_breaks_the_next_link() -> None:
    """Recomputing the edited event's own hash is not enough: the next one points at the old."""
    from accord.audit.chain import digest

    events = _events(3)
    target = events[1]
    new_hash = digest(
        key=chain_key(),
        prev_hash=target.prev_hash,
        occurred_at=target.occurred_at_text,
        actor_id=target.actor_id,
        actor_org_id=target.actor_org_id,
        action="innocent.action",
        object_type=target.object_type,
        object_id=target.object_id,
        request_id=target.request_id,
    )
    _without_triggers(
        "UPDATE audit_auditevent SET action = %s, hash = %s WHERE id = %s",
        ["innocent.action", new_hash, target.pk],
    )
    broken = verify()
    assert broken is not None
    assert broken.seq == events[2].pk


@pytest.mark.django_db
def test_the_verify_command_names_the_first_broken_event() -> None:
    events = _events(3)
    call_command("audit", "verify")
    _without_triggers(
        "UPDATE audit_auditevent SET actor_id = %s WHERE id = %s", ["42", events[0].pk]
    )
    with pytest.raises(CommandError, match=f"#{events[0].pk}"):
        call_command("audit", "verify")


def test_first_break_on_an_empty_chain_is_none() -> None:
    assert first_break([], key=b"k") is None


def test_first_break_spots_a_wrong_genesis() -> None:
    link = Link(1, "t", "", "", "a", "", "", "", prev_hash="f" * 64, hash="0" * 64)
    broken = first_break([link], key=b"k")
    assert broken is not None and broken.seq == 1


def _rewrite_all(events: list[AuditEvent], *, key: bytes | None, edit_index: int) -> None:
    """An attacker with database access but not the key: edit one event, then recompute
    every hash after it so that each link points at the one before."""
    from accord.audit.chain import digest

    prev = events[edit_index].prev_hash
    for i, event in enumerate(events[edit_index:], start=edit_index):
        action = "innocent.action" if i == edit_index else event.action
        new_hash = digest(
            key=key,
            prev_hash=prev,
            occurred_at=event.occurred_at_text,
            actor_id=event.actor_id,
            actor_org_id=event.actor_org_id,
            action=action,
            object_type=event.object_type,
            object_id=event.object_id,
            request_id=event.request_id,
        )
        _without_triggers(
            "UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [action, prev, new_hash, event.pk],
        )
        prev = new_hash


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, b"a guessed key"], ids=["plain-sha256", "wrong-key"])
def test_recomputing_the_whole_chain_without_the_key_is_caught(key: bytes | None) -> None:
    """SECURITY.md LG-2: the chain is an HMAC with a key outside the database."""
    events = _events(4)
    _rewrite_all(events, key=key, edit_index=1)
    broken = verify()
    assert broken is not None and broken.seq == events[1].pk
    assert "changed" in broken.reason


@pytest.mark.django_db
def test_events_written_before_the_key_still_verify_when_declared(settings: Any) -> None:
    # A log whose first two events were written before the key, the rest after.
    _rewrite_all(_events(4), key=None, edit_index=0)
    events = list(AuditEvent.objects.order_by("id"))
    _rewrite_all(events, key=chain_key(), edit_index=2)
    broken = verify()
    assert broken is not None and broken.seq == events[0].pk
    with pytest.raises(CommandError, match="set ACCORD_AUDIT_UNKEYED_UNTIL"):
        call_command("audit", "verify")
    settings.ACCORD_AUDIT_UNKEYED_UNTIL = events[1].pk
    assert verify() is None


@pytest.fixture
def anchors(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "audit-anchors.jsonl"
    settings.ACCORD_AUDIT_ANCHOR_FILE = str(path)
    return path


@pytest.mark.django_db
def test_anchoring_writes_the_head_outside_the_database(anchors: Path) -> None:
    call_command("audit", "anchor")
    assert not anchors.exists()  # nothing to anchor in an empty log
    events = _events(3)
    out = io.StringIO()
    call_command("audit", "anchor", stdout=out)
    assert f"#{events[-1].pk}" in out.getvalue()
    (line,) = anchors.read_text().splitlines()
    data = json.loads(line)
    assert data["seq"] == events[-1].pk and data["hash"] == events[-1].hash
    assert verify() is None


@pytest.mark.django_db
def test_removing_the_newest_events_is_caught_against_the_last_anchor(anchors: Path) -> None:
    """The chain alone cannot show that its end was cut off; the anchor can."""
    events = _events(5)
    call_command("audit", "anchor")
    _without_triggers("DELETE FROM audit_auditevent WHERE id >= %s", [events[3].pk])
    assert (
        first_break((e.as_link() for e in AuditEvent.objects.order_by("id")), key=chain_key())
        is None
    )  # the shorter chain is intact in itself
    broken = verify()
    assert broken is not None and broken.seq == events[4].pk
    assert "no longer stored" in broken.reason
    with pytest.raises(CommandError, match=f"#{events[4].pk}.*no longer stored"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_rewriting_the_end_after_an_anchor_is_caught(anchors: Path) -> None:
    events = _events(3)
    call_command("audit", "anchor")
    _rewrite_all(events, key=chain_key(), edit_index=2)  # even with the key
    broken = verify()
    assert broken is not None and broken.seq == events[2].pk
    assert "differs from the one anchored" in broken.reason


@pytest.mark.django_db
def test_a_damaged_anchor_file_is_named(anchors: Path) -> None:
    _events(1)
    anchors.parent.mkdir(parents=True)
    anchors.write_text('{"at": "2026-12-01", "seq": 1}\n')
    with pytest.raises(CommandError, match="line 1, is not an anchor"):
        call_command("audit", "verify")


@pytest.mark.django_db
def test_many_events_at_once_chain_like_one_at_a_time() -> None:
    before = record(None, "test.before", "thing", "0")
    many = record_many(None, "test.many", "case", ["A", "B", "C"])
    after = record(None, "test.after", "thing", "9")
    assert [e.prev_hash for e in many] == [before.hash, many[0].hash, many[1].hash]
    assert after.prev_hash == many[-1].hash
    stored = list(AuditEvent.objects.order_by("id").values_list("object_id", "hash"))
    assert stored == [("0", before.hash), *((e.object_id, e.hash) for e in many), ("9", after.hash)]
    assert verify() is None
    assert record_many(None, "test.none", "case", []) == []
