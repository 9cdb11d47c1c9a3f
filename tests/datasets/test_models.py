"""Datasets are immutable and versioned; who sees datasets and uploads."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from accord.datasets.errors import DatasetImmutable, UploadStateError
from accord.datasets.models import Dataset, Upload
from accord.datasets.services import import_paths
from accord.policy.roles import OrgKind, Role
from tests.datasets.conftest import API_SAMPLE, DOWNLOAD_SAMPLE, Dirs
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, person

pytestmark = pytest.mark.django_db

REFUSED = (
    "Dataset 'sample' (version 1) was imported and cannot be changed or deleted. "
    "To change the data, import a new version."
)


@pytest.fixture
def dataset(dirs: Dirs) -> Dataset:
    return import_paths([API_SAMPLE], kind="stop_and_search", name="sample")


def test_an_imported_dataset_cannot_be_saved_again(dataset: Dataset) -> None:
    dataset.name = "renamed"
    with pytest.raises(DatasetImmutable) as caught:
        dataset.save()
    assert str(caught.value) == REFUSED.replace("'sample'", "'renamed'")
    assert Dataset.objects.get().name == "sample"


def test_an_imported_dataset_cannot_be_deleted(dataset: Dataset) -> None:
    with pytest.raises(DatasetImmutable) as caught:
        dataset.delete()
    assert str(caught.value) == REFUSED
    with pytest.raises(DatasetImmutable):
        Dataset.objects.all().delete()
    assert Dataset.objects.count() == 1
    assert dataset.path.exists()


def test_bulk_updates_are_refused(dataset: Dataset) -> None:
    with pytest.raises(DatasetImmutable):
        Dataset.objects.filter(pk=dataset.pk).update(name="renamed")
    with pytest.raises(DatasetImmutable):
        Dataset.objects.bulk_update([dataset], ["name"])


def test_the_database_refuses_updates_too(dataset: Dataset) -> None:
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE datasets_dataset SET name = %s", ["renamed"])
    assert Dataset.objects.get().name == "sample"


def test_a_new_version_supersedes_the_old_one(dataset: Dataset, dirs: Dirs) -> None:
    second = import_paths(
        [DOWNLOAD_SAMPLE], kind="stop_and_search", name="sample", supersedes=dataset
    )
    assert (second.version, second.supersedes) == (2, dataset)
    assert Dataset.objects.get(pk=dataset.pk).superseded_by == second
    assert list(Dataset.objects.current()) == [second]
    assert dataset.path.exists() and second.path.exists()  # the old version is kept


def test_a_version_can_be_superseded_only_once(dataset: Dataset, dirs: Dirs) -> None:
    import_paths([DOWNLOAD_SAMPLE], kind="stop_and_search", name="sample", supersedes=dataset)
    before = dirs.parquet_files()
    changed = dirs.scratch / "changed.csv"
    changed.write_bytes(DOWNLOAD_SAMPLE.read_bytes() + b"\n")
    with pytest.raises(UploadStateError) as caught:
        import_paths(
            [changed],
            kind="stop_and_search",
            name="sample",
            supersedes=Dataset.objects.get(pk=dataset.pk),
        )
    assert str(caught.value) == (
        "'sample' (version 1) already has a newer version; add to the newest version instead."
    )
    assert Dataset.objects.count() == 2
    assert dirs.parquet_files() == before


@pytest.mark.parametrize(
    ("kind", "role", "sees"),
    [
        (OrgKind.POLICE, Role.ANALYST, True),
        (OrgKind.POLICE, Role.PLAN_OWNER, True),
        (OrgKind.POLICE, Role.VIEWER, True),
        (OrgKind.VAWG_PARTNER, Role.CONTRIBUTOR, True),
        (OrgKind.VAWG_PARTNER, Role.VIEWER, True),
        (OrgKind.OVERSIGHT, Role.VIEWER, True),
        (OrgKind.ADVISORY_SERVICE, Role.ADVOCATE, False),
        (OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR, False),
        (OrgKind.ADVISORY_SERVICE, Role.SERVICE_ADMIN, False),
        (OrgKind.PLATFORM, Role.SYSTEM_ADMIN, False),
    ],
)
def test_who_sees_datasets(dataset: Dataset, kind: OrgKind, role: Role, sees: bool) -> None:
    user = person(kind, role)
    assert list(Dataset.objects.visible_to(user)) == ([dataset] if sees else [])


def test_nobody_unknown_sees_datasets(dataset: Dataset) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not Dataset.objects.visible_to(AnonymousUser()).exists()
    inactive = person(OrgKind.POLICE, Role.ANALYST)
    inactive.is_active = False
    assert not Dataset.objects.visible_to(inactive).exists()


def test_uploads_are_seen_by_importers_of_their_own_organisation(dirs: Dirs) -> None:
    analyst = person(OrgKind.POLICE, Role.ANALYST)
    organisation = analyst.active_membership.organisation  # type: ignore[union-attr]
    upload = Upload.objects.create(
        uploaded_by=analyst, organisation=organisation, original_name="a.csv", size=1, sha256="0"
    )
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=organisation, role=Role.PLAN_OWNER.value)
    viewer = UserFactory()
    MembershipFactory(user=viewer, organisation=organisation, role=Role.VIEWER.value)
    other_force = OrganisationFactory(kind=OrgKind.POLICE.value)
    outsider = UserFactory()
    MembershipFactory(user=outsider, organisation=other_force, role=Role.ANALYST.value)
    assert list(Upload.objects.visible_to(analyst)) == [upload]
    assert list(Upload.objects.visible_to(colleague)) == [upload]
    assert list(Upload.objects.visible_to(viewer)) == []
    assert list(Upload.objects.visible_to(outsider)) == []
    assert list(Upload.objects.visible_to(person(OrgKind.PLATFORM, Role.SYSTEM_ADMIN))) == []
