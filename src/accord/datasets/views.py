"""Pages for bringing data in and seeing what is there. Thin: services do the work."""

from __future__ import annotations

import contextlib
import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from accord.audit.services import record
from accord.datasets import services
from accord.datasets.errors import DatasetError, ImportFailed
from accord.datasets.forms import MappingForm, UploadForm
from accord.datasets.models import Dataset, Kind, Upload, UploadStatus
from accord.policy.roles import Zone
from accord.policy.rules import can
from accord.policy.views import requires

#: Uploads up to this size are imported while the person waits; larger ones in the background.
SYNC_IMPORT_BYTES = 25 * 1024 * 1024


@requires("datasets.view", zone=Zone.PARTNERSHIP)
@require_safe
def dataset_list(request: HttpRequest) -> HttpResponse:
    datasets = Dataset.objects.visible_to(request.user).current().order_by("kind", "name")
    uploads = (
        Upload.objects.visible_to(request.user)
        .exclude(status__in=[UploadStatus.IMPORTED, UploadStatus.DISCARDED])
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "datasets/dataset_list.html",
        {
            "datasets": datasets,
            "uploads": uploads,
            "can_import": can(request.user, "datasets.import"),
        },
    )


@requires("datasets.view", zone=Zone.PARTNERSHIP)
@require_safe
def dataset_detail(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    dataset = get_object_or_404(Dataset.objects.visible_to(request.user), pk=dataset_id)
    record(request, "datasets.viewed", "dataset", str(dataset.pk))
    versions = []
    older = dataset.supersedes
    while older is not None:
        versions.append(older)
        older = older.supersedes
    newer = Dataset.objects.filter(supersedes=dataset).first()
    return render(
        request,
        "datasets/dataset_detail.html",
        {"dataset": dataset, "older": versions, "newer": newer},
    )


def _import(
    request: HttpRequest, upload: Upload, kind: str, name: str, mapping: dict[str, str] | None
) -> Upload:
    """Small files are imported now; large ones go to the background worker."""
    if upload.size <= getattr(settings, "ACCORD_SYNC_IMPORT_BYTES", SYNC_IMPORT_BYTES):
        # A failure is recorded on the upload, whose page lists every problem.
        with contextlib.suppress(DatasetError):
            services.import_upload(
                upload, request.user, kind=kind, name=name, mapping=mapping, request=request
            )
        upload.refresh_from_db()
        return upload
    return services.enqueue_import(upload, request.user, kind=kind, name=name, mapping=mapping)


@requires("datasets.import", zone=Zone.PARTNERSHIP)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            stored = services.store_upload(
                file, filename=file.name, user=request.user, request=request
            )
        except ImportFailed as error:
            for problem in error.problems:
                form.add_error("file", problem.message)
        else:
            kind = form.cleaned_data["kind"]
            name = form.cleaned_data["name"]
            request.session[f"upload:{stored.pk}"] = {"kind": kind, "name": name}
            if kind == Kind.GENERIC:
                return redirect("dataset_upload_map", upload_id=stored.pk)
            _import(request, stored, kind, name, None)
            return redirect("dataset_upload_status", upload_id=stored.pk)
    return render(request, "datasets/upload.html", {"form": form})


@requires("datasets.import", zone=Zone.PARTNERSHIP)
@require_http_methods(["GET", "POST"])
def upload_map(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    item = get_object_or_404(Upload.objects.visible_to(request.user), pk=upload_id)
    chosen = request.session.get(
        f"upload:{item.pk}", {"kind": Kind.GENERIC, "name": item.original_name}
    )
    try:
        preview = services.preview_upload(item, request.user)
    except DatasetError as error:
        messages.error(request, str(error))
        return redirect("dataset_upload_status", upload_id=item.pk)
    columns = [column.name for column in preview.columns]
    form = MappingForm(request.POST or None, columns=columns)
    if request.method == "POST" and form.is_valid():
        try:
            _import(request, item, Kind.GENERIC, chosen["name"], form.mapping())
        except ImportFailed as error:
            for problem in error.problems:
                form.add_error(None, problem.message)
        else:
            return redirect("dataset_upload_status", upload_id=item.pk)
    return render(
        request, "datasets/upload_map.html", {"upload": item, "preview": preview, "form": form}
    )


@requires("datasets.import", zone=Zone.PARTNERSHIP)
@require_http_methods(["GET", "POST"])
def upload_status(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    item = get_object_or_404(Upload.objects.visible_to(request.user), pk=upload_id)
    if request.method == "POST":
        try:
            services.discard_upload(item, request.user, request=request)
        except DatasetError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The file {item.original_name} was discarded.")
            return redirect("datasets")
        return redirect("dataset_upload_status", upload_id=item.pk)
    return render(request, "datasets/upload_status.html", {"upload": item})
