"""The case timeline: activities done or planned (with overdue ones flagged), documents, one
list newest first; text sealed; every change audited; only for people who may see the case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import documents, timeline
from accord.casework.models import Activity, Case
from accord.casework.services import CaseworkError
from accord.casework.timeline import TimelineEntry
from accord.casework.vocabularies import ActivityKind, Status
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import canary, make_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path) -> Iterator[Path]:
    with override_settings(ACCORD_CASE_FILES_DIR=tmp_path / "case-files"):
        yield tmp_path / "case-files"


def advocate_and_case() -> tuple[User, Case]:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    return advocate, make_case(advocate)


def actions() -> list[str]:
    return list(AuditEvent.objects.values_list("action", flat=True))


def planned(case: Case, by: User, due_on: dt.date, text: str = "Call back") -> Activity:
    """A planned activity with any due date (the service refuses past ones, as it should)."""
    activity = Activity(case=case, kind=ActivityKind.CALL, due_on=due_on, created_by=by)
    activity.text = text
    activity.save()
    return activity


TODAY = timezone.localdate


# --- Services ---------------------------------------------------------------------------------


def test_activity_text_is_sealed_in_the_database_and_the_write_audited() -> None:
    advocate, case = advocate_and_case()
    secret = canary("activity")
    activity = timeline.add_activity(
        None, case, kind=ActivityKind.MEETING, text=f"Met at the café. {secret}", by=advocate
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_text FROM casework_activity WHERE id = %s", [activity.pk])
        (stored,) = cursor.fetchone()
    assert secret not in stored and stored.startswith("v1:")
    fresh = Activity.objects.select_related("case").get(pk=activity.pk)
    assert fresh.text == f"Met at the café. {secret}"
    assert fresh.occurred_at is not None and fresh.due_on is None
    assert fresh.created_by == advocate
    assert "casework.activity.add" in actions()


def test_scheduling_sets_only_a_due_date_and_is_audited_as_such() -> None:
    advocate, case = advocate_and_case()
    due = TODAY() + dt.timedelta(days=3)
    activity = timeline.add_activity(
        None, case, kind=ActivityKind.LETTER, text="Chase the force", due_on=due, by=advocate
    )
    assert activity.occurred_at is None and activity.due_on == due
    assert "casework.activity.schedule" in actions()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "   "}, "Write what happened, or what is planned"),
        ({"kind": "fax"}, "Choose what kind of contact or note this is"),
        ({"due_on": dt.date(2020, 1, 1)}, "The due date has passed"),
        (
            {"occurred_at": timezone.now() + dt.timedelta(hours=2)},
            "The time it happened is in the future",
        ),
        (
            {"occurred_at": timezone.now(), "due_on": dt.date(2999, 1, 1)},
            "either done or planned",
        ),
    ],
)
def test_bad_activities_are_refused_and_nothing_saved(
    changes: dict[str, Any], message: str
) -> None:
    advocate, case = advocate_and_case()
    arguments: dict[str, Any] = {"kind": ActivityKind.NOTE, "text": "A note", **changes}
    before = AuditEvent.objects.count()
    with pytest.raises(CaseworkError, match=message):
        timeline.add_activity(None, case, by=advocate, **arguments)
    assert Activity.objects.count() == 0 and AuditEvent.objects.count() == before


def test_nothing_is_added_to_a_closed_or_restricted_case() -> None:
    advocate, case = advocate_and_case()
    case.status = Status.CLOSED
    with pytest.raises(CaseworkError, match="This case is closed"):
        timeline.add_activity(None, case, kind=ActivityKind.NOTE, text="x", by=advocate)
    case.status, case.restricted = Status.OPEN, True
    with pytest.raises(CaseworkError, match="restricted at the client's request"):
        timeline.add_activity(None, case, kind=ActivityKind.NOTE, text="x", by=advocate)
    assert Activity.objects.count() == 0


def test_completing_a_planned_activity_keeps_the_plan_and_adds_what_happened() -> None:
    advocate, case = advocate_and_case()
    activity = planned(case, advocate, TODAY() - dt.timedelta(days=2), "Ring the PSD")
    when = timezone.now() - dt.timedelta(hours=1)
    timeline.complete_scheduled(
        None, activity, occurred_at=when, outcome="They will reply in 10 days.", by=advocate
    )
    fresh = Activity.objects.select_related("case").get(pk=activity.pk)
    assert fresh.occurred_at == when and fresh.due_on == activity.due_on
    assert fresh.text == "Ring the PSD\n\nWhat happened: They will reply in 10 days."
    assert "casework.activity.complete" in actions()
    with pytest.raises(CaseworkError, match="already been recorded as done"):
        timeline.complete_scheduled(None, fresh, by=advocate)
    (entry,) = timeline.timeline(case)
    assert entry.status == timeline.DONE and entry.done_late


def test_completing_in_the_future_is_refused() -> None:
    advocate, case = advocate_and_case()
    activity = planned(case, advocate, TODAY())
    with pytest.raises(CaseworkError, match="in the future"):
        timeline.complete_scheduled(
            None, activity, occurred_at=timezone.now() + dt.timedelta(days=1), by=advocate
        )
    assert Activity.objects.get(pk=activity.pk).occurred_at is None


def test_timeline_merges_activities_and_documents_newest_first_with_flags() -> None:
    advocate, case = advocate_and_case()
    today = TODAY()
    timeline.add_activity(
        None,
        case,
        kind=ActivityKind.CALL,
        text="Spoke to the client",
        occurred_at=timezone.now() - dt.timedelta(days=1),
        by=advocate,
    )
    documents.store_document(
        None, case, SimpleUploadedFile("letter.txt", b"Dear"), "IOPC letter", by=advocate
    )
    next_week = planned(case, advocate, today + dt.timedelta(days=7), "Review")
    overdue = planned(case, advocate, today - dt.timedelta(days=3), "Chase PSD")
    planned(case, advocate, today, "Safety check")

    entries = timeline.timeline(case, today=today)
    assert [e.text for e in entries] == [
        "Review",
        "letter.txt\nIOPC letter",
        "Safety check",
        "Spoke to the client",
        "Chase PSD",
    ]
    by_text = {e.text: e for e in entries}
    assert by_text["Review"].status == timeline.PLANNED and by_text["Review"].scheduled
    assert by_text["Chase PSD"].overdue and by_text["Chase PSD"].due_on == overdue.due_on
    assert by_text["Safety check"].status == timeline.DUE_TODAY
    assert not by_text["Spoke to the client"].scheduled
    assert by_text["Spoke to the client"].by == advocate.display_name
    document_entry = by_text["letter.txt\nIOPC letter"]
    assert document_entry.kind == "document" and document_entry.link.startswith(
        f"/casework/cases/{case.reference}/documents/"
    )
    assert by_text["Review"].link == reverse(
        "activity_complete", args=[case.reference, next_week.uid]
    )
    # The to-do list: most overdue first.
    assert [e.text for e in timeline.to_do(entries)] == ["Chase PSD", "Safety check", "Review"]


def test_other_areas_can_add_entries_through_the_hook() -> None:
    advocate, case = advocate_and_case()

    def referrals(for_case: Case, today: dt.date) -> Iterable[TimelineEntry]:
        yield TimelineEntry(
            when=timezone.now() + dt.timedelta(minutes=1),
            kind="referral",
            label="Referral to MARAC",
            text=f"Case {for_case.reference}",
        )

    timeline.timeline_source(referrals)
    try:
        timeline.add_activity(None, case, kind=ActivityKind.NOTE, text="A note", by=advocate)
        entries = timeline.timeline(case)
        assert [e.label for e in entries] == ["Referral to MARAC", "Note"]
        assert entries[0].text == f"Case {case.reference}"
    finally:
        timeline.SOURCES.remove(referrals)


# --- Pages -------------------------------------------------------------------------------------


def test_recording_a_call_from_the_page() -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    yesterday = TODAY() - dt.timedelta(days=1)
    response = client.post(
        reverse("activity_new", args=[case.reference]),
        {
            "kind": "call",
            "state": "done",
            "occurred_on": yesterday.isoformat(),
            "occurred_time": "14:30",
            "text": "She is <b>safe</b> tonight.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].endswith("#timeline")
    activity = Activity.objects.get()
    local = timezone.localtime(activity.occurred_at)
    assert (local.date(), local.hour, local.minute) == (yesterday, 14, 30)

    page = client.get(reverse("case_timeline", args=[case.reference])).content.decode()
    assert "She is &lt;b&gt;safe&lt;/b&gt; tonight." in page
    assert "Phone call" in page and advocate.display_name in page
    assert "casework.timeline.view" in actions()


def test_planning_from_the_page_needs_a_due_date() -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    url = reverse("activity_new", args=[case.reference])
    missing = client.post(url, {"kind": "letter", "state": "planned", "text": "Write to PSD"})
    assert missing.status_code == 200
    assert "Enter the date it is due" in missing.content.decode()
    past = client.post(
        url,
        {"kind": "letter", "state": "planned", "due_on": "2020-01-01", "text": "Write to PSD"},
    )
    assert "The due date has passed" in past.content.decode()
    assert Activity.objects.count() == 0
    due = (TODAY() + dt.timedelta(days=5)).isoformat()
    ok = client.post(
        url, {"kind": "letter", "state": "planned", "due_on": due, "text": "Write to PSD"}
    )
    assert ok.status_code == 302
    assert Activity.objects.get().due_on == dt.date.fromisoformat(due)


def test_a_done_activity_needs_its_date_and_time() -> None:
    advocate, case = advocate_and_case()
    response = client_for("advocate", {"advocate": advocate}).post(
        reverse("activity_new", args=[case.reference]),
        {"kind": "note", "state": "done", "occurred_on": "", "text": "A note"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter the date it happened" in body and "Enter the time it happened" in body
    assert Activity.objects.count() == 0


def test_overdue_items_show_on_the_timeline_and_can_be_recorded_as_done() -> None:
    advocate, case = advocate_and_case()
    activity = planned(case, advocate, TODAY() - dt.timedelta(days=1), "Chase the IOPC")
    client = client_for("advocate", {"advocate": advocate})
    page = client.get(reverse("case_timeline", args=[case.reference])).content.decode()
    complete_url = reverse("activity_complete", args=[case.reference, activity.uid])
    assert "Overdue" in page and "Chase the IOPC" in page and complete_url in page

    form = client.get(complete_url)
    assert form.status_code == 200 and "Chase the IOPC" in form.content.decode()
    done = client.post(
        complete_url,
        {
            "occurred_on": TODAY().isoformat(),
            "occurred_time": "00:00",
            "outcome": "No reply yet.",
        },
    )
    assert done.status_code == 302
    fresh = Activity.objects.select_related("case").get(pk=activity.pk)
    assert fresh.occurred_at is not None
    assert fresh.text.endswith("What happened: No reply yet.")
    again = client.get(complete_url).content.decode()
    assert "already been recorded as done" in again


def test_timeline_pages_are_404_for_anyone_who_may_not_see_the_case() -> None:
    advocate, case = advocate_and_case()
    activity = planned(case, advocate, TODAY() + dt.timedelta(days=1))
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    other = client_for("advocate", {"advocate": colleague})
    for url in (
        reverse("case_timeline", args=[case.reference]),
        reverse("activity_new", args=[case.reference]),
        reverse("activity_complete", args=[case.reference, activity.uid]),
    ):
        assert other.get(url).status_code == 404, url
    # The activity must belong to the case in the address.
    own_other = make_case(advocate)
    mine = client_for("advocate", {"advocate": advocate})
    url = reverse("activity_complete", args=[own_other.reference, activity.uid])
    assert mine.get(url).status_code == 404


def test_a_closed_case_shows_its_timeline_but_takes_no_changes() -> None:
    advocate, case = advocate_and_case()
    activity = planned(case, advocate, TODAY() + dt.timedelta(days=1))
    case.status = Status.CLOSED
    case.save(update_fields=["status"])
    client = client_for("advocate", {"advocate": advocate})
    page = client.get(reverse("case_timeline", args=[case.reference]))
    assert page.status_code == 200
    assert reverse("activity_new", args=[case.reference]) not in page.content.decode()
    assert client.get(reverse("activity_new", args=[case.reference])).status_code == 404
    url = reverse("activity_complete", args=[case.reference, activity.uid])
    assert client.post(url, {}).status_code == 404


def test_case_page_section_with_and_without_the_timeline_context() -> None:
    advocate, case = advocate_and_case()
    planned(case, advocate, TODAY() - dt.timedelta(days=1), "Chase the force")
    timeline.add_activity(None, case, kind=ActivityKind.NOTE, text="First note", by=advocate)
    base = {"case": case, "can_edit": True}
    full = render_to_string(
        "casework/sections/_timeline.html", {**base, **timeline.section_context(case)}
    )
    assert "Chase the force" in full and "Overdue" in full and "First note" in full
    assert "See the whole timeline (2 entries)" in full
    assert reverse("activity_new", args=[case.reference]) in full
    bare = render_to_string("casework/sections/_timeline.html", base)
    assert "First note" not in bare
    assert reverse("case_timeline", args=[case.reference]) in bare
    read_only = render_to_string(
        "casework/sections/_timeline.html",
        {"case": case, "can_edit": False, **timeline.section_context(case)},
    )
    assert reverse("activity_new", args=[case.reference]) not in read_only
    assert "Record as done" not in read_only


def test_case_page_links_to_the_timeline_and_the_upload_form() -> None:
    advocate, case = advocate_and_case()
    page = client_for("advocate", {"advocate": advocate}).get(
        reverse("case_detail", args=[case.reference])
    )
    body = page.content.decode()
    assert reverse("case_timeline", args=[case.reference]) in body
    assert reverse("document_upload", args=[case.reference]) in body
    assert "No documents yet." in body


def test_the_safe_way_to_contact_is_on_every_page_that_records_or_plans_a_contact() -> None:
    """CASEWORK.md: safe-contact preferences are checked on every contact, not only on the
    case page: the number, safe times, the voicemail rule and the code word are right there."""
    advocate, case = advocate_and_case()
    contact = case.client.details["contact"]
    activity = planned(case, advocate, TODAY() + dt.timedelta(days=2), "Call her back")
    client = client_for("advocate", {"advocate": advocate})
    for url in (
        reverse("activity_new", args=[case.reference]),
        reverse("activity_complete", args=[case.reference, activity.uid]),
    ):
        page = client.get(url).content.decode()
        assert "Before any contact, check this." in page, url
        assert contact["phone"] in page, url
        assert contact["times"] in page and contact["code_word"] in page, url
        assert "Do not leave a message" in page, url
    # Refused forms keep the panel too: the advocate is still about to make contact.
    refused = client.post(reverse("activity_new", args=[case.reference]), {"kind": "call"})
    assert refused.status_code == 200
    assert contact["code_word"] in refused.content.decode()
