"""Authorization matrix rows for the complaints navigator.

The case in each URL is assigned to the advocate and holds a complaint just added through the
service; the supervisor is in the same service. Both may read and write; every other
signed-in principal gets 404 (nothing confirms the case or the complaint exists).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.security.matrix import Expect, casework

ROWS: dict[str, Expect] = {
    # An empty POST is refused with the form's errors (200).
    "complaint_new": casework(workers=(200, 200)),
    "complaint_detail": casework(workers=(200, 405)),
    # "Made to the force directly" records no dates: an empty POST records it and goes back.
    "complaint_step": casework(workers=(200, 302)),
    "complaint_referral": casework(workers=(200, 200)),
    "complaint_details": casework(workers=(200, 200)),
    "complaint_linked_matter": casework(workers=(200, 200)),
}


def _case_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from tests.casework.factories import make_case

    return {"reference": make_case(users["advocate"]).reference}


def _complaint_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.complaints import services
    from tests.casework.factories import WITH_COMPLAINT_CONSENT, make_case

    # Adding a complaint, and the step below, need the client's consent to act for them.
    case = make_case(users["advocate"], consents=WITH_COMPLAINT_CONSENT)
    complaint = services.open_complaint(
        None,
        case,
        made_on=timezone.localdate() - dt.timedelta(days=10),
        made_to="force",
        force="met",
        summary="",
        handler="",
        officer_in_handling_unit="not_known",
        by=users["advocate"],
    )
    return {"reference": case.reference, "uid": complaint.uid}


def _step_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {**_complaint_kwargs(users), "transition": "made_to_force"}


KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "complaint_new": _case_kwargs,
    "complaint_detail": _complaint_kwargs,
    "complaint_step": _step_kwargs,
    "complaint_referral": _complaint_kwargs,
    "complaint_details": _complaint_kwargs,
    "complaint_linked_matter": _complaint_kwargs,
}
