"""Background work for datasets: imports run by ``accord db_worker``, not in a web request."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.tasks import task

from accord.accounts.models import User
from accord.datasets import services
from accord.datasets.errors import ImportFailed, UploadStateError
from accord.datasets.models import Dataset, Upload


@task()
def import_upload_task(
    *,
    upload_id: str,
    user_id: int,
    kind: str,
    name: str,
    mapping: dict[str, str] | None = None,
    categories: int | None = None,
    supersedes_id: str | None = None,
    claim: str | None = None,
) -> dict[str, Any]:
    """Import an upload; progress and errors are written to the Upload row as it runs.

    Returns ``{"status": "imported", "dataset": id}`` or ``{"status": "failed"}``; the
    reasons for a failure are in ``Upload.errors``. A failure in the data is a normal
    outcome of the task, not an error of the worker. ``claim`` is the token
    ``enqueue_import`` claimed the upload with: if the person has since discarded the upload
    or started another import of it, this task stops without touching it.
    """
    upload = Upload.objects.get(pk=upload_id)
    user = User.objects.get(pk=user_id)
    supersedes = Dataset.objects.get(pk=supersedes_id) if supersedes_id else None
    try:
        dataset = services.import_upload(
            upload,
            user,
            kind=kind,
            name=name,
            mapping=mapping or None,
            categories=categories,
            supersedes=supersedes,
            claim=claim,
        )
    except (ImportFailed, UploadStateError):
        return {"status": "failed", "upload": upload_id}
    except PermissionDenied as refused:
        services.mark_failed(upload, str(refused), user, claim=claim)
        return {"status": "failed", "upload": upload_id}
    return {"status": "imported", "upload": upload_id, "dataset": str(dataset.pk)}
