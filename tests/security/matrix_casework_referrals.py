"""Authorization matrix rows for referrals, consent, safe contact, the police connection,
supervisor reviews and equality monitoring. Every case here is open and assigned to the
advocate; a POST of nothing is a form with errors (200), never a change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.security.matrix import Expect, casework


def _case(users: dict[str, Any]) -> Any:
    from tests.casework.factories import make_case

    return make_case(users["advocate"])


def _reference(users: dict[str, Any]) -> dict[str, Any]:
    return {"reference": _case(users).reference}


def _referral(users: dict[str, Any]) -> dict[str, Any]:
    from accord.casework.referrals import make_referral

    case = _case(users)
    referral = make_referral(
        None, case, to="legal", made_on=timezone.localdate(), by=users["advocate"]
    )
    return {"reference": case.reference, "uid": referral.uid}


def _consent(users: dict[str, Any]) -> dict[str, Any]:
    case = _case(users)
    return {"reference": case.reference, "uid": case.consents.get(purpose="contact").uid}


def _perpetrator(users: dict[str, Any]) -> dict[str, Any]:
    case = _case(users)
    return {"reference": case.reference, "uid": case.parties.get(role="perpetrator").uid}


ROWS: dict[str, Expect] = {
    "referral_new": casework(workers=(200, 200)),
    "referral_update": casework(workers=(200, 200)),
    "consent_new": casework(workers=(200, 200)),
    "consent_withdraw": casework(workers=(200, 200)),
    "client_contact": casework(workers=(200, 200)),
    "perpetrator_new": casework(workers=(200, 200)),
    "perpetrator_edit": casework(workers=(200, 200)),
    "equality_answers": casework(workers=(200, 200)),
    "supervisor_review": casework(workers=(404, 404), supervisor=(200, 200)),
}
KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "referral_new": _reference,
    "referral_update": _referral,
    "consent_new": _reference,
    "consent_withdraw": _consent,
    "client_contact": _reference,
    "equality_answers": _reference,
    "perpetrator_new": _reference,
    "perpetrator_edit": _perpetrator,
    "supervisor_review": _reference,
}
