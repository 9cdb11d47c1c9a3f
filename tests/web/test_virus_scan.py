"""SECURITY.md FI-6: uploads are scanned by clamd, and refused when it cannot be reached.

clamd itself is not on the test machine (and freshclam could not fetch signatures here), so
a small stand-in speaks clamd's INSTREAM protocol over a real Unix socket and "finds" the
EICAR test string, as clamd's own test signature does.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.web.file_checks import FileRefused
from accord.web.virus_scan import UNAVAILABLE, check_for_viruses

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class FakeClamd:
    """Answers INSTREAM like clamd; ``reply`` overrides the verdict (for odd answers)."""

    def __init__(self, path: Path, reply: bytes | None = None) -> None:
        self.path = path
        self.reply = reply
        self.received: list[bytes] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                assert self._read(conn, 10) == b"zINSTREAM\0"
                body = b""
                while True:
                    (size,) = struct.unpack(">I", self._read(conn, 4))
                    if size == 0:
                        break
                    body += self._read(conn, size)
                self.received.append(body)
                verdict = b"stream: Eicar-Signature FOUND" if EICAR in body else b"stream: OK"
                conn.sendall((self.reply or verdict) + b"\0")

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def clamd(tmp_path: Path, settings: Any) -> Iterator[FakeClamd]:
    fake = FakeClamd(tmp_path / "clamd.ctl")
    settings.ACCORD_CLAMD = f"unix:{fake.path}"
    yield fake
    fake.close()


def test_a_clean_file_passes_and_the_whole_of_it_was_scanned(clamd: FakeClamd) -> None:
    data = b"Board minutes\n" * 20_000  # several chunks
    check_for_viruses(data)
    assert clamd.received == [data]


def test_a_known_virus_is_refused_with_what_to_do(clamd: FakeClamd) -> None:
    with pytest.raises(FileRefused, match="contains a known virus, so it was not kept"):
        check_for_viruses(b"hello " + EICAR)


def test_no_scanner_means_no_file_fail_closed(tmp_path: Path, settings: Any) -> None:
    settings.ACCORD_CLAMD = f"unix:{tmp_path / 'nothing-listens-here'}"
    with pytest.raises(FileRefused) as refused:
        check_for_viruses(b"fine")
    assert str(refused.value) == UNAVAILABLE


def test_a_strange_answer_is_treated_as_no_answer(tmp_path: Path, settings: Any) -> None:
    fake = FakeClamd(tmp_path / "odd.ctl", reply=b"INSTREAM size limit exceeded. ERROR")
    settings.ACCORD_CLAMD = f"unix:{fake.path}"
    try:
        with pytest.raises(FileRefused, match="could not check this file for viruses"):
            check_for_viruses(b"fine")
    finally:
        fake.close()


def test_scanning_is_off_only_when_no_scanner_is_configured(settings: Any) -> None:
    settings.ACCORD_CLAMD = ""
    check_for_viruses(b"anything " + EICAR)  # the demo and tests: production refuses this


@pytest.mark.django_db
def test_a_case_document_with_a_virus_is_not_kept(
    clamd: FakeClamd, settings: Any, tmp_path: Path
) -> None:
    from accord.casework.documents import DocumentRefused
    from accord.casework.models import Document
    from tests.casework.test_documents import advocate_and_case, store

    settings.ACCORD_CASE_FILES_DIR = tmp_path / "case-files"
    advocate, case = advocate_and_case()
    with pytest.raises(DocumentRefused, match="known virus"):
        store(case, advocate, "letter.txt", b"Dear PSD " + EICAR)
    assert not Document.objects.exists()
    assert not (tmp_path / "case-files").exists() or not any((tmp_path / "case-files").iterdir())


@pytest.mark.django_db
def test_plan_evidence_with_a_virus_is_not_kept(clamd: FakeClamd, settings: Any) -> None:
    from accord.plan import services
    from accord.plan.evidence import Upload
    from accord.plan.models import EvidenceFile, ProgressUpdate
    from accord.plan.services import PlanError
    from tests.plan.factories import make_commitment, make_plan, people

    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    with pytest.raises(PlanError, match=r"minutes\.txt: This file contains a known virus"):
        services.record_progress(
            None,
            commitment,
            on=services.timezone.localdate(),
            status="on_track",
            progress=10,
            text="See file.",
            files=[Upload("minutes.txt", b"Minutes " + EICAR)],
            by=who.owner,
        )
    assert not ProgressUpdate.objects.exists() and not EvidenceFile.objects.exists()
