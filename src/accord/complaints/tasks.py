"""Background work for complaints: the reminder emails, run by ``accord db_worker``."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from accord.complaints import reminders


@task()
def send_reminders_task(
    *, within: int = reminders.DEFAULT_WITHIN_WORKING_DAYS, dry_run: bool = False
) -> dict[str, Any]:
    """The same run as ``accord complaints remind``, for a scheduler that enqueues tasks.

    Returns counts only (``ReminderRun.as_dict``): task results are stored in the database
    and shown to administrators, so they must hold no case content either.
    """
    return reminders.send_reminders(within=within, dry_run=dry_run).as_dict()
