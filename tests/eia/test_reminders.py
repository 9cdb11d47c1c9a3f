"""Review reminders: once per review date, to the author, when due within 30 days or past."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from accord.eia import reminders, services
from accord.eia.models import Assessment
from accord.eia.vocabularies import AssessmentStatus
from tests.plan.factories import people

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 3, 1)


def _published(who: object, review_on: dt.date) -> Assessment:
    analyst = who.analyst  # type: ignore[attr-defined]
    initiative = services.create_initiative(
        None, title=f"Initiative {review_on}", description="D", kind="new", by=analyst
    )
    draft = services.start_assessment(None, initiative, by=analyst)
    Assessment.objects.filter(pk=draft.pk).update(
        status=AssessmentStatus.PUBLISHED, review_on=review_on
    )
    return draft


def test_due_and_overdue_assessments_are_reminded_once() -> None:
    who = people()
    _published(who, TODAY - dt.timedelta(days=1))  # overdue
    _published(who, TODAY + dt.timedelta(days=20))  # due soon
    _published(who, TODAY + dt.timedelta(days=90))  # not yet
    dry = reminders.send_reminders(TODAY, dry_run=True)
    assert (dry.due, dry.emails, len(mail.outbox)) == (2, 2, 0)
    sent = reminders.send_reminders(TODAY)
    assert (sent.due, sent.emails) == (2, 2)
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "Accord: an equality impact assessment is due for review",
        "Accord: an equality impact assessment is overdue for review",
    ]
    assert all(m.to == [who.analyst.email] for m in mail.outbox)
    again = reminders.send_reminders(TODAY)
    assert (again.due, again.emails) == (0, 0)


def test_the_command_says_how_many() -> None:
    from io import StringIO

    out = StringIO()
    call_command("eia", "remind", "--dry-run", stdout=out)
    assert "0 assessment(s) due for review; 0 email(s) would be sent." in out.getvalue()
