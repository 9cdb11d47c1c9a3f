"""Release pages, for supervisors of the advisory service only (404 for everyone else)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.models import User
from accord.accounts.stepup import require_step_up
from accord.audit.services import record
from accord.policy.roles import Zone
from accord.policy.views import requires
from accord.releases import services
from accord.releases.figures import THRESHOLD
from accord.releases.forms import DraftForm, WithdrawForm
from accord.releases.models import Release, ReleaseQuerySet, ReleaseStatus
from accord.releases.presentation import page_context

SUPERVISE = "casework.supervise"


def require_step_up_on_post(view: Any) -> Any:
    """The form may be read freely; sending it needs a fresh second factor (allauth brings
    the person back and replays the POST, so the reason typed is not lost)."""
    return require_step_up(view, allow_get=True)


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the view markers already refused anyone else
        raise Http404
    return user


def _releases(request: HttpRequest) -> ReleaseQuerySet:
    membership = _user(request).active_membership
    if membership is None:
        raise Http404
    return Release.objects.of_service(membership.organisation_id).select_related(
        "drafted_by", "decided_by", "organisation"
    )


def _release(request: HttpRequest, uid: uuid.UUID) -> Release:
    try:
        return _releases(request).get(uid=uid)
    except Release.DoesNotExist:
        raise Http404 from None


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_safe
def release_list(request: HttpRequest) -> HttpResponse:
    return render(request, "releases/list.html", {"releases": _releases(request)})


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def release_new(request: HttpRequest) -> HttpResponse:
    form = DraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            release = services.draft(
                request,
                title=data["title"],
                start=data["start"],
                end=data["end"],
                audience=data["audience"],
                by=_user(request),
            )
        except services.ReleaseError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "The figures are counted and checked. Another supervisor must now approve them.",
            )
            return redirect("casework_release", uid=release.uid)
    return render(request, "releases/new.html", {"form": form})


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_safe
def release_detail(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    release = _release(request, uid)
    record(request, "release.viewed", "release", str(release.uid))
    user = _user(request)
    return render(
        request,
        "releases/detail.html",
        {
            "release": release,
            **page_context(
                {"tables": release.tables, "threshold": THRESHOLD, "method": release.method}
            ),
            "is_draft": release.status == ReleaseStatus.DRAFT,
            "drafted_by_me": release.drafted_by_id == user.pk,
            "form": None,
        },
    )


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_POST
@require_step_up
def release_approve(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    release = _release(request, uid)
    try:
        services.approve(request, release, by=_user(request))
    except services.ReleaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Approved and signed. You can now download the release file.")
    return redirect("casework_release", uid=release.uid)


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_POST
def release_discard(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    release = _release(request, uid)
    try:
        services.discard(request, release, by=_user(request))
    except services.ReleaseError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The draft is discarded. It will never be signed.")
    return redirect("casework_release", uid=release.uid)


def _signed_file(
    request: HttpRequest, release: Release, read: Callable[..., bytes], filename: str
) -> HttpResponse:
    """A signed file as an attachment; ``read`` audits the download or says why not."""
    try:
        body = read(request, release, by=_user(request))
    except services.ReleaseError as error:
        messages.error(request, str(error))
        return redirect("casework_release", uid=release.uid)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_safe
def release_download(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    release = _release(request, uid)
    return _signed_file(request, release, services.downloaded, release.filename)


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
@require_step_up_on_post
def release_withdraw(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    release = _release(request, uid)
    if release.status != ReleaseStatus.APPROVED:
        messages.error(request, "Only an approved release can be withdrawn.")
        return redirect("casework_release", uid=release.uid)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw(
                request, release, reason=form.cleaned_data["reason"], by=_user(request)
            )
        except services.ReleaseError as error:
            form.add_error("reason", str(error))
        else:
            messages.success(
                request,
                "The release is withdrawn. Download the withdrawal notice and send it to the "
                "partnership, as you sent the release.",
            )
            return redirect("casework_release", uid=release.uid)
    return render(request, "releases/withdraw.html", {"release": release, "form": form})


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_safe
def release_withdrawal_download(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    release = _release(request, uid)
    return _signed_file(
        request, release, services.withdrawal_downloaded, release.withdrawal_filename
    )
