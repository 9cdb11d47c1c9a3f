"""Complaints inside a case: starting one, recording steps, deadlines and prompts, all audited.

The engine's own rules are tested in test_transitions.py and test_deadlines.py; these tests
check what the services store (and refuse to store) around it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import rotation
from accord.casework.documents import store_document
from accord.casework.models import Case, Document
from accord.casework.vocabularies import Status
from accord.complaints import services
from accord.complaints.models import Complaint, ComplaintStep, LinkedMatter
from accord.complaints.process import ComplaintState, ProcessDefinitionError
from accord.complaints.prompts import prompts_for
from accord.complaints.services import ComplaintError
from tests.casework.factories import WITH_COMPLAINT_CONSENT, canary, make_case

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def case(advocate: User) -> Case:
    # No conflict of interest on the case, so the conflict prompt is tested on its own.
    return make_case(advocate, local_team_involved="no", consents=WITH_COMPLAINT_CONSENT)


def open_one(case: Case, by: User, made: dt.date | None = None, **overrides: str) -> Complaint:
    values = {
        "made_to": "force",
        "force": "met",
        "summary": "About how the first report was handled.",
        "handler": "PSD, DS Example",
        "officer_in_handling_unit": "not_known",
    }
    values.update(overrides)
    return services.open_complaint(
        None,
        case,
        made_on=made or days_ago(60),
        by=by,
        **values,
    )


def step(complaint: Complaint, by: User, transition: str, **dates: dt.date) -> ComplaintStep:
    return services.record_step(None, complaint, transition, dates, TODAY, "", None, by)


def to_outcome(complaint: Complaint, by: User, **letter: dt.date) -> None:
    step(complaint, by, "made_to_force")
    step(complaint, by, "recorded", complaint_recorded=days_ago(50))
    step(complaint, by, "handled_otherwise", handling_decided=days_ago(40))
    step(complaint, by, "outcome_given", **letter)


def actions() -> list[str]:
    return list(AuditEvent.objects.values_list("action", flat=True))


def document_in(case: Case, by: User, name: str = "letter.txt") -> Document:
    upload = SimpleUploadedFile(name, b"Outcome letter", content_type="text/plain")
    return store_document(None, case, upload, "", by=by)


# --- Opening ------------------------------------------------------------------------------


def test_opening_stores_the_engine_state_and_a_first_history_entry(
    case: Case, advocate: User
) -> None:
    complaint = open_one(case, advocate, made=days_ago(5))
    fresh = Complaint.objects.get(pk=complaint.pk)
    state = ComplaintState.from_data(fresh.state)
    assert (fresh.stage, state.stage) == ("made", "made")
    assert state.dates == {"complaint_made": days_ago(5)}
    assert fresh.process_version == services.current_process().version
    opened = fresh.steps.get()
    assert (opened.transition, opened.to_stage, opened.on) == (services.OPENED, "made", TODAY)
    assert opened.recorded == {"complaint_made": days_ago(5).isoformat()}
    assert opened.created_by == advocate
    assert "casework.complaint.open" in actions()


def test_what_a_complaint_is_about_and_who_handles_it_are_sealed(
    case: Case, advocate: User
) -> None:
    about, handler = canary("complaint-about"), canary("complaint-handler")
    complaint = open_one(case, advocate, summary=about, handler=handler)
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.summary, fresh.handler) == (about, handler)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed_summary, sealed_handler, state FROM complaints_complaint WHERE id = %s",
            [complaint.pk],
        )
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert about not in stored and handler not in stored
    assert "v1:g1:" in stored


@pytest.mark.parametrize(
    ("made", "message"),
    [
        (TODAY + dt.timedelta(days=1), "that is after today"),
        (dt.date(2019, 12, 1), "This process covers complaints made on or after 1 February 2020"),
    ],
)
def test_opening_with_an_impossible_date_gives_the_engines_reason_and_saves_nothing(
    case: Case, advocate: User, made: dt.date, message: str
) -> None:
    before = actions()
    with pytest.raises(ComplaintError, match=message):
        open_one(case, advocate, made=made)
    assert not Complaint.objects.exists()
    assert not ComplaintStep.objects.exists()
    assert actions() == before


def test_a_closed_or_restricted_case_takes_no_new_complaint_or_step(
    case: Case, advocate: User
) -> None:
    complaint = open_one(case, advocate)
    Case.objects.filter(pk=case.pk).update(restricted=True)
    case.refresh_from_db()
    with pytest.raises(ComplaintError, match="restricted"):
        open_one(case, advocate)
    Case.objects.filter(pk=case.pk).update(restricted=False, status=Status.CLOSED)
    case.refresh_from_db()
    complaint.case = case
    with pytest.raises(ComplaintError, match="closed"):
        step(complaint, advocate, "made_to_force")
    with pytest.raises(ComplaintError, match="closed"):
        services.set_referral_criteria(None, complaint, [services.NO_CRITERIA], by=advocate)
    assert Complaint.objects.count() == 1
    assert ComplaintStep.objects.count() == 1


# --- Steps --------------------------------------------------------------------------------


def test_a_step_moves_the_complaint_and_records_dates_note_evidence_and_who(
    case: Case, advocate: User
) -> None:
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    letter = document_in(case, advocate)
    note = canary("step-note")
    recorded = services.record_step(
        None,
        complaint,
        "recorded",
        {"complaint_recorded": days_ago(3)},
        TODAY,
        note,
        letter,
        advocate,
    )
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert fresh.stage == "recorded"
    assert ComplaintState.from_data(fresh.state).dates["complaint_recorded"] == days_ago(3)
    saved = ComplaintStep.objects.get(pk=recorded.pk)
    assert (saved.transition, saved.from_stage, saved.to_stage) == (
        "recorded",
        "initial_handling",
        "recorded",
    )
    assert saved.recorded == {"complaint_recorded": days_ago(3).isoformat()}
    assert (saved.evidence, saved.created_by, saved.note) == (letter, advocate, note)
    assert note not in saved.sealed_note
    assert actions().count("casework.complaint.step") == 2


def test_a_refused_step_carries_the_engines_message_and_saves_nothing(
    case: Case, advocate: User
) -> None:
    complaint = open_one(case, advocate)
    before = (Complaint.objects.get(pk=complaint.pk).state, ComplaintStep.objects.count())
    events = actions()
    with pytest.raises(ComplaintError, match="cannot happen while the complaint is at"):
        step(complaint, advocate, "review_applied", review_applied=TODAY)
    with pytest.raises(ComplaintError, match="needs this date: Date the IOPC or local"):
        step(complaint, advocate, "passed_on_to_force")
    with pytest.raises(ComplaintError, match="is in the future"):
        services.record_step(
            None,
            complaint,
            "passed_on_to_force",
            {"passed_to_force": TODAY + dt.timedelta(days=2)},
            TODAY,
            "",
            None,
            advocate,
        )
    after = (Complaint.objects.get(pk=complaint.pk).state, ComplaintStep.objects.count())
    assert after == before
    assert actions() == events


def test_an_outcome_letter_that_arrived_before_its_date_is_refused(
    case: Case, advocate: User
) -> None:
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(50))
    step(complaint, advocate, "handled_otherwise", handling_decided=days_ago(40))
    count = ComplaintStep.objects.count()
    with pytest.raises(ComplaintError, match="cannot have arrived before the date printed"):
        step(
            complaint,
            advocate,
            "outcome_given",
            outcome_letter_dated=days_ago(5),
            outcome_letter_received=days_ago(9),
        )
    assert Complaint.objects.get(pk=complaint.pk).stage == "handled_otherwise"
    assert ComplaintStep.objects.count() == count


def test_evidence_must_come_from_the_same_case(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    elsewhere = document_in(make_case(advocate), advocate)
    with pytest.raises(ComplaintError, match="not part of this case"):
        services.record_step(None, complaint, "made_to_force", {}, TODAY, "", elsewhere, advocate)
    assert Complaint.objects.get(pk=complaint.pk).stage == "made"


def test_empty_optional_dates_are_left_out(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(50))
    step(complaint, advocate, "handled_otherwise", handling_decided=days_ago(40))
    recorded = services.record_step(
        None,
        complaint,
        "outcome_given",
        {"outcome_letter_dated": days_ago(2), "outcome_letter_received": None},
        TODAY,
        "",
        None,
        advocate,
    )
    assert recorded.recorded == {"outcome_letter_dated": days_ago(2).isoformat()}


def test_a_complaint_moves_under_the_version_it_started_under(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    Complaint.objects.filter(pk=complaint.pk).update(process_version="england-wales-1999.1")
    complaint.refresh_from_db()
    with pytest.raises(ProcessDefinitionError, match=r"england-wales-1999\.1"):
        step(complaint, advocate, "made_to_force")


# --- The soonest deadline, copied for the home page and reminders --------------------------


def test_next_due_is_the_soonest_deadline_not_yet_met(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    assert (complaint.next_due_on, complaint.next_due_rule) == (None, "")
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(10))
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.next_due_on, fresh.next_due_rule) == (
        days_ago(10) + dt.timedelta(28),
        "progress_update",
    )
    step(complaint, advocate, "update_received", update_received=days_ago(1))
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert fresh.next_due_on == days_ago(1) + dt.timedelta(28)
    # The review application is met once applied for: nothing is due after it.
    step(complaint, advocate, "handled_otherwise", handling_decided=days_ago(1))
    step(complaint, advocate, "outcome_given", outcome_letter_dated=TODAY)
    assert Complaint.objects.get(pk=complaint.pk).next_due_rule == "review_application"
    step(complaint, advocate, "review_applied", review_applied=TODAY)
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert (fresh.next_due_on, fresh.next_due_rule) == (None, "")


def test_refresh_next_due_writes_only_when_it_changed(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(10))
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert services.refresh_next_due(fresh) is False
    Complaint.objects.filter(pk=complaint.pk).update(next_due_on=None, next_due_rule="")
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert services.refresh_next_due(fresh) is True
    assert Complaint.objects.get(pk=complaint.pk).next_due_rule == "progress_update"


# --- Referral criteria and linked matters ---------------------------------------------------


def test_referral_criteria_are_recorded_and_checked(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    services.set_referral_criteria(
        None, complaint, ["serious_sexual_offence", "serious_corruption"], by=advocate
    )
    assert Complaint.objects.get(pk=complaint.pk).referral_criteria == [
        "serious_sexual_offence",
        "serious_corruption",
    ]
    assert "casework.complaint.referral_criteria" in actions()
    for bad, message in [
        ([], "Choose the criteria"),
        ([services.NO_CRITERIA, "serious_assault"], "Choose one or the other"),
        (["made_up"], "'made_up' is not one of the referral criteria"),
    ]:
        with pytest.raises(ComplaintError, match=message):
            services.set_referral_criteria(None, complaint, bad, by=advocate)
    assert len(Complaint.objects.get(pk=complaint.pk).referral_criteria) == 2


def test_linked_matters_are_noted_with_a_sealed_note(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    note = canary("linked-note")
    matter = services.note_linked_matter(
        None, complaint, kind="civil_claim", noted_on=TODAY, note=note, by=advocate
    )
    fresh = LinkedMatter.objects.get(pk=matter.pk)
    assert (fresh.kind, fresh.note, fresh.case_id) == ("civil_claim", note, case.pk)
    assert note not in fresh.sealed_note
    assert "casework.complaint.linked_matter" in actions()
    with pytest.raises(ComplaintError, match="Choose one of: Criminal investigation"):
        services.note_linked_matter(
            None, complaint, kind="tribunal", noted_on=TODAY, note="", by=advocate
        )
    with pytest.raises(ComplaintError, match="future"):
        services.note_linked_matter(
            None,
            complaint,
            kind="civil_claim",
            noted_on=TODAY + dt.timedelta(days=1),
            note="",
            by=advocate,
        )
    assert LinkedMatter.objects.count() == 1


# --- Prompts -------------------------------------------------------------------------------


def prompt_ids(complaint: Complaint, case: Case) -> list[str]:
    return [p.id for p in prompts_for(complaint, case, TODAY)]


def test_the_referral_prompt_shows_until_answered_and_referred(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    [referral] = [p for p in prompts_for(complaint, case, TODAY) if p.id == "mandatory_referral"]
    assert not referral.urgent
    assert "not recorded yet" in referral.details[0]
    assert "serious_sexual_offence" in {c.id for c in referral.criteria}
    assert all(c.citation for c in referral.criteria)
    assert any(c.verify and c.verify_note for c in referral.criteria)

    services.set_referral_criteria(None, complaint, ["serious_sexual_offence"], by=advocate)
    [referral] = [p for p in prompts_for(complaint, case, TODAY) if p.id == "mandatory_referral"]
    assert referral.urgent
    assert "not been recorded as referring it" in referral.details[0]
    assert [c.id for c in referral.criteria if c.applies] == ["serious_sexual_offence"]

    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(5))
    step(complaint, advocate, "referred_to_iopc", referred_to_iopc=days_ago(2))
    assert "mandatory_referral" not in prompt_ids(complaint, case)


def test_the_referral_prompt_goes_once_none_apply(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    services.set_referral_criteria(None, complaint, [services.NO_CRITERIA], by=advocate)
    assert "mandatory_referral" not in prompt_ids(complaint, case)


def test_conflict_of_interest_prompt(case: Case, advocate: User) -> None:
    assert "conflict_of_interest" not in prompt_ids(open_one(case, advocate), case)
    in_unit = open_one(case, advocate, officer_in_handling_unit="yes")
    [prompt] = [p for p in prompts_for(in_unit, case, TODAY) if p.id == "conflict_of_interest"]
    assert prompt.urgent and "serves in the unit" in prompt.details[0]
    flagged = make_case(advocate, local_team_involved="yes", consents=WITH_COMPLAINT_CONSENT)
    assert flagged.conflict_of_interest
    [prompt] = [
        p
        for p in prompts_for(open_one(flagged, advocate), flagged, TODAY)
        if p.id == "conflict_of_interest"
    ]
    assert "case is marked" in prompt.details[0]


def test_an_overdue_update_prompts_until_one_is_recorded(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(40))
    [prompt] = [p for p in prompts_for(complaint, case, TODAY) if p.id == "update_overdue"]
    due = days_ago(40) + dt.timedelta(days=28)
    assert prompt.urgent and f"due {due.day} {due:%B %Y}" in prompt.details[0]
    assert prompts_for(complaint, case, TODAY)[0].urgent
    step(complaint, advocate, "update_received", update_received=TODAY)
    assert "update_overdue" not in prompt_ids(complaint, case)


def test_a_late_outcome_letter_is_noted_while_the_review_window_is_open(
    case: Case, advocate: User
) -> None:
    complaint = open_one(case, advocate)
    to_outcome(
        complaint, advocate, outcome_letter_dated=days_ago(12), outcome_letter_received=days_ago(2)
    )
    prompts = {p.id: p for p in prompts_for(complaint, case, TODAY)}
    assert "arrived 10 days after the date printed on it" in prompts["late_letter"].text
    assert prompts["late_letter"].verify_note
    assert "review_body" in prompts  # a review can be applied for now
    step(complaint, advocate, "review_applied", review_applied=TODAY)
    assert {"late_letter", "review_body"}.isdisjoint(prompt_ids(complaint, case))


def test_a_letter_on_time_gives_no_late_note(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    to_outcome(
        complaint, advocate, outcome_letter_dated=days_ago(3), outcome_letter_received=days_ago(3)
    )
    assert "late_letter" not in prompt_ids(complaint, case)


def test_a_stage_marked_verify_asks_the_advocate_to_confirm_it(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate)
    step(complaint, advocate, "made_to_force")
    step(complaint, advocate, "recorded", complaint_recorded=days_ago(10))
    assert "verify_stage" not in prompt_ids(complaint, case)  # 'recorded' is checked
    step(complaint, advocate, "handled_otherwise", handling_decided=days_ago(5))
    [prompt] = [p for p in prompts_for(complaint, case, TODAY) if p.id == "verify_stage"]
    assert "Schedule 3 paragraph 6" in prompt.verify_note


def test_an_ended_complaint_has_no_prompts(case: Case, advocate: User) -> None:
    complaint = open_one(case, advocate, officer_in_handling_unit="yes")
    assert prompt_ids(complaint, case)
    step(complaint, advocate, "withdrawn", withdrawal_notified=TODAY)
    assert prompt_ids(complaint, case) == []


# --- Keys: complaints are rotated and checked with the rest of the case ---------------------


def test_rotation_finds_and_reencrypts_complaint_records(case: Case, advocate: User) -> None:
    found = {sealed.model for sealed in rotation.sealed_models()}
    assert {Complaint, ComplaintStep, LinkedMatter} <= found
    complaint = open_one(case, advocate, summary="About the first report")
    services.record_step(None, complaint, "made_to_force", {}, TODAY, "Phoned PSD", None, advocate)
    services.note_linked_matter(
        None, complaint, kind="civil_claim", noted_on=TODAY, note="Solicitor acting", by=advocate
    )
    rotation.rotate_case(case)
    fresh = Case.objects.get(pk=case.pk)
    complaints = list(Complaint.objects.filter(case=fresh))
    notes: list[ComplaintStep | LinkedMatter] = [
        *ComplaintStep.objects.filter(case=fresh).exclude(sealed_note=""),
        *LinkedMatter.objects.filter(case=fresh),
    ]
    tokens = [c.sealed_summary for c in complaints] + [n.sealed_note for n in notes]
    assert len(tokens) == 3 and all(token.startswith("v1:g2:") for token in tokens)
    for row in [*complaints, *notes]:
        row.case = fresh
    texts = {c.summary for c in complaints} | {n.note for n in notes}
    assert texts == {"About the first report", "Phoned PSD", "Solicitor acting"}
    assert rotation.check_all().failures == []
