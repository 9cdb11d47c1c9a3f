"""Pages for the case timeline and its documents.

Thin, like ``views``: every page reaches its case through ``access.case_for`` (pages that
change something with ``edit=True``, so a closed or restricted case answers 404), and every
change goes through ``timeline`` or ``documents``.

A document is only ever served as a download: ``application/octet-stream`` (never the type
it was stored as), ``Content-Disposition: attachment``, ``nosniff`` and a sandboxing CSP, so
a file can never run as a page of this site. Its address needs the case reference and the
document's random ``uid``, and the case must be visible to the person asking.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from accord.casework import documents, timeline
from accord.casework.access import case_for
from accord.casework.models import Activity, Case, Document
from accord.casework.services import CaseworkError
from accord.casework.timeline_forms import ActivityForm, CompleteForm, DocumentForm
from accord.casework.views import _user
from accord.casework.vocabularies import ContactMethod
from accord.policy.roles import Zone
from accord.policy.rules import can
from accord.policy.views import requires
from accord.web import file_checks

GET_POST = ["GET", "POST"]
PAGE_SIZE = 50
#: Nothing in a downloaded file may run, load or frame anything if a browser renders it.
DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"


def _safe_contact(case: Case) -> dict[str, Any]:
    """What the safe-contact panel needs, for pages where a contact is recorded or planned."""
    client = case.client
    if client is not None:
        client.case = case  # its sealed details open with the key the case already holds
    return {
        "client": client,
        "contact": client.details.get("contact", {}) if client is not None else {},
        "contact_methods": ContactMethod.choices,
        "can_edit": True,  # these pages are reached only by people who may change the case
    }


def _back_to(case: Case, section: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('case_detail', args=[case.reference])}#{section}")


@requires("casework.work", zone=Zone.CASEWORK)
@require_safe
def case_timeline(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="timeline.view")
    entries = timeline.timeline(case)
    page = Paginator([e for e in entries if not e.scheduled], PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "casework/timeline/timeline.html",
        {
            "case": case,
            "to_do": timeline.to_do(entries),
            "page": page,
            "can_edit": can(request.user, "casework.edit_case", case),
        },
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def activity_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="activity.add.view", edit=True)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = timeline.add_activity(
                request,
                case,
                kind=data["kind"],
                text=data["text"],
                occurred_at=form.occurred_at(),
                due_on=form.due_on_value(),
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            label = activity.get_kind_display()
            if activity.due_on is not None and activity.occurred_at is None:
                done = f"{label} added to the to-do list, due {activity.due_on:%-d %B %Y}."
            else:
                done = f"{label} added to the timeline."
            messages.success(request, done)
            return _back_to(case, "timeline")
    return render(
        request,
        "casework/timeline/activity_new.html",
        {"case": case, "form": form, **_safe_contact(case)},
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def activity_complete(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="activity.complete.view", edit=True)
    activity = get_object_or_404(Activity, case=case, uid=uid)
    activity.case = case  # the sealed text needs the case's key, already unwrapped here
    already_done = activity.occurred_at is not None or activity.due_on is None
    form = CompleteForm(request.POST or None)
    if request.method == "POST" and not already_done and form.is_valid():
        try:
            timeline.complete_scheduled(
                request,
                activity,
                occurred_at=form.occurred_at(),
                outcome=form.cleaned_data.get("outcome", ""),
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{activity.get_kind_display()} recorded as done.")
            return _back_to(case, "timeline")
    return render(
        request,
        "casework/timeline/activity_complete.html",
        {
            "case": case,
            "activity": activity,
            "form": form,
            "already_done": already_done,
            "status": timeline.activity_status(activity, timezone.localdate()),
            **_safe_contact(case),
        },
    )


@requires("casework.work", zone=Zone.CASEWORK)
@csrf_exempt  # only so that the upload handler is set before the body is read: see below
@require_http_methods(GET_POST)
def document_upload(request: HttpRequest, reference: str) -> HttpResponse:
    """Uploads stay in memory (never a plaintext temporary file on disk) up to the limit.

    Upload handlers must be set before anything reads the body, and the CSRF check reads
    it; so CSRF is not skipped but moved into :func:`_document_upload`, after the handler.
    """
    handler = documents.CappedMemoryUploadHandler(
        request, limit=int(settings.ACCORD_CASE_MAX_DOCUMENT_BYTES)
    )
    request.upload_handlers = [handler]
    return _document_upload(request, reference, handler)


@csrf_protect
def _document_upload(
    request: HttpRequest, reference: str, handler: documents.CappedMemoryUploadHandler
) -> HttpResponse:
    case = case_for(request, reference, purpose="document.add.view", edit=True)
    limit = documents.max_document_bytes()
    form = DocumentForm(request.POST or None, request.FILES or None, limit=limit)
    if request.method == "POST":
        if handler.too_big:
            form.is_valid()  # collect the other errors, then say why the file is missing
            form.errors.pop("file", None)
            form.add_error(
                "file",
                f"The file is bigger than {file_checks.size_label(limit)}, the largest file you "
                "can upload. Split it into smaller files, or save it at a lower quality.",
            )
        elif form.is_valid():
            try:
                document = documents.store_document(
                    request,
                    case,
                    form.cleaned_data["file"],
                    form.cleaned_data.get("description", ""),
                    by=_user(request),
                )
            except documents.DocumentRefused as error:
                form.add_error("file", str(error))
            except CaseworkError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{document.filename} was added to the case.")
                return _back_to(case, "documents")
    context: dict[str, Any] = {
        "case": case,
        "form": form,
        "kinds": file_checks.KINDS,
        "limit": file_checks.size_label(limit),
    }
    return render(request, "casework/timeline/document_upload.html", context)


@requires("casework.work", zone=Zone.CASEWORK)
@require_safe
def document_download(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="document.download")
    document = get_object_or_404(Document, case=case, uid=uid)
    document.case = case
    try:
        kind = documents.kind_of(document)
        data = documents.read_document(request, case, document)
    except documents.DocumentUnavailable as error:
        return render(
            request,
            "casework/timeline/document_unavailable.html",
            {"case": case, "message": str(error)},
            status=500,
        )
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = documents.attachment_header(document.filename, kind)
    response["Content-Length"] = str(len(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
