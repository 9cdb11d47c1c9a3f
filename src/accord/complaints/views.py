"""Pages for the complaints inside a case.

Thin, like the casework views: every page reaches its case through ``access.case_for``
(pages that change something with ``edit=True``, so a closed or restricted case answers 404
to them, while the complaint page itself stays readable), finds the complaint by its random
``uid`` *and* that case (so a complaint can never be reached through another case), and every
change goes through ``services``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accord.casework.access import case_for
from accord.casework.models import Case, Party
from accord.casework.views import _user
from accord.complaints import consent, display, letters, services
from accord.complaints.forms import (
    ComplaintDetailsForm,
    ComplaintForm,
    LinkedMatterForm,
    ReferralCriteriaForm,
    StepForm,
)
from accord.complaints.models import Complaint
from accord.complaints.prompts import prompts_for
from accord.complaints.services import (
    ComplaintConsentMissing,
    ComplaintError,
    process_of,
    state_of,
)
from accord.policy.roles import Zone
from accord.policy.rules import can
from accord.policy.views import requires

GET_POST = ["GET", "POST"]


def _posted(request: HttpRequest) -> QueryDict | None:
    """The submitted form, even when empty: a step that records no dates is sent empty."""
    return request.POST if request.method == "POST" else None


def _complaint(case: Case, uid: uuid.UUID) -> Complaint:
    complaint = get_object_or_404(Complaint, case=case, uid=uid)
    complaint.case = case  # share the case's unwrapped key
    return complaint


def _to_complaint(complaint: Complaint, section: str = "") -> HttpResponseRedirect:
    url = reverse("complaint_detail", args=[complaint.case.reference, complaint.uid])
    return HttpResponseRedirect(f"{url}#{section}" if section else url)


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def complaint_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="complaint.add.view", edit=True)
    initial = {}
    perpetrator = case.parties.filter(role=Party.Role.PERPETRATOR).first()
    if perpetrator is not None:
        initial["force"] = perpetrator.force
        if perpetrator.local_team_involved:
            initial["officer_in_handling_unit"] = perpetrator.local_team_involved
    form = ComplaintForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.open_complaint(
                request,
                case,
                made_on=data["made_on"],
                made_to=data["made_to"],
                force=data["force"],
                summary=data.get("summary", ""),
                handler=data.get("handler", ""),
                officer_in_handling_unit=data["officer_in_handling_unit"],
                by=_user(request),
            )
        except ComplaintConsentMissing as error:
            # The IOPC consent is about who the complaint was made to: say so beside that.
            form.add_error("made_to" if error.purpose == consent.IOPC else None, str(error))
        except ComplaintError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Complaint added. Record each step as it happens.")
            return _to_complaint(complaint)
    missing = consent.missing(case, to_iopc=True)
    return render(
        request,
        "complaints/complaint_new.html",
        {
            "case": case,
            "form": form,
            "cannot_act": consent.ACTING in missing,
            "cannot_go_to_iopc": consent.IOPC in missing,
            "missing_consents": consent.labels(missing),
        },
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_safe
def complaint_detail(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="complaint.view")
    complaint = _complaint(case, uid)
    process = process_of(complaint)
    state = state_of(complaint)
    stage = process.stage(state.stage)
    today = timezone.localdate()
    problem = ""
    try:
        deadlines = services.deadlines_for(complaint, today)
    except ComplaintError as error:
        deadlines, problem = [], str(error)
    prompts = prompts_for(complaint, case, today, deadlines=deadlines)
    can_edit = can(request.user, "casework.edit_case", case)
    return render(
        request,
        "complaints/complaint_detail.html",
        {
            "case": case,
            "complaint": complaint,
            "process": process,
            "stage": stage,
            "stage_actor": process.actors[stage.actor],
            "made_on": state.dates.get(process.anchor_date),
            "deadlines": display.deadline_rows(process, deadlines, {p.text for p in prompts}),
            "deadline_problem": problem,
            "prompts": prompts,
            "next_steps": display.next_steps(process, stage.id) if can_edit else [],
            "history": display.history(complaint, process, case),
            "linked_matters": display.linked_matters(complaint, process, case),
            "can_edit": can_edit,
            "letter_kinds": letters.KINDS.values(),
            "today": today,
        },
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def complaint_step(
    request: HttpRequest, reference: str, uid: uuid.UUID, transition: str
) -> HttpResponse:
    case = case_for(request, reference, purpose="complaint.step.view", edit=True)
    complaint = _complaint(case, uid)
    process = process_of(complaint)
    step = process.transitions.get(transition)
    if step is None:
        raise Http404
    stage = process.stage(complaint.stage)
    if request.method == "GET" and stage.id not in step.from_stages:
        # A stale link: someone recorded another step meanwhile.
        messages.warning(
            request,
            f"'{step.label}' cannot be recorded now: the complaint is at '{stage.label}'. "
            "Choose one of the next steps below.",
        )
        return _to_complaint(complaint, "next-steps")
    form = StepForm(_posted(request), process=process, step=step, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        evidence = None
        if data.get("evidence"):
            evidence = case.documents.filter(uid=data["evidence"]).first()
        try:
            recorded = services.record_step(
                request,
                complaint,
                step.id,
                form.dates(),
                timezone.localdate(),
                data.get("note", ""),
                evidence,
                _user(request),
            )
        except ComplaintError as error:
            form.add_error(None, str(error))
        else:
            now = process.stage(recorded.to_stage).label
            messages.success(request, f"Recorded: {step.label}. The complaint is now at: {now}.")
            return _to_complaint(complaint)
    missing = consent.missing(case) if consent.acts_for_client(process, step) else []
    return render(
        request,
        "complaints/step.html",
        {
            "case": case,
            "complaint": complaint,
            "step": step,
            "stage": stage,
            "actor": process.actors[step.actor],
            "to_label": process.stage(step.to).label if step.to else "",
            "form": form,
            "missing_consents": consent.labels(missing),
        },
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def complaint_referral(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="complaint.referral.view", edit=True)
    complaint = _complaint(case, uid)
    process = process_of(complaint)
    form = ReferralCriteriaForm(
        _posted(request), process=process, initial={"criteria": complaint.referral_criteria}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_referral_criteria(
                request, complaint, form.cleaned_data["criteria"], by=_user(request)
            )
        except ComplaintError as error:
            form.add_error("criteria", str(error))
        else:
            messages.success(request, "Referral criteria recorded.")
            return _to_complaint(complaint, "prompts")
    prompt = process.prompts.get(services.REFERRAL_PROMPT)
    return render(
        request,
        "complaints/referral.html",
        {"case": case, "complaint": complaint, "prompt": prompt, "form": form},
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def complaint_details(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="complaint.details.view", edit=True)
    complaint = _complaint(case, uid)
    form = ComplaintDetailsForm(
        _posted(request),
        initial={
            "handler": complaint.handler,
            "summary": complaint.summary,
            "officer_in_handling_unit": complaint.officer_in_handling_unit,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_details(
                request,
                complaint,
                handler=data.get("handler", ""),
                officer_in_handling_unit=data["officer_in_handling_unit"],
                summary=data.get("summary", ""),
                by=_user(request),
            )
        except ComplaintError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The complaint's details are changed.")
            return _to_complaint(complaint)
    return render(
        request,
        "complaints/details.html",
        {"case": case, "complaint": complaint, "form": form},
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def complaint_linked_matter(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="complaint.linked_matter.view", edit=True)
    complaint = _complaint(case, uid)
    process = process_of(complaint)
    form = LinkedMatterForm(_posted(request), process=process)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.note_linked_matter(
                request,
                complaint,
                kind=data["kind"],
                noted_on=data["noted_on"],
                note=data.get("note", ""),
                by=_user(request),
            )
        except ComplaintError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Noted: {process.linked_matters[data['kind']].label}.")
            return _to_complaint(complaint, "linked-matters")
    return render(
        request,
        "complaints/linked_matter.html",
        {
            "case": case,
            "complaint": complaint,
            "kinds": list(process.linked_matters.values()),
            "form": form,
        },
    )
