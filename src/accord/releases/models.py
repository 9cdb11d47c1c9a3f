"""A release: figures counted from casework, checked by two supervisors, then signed."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models


class Audience(models.TextChoices):
    PARTNERS = "partners", "Partners and oversight bodies (signed in)"
    PUBLIC = "public", "Everyone (published on the public pages)"


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft: waiting for a second supervisor"
    APPROVED = "approved", "Approved and signed"
    DISCARDED = "discarded", "Discarded"
    WITHDRAWN = "withdrawn", "Withdrawn after approval"


class ReleaseQuerySet(models.QuerySet["Release"]):
    def of_service(self, organisation_id: int) -> ReleaseQuerySet:
        return self.filter(organisation_id=organisation_id)


class Release(models.Model):
    """The tables are counted and disclosure-controlled when the draft is made and never
    change after: the second supervisor approves exactly what will be signed, and a draft
    whose figures are out of date is discarded and drafted again."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="releases"
    )
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    audience = models.CharField(max_length=10, choices=Audience.choices)
    status = models.CharField(
        max_length=10, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT
    )
    method = models.TextField()
    tables = models.JSONField()
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    #: The whole signed file, exactly as it is downloaded (empty until approved).
    signed_file = models.TextField(blank=True, default="")
    key_id = models.CharField(max_length=100, blank=True, default="")
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    #: Published with the notice, so it says what was wrong and nothing about anyone.
    withdrawal_reason = models.TextField(blank=True, default="")
    #: The signed withdrawal notice, exactly as it is downloaded.
    signed_withdrawal = models.TextField(blank=True, default="")

    objects: Any = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-drafted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="release_period_in_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | ~models.Q(signed_file=""),
                name="approved_release_is_signed",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="withdrawn")
                | (~models.Q(signed_file="") & ~models.Q(signed_withdrawal="")),
                name="withdrawn_release_has_a_signed_notice",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def filename(self) -> str:
        return f"accord-release-{self.period_start:%Y-%m-%d}-to-{self.period_end:%Y-%m-%d}.json"

    @property
    def withdrawal_filename(self) -> str:
        return self.filename.replace("accord-release-", "accord-release-withdrawal-", 1)
