"""Reminder emails: one per advocate, content-free, never twice for the same due date."""

from __future__ import annotations

import datetime as dt
import io
import re
import smtplib
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.accounts.models import Membership, User
from accord.audit.models import AuditEvent
from accord.casework.models import Case, Party
from accord.casework.vocabularies import Force, Status
from accord.complaints import reminders
from accord.complaints.models import Complaint, ComplaintStep, LinkedMatter, MadeTo
from accord.complaints.process import ComplaintState, load_process
from accord.complaints.tasks import send_reminders_task
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import canary, make_case, service_of
from tests.casework.seed import seed_case
from tests.complaints.walk import follow
from tests.data_dirs import data_dirs
from tests.factories import person

__all__ = ["data_dirs"]
pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)  # a Monday, with no bank holiday near it
BASE_URL = "https://accord.example.org"
MONTHS = [dt.date(2026, month, 1).strftime("%B") for month in range(1, 13)]


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def review_due_soon(today: dt.date = TODAY) -> ComplaintState:
    """Outcome letter dated 26 days ago: the review application is due in two days."""
    return follow(
        load_process(),
        today - days(60),
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": today - days(55)}),
        ("handled_otherwise", {"handling_decided": today - days(50)}),
        ("outcome_given", {"outcome_letter_dated": today - days(26)}),
    )


def update_overdue(today: dt.date = TODAY) -> ComplaintState:
    """Recorded 40 days ago with no update since: the four-weekly update is 12 days late."""
    return follow(
        load_process(),
        today - days(45),
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": today - days(40)}),
    )


def update_not_yet_due(today: dt.date = TODAY) -> ComplaintState:
    """Recorded 5 days ago: the first update is due in 23 days."""
    return follow(
        load_process(),
        today - days(10),
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": today - days(5)}),
    )


def add_complaint(
    case: Case, state: ComplaintState, *, by: User | None, marks: set[str] | None = None
) -> Complaint:
    """A complaint with a canary in every sealed field (and in its step and linked matter)."""
    marks = marks if marks is not None else set()

    def mark(label: str) -> str:
        value = canary(label)
        marks.add(value)
        return value

    complaint = Complaint(
        case=case,
        process_version=state.version,
        stage=state.stage,
        state=state.to_data(),
        made_to=MadeTo.FORCE,
        force=Force.MET,
        created_by=by,
    )
    complaint.summary = mark("complaint-summary")
    complaint.handler = mark("complaint-handler")
    complaint.save()
    last = state.history[-1]
    step = ComplaintStep(
        complaint=complaint,
        case=case,
        transition=last.transition,
        from_stage=last.from_stage,
        to_stage=last.to_stage,
        on=last.on,
        recorded={name: day.isoformat() for name, day in last.recorded},
        created_by=by,
    )
    step.note = mark("complaint-step-note")
    step.save()
    matter = LinkedMatter(
        complaint=complaint, case=case, kind="civil_claim", noted_on=last.on, created_by=by
    )
    matter.note = mark("linked-matter-note")
    matter.save()
    return complaint


def advocate() -> User:
    return person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)


def whole_message(message: Any) -> str:
    """Every header and part of the email as sent, not just the body."""
    return str(message.message().as_string())


def test_the_reminder_email_says_only_that_a_deadline_is_due(settings: Any) -> None:
    settings.ACCORD_BASE_URL = BASE_URL + "/"
    worker = advocate()
    seeded = seed_case(worker)
    case = seeded.case
    marks = set(seeded.canaries)
    complaint = add_complaint(case, review_due_soon(), by=worker, marks=marks)

    run = reminders.send_reminders(today=TODAY)

    assert run.emails_sent == 1 and run.problems == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [worker.email]
    assert message.subject == "Accord: a deadline in one of your cases is due"
    assert f"{BASE_URL}/casework/" in message.body
    assert "Due in the next 3 working days: 1" in message.body
    assert "Already passed: 0" in message.body
    raw = whole_message(message)
    for text in (message.subject, message.body, raw):
        leaked = [value for value in marks if value in text]
        assert not leaked, f"canaries in the reminder: {leaked}"
        assert "CANARY" not in text
        assert case.reference not in text
        assert worker.display_name not in text
        for force in Force:
            assert str(force.label) not in text
        assert str(complaint.uid) not in text and str(case.uid) not in text
    process = load_process()
    body = message.subject + message.body
    assert "Met" not in body
    for stage in process.stages.values():
        assert stage.label not in body
    for rule in process.deadline_rules.values():
        assert rule.label not in body
    assert not any(month in body for month in MONTHS), "the email gives a date"
    assert not re.search(r"\b(19|20)\d\d\b", body), "the email gives a year"
    assert not re.search(r"\d{1,2}/\d{1,2}", body), "the email gives a date"

    complaint.refresh_from_db()
    assert complaint.reminded_for == TODAY + days(2)
    sent = AuditEvent.objects.filter(action="complaints.reminder.sent")
    assert [(e.object_type, e.object_id) for e in sent] == [("user", str(worker.pk))]


def test_one_email_per_advocate_with_counts_and_never_twice_for_a_due_date() -> None:
    worker = advocate()
    soon = add_complaint(make_case(worker), review_due_soon(), by=worker)
    late = add_complaint(make_case(worker), update_overdue(), by=worker)
    later = add_complaint(make_case(worker), update_not_yet_due(), by=worker)
    colleague = advocate()
    theirs = add_complaint(make_case(colleague), update_overdue(), by=colleague)

    first = reminders.send_reminders(today=TODAY)

    assert first.emails_sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([worker.email, colleague.email])
    mine = next(m for m in mail.outbox if m.to == [worker.email])
    assert "Due in the next 3 working days: 1" in mine.body
    assert "Already passed: 1" in mine.body
    for complaint in (soon, late, later, theirs):
        complaint.refresh_from_db()
    assert soon.reminded_for == TODAY + days(2)
    assert late.reminded_for == TODAY - days(12)
    assert later.reminded_for is None

    # The next morning nothing new is due: no email, though the deadlines are still open.
    again = reminders.send_reminders(today=TODAY + days(1))
    assert again.emails_sent == 0
    assert len(mail.outbox) == 2

    # Three weeks on, the later complaint's first update comes within reach: one new email,
    # whose counts include the deadlines already reminded about.
    mail.outbox.clear()
    third = reminders.send_reminders(today=TODAY + days(21))
    assert third.emails_sent == 1
    assert [m.to for m in mail.outbox] == [[worker.email]]
    assert "Due in the next 3 working days: 1" in mail.outbox[0].body
    assert "Already passed: 2" in mail.outbox[0].body
    later.refresh_from_db()
    assert later.reminded_for == TODAY + days(23)


def test_a_new_due_date_on_the_same_complaint_gets_its_own_reminder() -> None:
    worker = advocate()
    complaint = add_complaint(make_case(worker), update_overdue(), by=worker)
    reminders.send_reminders(today=TODAY)
    assert len(mail.outbox) == 1
    # An update arrives: the next one is due four weeks after it.
    process = load_process()
    state = ComplaintState.from_data(complaint.state)
    state = process.apply(state, "update_received", {"update_received": TODAY - days(26)}, on=TODAY)
    Complaint.objects.filter(pk=complaint.pk).update(state=state.to_data())

    assert reminders.send_reminders(today=TODAY).emails_sent == 1
    assert reminders.send_reminders(today=TODAY).emails_sent == 0
    complaint.refresh_from_db()
    assert complaint.reminded_for == TODAY + days(2)
    assert len(mail.outbox) == 2


def test_closed_unassigned_restricted_and_former_advocates_get_nothing() -> None:
    worker = advocate()
    closed = make_case(worker)
    add_complaint(closed, update_overdue(), by=worker)
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    unassigned = make_case(None, organisation=service_of(worker))
    assert unassigned.status == Status.NEW and unassigned.advocate is None
    add_complaint(unassigned, update_overdue(), by=None)
    restricted = make_case(worker)
    add_complaint(restricted, update_overdue(), by=worker)
    Case.objects.filter(pk=restricted.pk).update(restricted=True)
    leaver = advocate()
    add_complaint(make_case(leaver), review_due_soon(), by=leaver)
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    mover = advocate()
    add_complaint(make_case(mover), review_due_soon(), by=mover)
    Membership.objects.filter(user=mover).update(is_active=False)

    run = reminders.send_reminders(today=TODAY)

    assert run.emails_sent == 0
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="complaints.reminder.sent").exists()
    # The closed case is not even looked at; the others are (their next due date is kept).
    assert run.complaints_checked == 4


def test_next_due_is_kept_in_step_with_the_engine() -> None:
    worker = advocate()
    soon = add_complaint(make_case(worker), review_due_soon(), by=worker)
    later = add_complaint(make_case(worker), update_not_yet_due(), by=worker)
    unassigned = add_complaint(
        make_case(None, organisation=service_of(worker)), update_overdue(), by=None
    )
    Complaint.objects.filter(pk=later.pk).update(
        next_due_on=TODAY - days(100), next_due_rule="stale"
    )

    reminders.send_reminders(today=TODAY)

    for complaint, due, rule in (
        (soon, TODAY + days(2), "review_application"),
        (later, TODAY + days(23), "progress_update"),
        (unassigned, TODAY - days(12), "progress_update"),
    ):
        complaint.refresh_from_db()
        assert (complaint.next_due_on, complaint.next_due_rule) == (due, rule)


def test_a_complaint_with_nothing_open_has_no_next_due() -> None:
    worker = advocate()
    state = follow(
        load_process(),
        TODAY - days(30),
        ("made_to_force", {}),
        ("withdrawn", {"withdrawal_notified": TODAY - days(20)}),
    )
    complaint = add_complaint(make_case(worker), state, by=worker)
    Complaint.objects.filter(pk=complaint.pk).update(
        next_due_on=TODAY, next_due_rule="progress_update"
    )
    assert reminders.send_reminders(today=TODAY).emails_sent == 0
    complaint.refresh_from_db()
    assert (complaint.next_due_on, complaint.next_due_rule) == (None, "")


def test_a_dry_run_sends_saves_and_audits_nothing() -> None:
    worker = advocate()
    complaint = add_complaint(make_case(worker), review_due_soon(), by=worker)
    events = AuditEvent.objects.count()

    run = reminders.send_reminders(today=TODAY, dry_run=True)

    assert run.dry_run and run.emails_sent == 1 and run.deadlines_due == 1
    assert mail.outbox == []
    complaint.refresh_from_db()
    assert complaint.reminded_for is None
    assert complaint.next_due_on is None
    assert AuditEvent.objects.count() == events


def test_a_mail_server_refusing_leaves_the_reminder_owed(monkeypatch: pytest.MonkeyPatch) -> None:
    worker = advocate()
    complaint = add_complaint(make_case(worker), review_due_soon(), by=worker)

    def refuse(self: Any, fail_silently: bool = False) -> int:
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        reminders.send_reminders(today=TODAY)
    complaint.refresh_from_db()
    assert complaint.reminded_for is None
    assert not AuditEvent.objects.filter(action="complaints.reminder.sent").exists()

    monkeypatch.undo()
    assert reminders.send_reminders(today=TODAY).emails_sent == 1


def test_a_complaint_that_cannot_be_read_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = advocate()
    broken = add_complaint(make_case(worker), review_due_soon(), by=worker)
    Complaint.objects.filter(pk=broken.pk).update(process_version="no-such-version")
    add_complaint(make_case(worker), update_overdue(), by=worker)

    run = reminders.send_reminders(today=TODAY)

    assert run.problems == 1 and run.emails_sent == 1
    assert str(broken.uid) in caplog.text
    assert "CANARY" not in caplog.text


def _cases_with_canaries(worker: User) -> tuple[set[str], list[Case], Complaint]:
    """The seeded case (a canary in every sealed field, its own complaint included) with one
    more complaint whose review application is due in two days."""
    seeded = seed_case(worker)
    marks = set(seeded.canaries)
    complaint = add_complaint(seeded.case, review_due_soon(), by=worker, marks=marks)
    return marks, [seeded.case], complaint


def _assert_content_free(text: str, marks: set[str], cases: list[Case]) -> None:
    assert "CANARY" not in text
    assert not [value for value in marks if value in text]
    for case in cases:
        assert case.reference not in text
        for party in Party.objects.filter(case=case):
            party.case = case
            assert party.name not in text


def test_the_command_sends_and_says_only_counts() -> None:
    worker = advocate()
    marks, cases, _ = _cases_with_canaries(worker)
    out, err = io.StringIO(), io.StringIO()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        call_command("complaints", "remind", "--dry-run", stdout=out, stderr=err)
        assert mail.outbox == []
        call_command("complaints", "remind", stdout=out, stderr=err)
    output = out.getvalue() + err.getvalue()
    assert "Dry run: 1 reminder emails would be sent. Nothing was sent or saved." in output
    assert "Reminder emails sent: 1." in output
    assert len(mail.outbox) == 1
    _assert_content_free(output, marks, cases)
    _assert_content_free(whole_message(mail.outbox[0]), marks, cases)


def test_the_command_fails_loudly_but_content_free_when_a_complaint_cannot_be_read() -> None:
    worker = advocate()
    marks, cases, complaint = _cases_with_canaries(worker)
    Complaint.objects.filter(pk=complaint.pk).update(state={"version": "broken"})
    out = io.StringIO()
    with (
        time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False),
        pytest.raises(CommandError) as failure,
    ):
        call_command("complaints", "remind", stdout=out)
    assert "1 complaints could not be checked" in str(failure.value)
    _assert_content_free(out.getvalue() + str(failure.value), marks, cases)


def test_the_command_refuses_a_negative_window() -> None:
    with pytest.raises(CommandError, match="--within must be 0 or more"):
        call_command("complaints", "remind", "--within", "-1", stdout=io.StringIO())


def test_the_background_task_runs_the_same_reminders() -> None:
    worker = advocate()
    marks, cases, _ = _cases_with_canaries(worker)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        result = send_reminders_task.enqueue()
    assert result.return_value == {
        "complaints_checked": Complaint.objects.count(),
        "deadlines_due": 1,
        "emails_sent": 1,
        "problems": 0,
        "dry_run": False,
    }
    assert [m.to for m in mail.outbox] == [[worker.email]]
    _assert_content_free(str(result.return_value), marks, cases)


def test_the_window_counts_working_days() -> None:
    # Friday 3 April 2026 is Good Friday and Monday 6 April Easter Monday: three working
    # days from Wednesday 1 April reach Wednesday 8 April.
    assert reminders.horizon(dt.date(2026, 4, 1), 3) == dt.date(2026, 4, 8)
    # Beyond the bank-holiday file, weekdays with two days to spare.
    assert reminders.horizon(dt.date(2031, 1, 6), 3) == dt.date(2031, 1, 11)
