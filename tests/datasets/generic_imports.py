"""Helpers for the generic-import tests: import a file and see it refused or stored."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from accord.datasets.errors import ImportFailed
from accord.datasets.models import Dataset
from accord.datasets.services import import_paths
from tests.datasets.conftest import Dirs

GROUP = {"group": "Ethnicity"}


def refused(dirs: Dirs, path: Path, mapping: dict[str, str] = GROUP) -> list[str]:
    """Import ``path``; expect a refusal that left nothing behind; return the messages."""
    with pytest.raises(ImportFailed) as caught:
        import_paths([path], kind="generic", name="test", mapping=mapping)
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []
    assert [p for p in dirs.uploads.rglob("*") if p.is_file()] == []
    return [p.message for p in caught.value.problems]


def stored(path: Path, mapping: dict[str, str] = GROUP) -> pa.Table:
    dataset = import_paths([path], kind="generic", name="test", mapping=mapping)
    return pq.read_table(dataset.path)
