"""All or nothing: a failure at any point leaves no Dataset row and no Parquet file, and a
crash leaves only files that the sweeper recognises as orphans and removes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow as pa
import pytest

from accord.datasets import services, storage
from accord.datasets.models import Dataset
from accord.datasets.services import import_paths, sweep_orphans
from tests.datasets.conftest import API_SAMPLE, DOWNLOAD_SAMPLE, Dirs

pytestmark = pytest.mark.django_db

HOURS = 3600


def _age(path: Path, hours: float) -> None:
    moment = time.time() - hours * HOURS
    os.utime(path, (moment, moment))


class Boom(RuntimeError):
    pass


def _explode(*args: object, **kwargs: object) -> None:
    raise Boom("the database went away")


def test_a_failure_inside_the_transaction_leaves_nothing(
    dirs: Dirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "record", _explode)
    with pytest.raises(Boom):
        import_paths([API_SAMPLE], kind="stop_and_search", name="doomed")
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []


def test_a_failure_while_publishing_leaves_nothing(
    dirs: Dirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = storage._fsync_path

    def fail_on_folders(path: Path) -> None:
        if path.is_dir():
            raise Boom("I/O error while flushing the directory")
        real_fsync(path)

    monkeypatch.setattr(storage, "_fsync_path", fail_on_folders)
    with pytest.raises(Boom):
        import_paths([API_SAMPLE], kind="stop_and_search", name="doomed")
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []


def test_a_crash_between_publishing_and_commit_leaves_an_orphan_the_sweeper_removes(
    dirs: Dirs, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = import_paths([API_SAMPLE], kind="stop_and_search", name="kept")
    # A crash: the process dies after the file got its final name and before the commit,
    # so no clean-up code runs at all.
    real_publish = storage.publish

    def publish_then_die(staged: storage.Staged) -> None:
        real_publish(staged)
        raise Boom("killed")

    monkeypatch.setattr(storage, "publish", publish_then_die)
    monkeypatch.setattr(storage, "discard", lambda staged, published: None)
    with pytest.raises(Boom):
        import_paths([DOWNLOAD_SAMPLE], kind="stop_and_search", name="crashed")
    orphans = [p for p in dirs.parquet_files() if p != kept.path]
    assert len(orphans) == 1 and not orphans[0].name.startswith(".tmp-")
    assert Dataset.objects.count() == 1

    assert sweep_orphans().removed == []  # too young: it might be an import in progress
    _age(orphans[0], 7)
    _age(kept.path, 7)
    report = sweep_orphans()
    assert report.removed == orphans
    assert report.missing == []
    assert dirs.parquet_files() == [kept.path]


def test_a_crash_while_writing_leaves_a_temporary_file_the_sweeper_removes(dirs: Dirs) -> None:
    staged = storage.stage(pa.table({"a": [1]}), dirs.datasets, "shared/crashed.parquet")
    assert staged.temporary.name.startswith(".tmp-crashed-")
    assert dirs.parquet_files() == [staged.temporary]
    _age(staged.temporary, 7)
    assert sweep_orphans().removed == [staged.temporary]
    assert dirs.parquet_files() == []


def test_publishing_never_replaces_a_file(dirs: Dirs) -> None:
    first = storage.stage(pa.table({"a": [1]}), dirs.datasets, "shared/x.parquet")
    storage.publish(first)
    second = storage.stage(pa.table({"a": [2]}), dirs.datasets, "shared/x.parquet")
    with pytest.raises(FileExistsError):
        storage.publish(second)
    storage.discard(second, published=False)
    assert not second.temporary.exists()
    assert first.final.exists()


def test_a_dataset_whose_file_is_gone_is_reported_not_deleted(dirs: Dirs) -> None:
    dataset = import_paths([API_SAMPLE], kind="stop_and_search", name="lost")
    dataset.path.unlink()
    report = sweep_orphans(grace_seconds=0)
    assert report.missing == [dataset.parquet_path]
    assert Dataset.objects.count() == 1


def test_stale_uploads_and_scratch_folders_are_swept(dirs: Dirs) -> None:
    stray = dirs.uploads / "1" / "stray.csv"
    stray.parent.mkdir(parents=True)
    stray.write_text("a\n1\n", encoding="utf-8")
    scratch = dirs.uploads / ".work" / "import-abc123"
    scratch.mkdir(parents=True)
    (scratch / "member-00000.csv").write_text("x", encoding="utf-8")
    for path in (stray, scratch / "member-00000.csv", scratch):
        _age(path, 7)
    removed = sweep_orphans().removed
    assert stray in removed and scratch in removed
    assert not stray.exists() and not scratch.exists()
