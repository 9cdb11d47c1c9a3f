"""``accord datasets list`` and ``accord datasets sweep`` (remove files left by a crash)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.datasets.models import Dataset
from accord.datasets.services import sweep_orphans
from accord.datasets.storage import DEFAULT_GRACE_SECONDS


class Command(BaseCommand):
    help = "Work with datasets. 'list' shows them; 'sweep' removes files no dataset refers to."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "sweep"])
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=DEFAULT_GRACE_SECONDS / 3600,
            help="only remove files older than this (default 6), so imports in progress are safe",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for dataset in Dataset.objects.order_by("name", "version"):
                current = "" if not hasattr(dataset, "superseded_by") else " (superseded)"
                self.stdout.write(
                    f"{dataset.pk}  {dataset.name} v{dataset.version}{current}  "
                    f"{dataset.kind}  {dataset.row_count:,} rows"
                )
            return
        report = sweep_orphans(grace_seconds=options["grace_hours"] * 3600)
        for path in report.removed:
            self.stdout.write(f"Removed {path}")
        self.stdout.write(self.style.SUCCESS(f"Removed {len(report.removed)} orphaned files."))
        if report.missing:
            raise CommandError(
                "These datasets have no file; restore them from a backup: "
                + ", ".join(report.missing)
            )
