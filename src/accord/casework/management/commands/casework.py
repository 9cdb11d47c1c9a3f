"""``accord casework ...``: key rotation, the retention list and the erasure ledger.

    accord casework keys rewrap            after adding a new primary master key (also
                                           indexes people's names under it)
    accord casework keys rotate --case REF  a new data key for one case (or --all)
    accord casework keys check             decrypt everything; non-zero exit on any failure
    accord casework retention              closed cases due for retention review
    accord casework erasures replay [--ledger FILE]   after every restore from backup
    accord casework erasures export FILE   keep the ledger outside the database

Output never contains case content: references, counts and error kinds only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.audit.services import record
from accord.casework import erasure, retention, rotation
from accord.casework.models import Case
from accord.crypto.keyring import DecryptionError, KeyringError


class Command(BaseCommand):
    help = "Casework keys, retention review and the erasure ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        areas = parser.add_subparsers(dest="area", required=True)
        keys = areas.add_parser("keys", help="Rewrap, rotate or check case keys.")
        actions = keys.add_subparsers(dest="action", required=True)
        actions.add_parser("rewrap", help="Wrap every case key with the primary master key.")
        rotate = actions.add_parser("rotate", help="Give cases a new data key.")
        which = rotate.add_mutually_exclusive_group(required=True)
        which.add_argument("--case", metavar="REF", help="The reference of one case.")
        which.add_argument("--all", action="store_true", help="Every case not erased.")
        actions.add_parser("check", help="Decrypt every sealed value and file.")
        areas.add_parser("retention", help="List closed cases due for retention review.")
        ledger = areas.add_parser("erasures", help="The erasure ledger.")
        steps = ledger.add_subparsers(dest="action", required=True)
        replay = steps.add_parser("replay", help="Erase again what a restore brought back.")
        replay.add_argument("--ledger", type=Path, help="A ledger file written by 'export'.")
        export = steps.add_parser("export", help="Write the ledger to a file.")
        export.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        area, action = options["area"], options.get("action")
        try:
            if area == "keys" and action == "rewrap":
                self._rewrap()
            elif area == "keys" and action == "rotate":
                self._rotate(options["case"], everything=options["all"])
            elif area == "keys" and action == "check":
                self._check()
            elif area == "retention":
                self._retention()
            elif area == "erasures" and action == "replay":
                self._replay(options.get("ledger"))
            elif area == "erasures" and action == "export":
                count = erasure.export_ledger(options["path"])
                self.stdout.write(f"Wrote {count} ledger entries to {options['path']}.")
        except (KeyringError, DecryptionError, rotation.RotationError) as error:
            raise CommandError(str(error)) from error
        except erasure.ErasureError as error:
            raise CommandError(str(error)) from error

    def _rewrap(self) -> None:
        report = rotation.rewrap_all()
        self.stdout.write(
            f"Case keys: {report.total}; rewrapped now: {report.rewrapped}; "
            f"already on the primary master key: {report.already_current}. "
            f"People's names indexed again: {report.names_indexed}."
        )
        if report.failures:
            for failure in report.failures:
                self.stderr.write(f"  {failure}")
            raise CommandError(
                f"{len(report.failures)} case keys could not be unwrapped. Keep the old master "
                "keys in ACCORD_CASE_KEYS until this is fixed."
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Every case key is wrapped by the primary master key: the other master keys "
                "can now be removed from ACCORD_CASE_KEYS."
            )
        )

    def _rotate(self, reference: str | None, *, everything: bool) -> None:
        if everything:
            reports = rotation.rotate_all()
        else:
            case = Case.objects.filter(reference=reference).first()
            if case is None:
                raise CommandError(f"No case has the reference {reference!r}.")
            reports = [rotation.rotate_case(case)]
        for report in reports:
            self.stdout.write(
                f"{report.reference}: now on key generation {report.generation}; "
                f"{report.values} values and {report.files} files re-encrypted."
            )
        self.stdout.write(self.style.SUCCESS(f"Rotated {len(reports)} cases."))

    def _check(self) -> None:
        report = rotation.check_all()
        self.stdout.write(
            f"Checked {report.cases} cases: {report.values} sealed values and "
            f"{report.files} files decrypted."
        )
        if report.not_on_primary_master:
            self.stdout.write(
                f"{report.not_on_primary_master} case keys are wrapped by an older master key "
                "(run: accord casework keys rewrap)."
            )
        if report.names_not_indexed:
            self.stdout.write(
                f"{report.names_not_indexed} people are not in the person index under the "
                "primary master key, so every person search opens their cases "
                "(run: accord casework keys rewrap)."
            )
        if report.failures:
            for failure in report.failures:
                self.stderr.write(f"  {failure}")
            raise CommandError(f"{len(report.failures)} problems found.")
        self.stdout.write(self.style.SUCCESS("Everything decrypts with the current keys."))

    def _retention(self) -> None:
        due = retention.due_list()
        record(None, "casework.retention.list", "casework", "retention")
        if not due:
            self.stdout.write("No cases are due for retention review.")
            return
        self.stdout.write(f"{len(due)} closed cases are due for retention review:")
        for line in due:
            flags = [
                label
                for flag, label in (
                    (line.legal_hold, "legal hold"),
                    (line.restricted, "restricted"),
                    (line.erasure_pending, "erasure requested"),
                )
                if flag
            ]
            closed = f"{line.closed_on:%Y-%m-%d}" if line.closed_on else "unknown"
            self.stdout.write(
                f"  {line.reference}  closed {closed}  review due {line.review_on:%Y-%m-%d}"
                + (f"  ({', '.join(flags)})" if flags else "")
            )

    def _replay(self, ledger: Path | None) -> None:
        extra = erasure.read_ledger(ledger) if ledger is not None else []
        erased_again = erasure.replay_ledger(extra)
        for reference in erased_again:
            self.stdout.write(f"  {reference}: erased again")
        self.stdout.write(
            self.style.SUCCESS(f"Erasure ledger replayed: {len(erased_again)} cases erased again.")
        )
