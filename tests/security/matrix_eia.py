"""Authorization matrix rows for the register of initiatives and their assessments.

Police plan owners and analysts author; every partnership role reads; casework and
platform accounts get 404. Each URL gets an initiative of its own (and a draft assessment).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.security.matrix import Expect, partnership

READ = partnership(readers=(200, 405))


def _authors(allowed: tuple[int, int]) -> Expect:
    return partnership(readers=(403, 403), importers=allowed)


ROWS: dict[str, Expect] = {
    "eia_register": READ,
    "initiative_detail": READ,
    "assessment_detail": READ,
    "initiative_new": _authors((200, 200)),  # an empty POST is refused with the form's errors
    "assessment_new": _authors((405, 302)),
    "assessment_edit": _authors((200, 200)),  # an empty POST shows the form again
    "impact_edit": _authors((200, 200)),
    "analysis_attach": _authors((200, 200)),  # no analysis chosen: the page says so
    "assessment_submit": _authors((405, 302)),  # refused with the reasons, back to the page
}


def _initiative(users: dict[str, Any]) -> Any:
    from accord.eia import services

    return services.create_initiative(
        None,
        title="Matrix initiative",
        description="Something.",
        kind="new",
        by=users["analyst"],
    )


def _initiative_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {"uid": _initiative(users).uid}


def _assessment_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.eia import services

    assessment = services.start_assessment(None, _initiative(users), by=users["analyst"])
    return {"uid": assessment.uid}


def _impact_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {**_assessment_kwargs(users), "group": "race"}


KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "initiative_detail": _initiative_kwargs,
    "assessment_new": _initiative_kwargs,
    "assessment_detail": _assessment_kwargs,
    "assessment_edit": _assessment_kwargs,
    "impact_edit": _impact_kwargs,
    "analysis_attach": _assessment_kwargs,
    "assessment_submit": _assessment_kwargs,
}
