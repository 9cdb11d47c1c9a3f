"""The complaint deadlines an advocate's home page shows: due within a week, or overdue.

Read from ``Complaint.next_due_on`` (indexed) through the cases the person may see, so the
list needs no decryption and no run of the engine per case. Only stage and rule names are
shown: nothing about what the complaint says.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from accord.casework.models import Case
from accord.casework.vocabularies import Status
from accord.complaints.display import DUE_WINDOW_DAYS
from accord.complaints.models import Complaint
from accord.complaints.process import ProcessDefinitionError, process_for_version

LIMIT = 50


@dataclass(frozen=True)
class DueComplaint:
    reference: str
    uid: uuid.UUID
    stage_label: str
    rule_label: str
    due_on: dt.date
    overdue: bool


def _labels(version: str, stage: str, rule: str) -> tuple[str, str]:
    try:
        process = process_for_version(version)
    except ProcessDefinitionError:
        return stage, rule
    found_stage = process.stages.get(stage)
    found_rule = process.deadline_rules.get(rule)
    return (
        found_stage.label if found_stage is not None else stage,
        found_rule.label if found_rule is not None else rule,
    )


def due_for(user: Any, today: dt.date, *, limit: int = LIMIT) -> list[DueComplaint]:
    """Complaints in open cases this person may see with a deadline within a week or past,
    soonest first. Restricted cases are left out, as on the rest of the home page."""
    cases = Case.objects.visible_to(user).filter(
        restricted=False, status__in=[Status.NEW, Status.OPEN]
    )
    rows = (
        Complaint.objects.filter(
            case__in=cases,
            next_due_on__isnull=False,
            next_due_on__lte=today + dt.timedelta(days=DUE_WINDOW_DAYS),
        )
        .order_by("next_due_on", "pk")
        .values_list(
            "uid", "case__reference", "process_version", "stage", "next_due_rule", "next_due_on"
        )[:limit]
    )
    due = []
    for uid, reference, version, stage, rule, due_on in rows:
        if due_on is None:  # filtered out above; this tells the type checker
            continue
        stage_label, rule_label = _labels(version, stage, rule)
        due.append(DueComplaint(reference, uid, stage_label, rule_label, due_on, due_on < today))
    return due
