"""The audit log: append-only and hash-chained.

What is recorded: who, what action, on what kind of object and which id, when, and in which
request. Never content: no names, narratives, search terms or typed usernames.
"""

from __future__ import annotations

from django.db import models

from accord.audit.chain import Link


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(db_index=True)
    actor_id = models.CharField(max_length=32, blank=True)
    actor_org_id = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"

    def as_link(self) -> Link:
        return Link(
            seq=int(self.pk),
            occurred_at=self.occurred_at_text,
            actor_id=self.actor_id,
            actor_org_id=self.actor_org_id,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            request_id=self.request_id,
            prev_hash=self.prev_hash,
            hash=self.hash,
        )

    @property
    def occurred_at_text(self) -> str:
        return self.occurred_at.isoformat(timespec="microseconds")
