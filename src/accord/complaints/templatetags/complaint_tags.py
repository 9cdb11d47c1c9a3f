"""Template tags for showing complaints where only the complaint row is at hand (the case page)."""

from __future__ import annotations

from django import template

from accord.complaints.display import ComplaintSummary, summary_of
from accord.complaints.models import Complaint

register = template.Library()


@register.simple_tag
def complaint_summary(complaint: Complaint) -> ComplaintSummary:
    """Its stage and next deadline, named as the process names them; nothing decrypted."""
    return summary_of(complaint)
