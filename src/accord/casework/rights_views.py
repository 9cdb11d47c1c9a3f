"""Data rights pages for supervisors: retention, legal hold, restriction, erasure, access.

Thin, like the other casework views: every case is reached through ``access.case_for`` (the
visibility gate and an audit event), every change goes through a service. The irreversible
or disclosing steps (deciding an erasure, approving or downloading a subject access export)
ask for a fresh sign-in first (SECURITY.md SE-5).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.models import User
from accord.accounts.stepup import require_step_up
from accord.casework import erasure, retention, sar
from accord.casework.access import audit, audit_listed, case_for
from accord.casework.models import Case, ErasureRequest, Party, SubjectAccessRequest
from accord.casework.person_search import Found, find_person
from accord.casework.rights_forms import (
    ErasureDecisionForm,
    ErasureRequestForm,
    KeepForm,
    PersonSearchForm,
    ReasonForm,
    SarRequestForm,
    SarReviewForm,
)
from accord.casework.services import CaseworkError
from accord.policy.roles import Zone
from accord.policy.views import requires

SUPERVISE = "casework.supervise"
# base.html asks for ``form.errors``; on a page without a form that lookup fails, and Django
# logs a failed lookup (at DEBUG) with the whole context, case content included.
NO_FORM = {"form": None}


def fresh_sign_in[V: Callable[..., HttpResponse]](view: V) -> V:
    """The person must have confirmed with their second factor in the last few minutes
    (``accounts.stepup``; ``ACCOUNT_REAUTHENTICATION_TIMEOUT``) before this view runs."""
    return require_step_up(view)


def fresh_sign_in_to_post[V: Callable[..., HttpResponse]](view: V) -> V:
    """As :func:`fresh_sign_in`, for POST only: the page itself can be read without."""
    return require_step_up(view, allow_get=True)


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the view markers already refused anyone else
        raise PermissionDenied
    return user


def _to_rights(case: Case) -> HttpResponse:
    return redirect(reverse("case_detail", args=[case.reference]) + "#rights")


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_safe
def retention_list(request: HttpRequest) -> HttpResponse:
    """Closed cases whose retention review date has come: references and dates only."""
    # Through the one gate to cases, never "every organisation" for want of a membership.
    due = retention.due_list(among=Case.objects.visible_to(_user(request)))
    audit_listed(
        request, "retention", [line.reference for line in due], view=("casework", "retention")
    )
    return render(request, "casework/rights/retention.html", {"due": due, **NO_FORM})


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def person_search(request: HttpRequest) -> HttpResponse:
    """Every case that names the person asking for their information (a POST: the name never
    sits in an address)."""
    form = PersonSearchForm(request.POST or None)
    found: list[Found] | None = None
    if request.method == "POST" and form.is_valid():
        user = _user(request)
        membership = user.active_membership
        try:
            found = find_person(
                request,
                membership.organisation if membership else None,
                form.cleaned_data["name"],
                by=user,
            )
        except CaseworkError as error:
            form.add_error("name", str(error))
    return render(request, "casework/rights/person_search.html", {"form": form, "found": found})


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def restriction(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.restriction.view")
    lifting = case.restricted
    form = ReasonForm(
        request.POST or None,
        label="Why can the restriction be lifted?" if lifting else "Why restrict processing?",
        help_text=(
            "For example: the accuracy check is finished."
            if lifting
            else "For example: the client says part of the record is wrong and we are checking."
        ),
    )
    if request.method == "POST" and form.is_valid():
        change = retention.unrestrict if lifting else retention.restrict
        try:
            change(request, case, reason=form.cleaned_data["reason"], by=_user(request))
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "The restriction is lifted." if lifting else "Processing is now restricted.",
            )
            return _to_rights(case)
    return render(
        request,
        "casework/rights/restriction.html",
        {"case": case, "form": form, "lifting": lifting},
    )


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def legal_hold(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.legal_hold.view")
    lifting = case.legal_hold
    form = ReasonForm(
        request.POST or None,
        label="Why can the hold be lifted?" if lifting else "Why must this case be kept?",
        help_text=(
            "For example: the civil claim has ended."
            if lifting
            else "For example: a civil claim or an inquiry needs the record."
        ),
    )
    if request.method == "POST" and form.is_valid():
        change = retention.lift_hold if lifting else retention.place_hold
        try:
            change(request, case, reason=form.cleaned_data["reason"], by=_user(request))
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "The legal hold is lifted." if lifting else "The case is now under a legal hold.",
            )
            return _to_rights(case)
    return render(
        request,
        "casework/rights/legal_hold.html",
        {"case": case, "form": form, "lifting": lifting},
    )


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def keep(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.keep.view")
    form = KeepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retention.keep_until(
                request,
                case,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The case will be reviewed again on the new date.")
            return _to_rights(case)
    return render(request, "casework/rights/keep.html", {"case": case, "form": form})


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def erasure_request(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.erasure.view")
    pending = erasure.pending_request(case)
    if pending is not None:
        return redirect("rights_erasure_decide", reference=case.reference, request_uid=pending.uid)
    initial = {"grounds": request.GET.get("grounds")} if request.method == "GET" else None
    form = ErasureRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            created = erasure.request_erasure(
                request,
                case,
                grounds=form.cleaned_data["grounds"],
                note=form.cleaned_data["note"],
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "Your request is saved. A different supervisor must now decide on it."
            )
            return redirect(
                "rights_erasure_decide", reference=case.reference, request_uid=created.uid
            )
    return render(request, "casework/rights/erasure_request.html", {"case": case, "form": form})


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
@fresh_sign_in_to_post
def erasure_decide(request: HttpRequest, reference: str, request_uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.erasure.decision.view")
    pending = get_object_or_404(ErasureRequest, uid=request_uid, case=case)
    pending.case = case
    user = _user(request)
    own = pending.requested_by_id == user.pk
    form = ErasureDecisionForm(request.POST or None)
    if request.method == "POST" and pending.pending:
        try:
            if own and "withdraw" in request.POST:
                erasure.withdraw(request, pending, by=user)
                messages.success(request, "Your erasure request is withdrawn.")
                return _to_rights(case)
            if form.is_valid():
                approve = form.cleaned_data["decision"] == "approve"
                erasure.decide(request, pending, approve=approve, by=user)
                if approve:
                    messages.success(
                        request, f"Case {case.reference} is erased. Only a tombstone is left."
                    )
                    return redirect("casework_home")
                messages.success(request, "The erasure is refused. The case is kept.")
                return _to_rights(case)
        except CaseworkError as error:
            form.add_error(None, str(error))
    return render(
        request,
        "casework/rights/erasure_decide.html",
        {"case": case, "pending": pending, "form": form, "own": own},
    )


# --- Subject access ---------------------------------------------------------------------------


def _sar(case: Case, sar_uid: uuid.UUID) -> SubjectAccessRequest:
    found = get_object_or_404(
        SubjectAccessRequest.objects.select_related("party", "case__organisation"),
        uid=sar_uid,
        case=case,
    )
    found.case = case
    found.party.case = case
    return found


def _party_choices(case: Case) -> list[tuple[str, str]]:
    choices = []
    for party in Party.objects.filter(case=case):
        party.case = case
        name = party.name or "name not recorded"
        choices.append((str(party.uid), f"{party.get_role_display()}: {name}"))
    return choices


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def sar_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.sar.new.view")
    # The person search links here with the person it found already chosen.
    chosen = request.GET.get("party", "")
    form = SarRequestForm(
        request.POST or None,
        parties=_party_choices(case),
        initial={"party": chosen} if chosen else None,
    )
    if request.method == "POST" and form.is_valid():
        party = Party.objects.get(case=case, uid=form.cleaned_data["party"])
        try:
            created = sar.record_request(
                request,
                case,
                party=party,
                received_on=form.cleaned_data["received_on"],
                identity_checked=form.cleaned_data["identity_checked"],
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            return redirect("rights_sar_review", reference=case.reference, sar_uid=created.uid)
    return render(request, "casework/rights/sar_new.html", {"case": case, "form": form})


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_safe
def sar_detail(request: HttpRequest, reference: str, sar_uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.sar.view")
    found = _sar(case, sar_uid)
    return render(
        request,
        "casework/rights/sar_detail.html",
        {
            "case": case,
            "sar": found,
            "export": found.bundle,
            "review": found.review,
            "can_approve": found.prepared_by_id != _user(request).pk,
            **NO_FORM,
        },
    )


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def sar_review(request: HttpRequest, reference: str, sar_uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.sar.review.view")
    found = _sar(case, sar_uid)
    if found.status != SubjectAccessRequest.Status.REVIEW:
        return redirect("rights_sar_detail", reference=case.reference, sar_uid=found.uid)
    items = sar.items_for(found)
    form = SarReviewForm(
        request.POST or None,
        keys=[item.key for item in items],
        initial={"included": [item.key for item in items if item.own]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            sar.prepare(
                request,
                found,
                included=form.cleaned_data["included"],
                reason=form.cleaned_data["reason"],
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "The export is ready. A different supervisor must now approve it."
            )
            return redirect("rights_sar_detail", reference=case.reference, sar_uid=found.uid)
    chosen = set(form["included"].value() or [])
    return render(
        request,
        "casework/rights/sar_review.html",
        {
            "case": case,
            "sar": found,
            "form": form,
            "items": [(item, item.key in chosen) for item in items],
        },
    )


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_POST
@fresh_sign_in
def sar_approve(request: HttpRequest, reference: str, sar_uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="rights.sar.approve.view")
    found = _sar(case, sar_uid)
    try:
        if request.POST.get("action") == "approve":
            sar.approve(request, found, by=_user(request))
            messages.success(request, "The export is approved. You can now download it.")
        elif request.POST.get("action") == "send_back":
            sar.send_back(request, found, by=_user(request))
            messages.success(request, "The export is sent back for another review.")
        else:
            messages.error(request, "Choose whether to approve the export or send it back.")
    except CaseworkError as error:
        messages.error(request, str(error))
    return redirect("rights_sar_detail", reference=case.reference, sar_uid=found.uid)


def _download(request: HttpRequest, reference: str, sar_uid: uuid.UUID, kind: str) -> HttpResponse:
    case = case_for(request, reference, purpose=f"rights.sar.download.{kind}.view")
    found = _sar(case, sar_uid)
    try:
        body = sar.export_json(found) if kind == "json" else sar.export_pdf(found)
    except CaseworkError as error:
        messages.error(request, str(error))
        return redirect("rights_sar_detail", reference=case.reference, sar_uid=found.uid)
    audit(request, f"sar.download.{kind}", case)
    content_type = "application/json" if kind == "json" else "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    filename = f"subject-access-{str(found.uid)[:8]}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_safe
@fresh_sign_in
def sar_json(request: HttpRequest, reference: str, sar_uid: uuid.UUID) -> HttpResponse:
    return _download(request, reference, sar_uid, "json")


@requires(SUPERVISE, zone=Zone.CASEWORK)
@require_safe
@fresh_sign_in
def sar_pdf(request: HttpRequest, reference: str, sar_uid: uuid.UUID) -> HttpResponse:
    return _download(request, reference, sar_uid, "pdf")
