"""Every refused request by a signed-in person is in the audit log (SECURITY.md LG-1)."""

from __future__ import annotations

import pytest

from accord.audit.models import AuditEvent
from accord.audit.services import verify
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _denials() -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(action="authz.denied").values_list(
            "actor_id", "object_type", "object_id"
        )
    )


def test_an_advocate_trying_another_advocates_case_is_logged() -> None:
    """The IDOR attempt: 404, and the attempt is on record with who made it."""
    owner = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(owner)
    snoop = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)  # another service
    response = client_for("s", {"s": snoop}).get(f"/casework/cases/{case.reference}/")
    assert response.status_code == 404
    assert _denials() == [(str(snoop.pk), "case", case.reference)]
    assert not AuditEvent.objects.filter(action="casework.view", actor_id=str(snoop.pk)).exists()


def test_something_typed_that_is_not_a_reference_is_not_written_down() -> None:
    snoop = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    response = client_for("s", {"s": snoop}).get("/casework/cases/Jane Smith/")
    assert response.status_code == 404
    assert _denials() == [(str(snoop.pk), "case", "(not a case reference)")]


@pytest.mark.parametrize(
    ("path", "status", "action"),
    [
        ("/casework/", 404, "casework.work"),  # outside the zone
        ("/people/", 403, "accounts.view_people"),  # inside it, without the right
    ],
)
def test_a_refused_page_is_logged_with_the_rule_that_refused_it(
    path: str, status: int, action: str
) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    response = client_for("a", {"a": analyst}).get(path)
    assert response.status_code == status
    assert _denials() == [(str(analyst.pk), "view", action)]
    assert verify() is None  # the chain still holds


def test_allowed_requests_and_plain_not_found_add_nothing() -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    client = client_for("a", {"a": analyst})
    assert client.get("/home/").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    assert _denials() == []
