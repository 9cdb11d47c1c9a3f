"""Analysis runs, and releases received from the advisory service.

Datasets are immutable, so a run's result never goes stale: the same question about the
same datasets is answered from the stored run instead of being computed again.

A received release is what a signed release file held when its signature and disclosure
control were checked (``accord.releases.file``). It is never changed afterwards: the page
must show exactly what the publisher approved, so a correction comes as a new release.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.db import models

from accord.policy.rules import can


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Ready"
    FAILED = "failed", "Could not be completed"


class AnalysisRunQuerySet(models.QuerySet["AnalysisRun"]):
    def visible_to(self, user: Any) -> AnalysisRunQuerySet:
        """Results are built only from public data: every partnership role may read them."""
        return self if can(user, "monitoring.analyse") else self.none()


class AnalysisRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the parameters.")
    events = models.ForeignKey(
        "datasets.Dataset", on_delete=models.PROTECT, related_name="analysis_runs"
    )
    population = models.ForeignKey(
        "datasets.Dataset", on_delete=models.PROTECT, related_name="population_runs"
    )
    parameters = models.JSONField()
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, related_name="analysis_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar[AnalysisRunQuerySet] = AnalysisRunQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Analysis {self.pk} ({self.status})"


class Audience(models.TextChoices):
    PARTNERS = "partners", "Partnership members only"
    PUBLIC = "public", "Everyone (public)"


class ReleaseImmutable(RuntimeError):
    """Someone tried to change or delete a received release: a programming error."""

    def __init__(self) -> None:
        super().__init__(
            "A received release is kept exactly as its publisher signed it and cannot be "
            "changed or deleted. A correction comes as a new release."
        )


class ReceivedReleaseQuerySet(models.QuerySet["ReceivedRelease"]):
    def visible_to(self, user: Any) -> ReceivedReleaseQuerySet:
        """Every received release for partnership-zone users; nothing for anyone else."""
        return self if can(user, "releases.view") else self.none()

    def public(self) -> ReceivedReleaseQuerySet:
        """Releases their publisher approved for everyone, for the pages with no sign-in."""
        return self.filter(audience=Audience.PUBLIC)

    def update(self, **kwargs: Any) -> int:
        raise ReleaseImmutable

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ReleaseImmutable

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise ReleaseImmutable


class ReceivedRelease(models.Model):
    """One release file, as checked on arrival. ``content`` is the signed release itself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uid = models.UUIDField(unique=True, help_text="The release's own id, from the file.")
    publisher = models.CharField(
        max_length=200,
        help_text="The name this deployment's operators gave the signing key, not the file's.",
    )
    key_id = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    period_start = models.DateField()
    period_end = models.DateField()
    approved_on = models.DateField()
    audience = models.CharField(max_length=16, choices=Audience.choices)
    threshold = models.PositiveIntegerField()
    content = models.JSONField(help_text="The whole signed release, as checked.")
    file_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file as received.")
    received_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="received_releases"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[ReceivedReleaseQuerySet] = ReceivedReleaseQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-approved_on", "-received_at")

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ReleaseImmutable
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ReleaseImmutable
