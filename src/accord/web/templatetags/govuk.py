"""Render Django form fields with GOV.UK Frontend classes and error wiring."""

from __future__ import annotations

import re

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

WIDGET_CLASSES: dict[type[forms.Widget], str] = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.FileInput: "govuk-file-upload",
}


def _widget_class(widget: forms.Widget) -> str:
    for kind, css in WIDGET_CLASSES.items():
        if isinstance(widget, kind):
            return css
    return "govuk-input"


@register.simple_tag
def govuk_widget(field: BoundField) -> SafeString:
    css = _widget_class(field.field.widget)
    if field.errors:
        css += f" {css.split('__')[0]}--error" if "__" not in css else ""
    # A form may ask for more, such as a width class; as_widget would otherwise drop it.
    extra = field.field.widget.attrs.get("class")
    if extra:
        css += f" {extra}"
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    # GOV.UK advises against placeholders: they vanish as people type and read as filled in.
    attrs: dict[str, str | bool] = {"class": css, "placeholder": False}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def is_radio(field: BoundField) -> bool:
    # Django's CheckboxSelectMultiple is a subclass of RadioSelect: tell them apart.
    widget = field.field.widget
    return isinstance(widget, forms.RadioSelect) and not isinstance(
        widget, forms.CheckboxSelectMultiple
    )


@register.filter
def is_checkboxes(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxSelectMultiple)


@register.filter
def is_hidden_field(field: BoundField) -> bool:
    return field.is_hidden


_SVG_START = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*)?(<svg\b[^>]*>)", re.IGNORECASE)
_SVG_SIZE = re.compile(r'\s(?:width|height)="[^"]*"', re.IGNORECASE)


@register.filter
def inline_svg(markup: str) -> str:
    """An SVG drawn by the server (the authenticator QR code) placed in the page itself.

    As an ``<img src="data:...">`` it would need ``data:`` images in the Content-Security-Policy
    (SECURITY.md WB-1). Only markup that is one SVG element is accepted; its fixed size goes,
    so that the stylesheet sizes it.
    """
    match = _SVG_START.match(markup)
    if match is None or "<script" in markup.lower() or " on" in match.group(1).lower():
        return ""
    opening = _SVG_SIZE.sub("", match.group(1))
    return mark_safe(opening + markup[match.end() :])  # noqa: S308 - server-drawn, checked above
