"""Reminders that a published assessment is due for review (``accord eia remind``, daily).

Each published assessment whose review date is within 30 days or past is reminded once per
review date, to the person who wrote it (if still active) and, failing that, to nobody: the
register shows it as due or overdue either way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from accord.audit.services import record
from accord.eia.models import Assessment
from accord.eia.versions import REVIEW_SOON_DAYS
from accord.eia.vocabularies import AssessmentStatus


@dataclass(frozen=True)
class Sent:
    emails: int
    due: int


def _base_url() -> str:
    return str(getattr(settings, "ACCORD_BASE_URL", "http://localhost:8000")).rstrip("/")


def send_reminders(today: dt.date, *, dry_run: bool = False) -> Sent:
    due = Assessment.objects.filter(
        status=AssessmentStatus.PUBLISHED,
        review_on__isnull=False,
        review_on__lte=today + dt.timedelta(days=REVIEW_SOON_DAYS),
    ).select_related("initiative", "created_by")
    emails = 0
    count = 0
    for assessment in due:
        if assessment.reminded_for == assessment.review_on:
            continue
        count += 1
        author = assessment.created_by
        if author is None or not author.is_active or not author.email:
            continue
        if dry_run:
            emails += 1
            continue
        late = assessment.review_on is not None and assessment.review_on < today
        link = _base_url() + reverse("assessment_detail", args=[assessment.uid])
        with transaction.atomic():
            send_mail(
                subject="Accord: an equality impact assessment is "
                + ("overdue for review" if late else "due for review"),
                message=f"The equality impact assessment of '{assessment.initiative.title}' "
                f"(version {assessment.version}) is {'overdue' if late else 'due'} for review "
                f"by {assessment.review_on:%-d %B %Y}.\n\nStart a new version from the "
                f"register: {link}\n",
                from_email=None,
                recipient_list=[author.email],
            )
            Assessment.objects.filter(pk=assessment.pk).update(reminded_for=assessment.review_on)
            record(None, "eia.review.reminded", "assessment", str(assessment.uid))
        emails += 1
    return Sent(emails=emails, due=count)
