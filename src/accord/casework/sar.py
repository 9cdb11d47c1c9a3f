"""Subject access (UK GDPR Art 15): one person's data from a case, other people's removed.

The person asking is a :class:`Party` of the case: usually the client, sometimes the alleged
perpetrator (often a police officer), sometimes someone else. The rules differ sharply:

* **The client** gets their record. The alleged perpetrator's details and other people's
  names are withheld, and their names are removed from every text that is released.
* **Anyone else** (above all the accused officer) gets only what was recorded about them:
  their name and their police connection. Nothing that identifies or locates the client
  (name, contact details, account, notes, risk assessments, safety plans, documents) is
  included unless a reviewer explicitly releases that item, and even then the names and
  contact details of people whose items stay withheld are removed from it.

Withheld items are listed in the export by category with the exemption that applies (DPA
2018 Sch 2 para 16, third-party data), never with their content. Removal is true removal:
the withheld content is never put into the export, so no overlay can be lifted.

Steps, each audited: a supervisor records the request (after checking who is asking); a
reviewer chooses what to release, which assembles the export and seals it with the case key;
a second supervisor approves exactly that export; then it can be downloaded as JSON and PDF.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accord.accounts.models import User
from accord.casework import equality
from accord.casework.access import audit
from accord.casework.models import (
    Activity,
    Case,
    Consent,
    DataRightsDecision,
    Document,
    EqualityAnswers,
    ErasureRequest,
    OutcomeMeasure,
    Party,
    Referral,
    RiskAssessment,
    SafetyAction,
    SafetyPlan,
    SubjectAccessRequest,
)
from accord.casework.rotation import open_text, sealed_models
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import ContactMethod, Status, YesNoUnknown
from accord.policy.rules import can
from accord.reports.pdf import html_to_pdf

EXPORT_FORMAT = "accord-subject-access/1"
THIRD_PARTY = (
    "DPA 2018 Schedule 2 paragraph 16: information about another person, including "
    "information that would identify them as the source. We have not got their consent, and "
    "it would not be reasonable to give it without their consent."
)
PRIVILEGE = "DPA 2018 Schedule 2 paragraph 19: legal professional privilege."
REMOVED = "[removed: information about another person]"
SECTIONS = (
    "About you",
    "Your case",
    "What you agreed to",
    "Risk assessments",
    "Safety plans",
    "Contact and notes",
    "Documents",
    "Referrals",
    "How you felt",
    "Other records",
    "Other people",
)
AT_CASE = "case"  # items about the case as a whole: the client's, in a client's request


class SarError(CaseworkError):
    """A subject access step was refused; the message says why, in plain words."""


@dataclass(frozen=True)
class Item:
    """One piece of the record, as the reviewer sees it and the export may show it."""

    key: str
    section: str
    label: str
    value: str | dict[str, str]
    about: str  # the party uid it is about, or AT_CASE
    identifiers: tuple[str, ...] = ()  # removed from released text while this is withheld
    kind: str = "record"  # "name", "police", "details", "contact", "privileged", "record"
    own: bool = False
    category: str = ""
    exemption: str = ""

    # Templates read these rather than probing ``value``: a failed template lookup is logged
    # with the value it was tried on, which would put case content in the logs.
    @property
    def fields(self) -> list[tuple[str, str]]:
        return list(self.value.items()) if isinstance(self.value, dict) else []

    @property
    def text(self) -> str:
        return "" if isinstance(self.value, dict) else self.value


# --- Reading the record -----------------------------------------------------------------------


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _flat(value: Any) -> str:
    """Nested data (risk answers, contact details) as plain 'label: value' lines."""
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_flat(v)}" for k, v in value.items() if v not in ("", None))
    if isinstance(value, list | tuple):
        return "\n".join(_flat(v) for v in value)
    return "" if value is None else str(value)


def _record(**values: Any) -> dict[str, str]:
    return {k.replace("_", " "): _flat(v) for k, v in values.items() if v not in ("", None, {})}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    text = str(value).strip() if value not in (None, "") else ""
    return [text] if text else []


def _name_identifiers(name: str) -> tuple[str, ...]:
    name = name.strip()
    if not name:
        return ()
    parts = [part for part in re.split(r"\s+", name) if len(part) >= 3]
    return (name, *parts)


def _contact_record(contact: dict[str, Any]) -> dict[str, str]:
    methods = dict(ContactMethod.choices)
    voicemail = dict(YesNoUnknown.choices)
    return _record(
        How_to_contact=methods.get(contact.get("method", ""), contact.get("method", "")),
        Phone=contact.get("phone", ""),
        Email=contact.get("email", ""),
        Trusted_person=contact.get("trusted_person", ""),
        Safe_times=contact.get("times", ""),
        Voicemail_safe=voicemail.get(contact.get("voicemail_safe", ""), ""),
        Code_word=contact.get("code_word", ""),
    )


def _party_items(party: Party) -> list[Item]:
    about = str(party.uid)
    role = party.get_role_display()
    items = [
        Item(
            key=f"party:{about}:name",
            section="About you",
            label=f"Name ({role.lower()})",
            value=party.name,
            about=about,
            identifiers=_name_identifiers(party.name),
            kind="name",
        )
    ]
    if party.role != Party.Role.CLIENT or any(
        (party.force, party.officer_status, party.rank_band, party.unit)
    ):
        police = _record(
            Force=party.get_force_display(),
            Officer_or_staff=party.get_officer_status_display(),
            Rank=party.get_rank_band_display(),
            Unit=party.unit,
        )
        if police:
            items.append(
                Item(
                    key=f"party:{about}:police",
                    section="About you",
                    label=f"Police connection ({role.lower()})",
                    value=police,
                    about=about,
                    identifiers=tuple(_strings(party.unit)),
                    kind="police",
                )
            )
    details: dict[str, Any] = dict(party.details)
    contact = details.pop("contact", None)
    if contact:
        items.append(
            Item(
                key=f"party:{about}:contact",
                section="About you",
                label=f"Contact details ({role.lower()})",
                value=_contact_record(contact),
                about=about,
                identifiers=tuple(_strings(contact)),
                kind="contact",
            )
        )
    if details:
        items.append(
            Item(
                key=f"party:{about}:details",
                section="About you",
                label=f"Other details ({role.lower()})",
                value=_record(**details),
                about=about,
                identifiers=tuple(_strings(details)),
                kind="details",
            )
        )
    return items


def _case_items(case: Case) -> list[Item]:
    items = [
        Item(
            key="case:record",
            section="Your case",
            label="Your case with us",
            value=_record(
                Reference=case.reference,
                Received_on=_date(case.created_at),
                Opened_on=_date(case.opened_at),
                Status=case.get_status_display(),
                Closed_on=_date(case.closed_at),
                Reason_for_closing=case.get_closure_reason_display(),
            ),
            about=AT_CASE,
        )
    ]
    # The client's worry that the officer's colleagues handle the case is theirs, not the
    # officer's: telling him would show what she fears and plans.
    concern = Party.objects.filter(case=case, role=Party.Role.PERPETRATOR).exclude(
        local_team_involved=""
    )
    for party in concern:
        items.append(
            Item(
                f"party:{party.uid}:local_team",
                "Your case",
                "Could the officer's local colleagues handle the case or complaint?",
                party.get_local_team_involved_display(),
                AT_CASE,
            )
        )
    for name, label in (("summary", "Why you were referred"), ("closure_note", "Closing note")):
        text = getattr(case, name)
        if text:
            items.append(Item(f"case:{name}", "Your case", label, text, AT_CASE))
    if case.legal_hold and case.legal_hold_reason:
        items.append(
            Item(
                "case:legal_hold_reason",
                "Your case",
                "Why the record is kept under a legal hold",
                case.legal_hold_reason,
                AT_CASE,
                kind="privileged",
            )
        )
    return items


def _child_items(case: Case) -> list[Item]:
    items: list[Item] = []

    def add(key: str, section: str, label: str, **values: Any) -> None:
        items.append(Item(key, section, label, _record(**values), AT_CASE))

    for consent in Consent.objects.filter(case=case):
        consent.case = case
        add(
            f"consent:{consent.uid}",
            "What you agreed to",
            consent.get_purpose_display(),
            Agreed_on=_date(consent.given_on),
            How=consent.get_method_display(),
            Withdrawn_on=_date(consent.withdrawn_on),
            Note=consent.note,
        )
    for risk in RiskAssessment.objects.filter(case=case):
        risk.case = case
        add(
            f"risk:{risk.uid}",
            "Risk assessments",
            f"Risk assessment of {_date(risk.completed_on)}",
            Completed_on=_date(risk.completed_on),
            Checklist=risk.checklist_version,
            Yes_answers=risk.yes_count,
            High_risk="Yes" if risk.high_risk else "No",
            MARAC_decision=risk.get_marac_decision_display(),
            Answers=risk.answers,
            Notes=risk.narrative,
        )
    for plan in SafetyPlan.objects.filter(case=case):
        plan.case = case
        add(
            f"plan:{plan.uid}",
            "Safety plans",
            f"Safety plan of {_date(plan.created_at)}",
            Review_on=_date(plan.review_on),
            Notes=plan.notes,
        )
    for action in SafetyAction.objects.filter(case=case):
        action.case = case
        add(
            f"action:{action.uid}",
            "Safety plans",
            f"Safety step added {_date(action.created_at)}",
            Step=action.text,
            Who=action.get_owner_display(),
            Due_on=_date(action.due_on),
            Done_on=_date(action.done_on),
        )
    for activity in Activity.objects.filter(case=case):
        activity.case = case
        add(
            f"activity:{activity.uid}",
            "Contact and notes",
            f"{activity.get_kind_display()} {_date(activity.occurred_at or activity.due_on)}",
            When=_date(activity.occurred_at),
            Due_on=_date(activity.due_on),
            Note=activity.text,
        )
    for document in Document.objects.filter(case=case):
        document.case = case
        add(
            f"document:{document.uid}",
            "Documents",
            f"Document added {_date(document.created_at)}",
            File_name=document.filename,
            Description=document.description,
            Type=document.content_type,
        )
    for referral in Referral.objects.filter(case=case):
        referral.case = case
        add(
            f"referral:{referral.uid}",
            "Referrals",
            f"Referral to {referral.get_to_display()}",
            Made_on=_date(referral.made_on),
            Status=referral.get_status_display(),
            Outcome_on=_date(referral.outcome_on),
            Note=referral.note,
            Outcome=referral.outcome,
        )
    for measure in OutcomeMeasure.objects.filter(case=case):
        add(
            f"measure:{measure.uid}",
            "How you felt",
            f"Your ratings {measure.get_stage_display().lower()}",
            Recorded_on=_date(measure.recorded_on),
            Feeling_safe_1_to_5=measure.feels_safe,
            Trust_in_the_complaints_process_1_to_5=measure.trusts_complaints_process,
        )
    for record in EqualityAnswers.objects.filter(case=case):
        items.append(
            Item(
                f"equality:{record.uid}",
                "About you",
                "Your answers to our equality monitoring questions",
                {answer.question.heading: answer.label for answer in equality.answers(record)}
                | {"Recorded on": _date(record.updated_on)},
                AT_CASE,
            )
        )
    return items


# Models read above, or deliberately left out: the handling of the request itself.
_HANDLED = {
    Case,
    Party,
    Consent,
    RiskAssessment,
    SafetyPlan,
    SafetyAction,
    Activity,
    Document,
    Referral,
    SubjectAccessRequest,
    ErasureRequest,
    DataRightsDecision,
}


def _other_items(case: Case) -> list[Item]:
    """Any other sealed record of the case, so that nothing new is silently left out."""
    items: list[Item] = []
    for sealed in sealed_models():
        if sealed.model in _HANDLED:
            continue
        for row in sealed.rows_of(case):
            row.case = case
            values = {name: open_text(row, name) for name, _ in sealed.attributes}
            items.append(
                Item(
                    f"{sealed.model._meta.model_name}:{row.uid}",
                    "Other records",
                    str(sealed.model._meta.verbose_name).capitalize(),
                    _record(**values),
                    AT_CASE,
                )
            )
    return items


def items_for(sar: SubjectAccessRequest) -> list[Item]:
    """Every item of the case, each marked as the requester's own or withheld by default,
    with the category and exemption that apply when withheld."""
    case, subject = sar.case, sar.party
    subject_uid = str(subject.uid)
    client_request = subject.role == Party.Role.CLIENT
    parties = list(Party.objects.filter(case=case))
    for party in parties:
        party.case = case
    raw = [item for party in parties for item in _party_items(party)]
    raw += _case_items(case) + _child_items(case) + _other_items(case)
    roles = {str(p.uid): p for p in parties}
    result: list[Item] = []
    for item in raw:
        mine = item.about == subject_uid or (client_request and item.about == AT_CASE)
        # Details about a non-client requester came from someone else and may show who.
        own = mine and item.kind != "privileged" and (client_request or item.kind != "details")
        section, label = item.section, item.label
        if item.about != AT_CASE and not mine:
            section = "Other people"
        if mine and item.about == subject_uid:
            label = {
                "name": "Your name",
                "police": "Your police connection",
                "contact": "How we contact you",
                "details": "Other details recorded about you",
            }.get(item.kind, label)
        if item.kind == "privileged":
            category, exemption = "Legal advice", PRIVILEGE
        elif client_request:
            about = roles.get(item.about)
            category = (
                "Details of the alleged perpetrator"
                if about is not None and about.role == Party.Role.PERPETRATOR
                else "Another person's details"
            )
            exemption = THIRD_PARTY
        else:
            category = (
                "Information that would identify who gave it"
                if mine
                else "Information about another person"
            )
            exemption = THIRD_PARTY
        result.append(
            Item(
                key=item.key,
                section=section,
                label=label,
                value=item.value,
                about=item.about,
                identifiers=item.identifiers,
                kind=item.kind,
                own=own,
                category=category,
                exemption=exemption,
            )
        )
    return result


# --- Assembling the export --------------------------------------------------------------------


def _scrubber(identifiers: Iterable[str]) -> Callable[[str], str]:
    """Removes every withheld name and contact detail from released text (whole words,
    any case, longest first so that a full name goes before its parts)."""
    words = sorted({w for w in identifiers if w.strip()}, key=len, reverse=True)
    if not words:
        return lambda text: text
    pattern = re.compile(
        "|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in words), flags=re.IGNORECASE
    )
    return lambda text: pattern.sub(REMOVED, text)


def assemble(sar: SubjectAccessRequest, items: list[Item], included: set[str]) -> dict[str, Any]:
    withheld = [item for item in items if item.key not in included]
    scrub = _scrubber(w for item in withheld for w in item.identifiers)
    sections: dict[str, list[dict[str, Any]]] = {title: [] for title in SECTIONS}
    for item in items:
        if item.key not in included:
            continue
        entry: dict[str, Any] = {"label": scrub(item.label)}
        if isinstance(item.value, dict):  # a list, so that the order survives storage
            entry["fields"] = [{"name": k, "value": scrub(v)} for k, v in item.value.items()]
        else:
            entry["text"] = scrub(item.value)
        sections[item.section].append(entry)
    reasons: list[dict[str, str]] = []
    for item in withheld:
        entry = {"category": item.category, "exemption": item.exemption}
        if entry not in reasons:
            reasons.append(entry)
    return {
        "format": EXPORT_FORMAT,
        "export_id": str(sar.uid),
        "controller": sar.case.organisation.name,
        "request_received_on": _date(sar.received_on),
        "prepared_on": _date(timezone.localdate()),
        "sections": [{"title": t, "items": rows} for t, rows in sections.items() if rows],
        "withheld": reasons,
    }


# --- The steps --------------------------------------------------------------------------------


def _require_supervisor(user: User, case: Case) -> None:
    if not (can(user, "casework.supervise") and can(user, "casework.view_case", case)):
        raise SarError("Only a supervisor of this service can do this.")


def _locked(sar: SubjectAccessRequest, status: str) -> SubjectAccessRequest:
    locked = (
        SubjectAccessRequest.objects.select_for_update()
        .select_related("case__organisation", "party")
        .get(pk=sar.pk)
    )
    if locked.case.status == Status.ERASED:
        raise SarError("This case has been erased.")
    if locked.status != status:
        raise SarError("This request has moved on since you opened the page. Look at it again.")
    locked.party.case = locked.case
    return locked


@transaction.atomic
def record_request(
    request: HttpRequest | None,
    case: Case,
    *,
    party: Party,
    received_on: dt.date,
    identity_checked: bool,
    by: User,
) -> SubjectAccessRequest:
    _require_supervisor(by, case)
    if party.case_id != case.pk:
        raise SarError("Choose a person from this case.")
    if not identity_checked:
        raise SarError("Check who is asking before you go on: we only give people their own data.")
    if received_on > timezone.localdate():
        raise SarError("The date the request arrived cannot be in the future.")
    sar = SubjectAccessRequest.objects.create(
        case=case,
        party=party,
        received_on=received_on,
        identity_checked=True,
        requested_by=by,
    )
    audit(request, "sar.record", case, actor=by)
    return sar


@transaction.atomic
def prepare(
    request: HttpRequest | None,
    sar: SubjectAccessRequest,
    *,
    included: Iterable[str],
    reason: str,
    by: User,
) -> SubjectAccessRequest:
    """The reviewer's choices become the export, sealed and waiting for a second supervisor."""
    locked = _locked(sar, SubjectAccessRequest.Status.REVIEW)
    _require_supervisor(by, locked.case)
    items = items_for(locked)
    chosen = set(included)
    known = {item.key for item in items}
    if not chosen <= known:
        raise SarError(
            "The record changed while you were reviewing it. Check the list again and save."
        )
    released = sorted(item.key for item in items if item.key in chosen and not item.own)
    held_back = sorted(item.key for item in items if item.key not in chosen and item.own)
    if released and not reason.strip():
        raise SarError(
            "You are releasing information that is withheld by default. Say why it is right "
            "to release it (for example, the person it is about agreed)."
        )
    locked.review = {
        "included": sorted(chosen),
        "released_against_default": released,
        "withheld_against_default": held_back,
        "reason": reason.strip(),
        "withheld": [
            {"key": item.key, "category": item.category, "exemption": item.exemption}
            for item in items
            if item.key not in chosen
        ],
    }
    locked.bundle = assemble(locked, items, chosen)
    locked.status = SubjectAccessRequest.Status.APPROVAL
    locked.prepared_by = by
    locked.prepared_at = timezone.now()
    locked.save()
    audit(request, "sar.prepare", locked.case, actor=by)
    return locked


@transaction.atomic
def approve(
    request: HttpRequest | None, sar: SubjectAccessRequest, *, by: User
) -> SubjectAccessRequest:
    locked = _locked(sar, SubjectAccessRequest.Status.APPROVAL)
    _require_supervisor(by, locked.case)
    if by.pk == locked.prepared_by_id:
        raise SarError(
            "A different supervisor must approve this export: you prepared it. "
            "Ask a colleague to check it."
        )
    locked.status = SubjectAccessRequest.Status.APPROVED
    locked.approved_by = by
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    audit(request, "sar.approve", locked.case, actor=by)
    return locked


@transaction.atomic
def send_back(
    request: HttpRequest | None, sar: SubjectAccessRequest, *, by: User
) -> SubjectAccessRequest:
    """Not approved: the prepared export is discarded and the review starts again."""
    locked = _locked(sar, SubjectAccessRequest.Status.APPROVAL)
    _require_supervisor(by, locked.case)
    locked.status = SubjectAccessRequest.Status.REVIEW
    locked.bundle = {}
    locked.prepared_by = None
    locked.prepared_at = None
    locked.save(update_fields=["status", "sealed_bundle", "prepared_by", "prepared_at"])
    audit(request, "sar.send_back", locked.case, actor=by)
    return locked


def _approved_bundle(sar: SubjectAccessRequest) -> dict[str, Any]:
    if sar.status != SubjectAccessRequest.Status.APPROVED:
        raise SarError("This export has not been approved by a second supervisor yet.")
    bundle: dict[str, Any] = dict(sar.bundle)
    bundle["approved_on"] = _date(sar.approved_at)
    return bundle


def export_json(sar: SubjectAccessRequest) -> bytes:
    return json.dumps(_approved_bundle(sar), indent=2, ensure_ascii=False).encode()


def export_pdf(sar: SubjectAccessRequest) -> bytes:
    """The readable copy, rendered from the approved export and nothing else."""
    html = render_to_string("casework/rights/sar_export.html", {"export": _approved_bundle(sar)})
    return html_to_pdf(html)
