"""What the complaints tests share: an advocate, and case files kept out of the real var dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from accord.accounts.models import User
from accord.policy.roles import OrgKind, Role
from tests.factories import person


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path) -> Iterator[Path]:
    with override_settings(ACCORD_CASE_FILES_DIR=tmp_path / "case-files"):
        yield tmp_path / "case-files"


@pytest.fixture
def advocate() -> User:
    return person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
