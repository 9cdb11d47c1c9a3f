"""The equality monitoring page of a case. Thin: answers are checked and stored by
``equality``; the page reaches its case through ``access.case_for`` with ``edit=True``, so a
closed or restricted case, or anyone outside the case, gets 404 and the read is audited."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accord.casework import equality
from accord.casework.access import case_for
from accord.casework.equality_forms import EqualityForm
from accord.casework.services import CaseworkError
from accord.casework.views import _user
from accord.policy.roles import Zone
from accord.policy.views import requires


@requires("casework.work", zone=Zone.CASEWORK)
@require_http_methods(["GET", "POST"])
def equality_answers(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_for(request, reference, purpose="equality.update.view", edit=True)
    record = equality.current(case)
    initial = {answer.question.field: answer.value for answer in equality.answers(record)}
    form = EqualityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            equality.record_answers(request, case, form.answers(), by=_user(request))
        except CaseworkError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Equality monitoring answers saved.")
            return HttpResponseRedirect(f"{reverse('case_detail', args=[case.reference])}#equality")
    return render(request, "casework/equality.html", {"case": case, "form": form})
