"""A dump of the database, and the case files on disk, hold no case content in plaintext.

The threat: a stolen backup, a copied disk, a database dump handed to the wrong person.
Cases are seeded with a canary in every sealed field and a document whose name,
description and content are canaries; a self-referral arrives through the public form; then
the advocate works through every page of the case, sending every casework form with a
fresh canary typed into each empty box. The database is then dumped as text (SQLite:
``iterdump`` and the raw pages of a page-for-page copy, free pages included; PostgreSQL:
``pg_dump`` of the test database), sessions and cache entries are decoded, and every file
under ACCORD_CASE_FILES_DIR is read as raw bytes. No canary may appear in any of them.
Positive controls plant plaintext where the scans look, and the same scans find it.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, models
from django.urls import resolve
from django.utils import timezone

from accord.audit.services import record
from accord.casework import documents
from accord.casework.models import Case, Document, SubjectAccessRequest
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import canary
from tests.casework.seed import Seeded, sealed_fields, seed_case, uncovered
from tests.factories import person
from tests.security.case_urls import start_requests, stored_canaries, submit_self_referral
from tests.security.crawler import Crawl, Field
from tests.security.leaks import Scanner, markers
from tests.security.principals import client_for, make_users

# pg_dump needs the rows committed, so these tests run outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _audit_log_flushable(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Transactional tests end with a flush, which the audit log's append-only triggers
    refuse. Lift them for this module only; put them back as their migration made them."""
    migration = import_module("accord.audit.migrations.0002_append_only")
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {migration.TABLE} DISABLE TRIGGER USER")
        else:
            for statement in migration.SQLITE_BACKWARD:
                cursor.execute(statement)
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {migration.TABLE} ENABLE TRIGGER USER")
        else:
            for statement in migration.SQLITE_FORWARD:
                cursor.execute(statement)


@pytest.fixture
def case_files(settings: Any, tmp_path: Path) -> Path:
    settings.ACCORD_CASE_FILES_DIR = tmp_path / "case-files"
    return Path(settings.ACCORD_CASE_FILES_DIR)


# --- dumping --------------------------------------------------------------------------------


def _pg_dump_program() -> str:
    found = shutil.which("pg_dump")
    if found:
        return found
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_dump"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise AssertionError(
            "The tests run on PostgreSQL but pg_dump is not installed; install the "
            "PostgreSQL client (Debian: apt-get install postgresql-client)."
        )
    return candidates[-1]


def _pg_dump() -> dict[str, bytes]:
    """The test database as plain SQL text, as an operator's backup would have it."""
    config = connection.settings_dict
    command = [
        _pg_dump_program(),
        "--format=plain",
        "--encoding=UTF8",
        "--no-owner",
        "--no-privileges",
        f"--dbname={config['NAME']}",
    ]
    if config.get("HOST"):
        command.append(f"--host={config['HOST']}")
    if config.get("PORT"):
        command.append(f"--port={config['PORT']}")
    if config.get("USER"):
        command.append(f"--username={config['USER']}")
    environment = dict(os.environ)
    if config.get("PASSWORD"):
        environment["PGPASSWORD"] = str(config["PASSWORD"])
    done = subprocess.run(command, capture_output=True, env=environment, timeout=300, check=False)
    assert done.returncode == 0, f"pg_dump failed: {done.stderr.decode(errors='replace')}"
    assert b"casework_case" in done.stdout, "pg_dump did not dump the casework tables"
    return {"pg_dump": done.stdout}


def _sqlite_dump() -> dict[str, bytes]:
    """SQL text, and the raw bytes of a page-for-page copy (free pages included: a deleted
    row's bytes stay there unless secure_delete overwrote them)."""
    connection.ensure_connection()
    raw = connection.connection
    dumped = {"iterdump": "\n".join(raw.iterdump()).encode()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copy.sqlite3"
        copy = sqlite3.connect(path)
        try:
            raw.backup(copy)
        finally:
            copy.close()
        dumped["pages"] = path.read_bytes()
    if not connection.is_in_memory_db():  # type: ignore[attr-defined]
        name = Path(str(connection.settings_dict["NAME"]))
        for suffix in ("", "-wal", "-journal"):
            if (file := name.with_name(name.name + suffix)).exists():
                dumped[f"file{suffix or ''}"] = file.read_bytes()
    assert b"casework_case" in dumped["iterdump"]
    return dumped


def dump_database() -> dict[str, bytes]:
    """Every view of the stored database we can take, by engine."""
    if connection.vendor == "sqlite":
        return _sqlite_dump()
    if connection.vendor == "postgresql":
        return _pg_dump()
    raise AssertionError(f"No way to dump a {connection.vendor} database: teach this test one.")


def stored_files(folder: Path) -> dict[str, bytes]:
    return {f"file {path.name}": path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def plaintext_in(sources: dict[str, bytes]) -> list[str]:
    return [
        f"{value} in {source}"
        for source, data in sources.items()
        for value in sorted(markers(data.decode("utf-8", "replace")))
    ]


# --- filling the database -------------------------------------------------------------------


class _Typist:
    """Types a fresh canary into every empty text box of every casework form; the advocate
    may then be shown it (it is theirs), but no dump may hold it."""

    def __init__(self, scanner: Scanner) -> None:
        self.scanner = scanner
        self.typed: set[str] = set()

    def __call__(self, action: str, field: Field) -> str:
        if field.kind == "date":
            return timezone.localdate().isoformat()
        if field.kind == "datetime-local":
            return timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        if field.kind == "time":
            return "12:00"
        if field.kind == "number":
            return "1"
        if not resolve(action.split("?")[0]).func.__module__.startswith("accord.casework"):
            return ""  # only casework forms: everything they keep must be sealed
        value = canary("typed-" + re.sub(r"[^\w-]", "-", field.name))
        self.typed.add(value)
        self.scanner.allowed.add(value)
        return f"{value.lower()}@example.org" if field.kind == "email" else value


def _fill(caplog: pytest.LogCaptureFixture) -> tuple[list[Seeded], set[str]]:
    """Seeded cases, a self-referral, and a walk through every casework page and form: the
    advocate's through their case, the supervisor's through the one they hold."""
    users: dict[str, Any] = make_users()
    advocate, supervisor = users["advocate"], users["supervisor"]
    seeded = [seed_case(advocate, supervisor=supervisor), seed_case(supervisor)]
    sent = Scanner()
    _case, referral_canaries = submit_self_referral(sent)
    assert not sent.findings, sent.findings
    typist = _Typist(Scanner())
    for who, walked in (("advocate", seeded[0]), ("supervisor", seeded[1])):
        requests = start_requests(users, [walked.case], under="casework/")
        allowed = stored_canaries(Case.objects.all()) | typist.typed
        allowed |= {c for s in seeded for c in s.canaries}
        typist.scanner = Scanner(allowed=allowed)
        crawl = Crawl(
            client=functools.partial(client_for, who, users),
            scanner=typist.scanner,
            caplog=caplog,
            signed_in=True,
            budget=150,
            filler=typist,
        )
        crawl.run(requests)
        assert not typist.scanner.findings, typist.scanner.findings
        assert not typist.scanner.server_errors, typist.scanner.server_errors
    # The walks really did write through the casework forms (sealed, so readable here).
    kept = stored_canaries(Case.objects.all()) & typist.typed
    assert kept, "no typed canary was kept: the walk sent no casework form that saved"
    return seeded, referral_canaries | typist.typed


@pytest.fixture
def filled(case_files: Path, caplog: pytest.LogCaptureFixture) -> tuple[list[Seeded], set[str]]:
    # Logs are the canary crawl's business (tests/security/test_canary_crawl.py); here they
    # are searched only at the levels the settings emit.
    return _fill(caplog)


# --- the tests -------------------------------------------------------------------------------


def test_the_seed_leaves_no_sealed_field_without_a_canary(case_files: Path) -> None:
    seeded = seed_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    assert uncovered([seeded.case], seeded.canaries) == []
    assert {label for label in seeded.labels if label.startswith("client-")} >= {
        "client-name",
        "client-phone",
        "client-email",
        "client-code-word",
        "client-trusted-person",
        "client-times",
        "client-unit",
    }
    document = Document.objects.get(case=seeded.case)
    content = documents.read_document(None, seeded.case, document)
    assert content.decode().strip() == seeded.labels["document-content"]


def test_a_sealed_field_without_a_canary_is_reported(case_files: Path) -> None:
    """The guard: a case made without this seed has sealed columns with no canary."""
    from tests.casework.factories import make_case

    plain = make_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    missing = uncovered([plain], set())
    assert f"casework.Case.sealed_closure_note: row {plain.pk} holds no canary" in missing
    assert "casework.Referral.sealed_note: the seed made no Referral row" in missing
    # ... and a column the seed has never heard of is named too.
    extra: list[tuple[type[models.Model], str]] = [
        *sealed_fields(),
        (SubjectAccessRequest, "sealed_summary"),
    ]
    seeded = seed_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    assert uncovered([seeded.case], seeded.canaries, extra) == [
        "casework.SubjectAccessRequest.sealed_summary: no SealedText/SealedJSON attribute `summary`"
    ]


def test_a_dump_of_the_database_and_the_files_holds_no_plaintext(
    filled: tuple[list[Seeded], set[str]], case_files: Path
) -> None:
    seeded, other_canaries = filled
    canaries = {c for s in seeded for c in s.canaries} | other_canaries
    dumped = dump_database()
    files = stored_files(case_files)
    assert {f"file {s.files[0].name}" for s in seeded} <= set(files)

    found = plaintext_in(dumped) + plaintext_in(files)
    assert not found, "plaintext case content in the dump or the files:\n" + "\n".join(found)
    # Decoded stores (signed or pickled, so a plain search of the dump would miss them).
    decoded = Scanner()
    decoded.sessions("the walk")
    decoded.caches("the walk")
    assert not decoded.findings, decoded.findings
    # The search above looked for these, among anything else shaped like a canary.
    assert canaries and all(markers(c) == {c} for c in canaries)


def test_the_dump_scan_finds_plaintext_where_it_is(case_files: Path) -> None:
    """Positive control: plaintext planted in an unsealed column and in a file is found by
    the same scans; on SQLite, so is a deleted row's leftover in a free page."""
    seeded = seed_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    in_column = canary("planted-column")
    record(None, "test.planted", "case", in_column)  # audit object_id: a plain column
    in_file = canary("planted-file")
    (case_files / "planted.txt").write_text(in_file)
    deleted = canary("planted-deleted")
    if connection.vendor == "sqlite":
        _leave_in_a_free_page(deleted)
    dumped = dump_database()
    for source in {"pg_dump", "iterdump", "pages"} & set(dumped):
        assert in_column.encode() in dumped[source], f"the planted value is not in {source}"
    found = {line.split(" in ")[0] for line in plaintext_in(dumped)}
    found |= {line.split(" in ")[0] for line in plaintext_in(stored_files(case_files))}
    if connection.vendor == "sqlite":
        # Invisible to SQL, readable in a copy of the file: why the raw pages are read.
        assert deleted.encode() not in dumped["iterdump"]
        assert deleted.encode() in dumped["pages"]
        assert found == {in_column, in_file, deleted}
    else:
        assert found == {in_column, in_file}
    assert not seeded.canaries & found


def _leave_in_a_free_page(text: str) -> None:
    """A row written and deleted with secure_delete off, so its bytes stay in a free page."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        (before,) = cursor.fetchone()
        cursor.execute("PRAGMA secure_delete = OFF")
        try:
            cursor.execute("CREATE TABLE planted_leftover (body TEXT)")
            cursor.execute("INSERT INTO planted_leftover VALUES (%s)", [text * 50])
            cursor.execute("DROP TABLE planted_leftover")
        finally:
            cursor.execute(f"PRAGMA secure_delete = {int(before)}")
