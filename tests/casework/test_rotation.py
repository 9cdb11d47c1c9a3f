"""Key rotation: rewrap lets an old master key go; rotate really re-encrypts (values and
files) and then destroys the old data key; check finds what does not decrypt."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.casework import keys, rotation
from accord.casework.documents import read_document
from accord.casework.models import Case, CaseKey, Document, Party
from accord.crypto.keyring import DecryptionError, Keyring
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.matrix_casework_rights import populate

pytestmark = pytest.mark.django_db

OLD = Keyring.generate_key_spec("old")
NEW = Keyring.generate_key_spec("new")


@pytest.fixture(autouse=True)
def files(settings: Any, tmp_path: Path) -> Path:
    settings.ACCORD_CASE_FILES_DIR = tmp_path / "case-files"
    return Path(settings.ACCORD_CASE_FILES_DIR)


def _case_with_everything() -> tuple[Case, dict[str, str]]:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate)
    marks = populate(case, advocate)
    marks["summary"] = case.summary
    return case, marks


def _stored_tokens(case: Case) -> list[str]:
    found = []
    for sealed in rotation.sealed_models():
        for row in sealed.rows_of(case):
            found += [getattr(row, column) for column in sealed.columns if getattr(row, column)]
    return found


def _tokens_with_context(case: Case) -> list[tuple[str, bytes]]:
    """Each stored token with the AAD it was sealed under (model, attribute, row uid)."""
    found = []
    for sealed in rotation.sealed_models():
        for row in sealed.rows_of(case):
            for name, column in sealed.attributes:
                if getattr(row, column):
                    context = f"casework.{row._meta.model_name}.{name}:{row.uid}"
                    found.append((getattr(row, column), context.encode()))
    return found


def _plaintexts(case: Case) -> list[str]:
    fresh = Case.objects.get(pk=case.pk)
    found = []
    for sealed in rotation.sealed_models():
        for row in [fresh] if sealed.model is Case else sealed.rows_of(fresh):
            found += [rotation.open_text(row, name) for name, _ in sealed.attributes]
    return found


def test_rewrap_lets_the_old_master_key_be_removed(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.ACCORD_CASE_KEYS = OLD
    case, marks = _case_with_everything()
    other = make_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    settings.ACCORD_CASE_KEYS = NEW  # the new key alone cannot unwrap the case keys yet
    with pytest.raises(DecryptionError):
        _ = Case.objects.get(pk=case.pk).summary

    settings.ACCORD_CASE_KEYS = f"{NEW},{OLD}"
    call_command("casework", "keys", "rewrap")
    assert "rewrapped now: 2" in capsys.readouterr().out
    call_command("casework", "keys", "rewrap")  # idempotent
    assert "rewrapped now: 0; already on the primary master key: 2" in capsys.readouterr().out

    settings.ACCORD_CASE_KEYS = NEW  # the old master key is gone
    assert Case.objects.get(pk=case.pk).summary == marks["summary"]
    assert Case.objects.get(pk=other.pk).summary == other.summary
    call_command("casework", "keys", "check")
    settings.ACCORD_CASE_KEYS = OLD  # and the old key alone no longer opens anything
    with pytest.raises(DecryptionError):
        _ = Case.objects.get(pk=case.pk).summary


def test_rewrap_reports_keys_it_cannot_unwrap(settings: Any) -> None:
    settings.ACCORD_CASE_KEYS = OLD
    make_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    settings.ACCORD_CASE_KEYS = NEW  # the old key was removed too early
    with pytest.raises(CommandError, match="could not be unwrapped"):
        call_command("casework", "keys", "rewrap")


def test_rotate_re_encrypts_everything_including_files_and_destroys_the_old_key(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case, marks = _case_with_everything()
    untouched = make_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    untouched_tokens = _stored_tokens(untouched)
    before_text = _plaintexts(case)
    before_tokens = _stored_tokens(case)
    document = Document.objects.get(case=case)
    file_before = rotation.file_path(document).read_bytes()
    ((old_id, old_key),) = keys.data_keyring(Case.objects.get(pk=case.pk)).keys
    assert old_id == "g1" and file_before.startswith(b"v1:g1:")

    call_command("casework", "keys", "rotate", "--case", case.reference)
    assert f"{case.reference}: now on key generation 2" in capsys.readouterr().out

    assert list(CaseKey.objects.filter(case=case).values_list("generation", flat=True)) == [2]
    after_tokens = _stored_tokens(case)
    assert len(after_tokens) == len(before_tokens)
    assert all(token.startswith("v1:g2:") for token in after_tokens)
    assert not set(after_tokens) & set(before_tokens)
    assert _plaintexts(case) == before_text
    # The old data key opens nothing that is stored now, even under the new key's name,
    # while the new key opens every value with the same context.
    new_ring = keys.data_keyring(Case.objects.get(pk=case.pk))
    for token, context in _tokens_with_context(case):
        new_ring.decrypt(token, context)
        for key_id in ("g1", "g2"):
            with pytest.raises(DecryptionError):
                Keyring(((key_id, old_key),)).decrypt(token, context)
    file_after = rotation.file_path(document).read_bytes()
    assert file_after.startswith(b"v1:g2:") and file_after != file_before
    fresh = Case.objects.get(pk=case.pk)
    with pytest.raises(DecryptionError):
        keys.open_bytes(fresh, file_before, rotation.file_context(document))
    # The documents module (its own AAD for files) still reads the rotated file.
    assert marks["document-body"].encode() in read_document(None, fresh, document)
    assert sorted(p.name for p in files.iterdir()) == [document.storage_name]
    assert _stored_tokens(untouched) == untouched_tokens
    call_command("casework", "keys", "check")


def test_an_interrupted_rotation_keeps_the_old_key_and_a_rerun_finishes(
    monkeypatch: pytest.MonkeyPatch, files: Path
) -> None:
    case, marks = _case_with_everything()
    document = Document.objects.get(case=case)

    def crash(source: Any, target: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        rotation.rotate_case(case)
    monkeypatch.undo()
    # Values are on the new key, the file still on the old one: both keys are kept.
    generations = CaseKey.objects.filter(case=case).values_list("generation", flat=True)
    assert sorted(generations) == [1, 2]
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.summary == marks["summary"]
    assert marks["document-body"].encode() in read_document(None, fresh, document)
    call_command("casework", "keys", "check")

    report = rotation.rotate_case(case)

    assert report.generation == 3 and report.files == 1
    assert list(CaseKey.objects.filter(case=case).values_list("generation", flat=True)) == [3]
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.summary == marks["summary"]
    assert marks["document-body"].encode() in read_document(None, fresh, document)
    assert [p.name for p in files.iterdir()] == [document.storage_name], "no staged copies left"


def test_old_keys_stay_until_every_file_is_verified_on_the_new_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case, marks = _case_with_everything()
    document = Document.objects.get(case=case)
    monkeypatch.setattr(os, "replace", lambda source, target: None)  # a lost swap
    with pytest.raises(rotation.RotationError, match="not on the new key"):
        rotation.rotate_case(case)
    monkeypatch.undo()
    generations = CaseKey.objects.filter(case=case).values_list("generation", flat=True)
    assert sorted(generations) == [1, 2]
    fresh = Case.objects.get(pk=case.pk)
    assert marks["document-body"].encode() in read_document(None, fresh, document)


def test_rotate_all_and_a_missing_file_stops_the_rotation_without_losing_keys(
    files: Path,
) -> None:
    case, _ = _case_with_everything()
    second = make_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    call_command("casework", "keys", "rotate", "--all")
    assert CaseKey.objects.get(case=second).generation == 2
    rotation.file_path(Document.objects.get(case=case)).unlink()
    with pytest.raises(CommandError, match="missing"):
        call_command("casework", "keys", "rotate", "--case", case.reference)
    assert list(CaseKey.objects.filter(case=case).values_list("generation", flat=True)) == [2]
    with pytest.raises(CommandError, match="No case"):
        call_command("casework", "keys", "rotate", "--case", "NOT-THERE")


def test_check_finds_values_that_do_not_decrypt(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    case, _ = _case_with_everything()
    call_command("casework", "keys", "check")
    assert "Everything decrypts" in capsys.readouterr().out
    client = Party.objects.get(case=case, role=Party.Role.CLIENT)
    perpetrator = Party.objects.get(case=case, role=Party.Role.PERPETRATOR)
    Party.objects.filter(pk=perpetrator.pk).update(sealed_name=client.sealed_name)
    with pytest.raises(CommandError, match="1 problems"):
        call_command("casework", "keys", "check")
    err = capsys.readouterr().err
    assert f"{case.reference}: Party {perpetrator.uid} name" in err
    assert client.name not in err

    settings.ACCORD_CASE_KEYS = Keyring.generate_key_spec("wrong")
    with pytest.raises(CommandError):
        call_command("casework", "keys", "check")


def test_every_sealed_model_is_found() -> None:
    names = {sealed.model.__name__ for sealed in rotation.sealed_models()}
    assert {
        "Case",
        "Party",
        "Consent",
        "RiskAssessment",
        "SafetyPlan",
        "SafetyAction",
        "Activity",
        "Document",
        "Referral",
        "ErasureRequest",
        "DataRightsDecision",
        "SubjectAccessRequest",
    } <= names
