"""A case with a unique canary in every sealed field, for the leak tests.

Why generic: the leak tests are only as good as the seed. Sealed columns are found by
looking at every installed model (every ``sealed_*`` column, in any app), and
:func:`uncovered` lists any column of the seeded case that holds no canary, so a new sealed
field added without a canary here fails the tests instead of quietly going unchecked.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.casework import dash, sar
from accord.casework.documents import store_document
from accord.casework.models import (
    Activity,
    Case,
    Consent,
    DataRightsDecision,
    Document,
    ErasureRequest,
    Party,
    Referral,
    RiskAssessment,
    SafetyAction,
    SafetyPlan,
)
from accord.casework.sealed import SealedText
from accord.casework.vocabularies import (
    ActivityKind,
    ContactMethod,
    Force,
    MaracDecision,
    PlanActionOwner,
    ReferralStatus,
    ReferralTo,
    YesNoUnknown,
)
from accord.complaints import services as complaints
from accord.complaints.models import MadeTo
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import WITH_COMPLAINT_CONSENT, canary, make_case, service_of
from tests.factories import person

SEALED_PREFIX = "sealed_"


@dataclass
class Seeded:
    """The seeded case, its canaries, and the files written for its documents."""

    case: Case
    labels: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def canaries(self) -> set[str]:
        return set(self.labels.values())

    def mark(self, label: str) -> str:
        assert label not in self.labels, f"two canaries labelled {label}"
        self.labels[label] = canary(label)
        return self.labels[label]


def sealed_fields() -> list[tuple[type[models.Model], str]]:
    """Every sealed column of every installed model (casework, complaints and any area added
    later), as (model, column name)."""
    found: list[tuple[type[models.Model], str]] = []
    for model in apps.get_models():
        for column in model._meta.concrete_fields:
            if column.name.startswith(SEALED_PREFIX):
                found.append((model, column.name))
    return found


def _rows_of(model: type[models.Model], cases: Iterable[Case]) -> models.QuerySet[Any]:
    pks = [case.pk for case in cases]
    if model is Case:
        return Case.objects.filter(pk__in=pks)
    names = {f.name for f in model._meta.get_fields()}
    if "case" not in names:
        raise AssertionError(
            f"{model._meta.label} has sealed columns but no `case` link: the seed cannot "
            "find its rows (teach tests/casework/seed.py how)."
        )
    return model._default_manager.filter(case_id__in=pks)


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def uncovered(
    cases: Iterable[Case],
    canaries: set[str],
    fields: Iterable[tuple[type[models.Model], str]] | None = None,
) -> list[str]:
    """Sealed columns of these cases with no row, or a row without a canary, or no decryptor."""
    cases = list(cases)
    problems: list[str] = []
    for model, column in sealed_fields() if fields is None else fields:
        label = f"{model._meta.label}.{column}"
        attribute = column.removeprefix(SEALED_PREFIX)
        if not isinstance(getattr(model, attribute, None), SealedText):
            problems.append(f"{label}: no SealedText/SealedJSON attribute `{attribute}`")
            continue
        rows = list(_rows_of(model, cases))
        if not rows:
            problems.append(f"{label}: the seed made no {model.__name__} row")
            continue
        for row in rows:
            text = _text_of(getattr(row, attribute))
            if not any(value in text for value in canaries):
                problems.append(f"{label}: row {row.pk} holds no canary")
    return problems


def _contact(seeded: Seeded, who: str) -> dict[str, str]:
    return {
        "method": ContactMethod.PHONE,
        "phone": seeded.mark(f"{who}-phone"),
        "email": seeded.mark(f"{who}-email"),
        "trusted_person": seeded.mark(f"{who}-trusted-person"),
        "times": seeded.mark(f"{who}-times"),
        "voicemail_safe": YesNoUnknown.NO,
        "code_word": seeded.mark(f"{who}-code-word"),
    }


def _party_details(seeded: Seeded, who: str) -> dict[str, Any]:
    return {"contact": _contact(seeded, who), "notes": seeded.mark(f"{who}-details-notes")}


def _risk_answers(seeded: Seeded) -> dict[str, str]:
    """Answers to the loaded checklist; the first answer a canary (pages show unknown values
    as stored, so a leak of the sealed answers would show it)."""
    questions = [question.key for question in dash.load_checklist().questions]
    answers = dict.fromkeys(questions, dash.YES)
    answers[questions[0]] = seeded.mark("risk-answer")
    return answers


def _complaint(seeded: Seeded, by: User, evidence: Document) -> None:
    """A complaint made through the app's own services: its summary, handler, the note of
    every step (the opening entry too) and a linked matter's note are canaries."""
    case = seeded.case
    today = timezone.localdate()
    complaint = complaints.open_complaint(
        None,
        case,
        made_on=today - dt.timedelta(days=30),
        made_to=MadeTo.FORCE,
        force=Force.MET,
        summary=seeded.mark("complaint-summary"),
        handler=seeded.mark("complaint-handler"),
        officer_in_handling_unit=YesNoUnknown.YES,
        by=by,
    )
    opened = complaint.steps.get()
    opened.case = case
    opened.note = seeded.mark("complaint-opened-note")
    opened.save()
    complaints.record_step(
        None,
        complaint,
        "made_to_force",
        {},
        today,
        seeded.mark("complaint-step-note"),
        evidence,
        by,
    )
    complaints.note_linked_matter(
        None,
        complaint,
        kind="civil_claim",
        noted_on=today,
        note=seeded.mark("complaint-linked-matter-note"),
        by=by,
    )


def _document(seeded: Seeded, by: User) -> Document:
    """A text document whose name, description and content are canaries, stored (encrypted)
    by the app's own ``store_document``."""
    content = (seeded.mark("document-content") + "\n").encode()
    upload = SimpleUploadedFile(
        seeded.mark("document-filename") + ".txt", content, content_type="text/plain"
    )
    document = store_document(None, seeded.case, upload, seeded.mark("document-description"), by=by)
    seeded.files.append(Path(settings.ACCORD_CASE_FILES_DIR) / document.storage_name)
    return document


@transaction.atomic
def seed_case(advocate: User, *, supervisor: User | None = None) -> Seeded:
    """An open case for ``advocate`` with a canary in every sealed field of every record.

    ``supervisor`` (a new one of the same service when None) asked for the erasure and
    prepared the subject access export. Raises AssertionError naming any sealed column left
    without a canary.
    """
    supervisor = supervisor or person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    assert supervisor.active_membership is not None
    assert supervisor.active_membership.organisation == service_of(advocate)
    # The complaint below is added for the client, so they agreed to that.
    case = make_case(
        advocate,
        client_name="",
        summary="",
        perpetrator_name="",
        unit="",
        consents=WITH_COMPLAINT_CONSENT,
    )
    seeded = Seeded(case=case)
    case.summary = seeded.mark("case-summary")
    case.closure_note = seeded.mark("case-closure-note")
    case.legal_hold = True
    case.legal_hold_reason = seeded.mark("case-legal-hold-reason")
    case.save()

    for party in case.parties.all():
        party.name = seeded.mark(f"{party.role}-name")
        party.details = _party_details(seeded, party.role)
        party.unit = seeded.mark(f"{party.role}-unit")
        party.save()
    other = Party(case=case, role=Party.Role.OTHER, created_by=advocate)
    other.name = seeded.mark("other-name")
    other.details = _party_details(seeded, "other")
    other.unit = seeded.mark("other-unit")
    other.save()

    for consent in Consent.objects.filter(case=case):
        consent.note = seeded.mark(f"consent-{consent.purpose}-note")
        consent.save()

    today = timezone.localdate()
    checklist = dash.load_checklist()
    risk = RiskAssessment(
        case=case,
        completed_on=today,
        checklist_version=checklist.key,
        yes_count=checklist.size - 1,
        high_risk_by_count=True,
        marac_decision=MaracDecision.REFER,
        created_by=advocate,
    )
    risk.answers = _risk_answers(seeded)
    risk.narrative = seeded.mark("risk-narrative")
    risk.save()

    plan = SafetyPlan(case=case, review_on=today + dt.timedelta(days=14), created_by=advocate)
    plan.notes = seeded.mark("safety-plan-notes")
    plan.save()
    for owner in (PlanActionOwner.CLIENT, PlanActionOwner.ADVOCATE):
        action = SafetyAction(plan=plan, case=case, owner=owner, created_by=advocate)
        action.due_on = today + dt.timedelta(days=7)
        action.text = seeded.mark(f"safety-action-{owner}")
        action.save()

    for kind in (ActivityKind.CALL, ActivityKind.NOTE):
        activity = Activity(case=case, kind=kind, occurred_at=timezone.now(), created_by=advocate)
        activity.text = seeded.mark(f"activity-{kind}")
        activity.save()
    scheduled = Activity(
        case=case,
        kind=ActivityKind.MEETING,
        due_on=today + dt.timedelta(days=3),
        created_by=advocate,
    )
    scheduled.text = seeded.mark("activity-scheduled")
    scheduled.save()

    document = _document(seeded, advocate)
    _complaint(seeded, advocate, document)

    referral = Referral(
        case=case,
        to=ReferralTo.IDVA,
        made_on=today,
        status=ReferralStatus.COMPLETED,
        outcome_on=today,
        created_by=advocate,
    )
    referral.note = seeded.mark("referral-note")
    referral.outcome = seeded.mark("referral-outcome")
    referral.save()

    erasure = ErasureRequest(
        case=case, grounds=ErasureRequest.Grounds.CLIENT_REQUEST, requested_by=supervisor
    )
    erasure.note = seeded.mark("erasure-request-note")
    erasure.save()
    decision = DataRightsDecision(
        case=case, kind=DataRightsDecision.Kind.HOLD, decided_by=supervisor
    )
    decision.reason = seeded.mark("rights-decision-reason")
    decision.save()
    # A subject access export prepared by the app itself: the bundle holds the record (its
    # canaries), the review the reason for releasing what is withheld by default.
    client = case.client
    assert client is not None
    access = sar.record_request(
        None, case, party=client, received_on=today, identity_checked=True, by=supervisor
    )
    keys = [item.key for item in sar.items_for(access)]
    sar.prepare(None, access, included=keys, reason=seeded.mark("access-reason"), by=supervisor)

    missing = uncovered([case], seeded.canaries)
    assert not missing, "sealed fields without a canary:\n" + "\n".join(missing)
    return seeded
