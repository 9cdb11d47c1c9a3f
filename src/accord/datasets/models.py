"""Datasets (immutable, stored as Parquet) and uploads (raw files waiting to be imported).

Who sees what (``accord.policy.rules``): every partnership-zone role may read datasets
("datasets.view"); uploads are seen by the people in the uploading organisation who may
import ("datasets.import"). Advisory-service (casework zone) and platform users see none.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from accord.datasets.errors import DatasetImmutable
from accord.policy.rules import can, principal_of

OGL = "Open Government Licence v3.0"


class Kind(models.TextChoices):
    STOP_AND_SEARCH = "stop_and_search", "Stop and search (police.uk)"
    STREET_CRIME = "street_crime", "Street-level crime (police.uk)"
    OUTCOMES = "outcomes", "Outcomes (police.uk)"
    POPULATION = "population", "Population (ONS Census 2021)"
    TRAINING = "training", "Officer training coverage"
    GENERIC = "generic", "Other table"


def _immutable(dataset: Dataset | None = None) -> DatasetImmutable:
    name = f"Dataset '{dataset.name}' (version {dataset.version})" if dataset else "A dataset"
    return DatasetImmutable(
        f"{name} was imported and cannot be changed or deleted. "
        "To change the data, import a new version."
    )


class DatasetQuerySet(models.QuerySet["Dataset"]):
    def visible_to(self, user: Any) -> DatasetQuerySet:
        """Every dataset for partnership-zone users; nothing for anyone else."""
        return self if can(user, "datasets.view") else self.none()

    def current(self) -> DatasetQuerySet:
        """Datasets no newer version has replaced."""
        return self.filter(superseded_by__isnull=True)

    def update(self, **kwargs: Any) -> int:
        raise _immutable()

    def delete(self) -> tuple[int, dict[str, int]]:
        raise _immutable()

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise _immutable()


class Dataset(models.Model):
    """One imported table, immutable: new data means a new version (``supersedes``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    source = models.CharField(max_length=300, help_text="What the data is and its layout.")
    publisher = models.CharField(max_length=200, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    licence = models.CharField(max_length=200, blank=True)
    row_count = models.BigIntegerField()
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the Parquet file.")
    source_checksums = models.JSONField(
        default=list, help_text="[{name, sha256, bytes, member_of}] of every source file."
    )
    importer_version = models.CharField(max_length=50)
    harmonisation = models.JSONField(default=dict)
    column_roles = models.JSONField(default=dict)
    columns = models.JSONField(default=list, help_text="[{name, type}] of the Parquet file.")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="datasets",
        help_text="Empty for data imported on the command line by an operator.",
    )
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="datasets",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    parquet_path = models.CharField(
        max_length=300, unique=True, help_text="Relative to ACCORD_DATASETS_DIR."
    )

    objects: ClassVar[DatasetQuerySet] = DatasetQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(condition=models.Q(version__gte=1), name="dataset_version_1_up"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise _immutable(self)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise _immutable(self)

    @property
    def path(self) -> Path:
        """The Parquet file; read it with ``accord.stats.read(dataset.path)``."""
        return Path(settings.ACCORD_DATASETS_DIR) / self.parquet_path

    @property
    def unmapped(self) -> dict[str, int]:
        """Column -> rows that could not be harmonised (from the report)."""
        columns = self.harmonisation.get("columns", {})
        return {name: int(c.get("unmapped", 0)) for name, c in columns.items()}


class UploadStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be imported"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Could not be imported"
    DISCARDED = "discarded", "Discarded"


class UploadQuerySet(models.QuerySet["Upload"]):
    def visible_to(self, user: Any) -> UploadQuerySet:
        """The organisation's uploads, for people who may import; nothing for anyone else."""
        principal = principal_of(user)
        if principal is None or not can(user, "datasets.import"):
            return self.none()
        return self.filter(organisation_id=principal.organisation_id)


class Upload(models.Model):
    """A raw file kept until it is imported or the person discards it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="uploads"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="uploads"
    )
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    stored_path = models.CharField(
        max_length=300, blank=True, help_text="Relative to ACCORD_UPLOADS_DIR; empty once removed."
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, blank=True)
    status = models.CharField(
        max_length=16, choices=UploadStatus.choices, default=UploadStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=200, blank=True)
    errors = models.JSONField(default=list, help_text="[{file, row, column, message}]")
    task_id = models.CharField(max_length=64, blank=True)
    choices = models.JSONField(
        default=dict,
        help_text="{name, mapping, categories} asked for, so the import can be retried.",
    )
    claim = models.CharField(
        max_length=32, blank=True, help_text="Which import attempt may store this upload."
    )
    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, null=True, blank=True, related_name="uploads"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[UploadQuerySet] = UploadQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="upload_progress_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def path(self) -> Path | None:
        if not self.stored_path:
            return None
        return Path(settings.ACCORD_UPLOADS_DIR) / self.stored_path

    @property
    def is_finished(self) -> bool:
        return self.status in {UploadStatus.IMPORTED, UploadStatus.DISCARDED}

    @property
    def needs_mapping(self) -> bool:
        """A table still waiting for the person to say which column is which."""
        return self.status == UploadStatus.PENDING and self.kind in {"", Kind.GENERIC}
