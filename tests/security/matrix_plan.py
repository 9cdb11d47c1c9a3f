"""Authorization matrix rows for the action plan (partnership zone and public pages).

The plan in each URL belongs to the police organisation of the plan owner (every police
principal shares it), is published, and has a published commitment, an open consultation
round and one comment from the partner organisation. Police plan owners write the police's
side; partner contributors comment and rate; every partnership role reads; casework and
platform accounts get 404; the public pages answer everyone.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from tests.security.matrix import Expect, partnership, table

_serial = itertools.count()


def _only(role: str, allowed: tuple[int, int]) -> Expect:
    row = partnership(readers=(403, 403))
    for method, status in zip(("GET", "POST"), allowed, strict=True):
        row[method][role] = status
    return row


READ = partnership(readers=(200, 405))
OWNER = _only("plan_owner", (200, 200))  # an empty POST is refused with the form's errors
PARTNER = _only("contributor", (200, 200))
PUBLIC = table(anonymous=(200, 405), signed_in=(200, 405))

ROWS: dict[str, Expect] = {
    "plan_list": READ,
    "plan_detail": READ,
    "commitment_detail": READ,
    "round_new": OWNER,
    "commitment_new": OWNER,
    "commitment_edit": OWNER,
    "milestone_new": OWNER,
    "progress_new": OWNER,
    "comment_respond": OWNER,
    "comment_new": PARTNER,
    "commitment_rate": PARTNER,
    "public_plan": PUBLIC,
    "public_commitment": PUBLIC,
    "plan_new": OWNER,
    "plan_import": OWNER,
    "plan_publish": _only("plan_owner", (405, 302)),
    "plan_new_version": _only("plan_owner", (405, 302)),
    "milestone_done": _only("plan_owner", (405, 302)),
    "measure_new": OWNER,
    "evidence_download": READ,
    "public_evidence": PUBLIC,
    "plan_export_csv": READ,
    "plan_export_json": READ,
    "public_plan_csv": PUBLIC,
    "public_plan_json": PUBLIC,
    "public_plan_report": PUBLIC,
}


def _plan(users: dict[str, Any]) -> Any:
    from django.utils import timezone

    from accord.plan import services

    owner = users["plan_owner"]
    plan = services.create_plan(None, title="Matrix plan", slug=f"matrix-{next(_serial)}", by=owner)
    plan.published = True
    plan.save()
    today = timezone.localdate()
    services.open_round(
        None,
        plan,
        title="Round",
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=1),
        by=owner,
    )
    return plan


def _commitment(users: dict[str, Any]) -> Any:
    from accord.plan import services

    plan = _plan(users)
    return services.save_commitment(
        None,
        plan,
        number="1",
        title="Matrix commitment",
        statement="Something specific.",
        published=True,
        by=users["plan_owner"],
    )


def _plan_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {"slug": _plan(users).slug}


def _commitment_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    commitment = _commitment(users)
    return {"slug": commitment.plan.slug, "uid": commitment.uid}


def _comment_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.plan import services

    commitment = _commitment(users)
    comment = services.add_comment(
        None, commitment, section="wording", text="Say by when.", by=users["contributor"]
    )
    return {"slug": commitment.plan.slug, "uid": commitment.uid, "comment": comment.uid}


def _report_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    today = timezone.localdate()
    return {"slug": _plan(users).slug, "year": today.year, "quarter": (today.month - 1) // 3 + 1}


def _milestone_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from accord.plan import services

    commitment = _commitment(users)
    milestone = services.add_milestone(
        None, commitment, title="Contract", due_on=timezone.localdate(), by=users["plan_owner"]
    )
    return {"slug": commitment.plan.slug, "uid": commitment.uid, "milestone": milestone.uid}


def _evidence_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from accord.plan import services
    from accord.plan.evidence import Upload

    commitment = _commitment(users)
    update = services.record_progress(
        None,
        commitment,
        on=timezone.localdate(),
        status="on_track",
        progress=10,
        text="Minutes attached.",
        files=[Upload("minutes.txt", b"Board minutes\n")],
        by=users["plan_owner"],
    )
    file = update.files.get()
    return {"slug": commitment.plan.slug, "uid": commitment.uid, "file": file.uid}


KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "evidence_download": _evidence_kwargs,
    "public_evidence": _evidence_kwargs,
    "plan_new_version": _plan_kwargs,
    "milestone_done": _milestone_kwargs,
    "measure_new": _commitment_kwargs,
    "plan_import": _plan_kwargs,
    "plan_publish": _plan_kwargs,
    "plan_export_csv": _plan_kwargs,
    "plan_export_json": _plan_kwargs,
    "public_plan_csv": _plan_kwargs,
    "public_plan_json": _plan_kwargs,
    "public_plan_report": _report_kwargs,
    "plan_detail": _plan_kwargs,
    "round_new": _plan_kwargs,
    "commitment_new": _plan_kwargs,
    "public_plan": _plan_kwargs,
    "commitment_detail": _commitment_kwargs,
    "commitment_edit": _commitment_kwargs,
    "milestone_new": _commitment_kwargs,
    "progress_new": _commitment_kwargs,
    "comment_new": _commitment_kwargs,
    "commitment_rate": _commitment_kwargs,
    "public_commitment": _commitment_kwargs,
    "comment_respond": _comment_kwargs,
}
