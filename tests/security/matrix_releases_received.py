"""Authorization matrix rows for releases received from the advisory service.

Every partnership role reads them; police analysts and plan owners, and partner
contributors, receive files; casework and platform accounts get 404. The public pages show
only releases meant for everyone. Each URL gets a release of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.security.matrix import Expect, partnership, table

READ = partnership(readers=(200, 405))
PUBLIC = table(anonymous=(200, 405), signed_in=(200, 405))

ROWS: dict[str, Expect] = {
    "releases": READ,
    # An empty POST is refused with the form's error, on the page.
    "release_receive": partnership(
        readers=(403, 403), importers=(200, 200), other_org_importers=(200, 200)
    ),
    "release_detail": READ,
    "release_table_csv": READ,
    "public_releases": PUBLIC,
    "public_release": PUBLIC,
}


def _received(users: dict[str, Any], audience: str) -> Any:
    from accord.monitoring.received_releases import receive
    from tests.monitoring.release_files import release, signed

    return receive(None, signed(release(audience=audience)), by=users["analyst"])


def _listed(users: dict[str, Any]) -> dict[str, Any]:
    _received(users, "public")  # so the lists show something
    return {}


def _partners_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {"uid": _received(users, "partners").uid}


def _public_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {"uid": _received(users, "public").uid}


def _csv_kwargs(users: dict[str, Any]) -> dict[str, Any]:
    return {**_partners_kwargs(users), "table": "cases_by_quarter"}


KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "releases": _listed,
    "release_detail": _partners_kwargs,
    "release_table_csv": _csv_kwargs,
    "public_releases": _listed,
    "public_release": _public_kwargs,
}
