"""``accord import ...``: import police.uk, Census or other tables from files on disk.

    accord import stop-and-search PATH... [--name NAME] [--user EMAIL]
    accord import street-crime PATH... | accord import outcomes PATH...
    accord import census PATH --categories 5|20
    accord import generic PATH --map group=COL,area=COL,date=COL,outcome=COL

A PATH may be a CSV file, a ``.csv.gz`` file, a ``.zip`` of CSV files or a folder of them.
Without ``--user`` the dataset belongs to no organisation (public data imported by an
operator). Bad input exits with status 1 and the problems, each naming file, row and column.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from accord.accounts.models import User
from accord.datasets.errors import DatasetError, ImportFailed
from accord.datasets.models import Dataset, Kind
from accord.datasets.services import import_paths

#: Inputs at least this large get a progress bar.
LARGE_INPUT_BYTES = 8 << 20

SUBCOMMANDS = {
    "stop-and-search": Kind.STOP_AND_SEARCH,
    "street-crime": Kind.STREET_CRIME,
    "outcomes": Kind.OUTCOMES,
    "census": Kind.POPULATION,
    "training": Kind.TRAINING,
    "generic": Kind.GENERIC,
}


def parse_mapping(text: str) -> dict[str, str]:
    """``"group=eth,area=borough"`` -> ``{"group": "eth", "area": "borough"}``."""
    mapping: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        role, sep, column = part.partition("=")
        if not sep or not role.strip() or not column.strip():
            raise CommandError(
                f"--map expects role=column pairs separated by commas, such as "
                f"group=ethnicity,area=borough; {part!r} is not one."
            )
        role, column = role.strip(), column.strip()
        if role in mapping:
            raise CommandError(
                f"--map gives the role {role!r} twice ({mapping[role]!r} and {column!r}); "
                "give each role once."
            )
        mapping[role] = column
    return mapping


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def summary(dataset: Dataset) -> str:
    period = ""
    if dataset.period_start and dataset.period_end:
        start, end = dataset.period_start, dataset.period_end
        period = f", {start.day} {start:%B %Y} to {end.day} {end:%B %Y}"
    lines = [
        f"Imported '{dataset.name}' (version {dataset.version}): {dataset.row_count:,} rows"
        f"{period}.",
        f"Dataset {dataset.pk}, stored as {dataset.parquet_path} (SHA-256 {dataset.checksum}).",
    ]
    for column, info in dataset.harmonisation.get("columns", {}).items():
        if info.get("unmapped"):
            reasons = "; ".join(f"{r} {n:,}" for r, n in info["reasons"].items())
            lines.append(f"Not mapped in {column}: {info['unmapped']:,} rows ({reasons}).")
    lines += dataset.harmonisation.get("notes", [])
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Import data files as a dataset: stop-and-search, street-crime, outcomes, census, "
        "training, generic."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        for name, kind in SUBCOMMANDS.items():
            sub = commands.add_parser(name, help=Kind(kind).label)
            sub.add_argument(
                "paths", nargs=1 if kind in (Kind.POPULATION, Kind.TRAINING) else "+", type=Path
            )
            sub.add_argument("--name", help="what to call the dataset (default: the file name)")
            sub.add_argument("--user", help="email of the person importing, for their organisation")
            sub.add_argument(
                "--progress",
                action="store_true",
                default=None,
                help="always show a progress bar (default: for inputs of 8 MB or more)",
            )
            if kind == Kind.POPULATION:
                sub.add_argument("--categories", type=int, choices=[5, 20], required=True)
            if kind == Kind.GENERIC:
                sub.add_argument(
                    "--map",
                    required=True,
                    help="column roles, e.g. group=ethnicity,area=borough,date=date,outcome=result",
                )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = SUBCOMMANDS[options["source"]]
        paths: list[Path] = list(options["paths"])
        user = None
        if options.get("user"):
            try:
                user = User.objects.get(email__iexact=options["user"].strip())
            except User.DoesNotExist as missing:
                raise CommandError(
                    f"There is no account with the email {options['user']}."
                ) from missing
        mapping = parse_mapping(options["map"]) if kind == Kind.GENERIC else None
        name = options.get("name") or paths[0].name
        show = options.get("progress")
        if show is None:
            show = sum(_size(p) for p in paths) >= LARGE_INPUT_BYTES
        bar = tqdm(
            total=100, unit="%", disable=not show, file=sys.stderr, desc="Importing", leave=True
        )

        def progress(fraction: float, message: str) -> None:
            target = int(fraction * 100)
            if target > bar.n:
                bar.set_description(message[:40])
                bar.update(target - bar.n)

        try:
            dataset = import_paths(
                paths,
                kind=kind,
                name=name,
                user=user,
                mapping=mapping,
                categories=options.get("categories"),
                progress=progress,
            )
        except ImportFailed as failure:
            raise CommandError(
                "The import did not happen; nothing was stored.\n" + failure.summary
            ) from None
        except (DatasetError, PermissionDenied) as refused:
            raise CommandError(str(refused)) from None
        finally:
            bar.close()
        self.stdout.write(self.style.SUCCESS(summary(dataset)))
