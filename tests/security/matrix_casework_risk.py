"""Authorization matrix rows for casework risk pages: the DASH checklist and the safety plan.

The case in each URL is assigned to the advocate; the supervisor is in the same service. Both
may read and write; every other signed-in principal gets 404 (nothing confirms the case).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.security.matrix import Expect, casework

ROWS: dict[str, Expect] = {
    "risk_history": casework(workers=(200, 405)),
    "risk_assessment_new": casework(workers=(200, 200)),
    "risk_assessment_detail": casework(workers=(200, 405)),
    "safety_plan_new": casework(workers=(200, 200)),
    "safety_action_add": casework(workers=(200, 200)),
    "safety_plan_review": casework(workers=(200, 200)),
    # POST only; an empty POST marks the action done today and goes back to the case.
    "safety_action_done": casework(workers=(405, 302)),
}


def _case(users: dict[str, Any]) -> Any:
    from tests.casework.factories import make_case

    return make_case(users["advocate"])


def _case_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {"reference": _case(users).reference}


def _assessment(users: dict[str, Any]) -> dict[str, Any]:
    from accord.casework import dash, risk

    case = _case(users)
    checklist = dash.load_checklist()
    assessment = risk.record_assessment(
        None,
        case,
        answers={q.key: dash.NO for q in checklist.questions},
        narrative="",
        professional_judgement=False,
        potential_escalation=False,
        marac_decision="not_referred",
        by=users["advocate"],
    )
    return {"reference": case.reference, "assessment": assessment.uid}


def _plan(users: dict[str, Any]) -> tuple[Any, Any]:
    from accord.casework import risk

    case = _case(users)
    plan = risk.start_safety_plan(
        None,
        case,
        review_on=timezone.localdate() + dt.timedelta(days=14),
        notes="",
        by=users["advocate"],
    )
    return case, plan


def _plan_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    case, plan = _plan(users)
    return {"reference": case.reference, "plan": plan.uid}


def _action_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.casework import risk

    case, plan = _plan(users)
    action = risk.add_action(
        None,
        case,
        plan,
        text="Keep a phone charged",
        owner="client",
        due_on=None,
        by=users["advocate"],
    )
    return {"reference": case.reference, "action": action.uid}


KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "risk_history": _case_kwargs,
    "risk_assessment_new": _case_kwargs,
    "risk_assessment_detail": _assessment,
    "safety_plan_new": _case_kwargs,
    "safety_action_add": _plan_kwargs,
    "safety_plan_review": _plan_kwargs,
    "safety_action_done": _action_kwargs,
}
