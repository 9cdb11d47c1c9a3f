"""The audit log is append-only at the database and its hash chain shows tampering."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accord.audit.chain import GENESIS, Link, first_break
from accord.audit.models import AuditEvent
from accord.audit.services import record, verify


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
            cursor.execute("DROP TRIGGER audit_no_update")
            cursor.execute("DROP TRIGGER audit_no_delete")
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
    assert first_break([]) is None


def test_first_break_spots_a_wrong_genesis() -> None:
    link = Link(1, "t", "", "", "a", "", "", "", prev_hash="f" * 64, hash="0" * 64)
    broken = first_break([link])
    assert broken is not None and broken.seq == 1
