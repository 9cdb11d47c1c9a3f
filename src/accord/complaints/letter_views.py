"""Pages for complaint letters: draft and edit, then keep on the timeline and download.

Thin, like the casework views: the case comes from ``access.case_for`` (so the visibility
gate and the audit event are never skipped; drafting needs ``edit=True`` because saving
writes to the case), the complaint and the letter are looked up only inside that case, and
every rule about what a letter may say lives in ``letters``.

Downloads are attachments that are never stored by the browser or a proxy (``no-store``),
with ``nosniff`` and a sandboxing CSP, like case documents.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from accord.casework.access import audit, case_for
from accord.casework.models import Activity, Case
from accord.casework.services import CaseworkError
from accord.casework.views import _user
from accord.casework.vocabularies import ActivityKind
from accord.complaints import consent, letters
from accord.complaints.letter_forms import LetterForm, ReviewBodyForm
from accord.complaints.models import Complaint
from accord.complaints.process import ComplaintState, process_for_version
from accord.policy.roles import Zone
from accord.policy.views import requires

WORK = "casework.work"
#: Nothing in a downloaded file may run, load or frame anything if a browser renders it.
DOWNLOAD_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _complaint(case: Case, uid: uuid.UUID) -> Complaint:
    complaint = get_object_or_404(Complaint, case=case, uid=uid)
    complaint.case = case  # the sealed fields need the case's key, already unwrapped here
    return complaint


def _letter(case: Case, uid: uuid.UUID) -> Activity:
    activity = get_object_or_404(Activity, case=case, uid=uid, kind=ActivityKind.LETTER)
    activity.case = case
    return activity


@requires(WORK, zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def letter_draft(
    request: HttpRequest, reference: str, complaint: uuid.UUID, kind: str
) -> HttpResponse:
    if kind not in letters.KINDS:
        raise Http404
    case = case_for(request, reference, purpose=f"complaints.letter.{kind}.draft", edit=True)
    found = _complaint(case, complaint)
    letter = letters.KINDS[kind]
    user = _user(request)
    state = ComplaintState.from_data(found.state)
    review_body = request.GET.get("to", "")
    if review_body not in letters.REVIEW_BODIES:
        review_body = letters.default_review_body(state)
    if request.method == "POST":
        form = LetterForm(request.POST)
        if form.is_valid():
            try:
                activity = letters.save_letter(
                    request,
                    case,
                    found,
                    kind,
                    form.cleaned_data["text"],
                    by=user,
                    review_body=review_body,
                )
            except CaseworkError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "The letter is saved on the case timeline.")
                return HttpResponseRedirect(
                    reverse("complaint_letter_detail", args=[case.reference, activity.uid])
                )
    else:
        draft = letters.draft_letter(case, found, kind, by=user, review_body=review_body)
        form = LetterForm(initial={"text": draft})
    process = process_for_version(found.process_version)
    missing = letters.missing_consents(case, found, kind, review_body)
    context: dict[str, Any] = {
        "case": case,
        "complaint": found,
        "stage": process.stage(state.stage),
        "complaint_made": state.dates.get(process.anchor_date),
        "letter": letter,
        "kinds": letters.KINDS.values(),
        "form": form,
        "review_form": ReviewBodyForm(initial={"to": review_body}) if kind == "review" else None,
        "consent_in_force": consent.ACTING not in missing,
        "cannot_go_to_iopc": consent.IOPC in missing,
        "missing_consents": consent.labels(missing),
    }
    return render(request, "complaints/letters/draft.html", context)


@requires(WORK, zone=Zone.CASEWORK)
@require_safe
def letter_detail(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    case = case_for(request, reference, purpose="complaints.letter.view")
    activity = _letter(case, uid)
    title, text = letters.split_saved(activity.text)
    return render(
        request,
        "complaints/letters/detail.html",
        {
            "case": case,
            "activity": activity,
            "title": title,
            "text": text,
        },
    )


def _download(request: HttpRequest, reference: str, uid: uuid.UUID, fmt: str) -> HttpResponse:
    case = case_for(request, reference, purpose=f"complaints.letter.{fmt}.view")
    activity = _letter(case, uid)
    title, text = letters.split_saved(activity.text)
    body = letters.letter_pdf(text, title) if fmt == "pdf" else letters.letter_docx(text, title)
    audit(request, f"complaints.letter.download.{fmt}", case)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{letters.download_name(title, fmt)}"'
    response["Content-Length"] = str(len(body))
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@requires(WORK, zone=Zone.CASEWORK)
@require_safe
def letter_pdf(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    return _download(request, reference, uid, "pdf")


@requires(WORK, zone=Zone.CASEWORK)
@require_safe
def letter_docx(request: HttpRequest, reference: str, uid: uuid.UUID) -> HttpResponse:
    return _download(request, reference, uid, "docx")
