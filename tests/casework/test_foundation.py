"""The casework foundation: per-case keys, sealed fields, the visibility gate, intake."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.casework import keys
from accord.casework.models import Case, CaseKey, Party
from accord.crypto.keyring import DecryptionError, Keyring, KeyringError
from accord.policy.roles import OrgKind, Role
from accord.policy.rules import can
from tests.casework.factories import make_case, service_of
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def test_sealed_fields_round_trip_and_store_no_plaintext() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate, summary="She fears he will use the police database.")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.summary == "She fears he will use the police database."
    assert "police database" not in fresh.sealed_summary
    assert fresh.sealed_summary.startswith("v1:g1:")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_summary FROM casework_case WHERE id = %s", [case.pk])
        (stored,) = cursor.fetchone()
    assert "police database" not in stored


def test_a_token_copied_to_another_row_or_case_does_not_decrypt() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    first, second = make_case(advocate), make_case(advocate)
    second_fresh = Case.objects.get(pk=second.pk)
    second_fresh.sealed_summary = Case.objects.get(pk=first.pk).sealed_summary
    with pytest.raises(DecryptionError):
        _ = second_fresh.summary
    client = Party.objects.get(case=first, role=Party.Role.CLIENT)
    perpetrator = Party.objects.get(case=first, role=Party.Role.PERPETRATOR)
    perpetrator.sealed_name = client.sealed_name
    with pytest.raises(DecryptionError):
        _ = perpetrator.name


def test_a_missing_or_wrong_key_raises_never_returns_ciphertext() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate)
    other = Keyring.generate_key_spec("other")
    with override_settings(ACCORD_CASE_KEYS=other), pytest.raises(DecryptionError):
        _ = Case.objects.get(pk=case.pk).summary
    with override_settings(ACCORD_CASE_KEYS=""), pytest.raises(KeyringError):
        _ = Case.objects.get(pk=case.pk).summary
    CaseKey.objects.filter(case=case).delete()
    with pytest.raises(keys.CaseKeyMissing):
        _ = Case.objects.get(pk=case.pk).summary


def test_visible_to_and_the_policy_rule_agree() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    admin = person(OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN)
    police = person(OrgKind.POLICE, Role.ANALYST)
    sysadmin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    mine = make_case(advocate)
    theirs = make_case(colleague)
    queued = make_case(None, organisation=service_of(advocate))
    expected = {
        advocate: {mine, queued},
        colleague: {theirs, queued},
        supervisor: {mine, theirs, queued},
        admin: set(),
        police: set(),
        sysadmin: set(),
    }
    for user, cases in expected.items():
        assert set(Case.objects.visible_to(user)) == cases, user
        for case in (mine, theirs, queued):
            assert can(user, "casework.view_case", case) == (case in cases), (user, case)


def test_staff_intake_opens_an_assigned_case_with_audit() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    client = client_for("advocate", {"advocate": advocate})
    response = client.post(
        reverse("case_new"),
        {
            "name": "Alex",
            "method": "text",
            "phone": "07700 900123",
            "voicemail_safe": "no",
            "officer_status": "serving_officer",
            "force": "met",
            "rank_band": "constable",
            "local_team_involved": "yes",
            "consents": ["keep_record", "contact"],
            "consent_method": "verbal",
            "feels_safe": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.advocate == advocate and case.status == "open" and case.conflict_of_interest
    assert case.client is not None and case.client.name == "Alex"
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Alex" in body and "Conflict of interest" in body and "Do not leave a message" in body
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "casework.case.open" in actions and "casework.case.view" in actions


def test_intake_without_consent_to_keep_a_record_is_refused_and_saves_nothing() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    client = client_for("advocate", {"advocate": advocate})
    response = client.post(
        reverse("case_new"),
        {"name": "Alex", "method": "email", "voicemail_safe": "no", "consents": ["contact"]},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter an email address" in body
    assert "only open a case if the client agrees that we keep a record" in body
    assert Case.objects.count() == 0 and CaseKey.objects.count() == 0


def test_supervisor_assigns_a_queued_case_and_it_opens() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    queued = make_case(None, organisation=service_of(advocate))
    client = client_for("supervisor", {"supervisor": supervisor})
    response = client.post(
        reverse("case_assign", args=[queued.reference]), {"advocate": advocate.pk}
    )
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.advocate == advocate and queued.status == "open"
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    assert (
        client_for("advocate", {"advocate": colleague})
        .get(reverse("case_detail", args=[queued.reference]))
        .status_code
        == 404
    )


def test_close_records_the_closing_ratings_and_a_retention_review_date() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate)
    client = client_for("advocate", {"advocate": advocate})
    response = client.post(
        reverse("case_close", args=[case.reference]),
        {"reason": "support_complete", "feels_safe": "4", "trusts_complaints_process": "3"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed" and case.retention_review_on is not None
    stages = {m.stage: m.feels_safe for m in case.outcome_measures.all()}
    assert stages == {"intake": 2, "closure": 4}
    # A closed case is read-only.
    again = client.post(reverse("case_close", args=[case.reference]), {"reason": "other"})
    assert again.status_code == 404


def test_the_intake_form_renders_consents_as_checkboxes_not_radios() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    body = client_for("advocate", {"advocate": advocate}).get(reverse("case_new")).content
    html = body.decode()
    boxes = html.count('name="consents" type="checkbox"')
    assert boxes == 7 and 'name="consents" type="radio"' not in html


def test_a_case_page_unwraps_the_case_key_once() -> None:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from accord.casework.models import Activity

    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate)
    for number in range(5):
        activity = Activity(case=case, kind="note", created_by=advocate)
        activity.text = f"note {number}"
        activity.save()
    client = client_for("advocate", {"advocate": advocate})
    with CaptureQueriesContext(db) as queries:
        assert client.get(reverse("case_detail", args=[case.reference])).status_code == 200
    key_reads = [q for q in queries.captured_queries if "casework_casekey" in q["sql"]]
    assert len(key_reads) == 1, [q["sql"] for q in key_reads]


def test_sqlite_overwrites_deleted_rows() -> None:
    """Erasure deletes key rows; their bytes must not linger in free pages of the file."""
    if connection.vendor != "sqlite":
        pytest.skip("secure_delete is an SQLite setting")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
