"""Pages for referrals, consent, safe contact, the police connection and supervisor reviews.

Thin, like ``views``: every page reaches its case through ``access.case_for`` with
``edit=True`` (a closed or restricted case answers 404 to every page here, even a GET), and
every change goes through ``referrals`` or ``people``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accord.casework import people, referrals
from accord.casework.access import case_for
from accord.casework.forms import SafeContactForm
from accord.casework.models import Case, Consent, Party, Referral
from accord.casework.referrals_forms import (
    ConsentForm,
    PoliceConnectionForm,
    ReferralForm,
    ReferralOutcomeForm,
    ReviewForm,
    WithdrawConsentForm,
)
from accord.casework.services import CaseworkError
from accord.casework.views import _user
from accord.casework.vocabularies import ConsentPurpose, ReferralTo, YesNoUnknown
from accord.policy.roles import Zone
from accord.policy.views import requires

GET_POST = ["GET", "POST"]


def _back_to(case: Case, section: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse('case_detail', args=[case.reference])}#{section}")


# --- Referrals ---------------------------------------------------------------------------------


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def referral_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="referral.add.view", edit=True)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = referrals.make_referral(
                request,
                case,
                to=data["to"],
                made_on=data["made_on"],
                note=data.get("note", ""),
                override_reason=data.get("override_reason", ""),
                by=_user(request),
            )
        except referrals.ConsentMissing as error:
            form.add_error("to", str(error))
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            done = f"Referral to {referral.get_to_display()} recorded."
            if referrals.made_without_consent(referral):
                done += " It was made without the client's consent; the reason is recorded."
            messages.success(request, done)
            return _back_to(case, "referrals")
    consents = {c.purpose for c in case.consents.filter(withdrawn_on__isnull=True)}
    needs = [
        (ReferralTo(to).label, ConsentPurpose(purpose).label, purpose in consents)
        for to, purpose in referrals.CONSENT_NEEDED.items()
    ]
    return render(
        request,
        "casework/referrals/referral_new.html",
        {
            "case": case,
            "form": form,
            "needs": needs,
            "high_risk": referrals.latest_risk_is_high(case),
        },
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def referral_update(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="referral.update.view", edit=True)
    referral = get_object_or_404(Referral, case=case, uid=uid)
    statuses = referrals.next_statuses(referral)
    form = ReferralOutcomeForm(request.POST or None, statuses=statuses)
    if request.method == "POST" and statuses and form.is_valid():
        data = form.cleaned_data
        try:
            referrals.record_outcome(
                request,
                case,
                referral,
                status=data["status"],
                outcome_on=data["outcome_on"],
                outcome=data.get("outcome", ""),
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Referral to {referral.get_to_display()} updated: "
                f"{referral.get_status_display().lower()}.",
            )
            return _back_to(case, "referrals")
    return render(
        request,
        "casework/referrals/referral_update.html",
        {
            "case": case,
            "referral": referral,
            "form": form,
            "finished": not statuses,
            "without_consent": referrals.made_without_consent(referral),
        },
    )


# --- Consent -----------------------------------------------------------------------------------


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def consent_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="consent.add.view", edit=True)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = people.add_consent(
                request,
                case,
                purpose=data["purpose"],
                given_on=data["given_on"],
                method=data["method"],
                note=data.get("note", ""),
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error("purpose", str(error))
        else:
            messages.success(request, f"Consent recorded: {consent.get_purpose_display()}.")
            return _back_to(case, "consent")
    return render(request, "casework/referrals/consent_new.html", {"case": case, "form": form})


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def consent_withdraw(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="consent.withdraw.view", edit=True)
    consent = get_object_or_404(Consent, case=case, uid=uid)
    form = WithdrawConsentForm(request.POST or None)
    if request.method == "POST" and consent.active and form.is_valid():
        data = form.cleaned_data
        try:
            stops = people.withdraw_consent(
                request,
                case,
                consent,
                withdrawn_on=data["withdrawn_on"],
                note=data.get("note", ""),
                by=_user(request),
            )
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            if consent.purpose == ConsentPurpose.KEEP_RECORD:
                messages.warning(
                    request,
                    "The client no longer agrees that we keep a record. Close the case now "
                    "and ask a supervisor to consider erasing it.",
                )
            else:
                messages.success(
                    request, f"Consent withdrawn: {consent.get_purpose_display()}. {stops}"
                )
            return _back_to(case, "consent")
    return render(
        request,
        "casework/referrals/consent_withdraw.html",
        {
            "case": case,
            "consent": consent,
            "form": form,
            "stops": people.WHAT_WITHDRAWAL_STOPS[consent.purpose],
            "keep_record": consent.purpose == ConsentPurpose.KEEP_RECORD,
            "affected": referrals.open_referrals_relying_on(case, consent.purpose),
        },
    )


# --- Safe contact ----------------------------------------------------------------------------


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def client_contact(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="client.contact.view", edit=True)
    client = case.client
    if client is None:  # every case opens with its client; nothing to edit otherwise
        raise Http404
    current = client.details.get("contact", {})
    initial = {"voicemail_safe": YesNoUnknown.NOT_KNOWN, **current}
    form = SafeContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        people.update_safe_contact(request, case, form.safe_contact(), by=_user(request))
        messages.success(request, "Safe contact details changed.")
        return _back_to(case, "client")
    return render(
        request,
        "casework/referrals/client_contact.html",
        {"case": case, "form": form},
    )


# --- The alleged perpetrator's police connection -------------------------------------------


def _police_form(request: HttpRequest, case: Case, party: Party | None) -> HttpResponse:
    initial = {}
    if party is not None:
        police = (party.details or {}).get("police", {})
        initial = {
            "name": party.name,
            "officer_status": party.officer_status,
            "force": party.force,
            "rank_band": party.rank_band,
            "unit": party.unit,
            "local_team_involved": party.local_team_involved,
            **{
                k: police[k]
                for k in ("firearms_access", "duty_status", "force_answer")
                if k in police
            },
        }
    form = PoliceConnectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        people.save_police_connection(
            request,
            case,
            party,
            name=data.get("name", ""),
            force=data["force"],
            officer_status=data["officer_status"],
            rank_band=data["rank_band"],
            unit=data.get("unit", ""),
            local_team_involved=data["local_team_involved"],
            firearms_access=data["firearms_access"],
            duty_status=data["duty_status"],
            force_answer=data.get("force_answer", ""),
            by=_user(request),
        )
        case.refresh_from_db(fields=["conflict_of_interest"])
        if case.conflict_of_interest:
            messages.warning(
                request,
                "Saved. The case is marked with a conflict of interest: the officer's "
                "colleagues may handle it. Ask who is investigating and record the answer.",
            )
        else:
            messages.success(request, "Police connection saved.")
        return _back_to(case, "police-connection")
    return render(
        request,
        "casework/referrals/police_connection.html",
        {"case": case, "form": form, "adding": party is None},
    )


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def perpetrator_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="perpetrator.add.view", edit=True)
    return _police_form(request, case, None)


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def perpetrator_edit(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="perpetrator.update.view", edit=True)
    party = get_object_or_404(Party, case=case, uid=uid, role=Party.Role.PERPETRATOR)
    return _police_form(request, case, party)


# --- Supervisor reviews ------------------------------------------------------------------------


@requires("casework.supervise", zone=Zone.CASEWORK)
@require_http_methods(GET_POST)
def supervisor_review(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="case.review.view", edit=True)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            people.record_review(
                request, case, next_review_on=form.cleaned_data["next_review_on"], by=_user(request)
            )
        except CaseworkError as error:
            form.add_error("next_review_on", str(error))
        else:
            messages.success(
                request, f"Review recorded. Next review: {case.next_review_on:%-d %B %Y}."
            )
            return _back_to(case, "main-content")
    return render(
        request,
        "casework/referrals/case_review.html",
        {"case": case, "form": form, "past_reviews": people.past_reviews(case)},
    )
