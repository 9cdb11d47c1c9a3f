"""Authorization matrix rows for the register of initiatives and their assessments.

Police plan owners and analysts author; every partnership role reads; casework and
platform accounts get 404. Each URL gets an initiative of its own (and a draft assessment).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.security.matrix import Expect, partnership, table

READ = partnership(readers=(200, 405))


def _authors(allowed: tuple[int, int]) -> Expect:
    return partnership(readers=(403, 403), importers=allowed)


def _only(role: str, allowed: tuple[int, int]) -> Expect:
    row = partnership(readers=(403, 403))
    for method, status in zip(("GET", "POST"), allowed, strict=True):
        row[method][role] = status
    return row


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
    "review_comment_new": _only("contributor", (200, 200)),
    "review_respond": _authors((200, 200)),
    "assessment_approve": _only("plan_owner", (405, 302)),
    "assessment_publish": _only("plan_owner", (405, 302)),
    "public_assessment": table(anonymous=(200, 405), signed_in=(200, 405)),
    "public_eia_register": table(anonymous=(200, 405), signed_in=(200, 405)),
    "plan_action_new": _authors((200, 200)),
    "assessment_diff": READ,
    "initiative_edit": _authors((200, 200)),
    "assessment_pdf": READ,
    "public_assessment_pdf": table(anonymous=(200, 405), signed_in=(200, 405)),
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


def _with_status(users: dict[str, Any], status: str) -> Any:
    from accord.eia import services
    from accord.eia.models import Assessment

    assessment = services.start_assessment(None, _initiative(users), by=users["analyst"])
    Assessment.objects.filter(pk=assessment.pk).update(status=status)
    assessment.refresh_from_db()
    return assessment


def _comment_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.eia import services

    assessment = _with_status(users, "in_review")
    comment = services.review_comment(
        None, assessment, section="evidence", text="Add the trend.", by=users["contributor"]
    )
    return {"uid": assessment.uid, "comment": comment.uid}


def _published_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {"uid": _with_status(users, "published").uid}


def _register_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    _with_status(users, "published")  # so the register lists something
    return {}


def _second_version_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    from accord.eia import services
    from accord.eia.models import Assessment

    first = _with_status(users, "published")
    Assessment.objects.filter(pk=first.pk).update(status="published")
    second = services.start_assessment(None, first.initiative, by=users["analyst"])
    return {"uid": second.uid}


KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "assessment_diff": _second_version_kwargs,
    "initiative_edit": _initiative_kwargs,
    "assessment_pdf": _assessment_kwargs,
    "public_assessment_pdf": _published_kwargs,
    "review_comment_new": _assessment_kwargs,
    "review_respond": _comment_kwargs,
    "assessment_approve": _assessment_kwargs,
    "assessment_publish": _assessment_kwargs,
    "public_assessment": _published_kwargs,
    "public_eia_register": _register_kwargs,
    "plan_action_new": _assessment_kwargs,
    "initiative_detail": _initiative_kwargs,
    "assessment_new": _initiative_kwargs,
    "assessment_detail": _assessment_kwargs,
    "assessment_edit": _assessment_kwargs,
    "impact_edit": _impact_kwargs,
    "analysis_attach": _assessment_kwargs,
    "assessment_submit": _assessment_kwargs,
}
