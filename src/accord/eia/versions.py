"""What changed between two versions of an assessment, and where it stands on review.

The diff is word-level over each written section and each group's rating, so a reader sees
exactly what the authors changed (for example after partners' comments).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from accord.eia.models import Assessment
from accord.eia.services import SECTIONS
from accord.eia.vocabularies import AssessmentStatus, Group

REVIEW_SOON_DAYS = 30
LABELS = {
    "aims": "Aims",
    "affected": "Who it affects",
    "evidence": "Evidence",
    "data_gaps": "Gaps in the data",
    "engagement": "Engagement",
    "mitigations": "Mitigations",
    "monitoring": "Monitoring",
    "decision": "Decision",
    "decision_reasons": "Reasons for the decision",
    "review_on": "Review by",
}


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class Change:
    label: str
    pieces: tuple[Piece, ...]


def _words(text: str) -> list[str]:
    return re.findall(r"\s+|[^\s]+", text)


def diff_text(old: str, new: str) -> tuple[Piece, ...]:
    a, b = _words(old), _words(new)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return tuple(pieces)


def _rating_text(assessment: Assessment, group: str) -> str:
    rating = assessment.impacts.filter(group=group).first()
    if rating is None:
        return "Not rated"
    text = f"{rating.get_impact_display()}. {rating.reasoning}"
    return f"{text} Response: {rating.response}" if rating.response else text


def changes(old: Assessment, new: Assessment) -> list[Change]:
    """Every section and rating that differs between ``old`` and ``new``."""
    found = []
    for name in SECTIONS:
        before, after = str(getattr(old, name) or ""), str(getattr(new, name) or "")
        if before != after:
            found.append(Change(LABELS[name], diff_text(before, after)))
    for group, label in Group.choices:
        before, after = _rating_text(old, group), _rating_text(new, group)
        if before != after:
            found.append(Change(f"Impact on {label.lower()}", diff_text(before, after)))
    return found


def review_state(assessment: Assessment, today: dt.date) -> str:
    """'' when nothing is due; else 'due' (within 30 days) or 'overdue'."""
    if assessment.status != AssessmentStatus.PUBLISHED or assessment.review_on is None:
        return ""
    if assessment.review_on < today:
        return "overdue"
    return "due" if (assessment.review_on - today).days <= REVIEW_SOON_DAYS else ""
