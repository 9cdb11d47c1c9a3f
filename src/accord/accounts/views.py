from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accord.accounts.forms import InviteForm
from accord.accounts.selectors import memberships_visible_to, organisations_for_invites
from accord.accounts.services import InvitationError, deactivate_membership, invite_person
from accord.policy.roles import Role
from accord.policy.rules import can
from accord.policy.views import requires


@requires("web.view_home")
@require_safe
def mfa_required(request: HttpRequest) -> HttpResponse:
    from accord.accounts.middleware import needs_webauthn

    return render(
        request,
        "accounts/mfa_required.html",
        {
            "webauthn_only": needs_webauthn(request.user),
            "casework": can(request.user, "casework.enter"),
        },
    )


@requires("accounts.view_people")
@require_safe
def people(request: HttpRequest) -> HttpResponse:
    memberships = memberships_visible_to(request.user)
    return render(request, "accounts/people.html", {"memberships": memberships})


@requires("accounts.invite")
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    organisations = organisations_for_invites(request.user)
    form = InviteForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        if not can(request.user, "accounts.invite", organisation):
            raise Http404
        try:
            user = invite_person(
                request,
                email=form.cleaned_data["email"],
                display_name=form.cleaned_data["display_name"],
                organisation=organisation,
                role=Role(form.cleaned_data["role"]),
            )
        except InvitationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"We have emailed {user.email} a link to set a password.")
            return redirect("people")
    return render(request, "accounts/invite.html", {"form": form})


@requires("accounts.view_people")
@require_POST
def deactivate(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(memberships_visible_to(request.user), pk=membership_id)
    if not can(request.user, "accounts.deactivate", membership):
        messages.error(request, "You cannot deactivate your own account.")
        return redirect("people")
    deactivate_membership(request, membership)
    messages.success(request, f"{membership.user.display_name} can no longer sign in.")
    return redirect("people")
