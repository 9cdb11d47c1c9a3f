"""Authorization matrix rows for the case timeline and documents. Every case here is open and
assigned to the advocate; a POST of nothing is a form with errors (200), never a change. The
download row stores a real (encrypted) document, so a 200 means the file was served."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.security.matrix import Expect, casework


def _case(users: dict[str, Any]) -> Any:
    from tests.casework.factories import make_case

    return make_case(users["advocate"])


def _reference(users: dict[str, Any]) -> dict[str, Any]:
    return {"reference": _case(users).reference}


def _planned_activity(users: dict[str, Any]) -> dict[str, Any]:
    from accord.casework.timeline import add_activity

    case = _case(users)
    activity = add_activity(
        None,
        case,
        kind="call",
        text="Call back about the complaint",
        due_on=timezone.localdate() + dt.timedelta(days=2),
        by=users["advocate"],
    )
    return {"reference": case.reference, "uid": activity.uid}


def _document(users: dict[str, Any]) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accord.casework.documents import store_document

    case = _case(users)
    document = store_document(
        None,
        case,
        SimpleUploadedFile("letter.txt", b"Outcome letter"),
        "From the PSD",
        by=users["advocate"],
    )
    return {"reference": case.reference, "uid": document.uid}


ROWS: dict[str, Expect] = {
    "case_timeline": casework(workers=(200, 405)),
    "activity_new": casework(workers=(200, 200)),
    "activity_complete": casework(workers=(200, 200)),
    "document_upload": casework(workers=(200, 200)),
    "document_download": casework(workers=(200, 405)),
}
KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "case_timeline": _reference,
    "activity_new": _reference,
    "activity_complete": _planned_activity,
    "document_upload": _reference,
    "document_download": _document,
}
