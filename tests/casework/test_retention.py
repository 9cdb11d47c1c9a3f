"""Retention: closed cases come up for review, a supervisor keeps them (with a reason), holds
them, or asks for erasure; the lists and the command show no case content."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accord.audit.models import AuditEvent
from accord.casework import retention
from accord.casework.models import Case, DataRightsDecision
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.matrix_casework_rights import closed_case, pending_erasure, supervisor
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def advocate() -> Any:
    return person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)


def _past_review(case: Case, days: int = 1) -> None:
    Case.objects.filter(pk=case.pk).update(
        retention_review_on=timezone.localdate() - dt.timedelta(days=days)
    )
    case.refresh_from_db()


def test_a_closed_case_comes_up_for_review_when_its_retention_period_ends() -> None:
    case = closed_case(advocate())
    make_case(advocate())  # open cases never come up
    review_on = timezone.localdate() + dt.timedelta(days=settings.ACCORD_CASE_RETENTION_DAYS)
    assert case.retention_review_on == review_on
    assert retention.due_list(today=review_on - dt.timedelta(days=1)) == []
    (due,) = retention.due_list(today=review_on)
    assert due.reference == case.reference and not due.legal_hold


def test_the_command_lists_due_cases_with_flags_and_no_content(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("casework", "retention")
    assert "No cases are due" in capsys.readouterr().out
    held, asked = closed_case(advocate()), closed_case(advocate())
    _past_review(held, 3)
    _past_review(asked)
    retention.place_hold(None, held, reason="Civil claim.", by=supervisor())
    pending_erasure(asked, supervisor())

    call_command("casework", "retention")

    out = capsys.readouterr().out
    assert "2 closed cases are due" in out
    assert f"{held.reference}" in out and "(legal hold)" in out
    assert f"{asked.reference}" in out and "(erasure requested)" in out
    assert out.index(held.reference) < out.index(asked.reference), "oldest review first"
    for case in (held, asked):
        assert case.summary not in out and case.client.name not in out  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="casework.retention.list").exists()


def test_keeping_a_case_moves_its_review_with_a_sealed_reason() -> None:
    case = closed_case(advocate())
    _past_review(case)
    boss = supervisor()
    until = timezone.localdate() + dt.timedelta(days=365)
    reason = "The complaint review is still running (IOPC)."

    retention.keep_until(None, case, until=until, reason=reason, by=boss)

    case.refresh_from_db()
    assert case.retention_review_on == until
    assert retention.due_list() == []
    decision = DataRightsDecision.objects.get(case=case)
    assert decision.kind == "keep" and decision.keep_until == until
    assert decision.reason == reason and decision.decided_by == boss
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_reason FROM casework_datarightsdecision")
        (stored,) = cursor.fetchone()
    assert "IOPC" not in stored
    assert AuditEvent.objects.filter(action="casework.retention.keep").count() == 1


@pytest.mark.parametrize(
    ("days", "reason", "message"),
    [
        (0, "Still needed.", "must be in the future"),
        (-5, "Still needed.", "must be in the future"),
        (settings.ACCORD_CASE_RETENTION_DAYS + 1, "Still needed.", "no later than"),
        (30, "   ", "Give the reason"),
    ],
)
def test_keeping_refuses_bad_dates_and_missing_reasons(
    days: int, reason: str, message: str
) -> None:
    case = closed_case(advocate())
    before = case.retention_review_on
    with pytest.raises(retention.RetentionError, match=message):
        retention.keep_until(
            None,
            case,
            until=timezone.localdate() + dt.timedelta(days=days),
            reason=reason,
            by=supervisor(),
        )
    case.refresh_from_db()
    assert case.retention_review_on == before and not DataRightsDecision.objects.exists()


def test_only_closed_cases_are_kept_and_only_by_supervisors() -> None:
    worker = advocate()
    open_case = make_case(worker)
    until = timezone.localdate() + dt.timedelta(days=10)
    with pytest.raises(retention.RetentionError, match="Only a closed case"):
        retention.keep_until(None, open_case, until=until, reason="x", by=supervisor())
    with pytest.raises(retention.RetentionError, match="Only a supervisor"):
        retention.keep_until(None, closed_case(worker), until=until, reason="x", by=worker)


def test_a_legal_hold_is_put_on_and_lifted_with_sealed_reasons() -> None:
    case = closed_case(advocate())
    boss = supervisor()
    retention.place_hold(None, case, reason="Civil claim CANARY-hold.", by=boss)
    case.refresh_from_db()
    assert case.legal_hold and case.legal_hold_reason == "Civil claim CANARY-hold."
    assert "CANARY-hold" not in case.sealed_legal_hold_reason
    with pytest.raises(retention.RetentionError, match="already under a legal hold"):
        retention.place_hold(None, case, reason="Again.", by=boss)

    retention.lift_hold(None, case, reason="Claim settled.", by=boss)

    case.refresh_from_db()
    assert not case.legal_hold and case.legal_hold_reason == ""
    with pytest.raises(retention.RetentionError, match="not under a legal hold"):
        retention.lift_hold(None, case, reason="Again.", by=boss)
    kinds = list(DataRightsDecision.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["hold", "lift_hold"]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"casework.legal_hold.place", "casework.legal_hold.lift"} <= actions


def test_the_retention_page_is_for_supervisors_and_shows_no_content() -> None:
    worker = advocate()
    case = closed_case(worker)
    _past_review(case)
    boss = supervisor()
    url = reverse("rights_retention")
    page = client_for("supervisor", {"supervisor": boss}).get(url)
    body = page.content.decode()
    assert page.status_code == 200 and case.reference in body
    assert f"{reverse('rights_erasure_request', args=[case.reference])}?grounds=" in body
    assert case.summary not in body and case.client.name not in body  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="casework.retention.view").exists()
    assert client_for("advocate", {"advocate": worker}).get(url).status_code == 404


def test_keep_and_hold_through_the_pages() -> None:
    case = closed_case(advocate())
    boss = client_for("supervisor", {"supervisor": supervisor()})
    until = timezone.localdate() + dt.timedelta(days=90)
    refused = boss.post(
        reverse("rights_keep", args=[case.reference]),
        {"until": (timezone.localdate() - dt.timedelta(days=1)).isoformat(), "reason": "x"},
    )
    assert "must be in the future" in refused.content.decode()
    kept = boss.post(
        reverse("rights_keep", args=[case.reference]),
        {"until": until.isoformat(), "reason": "Review still open."},
    )
    assert kept.status_code == 302 and kept["Location"].endswith("#rights")
    held = boss.post(reverse("rights_legal_hold", args=[case.reference]), {"reason": "Claim."})
    assert held.status_code == 302
    case.refresh_from_db()
    assert case.retention_review_on == until and case.legal_hold
    lift_page = boss.get(reverse("rights_legal_hold", args=[case.reference])).content.decode()
    assert "Lift the legal hold" in lift_page and "Claim." in lift_page
    empty = boss.post(reverse("rights_legal_hold", args=[case.reference]), {"reason": ""})
    assert "Give the reason" in empty.content.decode()
    assert Case.objects.get(pk=case.pk).legal_hold
