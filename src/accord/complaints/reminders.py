"""Reminder emails: one content-free email per advocate when a complaint deadline is near.

Why content-free: an email leaves Accord. It may be read on a shared or seized phone, kept
by a mail provider, or forwarded by mistake, and the people these cases are about are
police officers who may be able to reach such places. So the email says only that a
deadline in one of the advocate's cases is due soon or has passed, how many, and where to
sign in. No name, no case reference, no stage, no date, no force: everything else is behind
the sign-in, where reading it is checked and audited.

Why one email per advocate per run, and never twice for the same due date: reminders that
repeat every day are soon ignored. ``Complaint.reminded_for`` keeps the latest due date a
reminder was sent for, and a complaint asks for another reminder only when a deadline due
later than that comes within reach (a new period, a new step, a repeated rule's next due
date). Every deadline is worked out by the process engine from the complaint's own state,
under the process version it started with, so the email and the case page never disagree.

This module is run by ``accord complaints remind`` (for cron) and by the background task
``accord.complaints.tasks.send_reminders_task``; both call :func:`send_reminders`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.services import record
from accord.casework.vocabularies import Status
from accord.complaints.models import Complaint
from accord.complaints.process import ComplaintState, Deadline, process_for_version
from accord.complaints.workdays import CalendarRangeError, default_calendar
from accord.policy.rules import can

logger = logging.getLogger(__name__)

#: A deadline this many working days away (or fewer) is worth a reminder.
DEFAULT_WITHIN_WORKING_DAYS = 3
DEFAULT_BASE_URL = "http://localhost:8000"
AUDIT_ACTION = "complaints.reminder.sent"
SUBJECT = "Accord: a deadline in one of your cases is due"
#: Beyond the bank-holiday file, weekdays are counted with this many days spare, so that an
#: unknown bank holiday can only make a reminder come early, never late.
_UNKNOWN_HOLIDAY_MARGIN = 2


@dataclass(frozen=True)
class DueCount:
    """How many deadlines of one complaint are due soon, and how many have passed."""

    due_soon: int
    overdue: int
    latest_due: dt.date

    @property
    def total(self) -> int:
        return self.due_soon + self.overdue


@dataclass
class Reminder:
    """What one advocate is told: counts only, and which complaints it settles."""

    advocate: User
    due_soon: int = 0
    overdue: int = 0
    #: complaint pk -> the latest due date this reminder covers for it.
    owed: dict[int, dt.date] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.due_soon + self.overdue


@dataclass(frozen=True)
class ReminderRun:
    """What a run did, in numbers only (the command prints it; the task returns it)."""

    complaints_checked: int
    deadlines_due: int
    emails_sent: int
    problems: int
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "complaints_checked": self.complaints_checked,
            "deadlines_due": self.deadlines_due,
            "emails_sent": self.emails_sent,
            "problems": self.problems,
            "dry_run": self.dry_run,
        }


def base_url() -> str:
    """Where Accord is reached from outside (``ACCORD_BASE_URL``), without a trailing slash."""
    return str(getattr(settings, "ACCORD_BASE_URL", DEFAULT_BASE_URL)).rstrip("/")


def sign_in_link() -> str:
    """The casework home page, absolute: the only thing a reminder links to."""
    return base_url() + reverse("casework_home")


def horizon(today: dt.date, within: int) -> dt.date:
    """The last day that counts as "due within ``within`` working days" of ``today``."""
    calendar = default_calendar()
    try:
        return calendar.add_working_days(today, within)
    except CalendarRangeError:
        day, counted = today, 0
        while counted < within:
            day += dt.timedelta(days=1)
            counted += day.weekday() < 5
        return day + dt.timedelta(days=_UNKNOWN_HOLIDAY_MARGIN)


def open_deadlines(complaint: Complaint, today: dt.date) -> list[Deadline]:
    """The deadlines not yet met, soonest first, from the complaint's own process version.

    Raises ``ValueError`` (``ProcessError``, ``ProcessDefinitionError``,
    ``CalendarRangeError``) or ``KeyError``/``TypeError`` if the stored state cannot be used.
    """
    process = process_for_version(complaint.process_version)
    state = ComplaintState.from_data(complaint.state)
    return [d for d in process.deadlines(state, today) if d.status != "met"]


def due_count(deadlines: Iterable[Deadline], last_day: dt.date) -> DueCount | None:
    """Counts of the deadlines that have passed or fall on or before ``last_day``."""
    due = [d for d in deadlines if d.status == "overdue" or d.due <= last_day]
    if not due:
        return None
    overdue = sum(1 for d in due if d.status == "overdue")
    return DueCount(
        due_soon=len(due) - overdue, overdue=overdue, latest_due=max(d.due for d in due)
    )


def _refresh_next_due(complaint: Complaint, deadlines: list[Deadline]) -> None:
    """Keep the denormalised soonest deadline (read by the home page) in step with the engine."""
    soonest = deadlines[0] if deadlines else None
    due_on = soonest.due if soonest is not None else None
    rule = soonest.rule_id if soonest is not None else ""
    if complaint.next_due_on != due_on or complaint.next_due_rule != rule:
        Complaint.objects.filter(pk=complaint.pk).update(next_due_on=due_on, next_due_rule=rule)
        complaint.next_due_on, complaint.next_due_rule = due_on, rule


def _recipient(complaint: Complaint) -> User | None:
    """The case's advocate, if the case is in use and they may still see it.

    Restricted cases are left out: processing is paused at the client's request.
    """
    case = complaint.case
    advocate = case.advocate
    if advocate is None or case.restricted:
        return None
    if not can(advocate, "casework.view_case", case):
        return None  # deactivated, moved service or no longer a caseworker
    return advocate


def _is_owed(count: DueCount, reminded_for: dt.date | None) -> bool:
    return reminded_for is None or count.latest_due > reminded_for


def collect(today: dt.date, within: int, *, refresh: bool) -> tuple[list[Reminder], int, int, int]:
    """Work out who is owed a reminder.

    Returns the reminders owed, the number of complaints checked, the number of deadlines
    due or overdue on cases with a recipient, and the number of complaints that could not be
    checked. ``refresh`` updates ``next_due_on``/``next_due_rule`` on the way.
    """
    last_day = horizon(today, within)
    complaints = (
        Complaint.objects.filter(case__status__in=[Status.NEW, Status.OPEN])
        .select_related("case", "case__advocate")
        .order_by("pk")
    )
    reminders: dict[int, Reminder] = {}
    advocates: dict[int, User] = {}  # one instance each, so its membership is read once
    checked = problems = due_total = 0
    for complaint in complaints.iterator(chunk_size=500):
        checked += 1
        try:
            deadlines = open_deadlines(complaint, today)
        except (ValueError, KeyError, TypeError) as error:
            problems += 1
            # The complaint's random uid and the kind of error only: never case content.
            logger.error(
                "complaint reminders: complaint %s could not be checked (%s)",
                complaint.uid,
                type(error).__name__,
            )
            continue
        if refresh:
            _refresh_next_due(complaint, deadlines)
        if complaint.case.advocate is not None:
            complaint.case.advocate = advocates.setdefault(
                complaint.case.advocate.pk, complaint.case.advocate
            )
        advocate = _recipient(complaint)
        count = due_count(deadlines, last_day)
        if advocate is None or count is None:
            continue
        due_total += count.total
        reminder = reminders.setdefault(advocate.pk, Reminder(advocate=advocate))
        reminder.due_soon += count.due_soon
        reminder.overdue += count.overdue
        if _is_owed(count, complaint.reminded_for):
            reminder.owed[complaint.pk] = count.latest_due
    owed = [reminder for reminder in reminders.values() if reminder.owed]
    return owed, checked, due_total, problems


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def email_body(reminder: Reminder, within: int) -> str:
    """The whole email: counts and a link, nothing that says which case or whose."""
    lines = [
        "A deadline in one of your cases is due soon or has passed.",
        "",
        f"Due in the next {within} working {_plural(within, 'day', 'days')}: {reminder.due_soon}",
        f"Already passed: {reminder.overdue}",
        "",
        "Sign in to Accord to see which cases and what to do:",
        sign_in_link(),
        "",
        "This email does not say which cases, to keep them private. You will not get another",
        "email for the same deadline. Please do not reply to this email.",
    ]
    return "\n".join(lines) + "\n"


def _send(reminder: Reminder, within: int) -> bool:
    """Send one reminder and mark its complaints, all or nothing. False if nothing was owed
    any more (another run got there first)."""
    with transaction.atomic():
        locked = list(
            Complaint.objects.select_for_update()
            .filter(pk__in=list(reminder.owed))
            .only("pk", "reminded_for")
        )
        still_owed = [
            complaint
            for complaint in locked
            if complaint.reminded_for is None
            or reminder.owed[complaint.pk] > complaint.reminded_for
        ]
        if not still_owed:
            return False
        for complaint in still_owed:
            Complaint.objects.filter(pk=complaint.pk).update(
                reminded_for=reminder.owed[complaint.pk]
            )
        record(None, AUDIT_ACTION, "user", str(reminder.advocate.pk))
        # Last, so that a mail server that refuses it undoes the marks and the audit event:
        # the next run tries again.
        EmailMessage(
            subject=SUBJECT, body=email_body(reminder, within), to=[reminder.advocate.email]
        ).send()
    return True


def send_reminders(
    *,
    today: dt.date | None = None,
    within: int = DEFAULT_WITHIN_WORKING_DAYS,
    dry_run: bool = False,
) -> ReminderRun:
    """Check every complaint on an open case and email each advocate who is owed a reminder.

    ``dry_run`` works everything out and changes nothing: no email, no audit event, no
    update to any complaint.
    """
    if within < 0:
        raise ValueError("The number of working days ahead cannot be negative.")
    today = today or timezone.localdate()
    owed, checked, due_total, problems = collect(today, within, refresh=not dry_run)
    sent = 0
    if dry_run:
        sent = len(owed)
    else:
        for reminder in owed:
            sent += _send(reminder, within)
    return ReminderRun(
        complaints_checked=checked,
        deadlines_due=due_total,
        emails_sent=sent,
        problems=problems,
        dry_run=dry_run,
    )
