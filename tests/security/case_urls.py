"""Filling every URL pattern with real objects, for the canary crawl and the dump test.

Parameters come first from the authorization matrix's KWARGS (the objects its rows were
written for); the same URL is then pointed at each seeded case, with each record-bound
parameter replaced by records of the same kind (the same role or kind first), so every
case page is asked for with content in it. A parameter the matrix cannot fill is tried
with one record of every kind.
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from accord.casework import selfreferral
from accord.casework.models import Case
from accord.casework.vocabularies import Source
from accord.urls import all_patterns
from tests.casework.factories import canary
from tests.casework.seed import sealed_fields
from tests.security.leaks import Request, Scanner, markers
from tests.security.test_authorization_matrix import KWARGS


def record_models() -> list[type[models.Model]]:
    """Casework models whose rows have a ``uid``: the case, and records reached through it."""
    return [
        model
        for model in apps.get_app_config("casework").get_models()
        if model is Case or {"uid", "case"} <= {f.name for f in model._meta.concrete_fields}
    ]


def _row_by_uid(value: Any) -> models.Model | None:
    try:
        wanted = uuid.UUID(str(value))
    except ValueError:
        return None
    for model in record_models():
        row = model._default_manager.filter(uid=wanted).first()
        if row is not None:
            return row
    return None


def _row_by_pk(key: str, value: int, case: Case | None) -> models.Model | None:
    """The record of ``case`` with this primary key (the model named in ``key`` first)."""
    if case is None:
        return None
    rows = [
        row
        for model in record_models()
        if model is not Case
        and (row := model._default_manager.filter(pk=value, case=case).first()) is not None
    ]
    named = [r for r in rows if (r._meta.model_name or "") in key.lower()]
    return next(iter(named or rows), None)


def _like(row: models.Model, case: Case, limit: int = 3) -> list[models.Model]:
    """Records of ``case`` of the same model, the most alike first (same role, kind...)."""
    model = type(row)
    if model is Case:
        return [case]
    kinds = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if f.choices}
    rows = list(model._default_manager.filter(case=case).order_by("pk"))
    rows.sort(key=lambda r: -sum(getattr(r, k) == v for k, v in kinds.items()))
    return rows[:limit]


def _pointed_at(base: dict[str, Any], case: Case, rows: int) -> list[dict[str, Any]]:
    """``base`` with every case-bound value replaced by the same kind of record in ``case``."""
    reference = base.get("reference")
    base_case = Case.objects.filter(reference=reference).first() if reference else None
    options: list[list[Any]] = []
    for key, value in base.items():
        if key == "reference" or (
            isinstance(value, str) and Case.objects.filter(reference=value).exists()
        ):
            options.append([case.reference])
        elif (row := _row_by_uid(value)) is not None:
            options.append([getattr(r, "uid") for r in _like(row, case, rows)])  # noqa: B009
        elif isinstance(value, int) and (row := _row_by_pk(key, value, base_case)) is not None:
            options.append([r.pk for r in _like(row, case, rows)])
        else:
            options.append([value])
    keys = list(base)
    return [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*options)
        if None not in values
    ]


def route_params(route: str) -> dict[str, str]:
    """The parameters of a full route and their converters (some sit in an include)."""
    found = re.findall(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>", route)
    return {name or group: converter or "str" for converter, name, group in found}


def _one_of_each(case: Case, converter: str) -> list[Any]:
    """A parameter the matrix cannot fill: one record of every kind in ``case``."""
    rows = [
        row
        for model in record_models()
        if model is not Case
        and (row := model._default_manager.filter(case=case).order_by("pk").first()) is not None
    ]
    if converter == "uuid":
        return [getattr(row, "uid") for row in rows]  # noqa: B009 - not every Model has one
    if converter == "int":
        return [row.pk for row in rows]
    return []


def _urls(
    name: str, route: str, users: dict[str, Any], targets: list[Case], rows: int
) -> list[str]:
    params = route_params(route)
    if not params:
        return [reverse(name)]
    base = KWARGS[name](users) if name in KWARGS else dict.fromkeys(params)
    urls = [reverse(name, kwargs=base)] if name in KWARGS else []
    for case in targets:
        for kwargs in _pointed_at(base, case, rows):
            urls.append(reverse(name, kwargs=kwargs))
        if name not in KWARGS and set(params) - {"reference"}:
            (key, converter), *more = [(k, c) for k, c in params.items() if k != "reference"]
            if not more:
                for value in _one_of_each(case, converter):
                    kwargs = {
                        key: value,
                        **({"reference": case.reference} if "reference" in params else {}),
                    }
                    urls.append(reverse(name, kwargs=kwargs))
    assert urls, f"no way to fill the parameters of {name}: add it to the matrix KWARGS"
    return list(dict.fromkeys(urls))


def start_requests(
    users: dict[str, Any], targets: list[Case], *, under: str = "", rows: int = 3
) -> list[Request]:
    """Every URL pattern (whose route starts with ``under``), filled in, as GET and as an
    empty POST (all GETs first); up to ``rows`` records of a kind per case."""
    urls: list[str] = []
    for route, pattern in all_patterns():
        if not route.startswith(under):
            continue
        assert pattern.name, f"/{route} has no name, so it cannot be crawled"
        urls += _urls(pattern.name, route, users, targets, rows)
    return [Request("GET", url) for url in urls] + [Request("POST", url) for url in urls]


def case_identifiers() -> frozenset[str]:
    """Every case reference and every record id, which outsiders must never be shown."""
    found: set[str] = set()
    for model in record_models():
        for uid in model._default_manager.values_list("uid", flat=True):
            found |= {str(uid), uid.hex}
    found |= set(Case.objects.values_list("reference", flat=True))
    return frozenset(found)


def stored_canaries(cases: models.QuerySet[Case]) -> set[str]:
    """The canaries held (sealed) in these cases: what their advocate may be shown."""
    found: set[str] = set()
    pks = list(cases.values_list("pk", flat=True))
    for model, column in sealed_fields():
        attribute = column.removeprefix("sealed_")
        rows = (
            Case.objects.filter(pk__in=pks)
            if model is Case
            else model._default_manager.filter(case_id__in=pks)
        )
        for row in rows:
            found |= markers(str(getattr(row, attribute)))
    return found


def submit_self_referral(scanner: Scanner) -> tuple[Case, set[str]]:
    """A referral through the public form, every free-text answer a canary."""
    values = {
        "name": canary("selfref-name"),
        "phone": canary("selfref-phone"),
        "trusted_person": canary("selfref-trusted-person"),
        "times": canary("selfref-times"),
        "code_word": canary("selfref-code-word"),
        "summary": canary("selfref-summary"),
    }
    email = f"{canary('selfref-email').lower()}@example.org"
    data = {
        **values,
        "email": email,
        "form_token": selfreferral.new_token(),
        "method": "phone",
        "voicemail_safe": "no",
        "officer_status": "serving_officer",
        "force": "met",
        "agree": "on",
    }
    request = Request("POST", reverse("self_referral"))
    response = Client().post(request.url, data)
    assert response.status_code == 200
    assert "An advocate will contact you" in response.content.decode()
    scanner.response(request, response)  # the thank-you page echoes nothing back
    case = Case.objects.filter(source=Source.SELF_REFERRAL).latest("created_at")
    return case, {*values.values(), email.partition("@")[0]}
