"""``accord import ...`` and ``accord datasets ...`` on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.datasets.models import Dataset
from accord.policy.roles import OrgKind, Role
from tests.datasets.conftest import API_SAMPLE, CENSUS_20, STREET, Dirs, write_rows
from tests.factories import person

pytestmark = pytest.mark.django_db


def run(*args: object) -> str:
    out = StringIO()
    call_command("import", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_import_stop_and_search(dirs: Dirs) -> None:
    output = run("stop-and-search", API_SAMPLE, "--name", "Met sample")
    dataset = Dataset.objects.get()
    assert output.splitlines()[:2] == [
        "Imported 'Met sample' (version 1): 299 rows, 1 December 2021 to 31 October 2022.",
        f"Dataset {dataset.pk}, stored as {dataset.parquet_path} (SHA-256 {dataset.checksum}).",
    ]
    assert "Not mapped in self_defined_ethnicity_broad:" in output
    assert dataset.organisation is None and dataset.created_by is None


def test_import_census_and_street_crime(dirs: Dirs) -> None:
    assert "6" in run("census", CENSUS_20, "--categories", "20")
    run("street-crime", STREET)
    assert sorted(Dataset.objects.values_list("kind", flat=True)) == ["population", "street_crime"]


def test_import_generic_with_a_mapping(dirs: Dirs, tmp_path: Path) -> None:
    table = write_rows(tmp_path / "t.csv", ["eth", "where"], [["Black", "Camden"]])
    run("generic", table, "--map", "group=eth,area=where")
    assert Dataset.objects.get().column_roles == {"group": "eth", "area": "where"}


def test_a_bad_mapping_is_explained() -> None:
    with pytest.raises(CommandError) as caught:
        run("generic", API_SAMPLE, "--map", "group")
    assert str(caught.value) == (
        "--map expects role=column pairs separated by commas, such as "
        "group=ethnicity,area=borough; 'group' is not one."
    )


def test_bad_input_is_a_command_error_naming_the_problem(dirs: Dirs, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError) as caught:
        run("stop-and-search", empty)
    assert str(caught.value) == (
        "The import did not happen; nothing was stored.\nempty.csv: the file is empty."
    )


def test_the_user_must_be_allowed_to_import() -> None:
    viewer = person(OrgKind.POLICE, Role.VIEWER)
    with pytest.raises(CommandError) as caught:
        run("stop-and-search", API_SAMPLE, "--user", viewer.email)
    assert str(caught.value) == "You do not have permission to import data."
    with pytest.raises(CommandError) as missing:
        run("stop-and-search", API_SAMPLE, "--user", "nobody@example.org")
    assert str(missing.value) == "There is no account with the email nobody@example.org."


def test_importing_for_an_organisation(dirs: Dirs) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    run("stop-and-search", API_SAMPLE, "--user", analyst.email)
    dataset = Dataset.objects.get()
    assert dataset.created_by == analyst
    assert dataset.parquet_path.startswith(f"{dataset.organisation_id}/")


def test_a_progress_bar_on_request(dirs: Dirs, capsys: pytest.CaptureFixture[str]) -> None:
    run("stop-and-search", API_SAMPLE, "--progress")
    assert "100%" in capsys.readouterr().err


def test_datasets_sweep_and_list(dirs: Dirs) -> None:
    run("stop-and-search", API_SAMPLE, "--name", "listed")
    out = StringIO()
    call_command("datasets", "list", stdout=out)
    assert "listed v1  stop_and_search  299 rows" in out.getvalue()
    out = StringIO()
    call_command("datasets", "sweep", stdout=out)
    assert out.getvalue().strip() == "Removed 0 orphaned files."


def test_the_real_command_exits_non_zero_without_a_traceback(tmp_path: Path) -> None:
    """Run ``accord`` as a person would; bad input must not print a traceback."""
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "accord.settings.test",
        "ACCORD_VAR_DIR": str(tmp_path / "var"),
    }
    accord = Path(sys.executable).with_name("accord")
    done = subprocess.run(
        [str(accord), "import", "stop-and-search", str(empty)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == (
        "CommandError: The import did not happen; nothing was stored.\n"
        "empty.csv: the file is empty.\n"
    )
    assert "Traceback" not in done.stdout + done.stderr
