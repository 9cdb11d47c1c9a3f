"""Reaching a case from a request: the visibility gate plus an audit event, always together.

Views never query ``Case`` themselves; they call :func:`case_for`, so no case page can be
served without both the policy check and the audit record.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import Http404, HttpRequest

from accord.audit.services import record, record_events, record_many
from accord.casework.models import REFERENCE_ALPHABET, Case
from accord.policy.denials import note_denial, note_denial_if_not_found
from accord.policy.rules import can

REFERENCE_SHAPE = re.compile(f"[{REFERENCE_ALPHABET}]{{3}}-[{REFERENCE_ALPHABET}]{{4}}")


def case_for(request: HttpRequest, reference: str, *, purpose: str, edit: bool = False) -> Case:
    """The case, if this person may see it (404 otherwise), with the read audited.

    ``purpose`` names what is being read or changed ("view", "risk.add", ...), so the audit
    log says what was looked at, not just that a case was opened.
    """
    case = (
        Case.objects.visible_to(request.user)
        .select_related("advocate", "organisation")
        .filter(reference=reference)
        .first()
    )
    if case is None or (edit and not can(request.user, "casework.edit_case", case)):
        # A reference in the right shape is an opaque id; anything else typed into the
        # address might be a name, so it is not written down.
        shaped = REFERENCE_SHAPE.fullmatch(reference) is not None
        note_denial(request, "case", reference if shaped else "(not a case reference)")
        raise Http404
    record(request, f"casework.{purpose}", "case", case.reference)
    note_denial_if_not_found(request, "case_record", _record_asked_for(request, case))
    return case


def _record_asked_for(request: HttpRequest, case: Case) -> str:
    """The case and the random ids in the address ("ABC-DEFG/<uuid>"): opaque, never typed
    text, so a refused lookup of a record inside the case can be logged."""
    match = getattr(request, "resolver_match", None)
    uids = [
        str(value)
        for value in (match.kwargs.values() if match else [])
        if isinstance(value, uuid.UUID)
    ]
    return "/".join([case.reference, *uids])


def audit(request: HttpRequest | None, action: str, case: Case, *, actor: Any = None) -> None:
    record(request, f"casework.{action}", "case", case.reference, actor=actor)


def audit_many(
    request: HttpRequest | None, action: str, cases: Sequence[Case], *, actor: Any = None
) -> None:
    """One event per case, as :func:`audit` writes, appended together."""
    references = [case.reference for case in cases]
    record_many(request, f"casework.{action}", "case", references, actor=actor)


def audit_listed(
    request: HttpRequest, page: str, references: Iterable[str], *, view: tuple[str, str]
) -> None:
    """The page's own ``casework.<page>.view`` event (``view``: its object type and id) and
    one ``casework.list.<page>`` event per case it shows (each once), in one append.

    A list shows what is known about each case it names (dates, warnings, holds); an event
    for the page alone would not say which cases someone saw (SECURITY.md LG-1, DP-7).
    """
    shown = dict.fromkeys(references)
    record_events(
        request,
        [
            (f"casework.{page}.view", *view),
            *((f"casework.list.{page}", "case", reference) for reference in shown),
        ],
    )
