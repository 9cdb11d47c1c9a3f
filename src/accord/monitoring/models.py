"""Analysis runs: the parameters asked for, progress, and the published (suppressed) result.

Datasets are immutable, so a run's result never goes stale: the same question about the
same datasets is answered from the stored run instead of being computed again.
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
