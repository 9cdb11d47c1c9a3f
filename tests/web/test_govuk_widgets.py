"""Form fields render with GOV.UK classes, error wiring, and any class the form asks for."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms

from accord.monitoring.forms import FULL_WIDTH, DatasetChoiceField
from accord.web.templatetags.govuk import govuk_widget


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=[("a", "A")], help_text="Pick one.")
    wide = forms.ChoiceField(
        choices=[("a", "A")], widget=forms.Select(attrs={"class": "govuk-!-width-full"})
    )


def test_a_select_gets_the_govuk_class_and_its_hint() -> None:
    html = govuk_widget(_Form()["plain"])
    assert 'class="govuk-select"' in html
    assert 'aria-describedby="id_plain-hint"' in html


def test_a_class_the_form_asks_for_is_kept_beside_the_govuk_one() -> None:
    html = govuk_widget(_Form()["wide"])
    assert 'class="govuk-select govuk-!-width-full"' in html


def test_an_error_adds_the_error_class_and_points_at_the_message() -> None:
    form = _Form(data={"plain": "z", "wide": "a"})
    assert not form.is_valid()
    html = govuk_widget(form["plain"])
    assert 'class="govuk-select govuk-select--error"' in html
    assert 'aria-describedby="id_plain-hint id_plain-error"' in html


def test_the_analysis_form_names_a_first_version_by_its_name_alone() -> None:
    field = DatasetChoiceField(queryset=None, widget=forms.Select(attrs={"class": FULL_WIDTH}))
    first = SimpleNamespace(name="Census 2021 population by ethnic group (5 groups)", version=1)
    later = SimpleNamespace(name="London stop and search", version=3)
    assert field.label_from_instance(first) == "Census 2021 population by ethnic group (5 groups)"
    assert field.label_from_instance(later) == "London stop and search (version 3)"
