"""Every deadline rule in the shipped process: its due date, its edges and its status.

Each rule's tests are tagged with ``@covers``; the last test fails if a rule in the file has
none, so a new rule cannot ship untested.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

import pytest

from accord.complaints.process import ComplaintState, Deadline
from accord.complaints.workdays import CalendarRangeError
from tests.complaints.walk import follow, shipped

D = dt.date
PROCESS = shipped()
COVERED: set[str] = set()
Test = TypeVar("Test", bound=Callable[..., None])


def covers(*rule_ids: str) -> Callable[[Test], Test]:
    def tag(test: Test) -> Test:
        COVERED.update(rule_ids)
        return test

    return tag


def deadline(state: ComplaintState, today: dt.date, rule_id: str) -> Deadline:
    found = [d for d in PROCESS.deadlines(state, today) if d.rule_id == rule_id]
    assert len(found) == 1, f"{rule_id} not shown; shown: {PROCESS.deadlines(state, today)}"
    return found[0]


def shown(state: ComplaintState, today: dt.date) -> set[str]:
    return {d.rule_id for d in PROCESS.deadlines(state, today)}


def recorded(made: dt.date, on: dt.date) -> list[tuple[str, dict[str, dt.date]]]:
    return [("made_to_force", {}), ("recorded", {"complaint_recorded": on})]


def outcome(
    made: dt.date,
    letter: dt.date,
    *,
    received: dt.date | None = None,
    decided: dt.date | None = None,
    review: bool = True,
) -> ComplaintState:
    """A complaint handled without investigation, with its outcome letter."""
    dates = {"outcome_letter_dated": letter}
    if received:
        dates["outcome_letter_received"] = received
    if decided:
        dates["outcome_decided"] = decided
    return follow(
        PROCESS,
        made,
        *recorded(made, made),
        ("handled_otherwise", {"handling_decided": made}),
        ("outcome_given" if review else "outcome_given_no_review", dates),
    )


# ------------------------------------------------------------------------------------------
# Mandatory referral
# ------------------------------------------------------------------------------------------


@covers("mandatory_referral")
def test_referral_is_due_the_day_after_the_criteria_are_noted() -> None:
    made = D(2025, 6, 2)
    state = follow(
        PROCESS,
        made,
        *recorded(made, D(2025, 6, 3)),
        ("referral_criteria_noted", {"referral_criteria_met": D(2025, 6, 4)}),
    )
    due = deadline(state, D(2025, 6, 5), "mandatory_referral")
    assert (due.due, due.status, due.actor.id) == (
        D(2025, 6, 5),
        "due_soon",
        "appropriate_authority",
    )
    assert due.verify and "not checked" in due.verify_note
    late = deadline(state, D(2025, 6, 6), "mandatory_referral")
    assert late.status == "overdue"
    assert any("Ask the professional standards department" in note for note in late.notes)


@covers("mandatory_referral")
def test_referral_is_not_guessed_before_anyone_notes_the_criteria() -> None:
    made = D(2025, 6, 2)
    state = follow(PROCESS, made, *recorded(made, D(2025, 6, 3)))
    assert "mandatory_referral" not in shown(state, D(2025, 6, 20))


@covers("mandatory_referral")
def test_referral_shows_as_met_once_the_complaint_reaches_the_iopc() -> None:
    made = D(2025, 6, 2)
    state = follow(
        PROCESS,
        made,
        *recorded(made, D(2025, 6, 3)),
        ("referral_criteria_noted", {"referral_criteria_met": D(2025, 6, 4)}),
        ("referred_to_iopc", {"referred_to_iopc": D(2025, 6, 5)}),
    )
    met = deadline(state, D(2025, 6, 9), "mandatory_referral")
    assert (met.status, met.met_on, met.notes) == ("met", D(2025, 6, 5), ())


# ------------------------------------------------------------------------------------------
# Updates to the complainant
# ------------------------------------------------------------------------------------------


@covers("progress_update")
@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2025, 1, 10), "upcoming"),
        (D(2025, 1, 24), "upcoming"),  # six working days before
        (D(2025, 1, 27), "due_soon"),  # five working days before
        (D(2025, 2, 3), "due_soon"),  # the day itself
        (D(2025, 2, 4), "overdue"),
    ],
)
def test_an_update_is_due_four_weeks_after_recording(today: dt.date, status: str) -> None:
    made = D(2025, 1, 2)
    state = follow(
        PROCESS,
        made,
        *recorded(made, D(2025, 1, 6)),
        ("local_investigation", {"investigation_started": D(2025, 1, 8)}),
    )
    due = deadline(state, today, "progress_update")
    assert (due.due, due.status) == (D(2025, 2, 3), status)
    assert due.citation == "Police (Complaints and Misconduct) Regulations 2020, reg. 34(2)(a)"
    assert not due.verify


@covers("progress_update")
def test_each_update_restarts_the_four_weeks_and_an_overdue_one_prompts() -> None:
    made = D(2025, 1, 2)
    state = follow(
        PROCESS,
        made,
        *recorded(made, D(2025, 1, 6)),
        ("handled_otherwise", {"handling_decided": D(2025, 1, 8)}),
        ("update_received", {"update_received": D(2025, 1, 31)}),
    )
    due = deadline(state, D(2025, 3, 3), "progress_update")
    assert (due.due, due.status, due.starts_from) == (D(2025, 2, 28), "overdue", "update_received")
    assert any("Ask the complaint handler in writing" in note for note in due.notes)
    assert PROCESS.prompts["update_overdue"].text in due.notes


@covers("progress_update_iopc")
def test_the_iopc_owes_updates_while_it_has_the_complaint() -> None:
    made = D(2025, 1, 2)
    state = follow(
        PROCESS,
        made,
        *recorded(made, D(2025, 1, 6)),
        ("referred_to_iopc", {"referred_to_iopc": D(2025, 1, 20)}),
    )
    due = deadline(state, D(2025, 1, 21), "progress_update_iopc")
    assert (due.due, due.actor.id, due.starts_from) == (D(2025, 2, 17), "iopc", "referred_to_iopc")
    assert "progress_update" not in shown(state, D(2025, 1, 21))
    later = PROCESS.apply(
        state,
        "iopc_independent_investigation",
        {"investigation_mode_decided": D(2025, 2, 1)},
        on=D(2025, 2, 10),
    )
    later = PROCESS.apply(
        later, "update_received", {"update_received": D(2025, 2, 10)}, on=D(2025, 2, 10)
    )
    assert deadline(later, D(2025, 2, 11), "progress_update_iopc").due == D(2025, 3, 10)


# ------------------------------------------------------------------------------------------
# Explanation of delay after 12 months, then every 6 months
# ------------------------------------------------------------------------------------------


def _local_investigation(made: dt.date) -> ComplaintState:
    return follow(
        PROCESS,
        made,
        *recorded(made, made),
        ("local_investigation", {"investigation_started": made}),
    )


@covers("delay_explanation_local")
@pytest.mark.parametrize(
    ("today", "status"),
    [(D(2025, 2, 20), "upcoming"), (D(2025, 2, 21), "due_soon"), (D(2025, 3, 1), "overdue")],
)
def test_twelve_months_from_a_leap_day_end_on_28_february(today: dt.date, status: str) -> None:
    due = deadline(_local_investigation(D(2024, 2, 29)), today, "delay_explanation_local")
    # "12 months starting with" 29 February 2024 is 29 February 2024 to 28 February 2025.
    assert (due.due, due.status) == (D(2025, 2, 28), status)
    assert due.verify


@covers("delay_explanation_local")
def test_after_an_explanation_the_next_is_due_six_months_on_with_month_end_clamping() -> None:
    made = D(2024, 8, 31)
    state = _local_investigation(made)
    first = deadline(state, D(2025, 9, 1), "delay_explanation_local")
    assert (first.due, first.status) == (D(2025, 8, 30), "overdue")
    assert any("Saturday 30 August 2025" in note for note in first.notes)
    explained = PROCESS.apply(
        state,
        "delay_explanation_seen",
        {"delay_explanation_dated": D(2025, 9, 5)},
        on=D(2025, 9, 5),
    )
    second = deadline(explained, D(2025, 9, 8), "delay_explanation_local")
    # Six months starting the day after 30 August 2025: no 30 February, so 28 February.
    assert (second.due, second.status) == (D(2026, 2, 28), "upcoming")
    missed = deadline(explained, D(2026, 3, 2), "delay_explanation_local")
    assert (missed.due, missed.status) == (D(2026, 2, 28), "overdue")


@covers("delay_explanation_iopc")
def test_the_iopc_owes_the_explanation_for_an_independent_investigation() -> None:
    made = D(2025, 1, 31)
    state = follow(
        PROCESS,
        made,
        *recorded(made, made),
        ("referred_to_iopc", {"referred_to_iopc": D(2025, 2, 3)}),
        ("iopc_independent_investigation", {"investigation_mode_decided": D(2025, 2, 14)}),
    )
    due = deadline(state, D(2026, 2, 2), "delay_explanation_iopc")
    assert (due.due, due.status, due.actor.id) == (D(2026, 1, 30), "overdue", "iopc")
    assert "delay_explanation_local" not in shown(state, D(2026, 2, 2))


# ------------------------------------------------------------------------------------------
# Reply about starting again after criminal proceedings
# ------------------------------------------------------------------------------------------


def _paused(letter: dt.date) -> ComplaintState:
    made = D(2025, 1, 6)
    return follow(
        PROCESS,
        made,
        *recorded(made, made),
        ("local_investigation", {"investigation_started": D(2025, 1, 13)}),
        ("paused_for_criminal_proceedings", {"suspended_on": D(2025, 2, 3)}),
        ("resumption_letter_sent", {"resumption_letter_sent": letter}),
    )


@covers("resumption_reply")
def test_the_reply_is_due_28_days_after_the_letter_and_overdue_after() -> None:
    state = _paused(D(2025, 12, 1))
    due = deadline(state, D(2025, 12, 2), "resumption_reply")
    assert (due.due, due.status, due.actor.id) == (D(2025, 12, 29), "upcoming", "complainant")
    late = deadline(state, D(2025, 12, 30), "resumption_reply")
    assert late.status == "overdue"
    assert any("public interest" in note for note in late.notes)


@covers("resumption_reply")
@pytest.mark.parametrize(
    ("reply", "note"),
    [(D(2025, 12, 10), None), (D(2026, 1, 5), "Done 7 days after the time limit.")],
)
def test_a_reply_meets_the_rule_and_a_late_one_says_so(reply: dt.date, note: str | None) -> None:
    state = PROCESS.apply(
        _paused(D(2025, 12, 1)), "resumption_reply_sent", {"resumption_reply_sent": reply}, on=reply
    )
    met = deadline(state, reply, "resumption_reply")
    assert (met.status, met.met_on) == ("met", reply)
    assert (note in met.notes) if note else met.notes == ()


# ------------------------------------------------------------------------------------------
# Outcome sent within five working days (bank-holiday edges)
# ------------------------------------------------------------------------------------------


@covers("outcome_notice")
@pytest.mark.parametrize(
    ("decided", "due"),
    [
        (D(2025, 12, 19), D(2025, 12, 30)),  # Christmas Day, Boxing Day and a weekend
        (D(2025, 4, 17), D(2025, 4, 28)),  # Good Friday and Easter Monday 2025
        (D(2022, 5, 31), D(2022, 6, 9)),  # the moved Spring bank holiday and the Jubilee
        (D(2022, 9, 15), D(2022, 9, 23)),  # the Queen's funeral
        (D(2023, 5, 4), D(2023, 5, 12)),  # the coronation
        (D(2025, 3, 3), D(2025, 3, 10)),  # an ordinary week, for comparison
    ],
)
def test_the_outcome_is_due_five_working_days_after_the_decision(
    decided: dt.date, due: dt.date
) -> None:
    state = outcome(decided, due, decided=decided)
    met = deadline(state, due, "outcome_notice")
    assert (met.due, met.status, met.notes) == (due, "met", ())


@covers("outcome_notice")
def test_an_outcome_letter_after_five_working_days_is_met_late() -> None:
    state = outcome(D(2025, 12, 19), D(2026, 1, 2), decided=D(2025, 12, 19))
    late = deadline(state, D(2026, 1, 5), "outcome_notice")
    assert (late.due, late.status) == (D(2025, 12, 30), "met")
    assert "Done 3 days after the time limit." in late.notes


@covers("outcome_notice")
def test_the_outcome_rule_is_left_out_when_the_letter_does_not_say_when_it_was_decided() -> None:
    state = outcome(D(2025, 3, 3), D(2025, 3, 7))
    assert "outcome_notice" not in shown(state, D(2025, 3, 10))


@covers("outcome_notice")
def test_a_working_day_count_past_the_calendar_is_refused_not_guessed() -> None:
    state = outcome(D(2030, 12, 23), D(2030, 12, 31), decided=D(2030, 12, 27))
    with pytest.raises(CalendarRangeError, match="covers 2018 to 2030 only"):
        PROCESS.deadlines(state, D(2030, 12, 31))


# ------------------------------------------------------------------------------------------
# Applying for a review: 28 days from the day after the date on the outcome letter
# ------------------------------------------------------------------------------------------


@covers("review_application")
@pytest.mark.parametrize(
    ("letter", "due"),
    [
        (D(2025, 4, 1), D(2025, 4, 29)),  # the IOPC's own example
        (D(2025, 1, 31), D(2025, 2, 28)),  # month end
        (D(2024, 2, 1), D(2024, 2, 29)),  # leap year
        (D(2025, 12, 15), D(2026, 1, 12)),  # across a year end
    ],
)
def test_the_review_is_due_28_days_after_the_date_on_the_letter(
    letter: dt.date, due: dt.date
) -> None:
    review = deadline(outcome(letter, letter), letter, "review_application")
    assert (review.due, review.actor.id, review.starts_from) == (
        due,
        "complainant",
        "outcome_letter_dated",
    )
    assert review.verify and "regulation 29(4)" in review.verify_note


@covers("review_application")
@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2025, 4, 21), "upcoming"),  # Easter Monday: six working days to go
        (D(2025, 4, 22), "due_soon"),  # five working days to go
        (D(2025, 4, 29), "due_soon"),
        (D(2025, 4, 30), "overdue"),
    ],
)
def test_review_status_counts_working_days_to_go(today: dt.date, status: str) -> None:
    review = deadline(outcome(D(2025, 4, 1), D(2025, 4, 1)), today, "review_application")
    assert review.status == status
    if status == "overdue":
        assert any("special circumstances" in note for note in review.notes)


@covers("review_application")
def test_a_review_deadline_on_a_bank_holiday_does_not_move_but_warns() -> None:
    review = deadline(
        outcome(D(2025, 11, 28), D(2025, 11, 28)), D(2025, 12, 1), "review_application"
    )
    assert review.due == D(2025, 12, 26)
    assert any("Friday 26 December 2025, which is not a working day" in n for n in review.notes)


@covers("review_application")
def test_a_late_outcome_letter_does_not_move_the_deadline_but_says_what_was_lost() -> None:
    state = outcome(D(2025, 3, 3), D(2025, 3, 3), received=D(2025, 3, 17))
    review = deadline(state, D(2025, 3, 18), "review_application")
    assert (review.due, review.status) == (D(2025, 3, 31), "upcoming")
    assert any("arrived 14 days after the date printed on it" in n for n in review.notes)
    assert any("special circumstances" in n for n in review.notes)


@covers("review_application")
def test_a_letter_that_arrived_after_the_deadline_shows_overdue_with_the_late_letter_note() -> None:
    state = outcome(D(2025, 3, 3), D(2025, 3, 3), received=D(2025, 4, 7))
    review = deadline(state, D(2025, 4, 7), "review_application")
    assert (review.due, review.status) == (D(2025, 3, 31), "overdue")
    assert any("arrived 35 days after" in n for n in review.notes)


@covers("review_application")
def test_applying_meets_the_review_deadline_and_it_drops_off_after_the_decision() -> None:
    state = outcome(D(2025, 3, 3), D(2025, 3, 3))
    applied = PROCESS.apply(
        state, "review_applied", {"review_applied": D(2025, 3, 20)}, on=D(2025, 3, 20)
    )
    met = deadline(applied, D(2025, 3, 21), "review_application")
    assert (met.status, met.met_on) == ("met", D(2025, 3, 20))
    decided = PROCESS.apply(
        applied, "review_upheld", {"review_outcome_dated": D(2025, 5, 2)}, on=D(2025, 5, 6)
    )
    assert "review_application" not in shown(decided, D(2025, 5, 6))


@covers("review_application")
def test_no_review_deadline_when_the_letter_gives_no_right_of_review() -> None:
    state = outcome(D(2025, 3, 3), D(2025, 3, 3), review=False)
    assert "review_application" not in shown(state, D(2025, 3, 4))


# ------------------------------------------------------------------------------------------
# Judicial review: promptly and within three months
# ------------------------------------------------------------------------------------------


@covers("judicial_review")
def test_judicial_review_runs_three_months_from_the_review_decision_with_month_end_clamp() -> None:
    state = outcome(D(2025, 9, 1), D(2025, 9, 1))
    state = PROCESS.apply(
        state, "review_applied", {"review_applied": D(2025, 9, 10)}, on=D(2025, 9, 10)
    )
    state = PROCESS.apply(
        state, "review_not_upheld", {"review_outcome_dated": D(2025, 11, 30)}, on=D(2025, 12, 2)
    )
    jr = deadline(state, D(2025, 12, 2), "judicial_review")
    assert (jr.due, jr.status, jr.starts_from) == (
        D(2026, 2, 28),
        "upcoming",
        "review_outcome_dated",
    )
    assert jr.verify and "legal advice" in jr.verify_note.lower()
    assert any("Saturday 28 February 2026" in n for n in jr.notes)


@covers("judicial_review")
def test_judicial_review_from_an_outcome_with_no_right_of_review_and_its_claim() -> None:
    state = outcome(D(2025, 5, 30), D(2025, 5, 30), review=False)
    jr = deadline(state, D(2025, 8, 31), "judicial_review")
    assert (jr.due, jr.status) == (D(2025, 8, 30), "overdue")
    filed = PROCESS.apply(
        state,
        "judicial_review_claim_filed",
        {"judicial_review_claim_filed": D(2025, 8, 20)},
        on=D(2025, 8, 20),
    )
    assert deadline(filed, D(2025, 8, 31), "judicial_review").status == "met"


@covers("judicial_review")
def test_beyond_the_bank_holiday_file_due_soon_falls_back_to_a_week() -> None:
    state = outcome(D(2030, 11, 1), D(2030, 11, 1), review=False)
    state = PROCESS.apply(state, "case_closed", {"closed_on": D(2030, 11, 2)}, on=D(2030, 11, 2))
    assert "judicial_review" not in shown(state, D(2031, 1, 30))
    open_state = outcome(D(2030, 11, 1), D(2030, 11, 1), review=False)
    # Due 1 February 2031: eight days before is upcoming, seven is due soon.
    assert deadline(open_state, D(2031, 1, 24), "judicial_review").status == "upcoming"
    assert deadline(open_state, D(2031, 1, 25), "judicial_review").status == "due_soon"


# ------------------------------------------------------------------------------------------


def test_deadlines_come_soonest_first() -> None:
    made = D(2025, 6, 2)
    state = follow(
        PROCESS,
        made,
        *recorded(made, D(2025, 6, 3)),
        ("referral_criteria_noted", {"referral_criteria_met": D(2025, 6, 4)}),
    )
    dues = [d.due for d in PROCESS.deadlines(state, D(2025, 6, 4))]
    assert dues == sorted(dues)
    assert len(dues) == 2


def test_every_deadline_rule_in_the_file_has_a_test() -> None:
    assert set(PROCESS.deadline_rules) == COVERED
