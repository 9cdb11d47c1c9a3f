"""Each role of a generic table reads its own column: one column chosen for several roles,
or a role given twice on the command line, is refused rather than half-used."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.datasets.errors import ImportFailed
from accord.datasets.forms import MappingForm
from accord.datasets.models import Dataset, Upload, UploadStatus
from accord.datasets.services import import_paths
from accord.policy.roles import OrgKind, Role
from tests.datasets.conftest import Dirs, write_rows
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

SHARED = (
    "The column 'Ethnicity' is chosen for the group, the area and the outcome. A column can "
    "play only one part: choose a different column for each, or leave a part out."
)


def table(tmp_path: Path) -> Path:
    return write_rows(
        tmp_path / "t.csv", ["Ethnicity", "Borough"], [["Black", "Camden"], ["White", "Hackney"]]
    )


def test_one_column_for_several_roles_is_refused(dirs: Dirs, tmp_path: Path) -> None:
    mapping = {"group": "Ethnicity", "area": "Ethnicity", "date": "", "outcome": "Ethnicity"}
    with pytest.raises(ImportFailed) as caught:
        import_paths([table(tmp_path)], kind="generic", name="t", mapping=mapping)
    assert [p.message for p in caught.value.problems] == [SHARED]
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []


def test_the_mapping_form_says_which_column_is_chosen_twice() -> None:
    data = {"group": "Ethnicity", "area": "Ethnicity", "date": "", "outcome": "Ethnicity"}
    form = MappingForm(data, columns=["Ethnicity", "Borough"])
    assert not form.is_valid()
    assert form.non_field_errors() == [SHARED]


def test_the_mapping_page_refuses_one_column_for_several_roles(dirs: Dirs) -> None:
    client = client_for("analyst", {"analyst": person(OrgKind.POLICE, Role.ANALYST)})
    body = b"Ethnicity,Borough\r\nBlack,Camden\r\nWhite,Hackney\r\n"
    upload = {"file": SimpleUploadedFile("t.csv", body), "kind": "generic", "name": "Partner"}
    url = client.post("/datasets/import/", upload)["Location"]
    page = client.post(url, {"group": "Ethnicity", "area": "Ethnicity", "outcome": "Ethnicity"})
    assert page.status_code == 200
    assert SHARED.replace("'", "&#x27;") in page.content.decode()
    assert Upload.objects.get().status == UploadStatus.PENDING
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []


def test_the_command_refuses_a_role_given_twice(dirs: Dirs, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command(
            "import",
            "generic",
            str(table(tmp_path)),
            "--map",
            "group=Ethnicity,group=Borough",
            stdout=StringIO(),
        )
    assert str(caught.value) == (
        "--map gives the role 'group' twice ('Ethnicity' and 'Borough'); give each role once."
    )
    assert Dataset.objects.count() == 0


def test_the_command_refuses_one_column_for_two_roles(dirs: Dirs, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command(
            "import",
            "generic",
            str(table(tmp_path)),
            "--map",
            "group=Ethnicity,area=Ethnicity",
            stdout=StringIO(),
        )
    assert str(caught.value) == (
        "The import did not happen; nothing was stored.\n"
        "The column 'Ethnicity' is chosen for the group and the area. A column can play only "
        "one part: choose a different column for each, or leave a part out."
    )
    assert Dataset.objects.count() == 0
    assert dirs.parquet_files() == []
