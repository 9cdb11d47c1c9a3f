"""Authorization matrix rows for complaint letters: draft and save, read, download.

The case in each URL is assigned to the advocate and holds a complaint (and, for the saved
letter pages, a letter saved on its timeline); the supervisor is in the same service. Both
may draft, read and download; every other signed-in principal gets 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.security.matrix import Expect, casework

ROWS: dict[str, Expect] = {
    # An empty POST is refused with the form's error ("The letter is empty"): 200.
    "complaint_letter_draft": casework(workers=(200, 200)),
    "complaint_letter_detail": casework(workers=(200, 405)),
    "complaint_letter_pdf": casework(workers=(200, 405)),
    "complaint_letter_docx": casework(workers=(200, 405)),
}


def _complaint(users: dict[str, Any]) -> Any:
    from accord.complaints.models import Complaint
    from accord.complaints.process import load_process
    from tests.casework.factories import WITH_COMPLAINT_CONSENT, make_case

    # Saving a letter needs the client's consent to act for them in the complaint.
    case = make_case(users["advocate"], consents=WITH_COMPLAINT_CONSENT)
    made = timezone.localdate() - dt.timedelta(days=10)
    process = load_process()
    state = process.apply(process.start(made, on=made), "made_to_force", {}, on=made)
    complaint = Complaint(
        case=case,
        process_version=state.version,
        stage=state.stage,
        state=state.to_data(),
        made_to="force",
        force="met",
        created_by=users["advocate"],
    )
    complaint.save()
    return complaint


def _draft_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    complaint = _complaint(users)
    return {"reference": complaint.case.reference, "complaint": complaint.uid, "kind": "update"}


def _letter_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.complaints import letters

    complaint = _complaint(users)
    case = complaint.case
    text = "Dear Sir or Madam,\n\nPlease send an update.\n\nYours faithfully,\nAn advocate\n"
    activity = letters.save_letter(None, case, complaint, "update", text, users["advocate"])
    return {"reference": case.reference, "uid": activity.uid}


KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "complaint_letter_draft": _draft_kwargs,
    "complaint_letter_detail": _letter_kwargs,
    "complaint_letter_pdf": _letter_kwargs,
    "complaint_letter_docx": _letter_kwargs,
}
