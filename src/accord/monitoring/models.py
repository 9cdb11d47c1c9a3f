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
from django.utils.functional import cached_property

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


class _Immutable:
    """Querysets of rows kept exactly as their publisher signed them."""

    def update(self, **kwargs: Any) -> int:
        raise ReleaseImmutable

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ReleaseImmutable

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise ReleaseImmutable


class ReceivedReleaseQuerySet(_Immutable, models.QuerySet["ReceivedRelease"]):
    def visible_to(self, user: Any) -> ReceivedReleaseQuerySet:
        """Every received release for partnership-zone users; nothing for anyone else."""
        return self if can(user, "releases.view") else self.none()

    def public(self) -> ReceivedReleaseQuerySet:
        """Releases their publisher approved for everyone, for the pages with no sign-in."""
        return self.filter(audience=Audience.PUBLIC)

    def with_withdrawals(self) -> list[ReceivedRelease]:
        """The releases, each with ``withdrawal`` set (None if it stands), in two queries."""
        releases = list(self)
        notices = ReceivedWithdrawal.objects.filter(
            release_uid__in=[release.uid for release in releases]
        )
        by_release = {notice.release_uid: notice for notice in notices}
        for release in releases:
            release.__dict__["withdrawal"] = by_release.get(release.uid)
        return releases


class _KeptAsSigned(models.Model):
    """A row kept exactly as its publisher signed it: added once, never saved again or
    deleted through the model (the database refuses updates too)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ReleaseImmutable
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ReleaseImmutable


class _WithdrawalQuerySet(_Immutable, models.QuerySet["ReceivedWithdrawal"]):
    pass


class ReceivedRelease(_KeptAsSigned):
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

    @cached_property
    def withdrawal(self) -> ReceivedWithdrawal | None:
        """The publisher's notice withdrawing this release, once received here."""
        return ReceivedWithdrawal.objects.filter(release_uid=self.uid).first()


class ReceivedWithdrawal(_KeptAsSigned):
    """A publisher's signed notice that one of its releases is withdrawn, as checked on
    arrival. Kept by the release's id rather than tied to a received row: a notice that
    arrives before its release still stops the release from being shown."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    release_uid = models.UUIDField(unique=True, help_text="The withdrawn release's id.")
    release_title = models.CharField(max_length=200)
    publisher = models.CharField(
        max_length=200,
        help_text="The name this deployment's operators gave the signing key, not the file's.",
    )
    key_id = models.CharField(max_length=200)
    withdrawn_on = models.DateField()
    reason = models.TextField()
    content = models.JSONField(help_text="The whole signed notice, as checked.")
    file_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file as received.")
    received_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="received_withdrawals"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[_WithdrawalQuerySet] = _WithdrawalQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-received_at",)

    def __str__(self) -> str:
        return f"Withdrawal of {self.release_title}"
