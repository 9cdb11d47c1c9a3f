"""Authorization matrix rows for releases, the casework zone's one door out.

Only supervisors of the advisory service draft, approve, discard, download and withdraw
releases;
everyone else, advocates included, gets 404 (nothing confirms that a release exists).
Approving and withdrawing need a fresh second-factor confirmation, so the matrix's POST is
redirected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from tests.security.matrix_casework_rights import Expect, _supervisors, supervisor


def _draft(users: dict[str, Any]) -> Any:
    from accord.releases import services

    end = timezone.localdate() - dt.timedelta(days=1)
    return services.draft(
        None,
        title="Matrix release",
        start=end - dt.timedelta(days=90),
        end=end,
        audience="partners",
        by=supervisor(),
    )


def _draft_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {"uid": _draft(users).uid}


def _approved_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.releases import services

    release = services.approve(None, _draft(users), by=users["supervisor"])
    return {"uid": release.uid}


def _withdrawn_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.releases import services

    release = services.approve(None, _draft(users), by=users["supervisor"])
    services.withdraw(None, release, reason="Counted twice by mistake.", by=supervisor())
    return {"uid": release.uid}


ROWS: dict[str, Expect] = {
    "casework_releases": _supervisors(200, 405),
    "casework_release_new": _supervisors(200, 200),  # an empty POST shows the form's errors
    "casework_release": _supervisors(200, 405),
    "casework_release_approve": _supervisors(405, 302),  # to confirm it is them first
    "casework_release_discard": _supervisors(405, 302),
    "casework_release_file": _supervisors(200, 405),
    # The form is shown; sending it needs a fresh second factor first.
    "casework_release_withdraw": _supervisors(200, 302),
    "casework_release_withdrawal_file": _supervisors(200, 405),
}
KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "casework_release": _draft_kwargs,
    "casework_release_approve": _draft_kwargs,
    "casework_release_discard": _draft_kwargs,
    "casework_release_file": _approved_kwargs,
    "casework_release_withdraw": _approved_kwargs,
    "casework_release_withdrawal_file": _withdrawn_kwargs,
}
