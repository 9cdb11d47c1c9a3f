from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms

from accord.accounts.models import Organisation
from accord.policy.roles import ROLES_BY_KIND, OrgKind, Role


class InviteForm(forms.Form):
    display_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="Email address", max_length=254)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label="Organisation", empty_label="Choose"
    )
    role = forms.ChoiceField(label="Role", choices=[(r.value, r.label) for r in Role])

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        organisation = data.get("organisation")
        role = data.get("role")
        if organisation is not None and role:
            allowed = ROLES_BY_KIND[OrgKind(organisation.kind)]
            if Role(role) not in allowed:
                names = ", ".join(sorted(r.label.lower() for r in allowed))
                self.add_error("role", f"{organisation.name} can only have these roles: {names}.")
        return data


class LoginForm(AllauthLoginForm):  # type: ignore[misc]
    """allauth's sign-in form in plain words, without its sign-up and reset links."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Email address"
        self.fields["login"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].help_text = ""
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.fields.pop("remember", None)
