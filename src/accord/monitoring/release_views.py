"""Pages for releases received from the advisory service, and their public versions.

Thin: :mod:`accord.monitoring.received_releases` checks and keeps a file,
:mod:`accord.releases.presentation` lays its tables out (the same words as the
supervisors saw), :mod:`accord.monitoring.release_tables` makes the CSV files.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_safe

from accord.audit.services import record
from accord.monitoring.forms import ReleaseUploadForm
from accord.monitoring.models import ReceivedRelease, ReceivedWithdrawal
from accord.monitoring.received_releases import ReleaseRefused, read_capped, receive
from accord.monitoring.release_charts import with_charts
from accord.monitoring.release_tables import table_csv
from accord.policy.roles import Zone
from accord.policy.rules import can
from accord.policy.views import public, requires
from accord.releases.file import ReleaseFileError
from accord.releases.presentation import page_context


@requires("releases.view", zone=Zone.PARTNERSHIP)
@require_safe
def release_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/releases/list.html",
        {
            "releases": ReceivedRelease.objects.visible_to(request.user).with_withdrawals(),
            "can_receive": can(request.user, "releases.receive"),
        },
    )


@requires("releases.receive", zone=Zone.PARTNERSHIP)
@require_http_methods(["GET", "POST"])
def release_receive(request: HttpRequest) -> HttpResponse:
    form = ReleaseUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            received = receive(request, read_capped(upload, upload.size), by=request.user)
        except (ReleaseFileError, ReleaseRefused) as refused:
            form.add_error("file", str(refused))
        else:
            if isinstance(received, ReceivedWithdrawal):
                messages.success(
                    request,
                    f"Withdrawal notice received and checked: '{received.release_title}' is "
                    "withdrawn, and its figures are no longer shown.",
                )
                if ReceivedRelease.objects.filter(uid=received.release_uid).exists():
                    return redirect("release_detail", uid=received.release_uid)
                return redirect("releases")
            messages.success(request, f"Received and checked: {received.title}.")
            return redirect("release_detail", uid=received.uid)
    return render(request, "monitoring/releases/receive.html", {"form": form})


def _visible(request: HttpRequest, uid: uuid.UUID) -> ReceivedRelease:
    release = get_object_or_404(ReceivedRelease.objects.visible_to(request.user), uid=uid)
    record(request, "release.viewed", "received_release", str(release.uid))
    return release


def _page_context(release: ReceivedRelease) -> dict[str, object]:
    """A withdrawn release shows its notice where the figures were, and no figures."""
    if release.withdrawal is not None:
        return {"release": release, "withdrawal": release.withdrawal}
    return {"release": release, **with_charts(page_context(release.content), release.content)}


@requires("releases.view", zone=Zone.PARTNERSHIP)
@require_safe
def release_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    release = _visible(request, uid)
    return render(request, "monitoring/releases/detail.html", _page_context(release))


@requires("releases.view", zone=Zone.PARTNERSHIP)
@require_safe
def release_table_csv(request: HttpRequest, uid: uuid.UUID, table: str) -> HttpResponse:
    release = _visible(request, uid)
    body = None if release.withdrawal is not None else table_csv(release, table)
    if body is None:
        raise Http404
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = slugify(f"accord-{table}-{release.title}")[:80] or "accord-release"
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


# --- Public pages: releases their publisher approved for everyone ----------------------------


@public
@require_safe
def public_releases(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/releases/public_list.html",
        {"releases": ReceivedRelease.objects.public().with_withdrawals()},
    )


@public
@require_safe
def public_release(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    release = get_object_or_404(ReceivedRelease.objects.public(), uid=uid)
    return render(request, "monitoring/releases/public_detail.html", _page_context(release))
