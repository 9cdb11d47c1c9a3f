"""Refused requests say why, and refused forms say "Error:" once in the page title.

Before: a form whose text was over Django's limit (2.5 MB; a long assessment section pasted
twice) got "Something was wrong with that request. Go back and try again.", so people sent
it again. And the subject access review page added "Error: " to its title, which the base
template adds already: screen readers announced "Error: Error:".
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accord.policy.roles import OrgKind, Role
from tests.factories import person
from tests.security.principals import client_for

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "accord"


@pytest.mark.django_db
def test_a_form_too_large_to_read_is_refused_with_the_reason() -> None:
    admin = person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN)
    response = client_for("x", {"x": admin}).post(
        "/people/invite/", {"display_name": "x" * 3_000_000, "email": "a@example.org"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert (
        "What you sent is too large: over 2.5 MB of text. Go back, shorten it, and try again. "
        "Nothing was saved."
    ) in body


def test_no_page_title_adds_error_itself() -> None:
    doubled = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"{% block title %}[^{]*{% if [^%]*errors[^%]*%}\s*Error", path.read_text())
    ]
    assert doubled == []
