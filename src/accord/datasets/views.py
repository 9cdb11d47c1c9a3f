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
from accord.datasets.errors import DatasetError, ImportFailed, UploadStateError
from accord.datasets.forms import MappingForm, UploadForm
from accord.datasets.models import Dataset, Kind, Upload, UploadStatus
from accord.datasets.uploads import Choices, check_can_start, import_has_stopped
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


def _import(request: HttpRequest, upload: Upload, choices: Choices) -> None:
    """Small files are imported now; large ones go to the background worker.

    A problem in the data is recorded on the upload, whose page lists every problem; an
    import that cannot start (another is running, the queue is down) is said in a message.
    """
    try:
        if upload.size <= getattr(settings, "ACCORD_SYNC_IMPORT_BYTES", SYNC_IMPORT_BYTES):
            with contextlib.suppress(ImportFailed):
                services.import_upload(
                    upload,
                    request.user,
                    kind=choices.kind,
                    name=choices.name,
                    mapping=choices.mapping,
                    categories=choices.categories,
                    request=request,
                )
        else:
            services.enqueue_import(
                upload,
                request.user,
                kind=choices.kind,
                name=choices.name,
                mapping=choices.mapping,
                categories=choices.categories,
            )
    except UploadStateError as refused:
        messages.error(request, str(refused))


@requires("datasets.import", zone=Zone.PARTNERSHIP)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        kind = form.cleaned_data["kind"]
        name = form.cleaned_data["name"]
        try:
            stored = services.store_upload(
                file, filename=file.name, user=request.user, request=request, kind=kind, name=name
            )
        except ImportFailed as error:
            for problem in error.problems:
                form.add_error("file", problem.message)
        else:
            if kind == Kind.GENERIC:
                return redirect("dataset_upload_map", upload_id=stored.pk)
            try:
                _import(request, stored, Choices(kind, name))
            except DatasetError as error:
                messages.error(request, str(error))
            return redirect("dataset_upload_status", upload_id=stored.pk)
    return render(request, "datasets/upload.html", {"form": form})


def _not_a_table(item: Upload) -> str:
    return (
        f"'{item.original_name}' was uploaded as {item.get_kind_display()}, so Accord imports it "
        "as that. To import it as another table, discard it and upload it again, choosing "
        "'Another table'."
    )


@requires("datasets.import", zone=Zone.PARTNERSHIP)
@require_http_methods(["GET", "POST"])
def upload_map(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    item = get_object_or_404(Upload.objects.visible_to(request.user), pk=upload_id)
    try:
        if item.kind and item.kind != Kind.GENERIC:
            raise UploadStateError(_not_a_table(item))
        check_can_start(item)
        preview = services.preview_upload(item, request.user)
    except DatasetError as error:
        messages.error(request, str(error))
        return redirect("dataset_upload_status", upload_id=item.pk)
    columns = [column.name for column in preview.columns]
    form = MappingForm(
        request.POST or None, columns=columns, initial=item.choices.get("mapping") or {}
    )
    if request.method == "POST" and form.is_valid():
        name = str(item.choices.get("name") or item.original_name)
        try:
            _import(request, item, Choices(Kind.GENERIC, name, form.mapping()))
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
    """The upload's progress or problems; POST discards it, or with ``action=retry`` tries
    the import again as what was asked last time."""
    item = get_object_or_404(Upload.objects.visible_to(request.user), pk=upload_id)
    if request.method == "POST" and request.POST.get("action") == "retry":
        return _retry(request, item)
    if request.method == "POST":
        try:
            services.discard_upload(item, request.user, request=request)
        except DatasetError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The file {item.original_name} was discarded.")
            return redirect("datasets")
        return redirect("dataset_upload_status", upload_id=item.pk)
    return render(
        request,
        "datasets/upload_status.html",
        {"upload": item, "stopped": import_has_stopped(item)},
    )


def _retry(request: HttpRequest, item: Upload) -> HttpResponse:
    try:
        choices = services.retry_choices(item)
    except DatasetError as error:
        messages.error(request, str(error))
        return redirect("dataset_upload_status", upload_id=item.pk)
    if choices.kind == Kind.GENERIC and not choices.mapping:
        return redirect("dataset_upload_map", upload_id=item.pk)
    try:
        _import(request, item, choices)
    except DatasetError as error:
        messages.error(request, str(error))
    return redirect("dataset_upload_status", upload_id=item.pk)
