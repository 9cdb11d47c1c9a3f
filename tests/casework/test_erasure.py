"""Erasure: two supervisors, never under legal hold, crypto-shredded, and never undone by a
restore (the ledger is replayed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.casework import erasure, retention
from accord.casework.keys import CaseKeyMissing
from accord.casework.models import (
    Case,
    CaseKey,
    Document,
    Erasure,
    ErasureRequest,
    NameToken,
    Party,
    SubjectAccessRequest,
)
from accord.casework.rotation import sealed_models
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.matrix_casework_rights import (
    access_request,
    closed_case,
    pending_erasure,
    populate,
    reauthenticated_client,
    supervisor,
)
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db
Grounds = ErasureRequest.Grounds


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    settings.ACCORD_CASE_FILES_DIR = tmp_path / "case-files"
    return Path(settings.ACCORD_CASE_FILES_DIR)


def advocate() -> Any:
    return person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)


def _tokens(case: Case) -> list[str]:
    found = []
    for sealed in sealed_models():
        for row in sealed.rows_of(case):
            found += [getattr(row, column) for column in sealed.columns if getattr(row, column)]
    return found


def _dump() -> str:
    """Every row of every table, as text: what a stolen database dump would show."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the schema
            parts.append(repr(cursor.fetchall()))
    return "\n".join(parts)


def _full_case() -> tuple[Case, dict[str, str], Any]:
    worker = advocate()
    case = make_case(worker)
    marks = populate(case, worker)
    access_request(case)
    retention.restrict(None, case, reason="Client contests a note.", by=supervisor())
    retention.unrestrict(None, case, reason="Checked and corrected.", by=supervisor())
    marks["summary"] = case.summary
    client = case.client
    assert client is not None
    marks["client-name"] = client.name
    return case, marks, worker


def test_an_approved_erasure_shreds_the_key_and_leaves_no_trace(files: Path) -> None:
    case, marks, worker = _full_case()
    first, second = supervisor(), supervisor()
    tokens = _tokens(case)
    wrapped = list(CaseKey.objects.filter(case=case).values_list("wrapped", flat=True))
    old_client = Party.objects.get(case=case, role=Party.Role.CLIENT)
    summary_token = Case.objects.get(pk=case.pk).sealed_summary
    assert tokens and wrapped and any(files.iterdir())
    assert NameToken.objects.filter(case=case).exists()

    pending = erasure.request_erasure(
        None, case, grounds=Grounds.CLIENT_REQUEST, note="Asked by phone.", by=first
    )
    erasure.decide(None, pending, approve=True, by=second)

    case.refresh_from_db()
    assert case.status == "erased" and case.erased_at is not None
    assert not CaseKey.objects.filter(case=case).exists()
    assert erasure.leftovers(case) == []
    assert not NameToken.objects.filter(case=case).exists(), "the person index goes too"
    assert not any(files.iterdir()), "the document file must be deleted"
    dump = _dump()
    for token in [*tokens, *wrapped]:
        assert token not in dump
    for mark in marks.values():
        assert mark not in dump
    # Tokens kept elsewhere (a backup) no longer open: the key that could read them is gone.
    tombstone = Case.objects.get(pk=case.pk)
    tombstone.sealed_summary = summary_token
    with pytest.raises(CaseKeyMissing):
        _ = tombstone.summary
    copy = Party(case=tombstone, uid=old_client.uid, role=Party.Role.CLIENT)
    copy.sealed_name = old_client.sealed_name
    with pytest.raises(CaseKeyMissing):
        _ = copy.name
    ledger = Erasure.objects.get(case_uid=case.uid)
    assert (ledger.requested_by, ledger.approved_by) == (first, second)
    assert ErasureRequest.objects.get(pk=pending.pk).decision == "approved"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "casework.erasure.request" in actions and "casework.case.erase" in actions
    assert worker.pk  # the advocate account is untouched


def test_the_person_who_asked_cannot_approve() -> None:
    case = closed_case(advocate())
    first = supervisor()
    pending = erasure.request_erasure(
        None, case, grounds=Grounds.RETENTION_ENDED, note="", by=first
    )
    with pytest.raises(erasure.ErasureError, match="different supervisor"):
        erasure.decide(None, pending, approve=True, by=first)
    case.refresh_from_db()
    assert case.status == "closed" and CaseKey.objects.filter(case=case).exists()
    assert ErasureRequest.objects.get(pk=pending.pk).pending


def test_only_supervisors_decide() -> None:
    worker = advocate()
    case = closed_case(worker)
    pending = pending_erasure(case, supervisor())
    with pytest.raises(erasure.ErasureError, match="Only a supervisor"):
        erasure.decide(None, pending, approve=True, by=worker)
    assert CaseKey.objects.filter(case=case).exists()


def test_a_legal_hold_blocks_erasure_at_every_step() -> None:
    case = closed_case(advocate())
    first, second = supervisor(), supervisor()
    retention.place_hold(None, case, reason="Civil claim pending.", by=first)
    with pytest.raises(erasure.ErasureError, match="legal hold"):
        erasure.request_erasure(None, case, grounds=Grounds.RETENTION_ENDED, note="", by=first)
    assert not ErasureRequest.objects.exists()

    retention.lift_hold(None, case, reason="Claim settled.", by=first)
    pending = erasure.request_erasure(
        None, case, grounds=Grounds.RETENTION_ENDED, note="", by=first
    )
    retention.place_hold(None, case, reason="A new claim.", by=second)
    with pytest.raises(erasure.ErasureError, match="legal hold"):
        erasure.decide(None, pending, approve=True, by=second)
    case.refresh_from_db()
    assert case.status == "closed" and CaseKey.objects.filter(case=case).exists()
    assert not Erasure.objects.exists()
    assert ErasureRequest.objects.get(pk=pending.pk).pending


def test_an_open_case_is_erased_only_at_the_clients_request() -> None:
    case = make_case(advocate())
    first, second = supervisor(), supervisor()
    for grounds in (Grounds.RETENTION_ENDED, Grounds.RECORDED_IN_ERROR):
        with pytest.raises(erasure.ErasureError, match="still open"):
            erasure.request_erasure(None, case, grounds=grounds, note="", by=first)
    pending = erasure.request_erasure(None, case, grounds=Grounds.CLIENT_REQUEST, note="", by=first)
    erasure.decide(None, pending, approve=True, by=second)
    assert Case.objects.get(pk=case.pk).status == "erased"


def test_one_pending_request_at_a_time_and_refusal_or_withdrawal_keeps_the_case() -> None:
    case = closed_case(advocate())
    first, second = supervisor(), supervisor()
    pending = erasure.request_erasure(
        None, case, grounds=Grounds.RETENTION_ENDED, note="", by=first
    )
    with pytest.raises(erasure.ErasureError, match="already a request"):
        erasure.request_erasure(None, case, grounds=Grounds.RETENTION_ENDED, note="", by=second)
    with pytest.raises(erasure.ErasureError, match="Only the supervisor who asked"):
        erasure.withdraw(None, pending, by=second)
    erasure.decide(None, pending, approve=False, by=second)
    with pytest.raises(erasure.ErasureError, match="already been decided"):
        erasure.decide(None, pending, approve=True, by=second)
    again = erasure.request_erasure(None, case, grounds=Grounds.RETENTION_ENDED, note="", by=first)
    erasure.withdraw(None, again, by=first)
    case.refresh_from_db()
    assert case.status == "closed" and CaseKey.objects.filter(case=case).exists()
    decisions = set(ErasureRequest.objects.values_list("decision", flat=True))
    assert decisions == {"refused", "withdrawn"}


def _snapshot(case: Case, files: Path) -> tuple[str, dict[Path, bytes]]:
    """What a backup taken now would hold of this case: its rows and its files."""
    rows: list[Any] = [Case.objects.get(pk=case.pk), *CaseKey.objects.filter(case=case)]
    for sealed in sealed_models():
        if sealed.model is not Case:
            rows += list(sealed.rows_of(case))
    for model in erasure._reverse_relations():
        if model[0] not in {s.model for s in sealed_models()} and model[0] is not CaseKey:
            rows += list(model[0]._default_manager.filter(**{model[1]: case.pk}))
    return serializers.serialize("json", rows), {p: p.read_bytes() for p in files.iterdir()}


def _restore(snapshot: tuple[str, dict[Path, bytes]]) -> None:
    data, stored = snapshot
    for obj in serializers.deserialize("json", data):
        obj.save()
    for path, content in stored.items():
        path.write_bytes(content)


def _erase(case: Case) -> None:
    pending = pending_erasure(case, supervisor(), Grounds.CLIENT_REQUEST)
    erasure.decide(None, pending, approve=True, by=supervisor())


def test_replaying_the_ledger_erases_a_case_a_restore_brought_back(files: Path) -> None:
    case, marks, _ = _full_case()
    snapshot = _snapshot(case, files)
    _erase(closed_case(advocate()))  # another erasure: replay must leave it as it is
    _erase(case)
    _restore(snapshot)  # a backup from before the erasure
    restored = Case.objects.get(pk=case.pk)
    assert restored.summary == marks["summary"], "the restore really brought the case back"
    assert erasure.leftovers(restored)
    with pytest.raises(CommandError, match="problems found"):
        call_command("casework", "keys", "check")

    assert erasure.replay_ledger() == [case.reference]

    restored = Case.objects.get(pk=case.pk)
    assert restored.status == "erased" and erasure.leftovers(restored) == []
    assert not CaseKey.objects.filter(case=case).exists()
    assert not Document.objects.filter(case=case).exists()
    assert not any(files.iterdir())
    assert erasure.replay_ledger() == []  # idempotent
    call_command("casework", "keys", "check")
    assert AuditEvent.objects.filter(action="casework.case.erase.replay").count() == 1


def test_the_ledger_file_survives_a_restore_that_lost_the_ledger_row(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case, marks, _ = _full_case()
    snapshot = _snapshot(case, files)
    _erase(case)
    ledger = tmp_path / "erasure-ledger.jsonl"
    call_command("casework", "erasures", "export", str(ledger))
    lines = ledger.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["case_uid"] == str(case.uid)
    for mark in marks.values():
        assert mark not in ledger.read_text()
    # The restored database predates the erasure: its ledger row is gone as well.
    Erasure.objects.all().delete()
    _restore(snapshot)
    call_command("casework", "erasures", "replay")  # the database alone knows nothing
    assert Case.objects.get(pk=case.pk).summary == marks["summary"]

    call_command("casework", "erasures", "replay", "--ledger", str(ledger))

    assert case.reference in capsys.readouterr().out
    assert erasure.leftovers(Case.objects.get(pk=case.pk)) == []
    assert Erasure.objects.filter(case_uid=case.uid).exists(), "the ledger row is put back"


def test_a_damaged_ledger_file_is_refused(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text('{"case_uid": "x"}\n')
    with pytest.raises(CommandError, match="line 1"):
        call_command("casework", "erasures", "replay", "--ledger", str(ledger))


def test_erasure_through_the_pages_needs_two_supervisors_and_a_fresh_sign_in() -> None:
    case = closed_case(advocate())
    first, second = supervisor(), supervisor()
    asking = client_for("supervisor", {"supervisor": first})
    page = asking.get(reverse("rights_erasure_request", args=[case.reference]))
    assert page.status_code == 200 and "second supervisor" in page.content.decode()
    response = asking.post(
        reverse("rights_erasure_request", args=[case.reference]),
        {"grounds": Grounds.RETENTION_ENDED, "note": "Six years since closure."},
    )
    assert response.status_code == 302
    pending = ErasureRequest.objects.get(case=case)
    decide_url = reverse("rights_erasure_decide", args=[case.reference, pending.uid])
    assert response["Location"] == decide_url

    own = reauthenticated_client(first).post(decide_url, {"decision": "approve"})
    assert own.status_code == 200 and "different supervisor" in own.content.decode()

    stale = client_for("supervisor", {"supervisor": second}).post(
        decide_url, {"decision": "approve"}
    )
    assert stale.status_code == 302 and "reauthenticate" in stale["Location"]
    assert Case.objects.get(pk=case.pk).status == "closed"

    done = reauthenticated_client(second).post(decide_url, {"decision": "approve"})
    assert done.status_code == 302 and done["Location"] == reverse("casework_home")
    assert Case.objects.get(pk=case.pk).status == "erased"
    gone = client_for("supervisor", {"supervisor": second}).get(
        reverse("case_detail", args=[case.reference])
    )
    assert gone.status_code == 404


def test_the_erasure_page_says_why_a_held_case_cannot_be_erased() -> None:
    case = closed_case(advocate())
    boss = supervisor()
    retention.place_hold(None, case, reason="Inquiry.", by=boss)
    client = client_for("supervisor", {"supervisor": boss})
    page = client.get(reverse("rights_erasure_request", args=[case.reference]))
    assert "cannot be erased" in page.content.decode()
    refused = client.post(
        reverse("rights_erasure_request", args=[case.reference]),
        {"grounds": Grounds.RETENTION_ENDED},
    )
    assert refused.status_code == 200 and not ErasureRequest.objects.exists()


def test_access_requests_and_their_sealed_exports_go_with_the_case() -> None:
    case = closed_case(advocate())
    access_request(case)
    _erase(case)
    assert not SubjectAccessRequest.objects.filter(case=case).exists()
