"""The shape every "fill in a form, and a service decides" page shares.

The page shows its form. On a valid POST it hands the cleaned data to one service call.
If the service refuses, its error shows on the form, beside the field it names (or at the
top), and nothing is saved. If the service accepts, the person is told so and sent on.
Keeping this in one place means every such page in the plan and assessment areas treats a
refusal the same way, and a view only says what is particular to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def show_refusal(form: Form, error: Exception) -> None:
    """Put a service's refusal on the form: on its ``field`` if the form has one, else on top."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, str(error))


def form_step[T](
    request: HttpRequest,
    form: Form,
    act: Callable[[dict[str, Any]], T],
    *,
    refused: type[Exception],
    done: str | Callable[[T], str],
    then: Callable[[T], HttpResponse],
    template: str,
    context: Mapping[str, Any],
) -> HttpResponse:
    """Run ``act`` on the form's cleaned data when a valid form is posted.

    Args:
        request: The request (GET shows the form; POST submits it).
        form: The bound (POST) or unbound (GET) form.
        act: The service call. It receives ``form.cleaned_data``.
        refused: The service's refusal error. It is shown on the form; any other error
            is left to propagate.
        done: The success message, or a function of what ``act`` returned.
        then: Where to go after success, from what ``act`` returned.
        template: The page. It gets ``form`` and ``context``.
        context: Everything else the page needs.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = act(form.cleaned_data)
        except refused as error:
            show_refusal(form, error)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return then(result)
    return render(request, template, {"form": form, **context})


__all__ = ["form_step", "show_refusal"]
