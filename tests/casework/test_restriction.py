"""Restriction of processing (UK GDPR Art 18): read-only, out of everyday lists, audited; and
the rights section of the case page."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.casework import retention
from accord.casework.models import DataRightsDecision
from accord.policy.roles import OrgKind, Role
from accord.policy.rules import can
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.matrix import casework
from tests.security.matrix_casework_rights import (
    ROWS,
    access_request,
    pending_erasure,
    supervisor,
)
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def advocate() -> Any:
    return person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)


def test_a_restricted_case_is_read_only_and_out_of_the_everyday_lists() -> None:
    worker = advocate()
    case = make_case(worker)
    boss = supervisor()
    pages = client_for("advocate", {"advocate": worker})
    assert case.reference in pages.get(reverse("casework_home")).content.decode()

    retention.restrict(None, case, reason="Client says a note is wrong.", by=boss)

    case.refresh_from_db()
    assert case.restricted and not can(worker, "casework.edit_case", case)
    assert case.reference not in pages.get(reverse("casework_home")).content.decode()
    assert pages.get(reverse("case_close", args=[case.reference])).status_code == 404
    assert pages.get(reverse("case_detail", args=[case.reference])).status_code == 200
    decision = DataRightsDecision.objects.get(case=case)
    assert decision.kind == "restrict" and decision.reason == "Client says a note is wrong."
    assert "note is wrong" not in decision.sealed_reason
    with pytest.raises(retention.RetentionError, match="already restricted"):
        retention.restrict(None, case, reason="Again.", by=boss)

    retention.unrestrict(None, case, reason="Checked and corrected.", by=boss)

    case.refresh_from_db()
    assert not case.restricted and can(worker, "casework.edit_case", case)
    assert case.reference in pages.get(reverse("casework_home")).content.decode()
    with pytest.raises(retention.RetentionError, match="not restricted"):
        retention.unrestrict(None, case, reason="Again.", by=boss)
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("casework.case.restrict") == 1
    assert actions.count("casework.case.unrestrict") == 1


def test_only_supervisors_restrict_and_a_reason_is_needed() -> None:
    worker = advocate()
    case = make_case(worker)
    with pytest.raises(retention.RetentionError, match="Only a supervisor"):
        retention.restrict(None, case, reason="Because.", by=worker)
    with pytest.raises(retention.RetentionError, match="Give the reason"):
        retention.restrict(None, case, reason="  ", by=supervisor())
    case.refresh_from_db()
    assert not case.restricted and not DataRightsDecision.objects.exists()
    url = reverse("rights_restriction", args=[case.reference])
    assert (
        client_for("advocate", {"advocate": worker}).post(url, {"reason": "x"}).status_code == 404
    )
    assert not case.restricted


def test_restricting_through_the_page() -> None:
    case = make_case(advocate())
    boss = client_for("supervisor", {"supervisor": supervisor()})
    url = reverse("rights_restriction", args=[case.reference])
    assert "Restrict processing" in boss.get(url).content.decode()
    assert "Give the reason" in boss.post(url, {"reason": ""}).content.decode()
    response = boss.post(url, {"reason": "Accuracy contested."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.restricted
    assert "Lift the restriction" in boss.get(url).content.decode()


def test_the_rights_section_shows_actions_to_supervisors_only() -> None:
    case = make_case(advocate())
    boss = supervisor()
    pending_erasure(case, boss, "client_request")
    access_request(case)
    for_supervisor = render_to_string(
        "casework/sections/_rights.html", {"case": case, "can_supervise": True}
    )
    for_advocate = render_to_string(
        "casework/sections/_rights.html", {"case": case, "can_supervise": False}
    )
    for url in (
        reverse("rights_restriction", args=[case.reference]),
        reverse("rights_legal_hold", args=[case.reference]),
        reverse("rights_sar_new", args=[case.reference]),
    ):
        assert url in for_supervisor and url not in for_advocate
    assert "waiting for a second supervisor" in for_supervisor
    assert "A supervisor handles" in for_advocate


def test_the_matrix_rows_match_the_shared_casework_shape() -> None:
    """The rows are built without importing the matrix (see matrix_casework_rights)."""
    for name, row in ROWS.items():
        supervisor_row = (row["GET"]["supervisor"], row["POST"]["supervisor"])
        assert row == casework(workers=(404, 404), supervisor=supervisor_row), name


def test_rights_pages_never_log_case_content(
    caplog: pytest.LogCaptureFixture, settings: Any, tmp_path: Any
) -> None:
    """A template lookup that fails is logged (at DEBUG) with the value it was tried on, so
    these pages must never probe a value that holds case content."""
    from accord.casework import sar
    from tests.security.matrix_casework_rights import closed_case, populate

    settings.ACCORD_CASE_FILES_DIR = tmp_path
    caplog.set_level(logging.DEBUG, logger="django.template")
    worker = advocate()
    case = make_case(worker)
    marks = populate(case, worker)
    marks["summary"] = case.summary
    boss, other = supervisor(), supervisor()
    retention.place_hold(None, case, reason=marks["summary"], by=boss)
    retention.restrict(None, case, reason="Accuracy contested.", by=boss)
    asked = pending_erasure(closed_case(worker), boss)
    asked.note = marks["plan"]
    asked.save()
    found = {status: access_request(case, by=boss) for status in ("review", "approval", "done")}
    for status in ("approval", "done"):
        keys = [i.key for i in sar.items_for(found[status]) if i.own]
        found[status] = sar.prepare(None, found[status], included=keys, reason="", by=boss)
    found["done"] = sar.approve(None, found["done"], by=other)
    pages = client_for("supervisor", {"supervisor": other})
    urls = [
        reverse("rights_retention"),
        reverse("rights_restriction", args=[case.reference]),
        reverse("rights_legal_hold", args=[case.reference]),
        reverse("rights_keep", args=[case.reference]),
        reverse("rights_sar_new", args=[case.reference]),
        reverse("rights_sar_review", args=[case.reference, found["review"].uid]),
        reverse("rights_erasure_decide", args=[asked.case.reference, asked.uid]),
        *(
            reverse("rights_sar_detail", args=[case.reference, sar_request.uid])
            for sar_request in found.values()
        ),
    ]
    for url in urls:
        assert pages.get(url).status_code == 200, url
    render_to_string("casework/sections/_rights.html", {"case": case, "can_supervise": True})
    assert marks["summary"] in pages.get(urls[2]).content.decode()  # the hold reason is shown
    for label, value in marks.items():
        assert value not in caplog.text, label
