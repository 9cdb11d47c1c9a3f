"""Authorization matrix rows for casework rights pages, and the objects they need.

It also holds the helpers the rights tests share (this is the one test module of the area
that is not itself a test file).

Every rights page is for supervisors only: advocates get 404 like everyone else outside the
supervisor role. Deciding an erasure, approving a subject access export and downloading it
need a fresh sign-in, so the matrix (whose sessions have none) sees a redirect there; the
tests in tests/casework/ sign in again with :func:`reauthenticated_client`.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from typing import Any

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.test import Client
from django.utils import timezone

from accord.accounts.models import User
from accord.casework import services
from accord.casework.models import Case, ErasureRequest, Party, SubjectAccessRequest
from accord.casework.vocabularies import ClosureReason
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import canary, make_case
from tests.factories import person
from tests.security.principals import PRINCIPALS, client_for

# The matrix's row type (tests.security.matrix.Expect). This module cannot import the matrix:
# the rights tests import the helpers below, and tests.security.matrix imports this module
# while it loads, so importing it from here would be circular.
Expect = dict[str, dict[str, int]]


def reauthenticated_client(user: User, role: str = "supervisor") -> Client:
    """A signed-in client that has also just confirmed with its authenticator app (allauth's
    record of an MFA re-authentication: a password alone does not pass a step-up)."""
    client = client_for(role, {role: user})
    session = client.session
    methods = list(session[AUTHENTICATION_METHODS_SESSION_KEY])
    methods.append({"method": "mfa", "at": time.time(), "type": "totp", "reauthenticated": True})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = methods
    session.save()
    return client


def supervisor() -> User:
    return person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)


def closed_case(advocate: User, **overrides: Any) -> Case:
    case = make_case(advocate, **overrides)
    return services.close(
        None,
        case,
        reason=ClosureReason.SUPPORT_COMPLETE,
        note="",
        feels_safe=None,
        trusts_complaints_process=None,
        by=advocate,
    )


def pending_erasure(
    case: Case, by: User, grounds: str = ErasureRequest.Grounds.RETENTION_ENDED
) -> ErasureRequest:
    request = ErasureRequest(case=case, grounds=grounds, requested_by=by)
    request.note = ""
    request.save()
    return request


def access_request(
    case: Case, *, role: str = Party.Role.CLIENT, by: User | None = None
) -> SubjectAccessRequest:
    party = Party.objects.get(case=case, role=role)
    return SubjectAccessRequest.objects.create(
        case=case,
        party=party,
        received_on=timezone.localdate() - dt.timedelta(days=2),
        identity_checked=True,
        requested_by=by or supervisor(),
    )


def _prepared(case: Case, *, approved: bool) -> SubjectAccessRequest:
    from accord.casework import sar

    reviewer, approver = supervisor(), supervisor()
    found = access_request(case, by=reviewer)
    items = sar.items_for(found)
    found = sar.prepare(
        None, found, included=[i.key for i in items if i.own], reason="", by=reviewer
    )
    return sar.approve(None, found, by=approver) if approved else found


def populate(case: Case, by: User) -> dict[str, str]:
    """One record of every kind on ``case``, each holding its own canary (label -> canary).
    Needs ACCORD_CASE_FILES_DIR pointed at a temporary folder (the document is stored)."""
    from accord.casework import equality
    from accord.casework.documents import store_document
    from accord.casework.models import (
        Activity,
        Consent,
        Referral,
        RiskAssessment,
        SafetyAction,
        SafetyPlan,
    )
    from accord.casework.vocabularies import (
        ActivityKind,
        MaracDecision,
        PlanActionOwner,
        ReferralTo,
    )

    marks = {
        name: canary(name)
        for name in (
            "activity",
            "plan",
            "action",
            "risk",
            "referral-note",
            "referral-outcome",
            "consent-note",
            "document-name",
            "document-description",
            "document-body",
            "other-person",
        )
    }
    activity = Activity(
        case=case, kind=ActivityKind.CALL, occurred_at=timezone.now(), created_by=by
    )
    activity.text = f"Called her. {marks['activity']}"
    activity.save()
    plan = SafetyPlan(case=case, review_on=timezone.localdate(), created_by=by)
    plan.notes = marks["plan"]
    plan.save()
    action = SafetyAction(case=case, plan=plan, owner=PlanActionOwner.CLIENT, created_by=by)
    action.text = marks["action"]
    action.save()
    risk = RiskAssessment(
        case=case,
        completed_on=timezone.localdate(),
        checklist_version="DASH 2009",
        yes_count=15,
        high_risk_by_count=True,
        marac_decision=MaracDecision.REFER,
        created_by=by,
    )
    risk.answers = {"q1": "yes", "q2": "no"}
    risk.narrative = marks["risk"]
    risk.save()
    referral = Referral(case=case, to=ReferralTo.MARAC, made_on=timezone.localdate())
    referral.note = marks["referral-note"]
    referral.outcome = marks["referral-outcome"]
    referral.save()
    consent = Consent.objects.filter(case=case).first()
    assert consent is not None
    consent.case = case
    consent.note = marks["consent-note"]
    consent.save()
    other = Party(case=case, role=Party.Role.OTHER, created_by=by)
    other.name = marks["other-person"]
    other.save()
    upload = io.BytesIO(f"A letter. {marks['document-body']}".encode())
    upload.name = f"{marks['document-name']}.txt"
    store_document(None, case, upload, marks["document-description"], by=by)
    equality.record_answers(
        None, case, {"ethnicity": "white_roma", "immigration_status": "asylum"}, by=by
    )
    return marks


# --- URL kwargs -------------------------------------------------------------------------------


def _case(users: dict[str, Any]) -> dict[str, Any]:
    return {"reference": make_case(users["advocate"]).reference}


def _erasure(users: dict[str, Any]) -> dict[str, Any]:
    case = closed_case(users["advocate"])
    return {"reference": case.reference, "request_uid": pending_erasure(case, supervisor()).uid}


def _sar_in_review(users: dict[str, Any]) -> dict[str, Any]:
    case = make_case(users["advocate"])
    return {"reference": case.reference, "sar_uid": access_request(case).uid}


def _sar_waiting(users: dict[str, Any]) -> dict[str, Any]:
    case = make_case(users["advocate"])
    return {"reference": case.reference, "sar_uid": _prepared(case, approved=False).uid}


def _sar_approved(users: dict[str, Any]) -> dict[str, Any]:
    case = make_case(users["advocate"])
    return {"reference": case.reference, "sar_uid": _prepared(case, approved=True).uid}


def _supervisors(get: int, post: int) -> Expect:
    """``matrix.casework(workers=(404, 404), supervisor=(get, post))``, built here (see
    ``Expect``); tests/casework/test_restriction.py checks that the two agree."""
    row = dict.fromkeys(PRINCIPALS, (404, 404))
    row.update(
        anonymous=(302, 302),
        deactivated=(302, 302),
        mfa_not_done=(302, 302),
        supervisor=(get, post),
    )
    return {"GET": {k: v[0] for k, v in row.items()}, "POST": {k: v[1] for k, v in row.items()}}


ROWS: dict[str, Expect] = {
    "rights_retention": _supervisors(200, 405),
    "rights_person_search": _supervisors(200, 200),
    "rights_restriction": _supervisors(200, 200),
    "rights_legal_hold": _supervisors(200, 200),
    "rights_keep": _supervisors(200, 200),
    "rights_erasure_request": _supervisors(200, 200),
    # POST needs a fresh sign-in: redirected to re-authenticate.
    "rights_erasure_decide": _supervisors(200, 302),
    "rights_sar_new": _supervisors(200, 200),
    "rights_sar_detail": _supervisors(200, 405),
    "rights_sar_review": _supervisors(200, 200),
    "rights_sar_approve": _supervisors(405, 302),
    "rights_sar_json": _supervisors(302, 405),
    "rights_sar_pdf": _supervisors(302, 405),
}
KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "rights_restriction": _case,
    "rights_legal_hold": _case,
    "rights_keep": _case,
    "rights_erasure_request": _case,
    "rights_erasure_decide": _erasure,
    "rights_sar_new": _case,
    "rights_sar_detail": _sar_waiting,
    "rights_sar_review": _sar_in_review,
    "rights_sar_approve": _sar_waiting,
    "rights_sar_json": _sar_approved,
    "rights_sar_pdf": _sar_approved,
}
