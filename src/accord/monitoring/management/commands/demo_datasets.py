"""``accord demo_datasets``: import the real London data for the demo, once, and invented
officer training figures (no real ones are public), named as invented.

Uses ../shared/data/real when it is beside the project (150,152 searches), otherwise the
small real subsets shipped with the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accord.datasets import services
from accord.datasets.models import Dataset, Kind

ROOT = Path(__file__).resolve().parents[5]
SHARED = ROOT.parent / "shared" / "data" / "real"
CHOICES = [
    (
        Kind.STOP_AND_SEARCH,
        "London stop and search, Dec 2021 to Nov 2022",
        [
            SHARED / "stop_and_search" / "london_stops_2021-12_to_2022-11.csv.gz",
            ROOT / "tests" / "stats" / "fixtures" / "london_stops_3_boroughs.csv.gz",
        ],
    ),
    (
        Kind.POPULATION,
        "Census 2021 population by ethnic group (5 groups)",
        [
            SHARED / "census" / "census2021_ethnic_group_5cat_by_lad.csv",
            ROOT / "tests" / "datasets" / "fixtures" / "census2021_5cat_london.csv",
        ],
    ),
]


class Command(BaseCommand):
    help = "Import the London stop-and-search and Census data used by the demo (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        if "demo-only" not in str(settings.SECRET_KEY):
            raise CommandError("Demo data is only for the demo settings (make demo).")
        for kind, name, candidates in CHOICES:
            if Dataset.objects.filter(name=name).exists():
                self.stdout.write(f"Already imported: {name}")
                continue
            path = next((p for p in candidates if p.exists()), None)
            if path is None:
                raise CommandError(f"No file found for {name}: looked at {candidates}.")
            dataset = services.import_paths(
                [path], kind=kind, name=name, categories=5 if kind == Kind.POPULATION else None
            )
            self.stdout.write(f"Imported {name}: {dataset.row_count:,} rows from {path.name}")
        self._training()
        self._assessments()

    def _training(self) -> None:
        """Invented training coverage figures, clearly named as such (once)."""
        import datetime as dt
        import tempfile

        from accord.monitoring.training_demo import NAME, write_demo_csv

        if Dataset.objects.filter(name=NAME).exists():
            self.stdout.write(f"Already imported: {NAME}")
            return
        with tempfile.TemporaryDirectory() as folder:
            path = write_demo_csv(Path(folder) / "training_coverage_demo.csv", dt.date.today())
            dataset = services.import_paths([path], kind=Kind.TRAINING, name=NAME)
        self.stdout.write(f"Imported {NAME}: {dataset.row_count:,} rows")

    def _assessments(self) -> None:
        """Two equality impact assessments on the data just imported (once)."""
        if "partnership" not in settings.ACCORD_ZONES:
            return
        from accord.accounts.demo import demo_user
        from accord.accounts.models import User
        from accord.eia.demo import load_demo_eias

        try:
            people = [demo_user(k) for k in ("analyst", "plan-owner", "plan-owner-2", "partner")]
        except User.DoesNotExist:
            self.stdout.write("No demo people yet (run demo_data first): no demo assessments.")
            return
        made = load_demo_eias(*people)
        if made:
            self.stdout.write(f"Wrote {made} demo equality impact assessments on the real data.")
