"""Private data folders for tests that import datasets or store case documents.

A fixture used by several conftests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def data_dirs(settings: Any, tmp_path: Path) -> Path:
    settings.ACCORD_DATASETS_DIR = tmp_path / "datasets"
    settings.ACCORD_UPLOADS_DIR = tmp_path / "uploads"
    settings.ACCORD_CASE_FILES_DIR = tmp_path / "case-files"
    settings.ACCORD_PLAN_FILES_DIR = tmp_path / "plan-files"
    settings.ACCORD_ERASURE_LEDGER = str(tmp_path / "erasure-ledger.jsonl")
    return tmp_path
