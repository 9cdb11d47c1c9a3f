"""A case's timeline: calls, meetings, letters and notes, done or planned, with documents.

Like CiviCase, an activity is either done (it has the moment it happened) or scheduled (it
has only a due date, and shows as overdue once that date has passed) until someone records
it as done. Its text is sealed with the case's key.

The timeline itself is read-only: :func:`timeline` merges every source of dated entries
into one list, newest first. Other areas (referrals, risk) can add their own entries by
registering a source with :func:`timeline_source`; nothing here needs to know about them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accord.casework.access import audit
from accord.casework.models import Activity, Case
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import ActivityKind

#: How far ahead of the server's clock a "done" time may be (clocks and typing differ).
CLOCK_SLACK = dt.timedelta(minutes=5)
#: How many entries the case page shows; the timeline page shows them all.
CASE_PAGE_ENTRIES = 10

DONE = "done"
PLANNED = "planned"
DUE_TODAY = "due_today"
OVERDUE = "overdue"


def ensure_editable(case: Case) -> None:
    """Nothing is added to a closed or restricted case (the views check too; this is the
    rule itself, for every caller)."""
    if case.restricted:
        raise CaseworkError(
            "Processing of this case is restricted at the client's request, so nothing new "
            "can be added to it."
        )
    if not case.is_open:
        raise CaseworkError(
            "This case is closed, so nothing new can be added to it. A supervisor can reopen it."
        )


@dataclass(frozen=True)
class TimelineEntry:
    """One dated line on a timeline, whatever it comes from."""

    when: dt.datetime  # when it happened; for a planned activity, the start of its due day
    kind: str  # what made it: "activity", "document", or another area's name
    label: str  # what people read: "Phone call", "Document added"
    text: str
    by: str = ""
    link: str = ""
    link_text: str = ""
    status: str = DONE  # DONE, PLANNED, DUE_TODAY or OVERDUE
    due_on: dt.date | None = None

    @property
    def scheduled(self) -> bool:
        return self.status != DONE

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE

    @property
    def done_late(self) -> bool:
        """Done after the day it was due (the due date is kept when it is completed)."""
        if self.status != DONE or self.due_on is None:
            return False
        return timezone.localtime(self.when).date() > self.due_on


TimelineSource = Callable[[Case, dt.date], Iterable[TimelineEntry]]
SOURCES: list[TimelineSource] = []


def timeline_source(source: TimelineSource) -> TimelineSource:
    """Register a function giving a case's entries (the hook for referrals, risk ...)."""
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _name(user: Any) -> str:
    return str(getattr(user, "display_name", "") or "") if user is not None else ""


def activity_status(activity: Activity, today: dt.date) -> str:
    if activity.occurred_at is not None or activity.due_on is None:
        return DONE
    if activity.due_on < today:
        return OVERDUE
    return DUE_TODAY if activity.due_on == today else PLANNED


def _is_letter(activity: Activity, planned: bool) -> bool:
    return activity.kind == ActivityKind.LETTER and not planned


def _activity_link(case: Case, activity: Activity, planned: bool) -> str:
    """A planned activity links to recording it as done; a letter to its page, where it can
    be downloaded to send (complaint letters are saved as letters on the timeline)."""
    if planned:
        return reverse("activity_complete", args=[case.reference, activity.uid])
    if _is_letter(activity, planned):
        return reverse("complaint_letter_detail", args=[case.reference, activity.uid])
    return ""


def _activity_link_text(activity: Activity, planned: bool) -> str:
    if planned:
        return "Record as done"
    return "Open the letter to download it" if _is_letter(activity, planned) else ""


@timeline_source
def _activities(case: Case, today: dt.date) -> Iterable[TimelineEntry]:
    for activity in case.activities.select_related("created_by"):
        status = activity_status(activity, today)
        planned = status != DONE
        if activity.occurred_at is not None:
            when = activity.occurred_at
        elif activity.due_on is not None:
            when = _start_of(activity.due_on)
        else:  # neither: not made by add_activity, but still shown where it was recorded
            when = activity.created_at
        yield TimelineEntry(
            when=when,
            kind="activity",
            label=activity.get_kind_display(),
            text=activity.text,
            by=_name(activity.created_by),
            link=_activity_link(case, activity, planned),
            link_text=_activity_link_text(activity, planned),
            status=status,
            due_on=activity.due_on,
        )


@timeline_source
def _documents(case: Case, today: dt.date) -> Iterable[TimelineEntry]:
    for document in case.documents.select_related("created_by"):
        description = document.description
        yield TimelineEntry(
            when=document.created_at,
            kind="document",
            label="Document added",
            text=f"{document.filename}\n{description}" if description else document.filename,
            by=_name(document.created_by),
            link=reverse("document_download", args=[case.reference, document.uid]),
            link_text="Download",
        )


def timeline(case: Case, *, today: dt.date | None = None) -> list[TimelineEntry]:
    """Every entry of every registered source, newest first (planned ones at their due day)."""
    today = today or timezone.localdate()
    entries = [entry for source in SOURCES for entry in source(case, today)]
    return sorted(entries, key=lambda entry: entry.when, reverse=True)


def to_do(entries: Iterable[TimelineEntry]) -> list[TimelineEntry]:
    """The planned entries, soonest (most overdue) first: the case's to-do list."""
    planned = [entry for entry in entries if entry.scheduled]
    return sorted(planned, key=lambda entry: entry.when)


def section_context(case: Case) -> dict[str, Any]:
    """What the case page's timeline section needs: the to-do list and the latest entries."""
    entries = timeline(case)
    return {
        "timeline_to_do": to_do(entries),
        "timeline_recent": [entry for entry in entries if not entry.scheduled][:CASE_PAGE_ENTRIES],
        "timeline_count": len(entries),
    }


# --- Changes ------------------------------------------------------------------------------------


def _check_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise CaseworkError("Write what happened, or what is planned.")
    return cleaned


@transaction.atomic
def add_activity(
    request: HttpRequest | None,
    case: Case,
    *,
    kind: str,
    text: str,
    by: Any,
    occurred_at: dt.datetime | None = None,
    due_on: dt.date | None = None,
) -> Activity:
    """Record an activity that happened (``occurred_at``, default now) or schedule one
    (``due_on``); never both, so every activity is plainly either done or to do."""
    ensure_editable(case)
    if kind not in ActivityKind.values:
        raise CaseworkError("Choose what kind of contact or note this is.")
    cleaned = _check_text(text)
    now = timezone.now()
    if due_on is not None and occurred_at is not None:
        raise CaseworkError(
            "An activity is either done or planned. Give the time it happened, or a due "
            "date, not both."
        )
    if due_on is not None:
        if due_on < timezone.localdate():
            raise CaseworkError(
                "The due date has passed. Choose today or a later date, or record it as done."
            )
    else:
        occurred_at = occurred_at or now
        if timezone.is_naive(occurred_at):
            raise CaseworkError("The time it happened needs a time zone.")  # a programming slip
        if occurred_at > now + CLOCK_SLACK:
            raise CaseworkError(
                "The time it happened is in the future. To plan something, give it a due "
                "date instead."
            )
    activity = Activity(case=case, kind=kind, occurred_at=occurred_at, due_on=due_on, created_by=by)
    activity.text = cleaned
    activity.save(force_insert=True)
    audit(request, "activity.schedule" if due_on is not None else "activity.add", case, actor=by)
    return activity


@transaction.atomic
def complete_scheduled(
    request: HttpRequest | None,
    activity: Activity,
    *,
    by: Any,
    occurred_at: dt.datetime | None = None,
    outcome: str = "",
) -> Activity:
    """Record a planned activity as done, with what happened added below the plan.

    The due date is kept, so the timeline still shows whether it was done on time.
    """
    case = activity.case
    ensure_editable(case)
    # Lock the row: two people completing the same activity must not both succeed.
    current = Activity.objects.select_for_update().get(pk=activity.pk)
    if current.occurred_at is not None or current.due_on is None:
        raise CaseworkError("This activity has already been recorded as done.")
    now = timezone.now()
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):
        raise CaseworkError("The time it happened needs a time zone.")
    if occurred_at > now + CLOCK_SLACK:
        raise CaseworkError(
            "The time it happened is in the future. Record it as done once it has happened."
        )
    current.case = case
    result = outcome.strip()
    if result:
        plan = current.text
        current.text = f"{plan}\n\nWhat happened: {result}" if plan else result
    current.occurred_at = occurred_at
    current.save(update_fields=["occurred_at", "sealed_text"])
    audit(request, "activity.complete", case, actor=by)
    activity.occurred_at = current.occurred_at
    activity.sealed_text = current.sealed_text
    return activity
