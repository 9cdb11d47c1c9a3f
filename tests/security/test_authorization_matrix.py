"""Every URL × every principal × GET and POST gets the status the matrix says.

Run with ACCORD_MATRIX_DUMP=1 to print what the app actually answers (for reviewing a new
row, never for copying blindly).
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, reverse

from accord.accounts.models import Membership, Organisation
from accord.datasets import services
from accord.monitoring.services import start_analysis
from accord.policy.roles import OrgKind, Role
from accord.urls import all_patterns
from tests.factories import person
from tests.monitoring.data import PARAMS, import_london
from tests.security.matrix import MATRIX, PART_KWARGS
from tests.security.principals import PRINCIPALS, client_for, make_users


def _reset_key(users: dict[str, Any]) -> dict[str, str]:
    return {"uidb36": "1", "key": "set-password"}


def _deactivate_target(users: dict[str, Any]) -> dict[str, int]:
    target = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    return {"membership_id": Membership.objects.get(user=target).pk}


def _webauthn_key(users: dict[str, Any]) -> dict[str, int]:
    return {"pk": 999_999}


def _dataset(users: dict[str, Any]) -> dict[str, Any]:
    return {"dataset_id": _london(users)[0].pk}


def _training(users: dict[str, Any]) -> dict[str, Any]:
    """Invented training figures (the demo's), imported once per matrix run."""
    if "_training" not in users:
        import datetime as dt
        import tempfile
        from pathlib import Path

        from accord.monitoring.training_demo import write_demo_csv

        with tempfile.TemporaryDirectory() as folder:
            path = write_demo_csv(Path(folder) / "training.csv", dt.date(2026, 12, 6))
            users["_training"] = services.import_paths([path], kind="training", name="T")
    return {"dataset_id": users["_training"].pk}


def _upload(users: dict[str, Any]) -> dict[str, Any]:
    """A fresh generic CSV upload by the police analyst (content unique, so never a duplicate)."""
    body = f"group,area\nBlack,E09000001\nWhite,{uuid.uuid4().hex}\n".encode()
    stored = services.store_upload(io.BytesIO(body), filename="table.csv", user=users["analyst"])
    return {"upload_id": stored.pk}


def _run(users: dict[str, Any]) -> dict[str, Any]:
    events, population = _london(users)
    run = start_analysis(None, users["analyst"], events, population, dict(PARAMS))
    return {"run_id": run.pk}


def _download(users: dict[str, Any]) -> dict[str, Any]:
    return {**_run(users), "table": "rates"}


def _london(users: dict[str, Any]) -> Any:
    if "_london" not in users:
        users["_london"] = import_london()
    return users["_london"]


def _case(users: dict[str, Any]) -> dict[str, Any]:
    from tests.casework.factories import make_case

    return {"reference": make_case(users["advocate"]).reference}


KWARGS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "dataset_detail": _dataset,
    "case_detail": _case,
    "case_assign": _case,
    "case_close": _case,
    "case_reopen": _case,
    "dataset_upload_status": _upload,
    "dataset_upload_map": _upload,
    "analysis_run": _run,
    "analysis_download": _download,
    "training_csv": _training,
    "account_reset_password_from_key": _reset_key,
    "deactivate": _deactivate_target,
    "mfa_remove_webauthn": _webauthn_key,
    "mfa_edit_webauthn": _webauthn_key,
}


KWARGS.update(PART_KWARGS)


def missing_from_matrix(
    patterns: list[tuple[str, URLPattern]], matrix: dict[str, Any]
) -> list[str]:
    """Routes with no row in the matrix (an unnamed route can never have one)."""
    return sorted(
        f"/{route} ({pattern.name or 'unnamed'})"
        for route, pattern in patterns
        if not pattern.name or pattern.name not in matrix
    )


def test_every_url_is_in_the_matrix() -> None:
    assert missing_from_matrix(all_patterns(), MATRIX) == []
    assert set(MATRIX) <= {pattern.name for _, pattern in all_patterns()}, "stale matrix rows"


def test_a_new_url_without_a_matrix_row_is_caught() -> None:
    """The guard itself: add a route that the matrix does not know, and it is reported."""
    from django.urls import path

    from accord.web.views import home

    extra = [*all_patterns(), ("brand-new/", path("brand-new/", home, name="brand_new"))]
    assert missing_from_matrix(extra, MATRIX) == ["/brand-new/ (brand_new)"]
    unnamed = [*all_patterns(), ("anon/", path("anon/", home))]
    assert missing_from_matrix(unnamed, MATRIX) == ["/anon/ (unnamed)"]


ROUTES = {pattern.name: route for route, pattern in all_patterns() if pattern.name}


def _url(name: str, users: dict[str, Any]) -> str:
    kwargs = KWARGS[name](users) if name in KWARGS else {}
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix_row(name: str) -> None:
    users = make_users()
    Organisation.objects.update()
    observed: dict[str, dict[str, int]] = {"GET": {}, "POST": {}}
    for principal in PRINCIPALS:
        for method in ("GET", "POST"):
            cache.clear()  # throttles are tested on their own; here they would only add noise
            client: Client = client_for(principal, users)
            url = _url(name, users)
            response = client.get(url) if method == "GET" else client.post(url, {})
            observed[method][principal] = response.status_code
    if os.environ.get("ACCORD_MATRIX_DUMP"):
        print(f"\n{name}: {observed}")
    expected = MATRIX[name]
    mismatches = [
        f"{method} {principal}: expected {expected[method][principal]}, got {status}"
        for method in ("GET", "POST")
        for principal, status in observed[method].items()
        if expected[method][principal] != status
    ]
    assert not mismatches, f"{name} ({ROUTES[name]}):\n" + "\n".join(mismatches)
