"""Casework pages. Thin: access through ``access.case_for``, rules in ``services``."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.models import Membership, User
from accord.casework import equality, selfreferral, services, timeline
from accord.casework.access import audit_listed, case_for
from accord.casework.case_page import load_case_page
from accord.casework.forms import AssignForm, CloseForm, SelfReferralForm, StaffIntakeForm
from accord.casework.models import Case
from accord.casework.vocabularies import ContactMethod, DutyStatus, Source, Status
from accord.complaints.home import due_for
from accord.policy.roles import Role, Zone
from accord.policy.rules import can
from accord.policy.views import public, requires

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # the view markers already refused anyone else
        raise PermissionDenied
    return user


@requires("casework.work", zone=Zone.CASEWORK)
@require_safe
def casework_home(request: HttpRequest) -> HttpResponse:
    """What an advocate needs first: their open cases, reviews due, new self-referrals."""
    user = _user(request)
    visible = Case.objects.visible_to(user).filter(restricted=False)
    today = timezone.localdate()
    supervising = can(user, "casework.supervise")
    mine = visible.filter(advocate=user, status=Status.OPEN).order_by(
        "next_review_on", "-created_at"
    )
    page = Paginator(mine.select_related("organisation"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    reviews_scope = visible.filter(status=Status.OPEN) if supervising else mine
    reviews_due = reviews_scope.filter(next_review_on__lte=today + dt.timedelta(days=7)).order_by(
        "next_review_on"
    )[:PAGE_SIZE]
    queue = visible.filter(status=Status.NEW, advocate__isnull=True).order_by("created_at")
    queued = list(queue[:PAGE_SIZE])
    reviews = list(reviews_due)
    complaints_due = due_for(user, today)
    audit_listed(
        request,
        "home",
        [case.reference for case in (*page.object_list, *reviews, *queued)]
        + [due.reference for due in complaints_due],
        view=("casework", "home"),
    )
    return render(
        request,
        "casework/home.html",
        {
            "page": page,
            "my_open_count": page.paginator.count,
            "reviews_due": reviews,
            "queue": queued,
            "queue_count": queue.count(),
            "complaints_due": complaints_due,
            "supervising": supervising,
            "equality_coverage": (
                equality.coverage(visible.filter(status=Status.OPEN)) if supervising else None
            ),
            "today": today,
        },
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def case_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = StaffIntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership = user.active_membership
        if membership is None:
            raise PermissionDenied
        case = services.open_case(
            request,
            form.intake(),
            organisation=membership.organisation,
            source=Source.STAFF,
            by=user,
            advocate=user if membership.role == Role.ADVOCATE else None,
        )
        return redirect("case_detail", reference=case.reference)
    return render(request, "casework/case_new.html", {"form": form})


@requires("casework.work", zone=Zone.CASEWORK)
@require_safe
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="case.view")
    user = _user(request)
    load_case_page(case)
    return render(
        request,
        "casework/case_detail.html",
        {
            "case": case,
            "client": case.client,
            "perpetrators": list(case.parties.filter(role="perpetrator")),
            "can_edit": can(user, "casework.edit_case", case),
            "can_supervise": can(user, "casework.supervise"),
            "contact_methods": ContactMethod.choices,
            "duty_statuses": DutyStatus.choices,
            "equality": equality.answers(equality.current(case)),
            **timeline.section_context(case),
        },
    )


def _advocate_choices(case: Case) -> list[tuple[int, str]]:
    members = Membership.objects.filter(
        organisation_id=case.organisation_id,
        is_active=True,
        user__is_active=True,
        role__in=[Role.ADVOCATE, Role.SUPERVISOR],
    ).select_related("user")
    return [(m.user_id, f"{m.user.display_name} ({m.role_label.lower()})") for m in members]


@requires("casework.supervise", zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def case_assign(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="case.assign.view", edit=True)
    form = AssignForm(request.POST or None, advocates=_advocate_choices(case))
    if request.method == "POST" and form.is_valid():
        advocate = User.objects.get(pk=form.cleaned_data["advocate"])
        try:
            services.assign(request, case, advocate, by=_user(request))
        except services.CaseworkError as error:
            form.add_error("advocate", str(error))
        else:
            return redirect("case_detail", reference=case.reference)
    return render(request, "casework/case_assign.html", {"case": case, "form": form})


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="case.close.view", edit=True)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close(
                request,
                case,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data.get("note", ""),
                feels_safe=form.cleaned_data.get("feels_safe"),
                trusts_complaints_process=form.cleaned_data.get("trusts_complaints_process"),
                by=_user(request),
            )
        except services.CaseworkError as error:
            form.add_error(None, str(error))
        else:
            return redirect("case_detail", reference=case.reference)
    return render(request, "casework/case_close.html", {"case": case, "form": form})


@requires("casework.supervise", zone=Zone.CASEWORK)
@require_POST
def case_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="case.reopen")
    if case.restricted:
        return redirect("case_detail", reference=case.reference)
    with contextlib.suppress(services.CaseworkError):  # already open: nothing to do
        services.reopen(request, case, by=_user(request))
    return redirect("case_detail", reference=case.reference)


def _no_trace(response: HttpResponse) -> HttpResponse:
    """Nothing kept: no caching anywhere, no referrer, and never a cookie."""
    response["Cache-Control"] = "no-store, max-age=0"
    response["Referrer-Policy"] = "no-referrer"
    for name in list(response.cookies):
        del response.cookies[name]
    return response


@public
@csrf_exempt  # no cookie may be set here; see accord.casework.selfreferral
@never_cache
@require_http_methods(["GET", "POST"])
def self_referral(request: HttpRequest) -> HttpResponse:
    organisation = services.advisory_service_for_self_referrals()
    if organisation is None:
        return _no_trace(render(request, "casework/self_referral_closed.html", status=503))
    if request.method == "POST":
        if selfreferral.over_limit(request):
            response = render(request, "casework/self_referral_busy.html", status=429)
            response["Retry-After"] = str(selfreferral.WINDOW)
            return _no_trace(response)
        form = SelfReferralForm(request.POST)
        token_ok = selfreferral.token_valid(request.POST.get("form_token", ""))
        if form.is_valid() and token_ok:
            selfreferral.count(request)
            services.open_case(
                request,
                form.intake(),
                organisation=organisation,
                source=Source.SELF_REFERRAL,
                by=None,
            )
            return _no_trace(render(request, "casework/self_referral_sent.html"))
        if not token_ok and form.is_valid():
            form.add_error(
                None,
                "This page was open for a long time, so we could not send it. Your answers "
                "are still here: check them and press Send again.",
            )
    else:
        form = SelfReferralForm()
    context = {"form": form, "form_token": selfreferral.new_token()}
    return _no_trace(render(request, "casework/self_referral.html", context))
