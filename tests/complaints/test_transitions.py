"""Every step in the shipped process, from every stage it can start from, and from none other.

The list of steps and the way to reach each stage come from the definition file, so a step
added to the file is tested here without anyone writing a test for it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accord.complaints.process import ComplaintState, ProcessError
from tests.complaints.walk import every_date, follow, paths, reach, shipped

D = dt.date
PROCESS = shipped()
STEP_IDS = list(PROCESS.transitions)
STATES = {stage: reach(PROCESS, stage) for stage in PROCESS.stages}


def test_every_stage_can_be_reached_from_the_start() -> None:
    assert set(paths(PROCESS)) == set(PROCESS.stages)


@pytest.mark.parametrize("step_id", STEP_IDS)
def test_each_step_does_what_the_file_says_from_every_stage_it_starts_from(step_id: str) -> None:
    step = PROCESS.transition(step_id)
    for stage in step.from_stages:
        state, day = STATES[stage]
        day += dt.timedelta(days=1)
        dates = every_date(step, day)
        after = PROCESS.apply(state, step_id, dates, on=day)
        expected: str | None
        if step.stay:
            expected = stage
        elif step.go_back:
            expected = next(
                e.from_stage
                for e in reversed(state.history)
                if e.to_stage == stage and e.from_stage != stage
            )
        else:
            expected = step.to
        assert after.stage == expected, f"{step_id} from {stage}"
        assert after.history[-1].transition == step_id
        assert (after.history[-1].from_stage, after.history[-1].to_stage) == (stage, expected)
        assert all(after.dates[name] == day for name in dates)
        assert state.stage == stage, "apply must not change the state it was given"


@pytest.mark.parametrize("step_id", STEP_IDS)
def test_each_step_is_refused_from_every_other_stage(step_id: str) -> None:
    step = PROCESS.transition(step_id)
    others = [stage for stage in PROCESS.stages if stage not in step.from_stages]
    assert others, f"{step_id} can happen from every stage, including the final ones"
    for stage in others:
        state, day = STATES[stage]
        day += dt.timedelta(days=1)
        with pytest.raises(ProcessError, match="cannot happen while the complaint is at"):
            PROCESS.apply(state, step_id, every_date(step, day), on=day)


def test_a_finished_complaint_says_it_has_ended() -> None:
    state, day = STATES["closed"]
    with pytest.raises(ProcessError, match="The complaint has ended"):
        PROCESS.apply(state, "case_closed", {"closed_on": day}, on=day)


def test_a_refusal_lists_the_steps_that_are_possible() -> None:
    state, day = STATES["made"]
    with pytest.raises(ProcessError, match="Possible next steps: Made to the force directly"):
        PROCESS.apply(state, "recorded", {"complaint_recorded": day}, on=day)


def test_available_steps_follow_the_file() -> None:
    assert [t.id for t in PROCESS.available("made")] == [
        "made_to_force",
        "passed_on_to_force",
        "withdrawn",
    ]
    assert PROCESS.available("closed") == []
    assert PROCESS.available("withdrawn") == []
    with pytest.raises(ProcessError, match="no stage called 'limbo'"):
        PROCESS.available("limbo")


def test_handling_starts_again_in_the_stage_it_was_paused_from() -> None:
    made = D(2025, 1, 6)
    state = follow(
        PROCESS,
        made,
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": D(2025, 1, 7)}),
        ("referred_to_iopc", {"referred_to_iopc": D(2025, 1, 8)}),
        ("iopc_independent_investigation", {"investigation_mode_decided": D(2025, 2, 3)}),
        ("paused_for_criminal_proceedings", {"suspended_on": D(2025, 3, 3)}),
        ("resumption_letter_sent", {"resumption_letter_sent": D(2025, 9, 1)}),
    )
    assert state.stage == "suspended"
    after = PROCESS.apply(state, "resumed", {"resumed_on": D(2025, 9, 8)}, on=D(2025, 9, 8))
    assert after.stage == "investigation_independent"


def test_going_back_needs_a_stage_to_go_back_to() -> None:
    state = ComplaintState(PROCESS.version, "suspended", {"complaint_made": D(2025, 1, 6)})
    with pytest.raises(ProcessError, match="no earlier stage to go back to"):
        PROCESS.apply(state, "resumed", {"resumed_on": D(2025, 2, 3)}, on=D(2025, 2, 3))


# ------------------------------------------------------------------------------------------
# Dates a step records
# ------------------------------------------------------------------------------------------

MADE = D(2025, 1, 6)


def _handled_otherwise() -> ComplaintState:
    return follow(
        PROCESS,
        MADE,
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": D(2025, 1, 10)}),
        ("handled_otherwise", {"handling_decided": D(2025, 1, 20)}),
    )


def test_a_required_date_must_be_given() -> None:
    with pytest.raises(ProcessError, match="needs this date: Date printed on the outcome letter"):
        PROCESS.apply(_handled_otherwise(), "outcome_given", {}, on=D(2025, 3, 3))


def test_a_date_the_step_does_not_record_is_refused() -> None:
    with pytest.raises(ProcessError, match="does not record 'Date the complaint was closed'"):
        PROCESS.apply(
            _handled_otherwise(),
            "outcome_given",
            {"outcome_letter_dated": D(2025, 3, 3), "closed_on": D(2025, 3, 3)},
            on=D(2025, 3, 3),
        )


def test_a_date_in_the_future_is_refused() -> None:
    with pytest.raises(ProcessError, match=r"\(4 March 2025\) is in the future"):
        PROCESS.apply(
            _handled_otherwise(),
            "outcome_given",
            {"outcome_letter_dated": D(2025, 3, 4)},
            on=D(2025, 3, 3),
        )


def test_a_date_before_the_complaint_was_made_is_refused() -> None:
    with pytest.raises(ProcessError, match=r"before the complaint was made \(6 January 2025\)"):
        PROCESS.apply(
            _handled_otherwise(),
            "outcome_given",
            {"outcome_letter_dated": D(2025, 1, 3)},
            on=D(2025, 3, 3),
        )


def test_an_outcome_letter_received_before_the_date_on_it_is_refused() -> None:
    # Almost always the two dates swapped: accepting them would make the review deadline
    # later than it really is.
    with pytest.raises(ProcessError, match="cannot have arrived before the date printed on it"):
        PROCESS.apply(
            _handled_otherwise(),
            "outcome_given",
            {"outcome_letter_dated": D(2025, 3, 3), "outcome_letter_received": D(2025, 3, 1)},
            on=D(2025, 3, 3),
        )


def test_an_outcome_letter_received_the_day_it_was_dated_is_accepted() -> None:
    day = D(2025, 3, 3)
    after = PROCESS.apply(
        _handled_otherwise(),
        "outcome_given",
        {"outcome_letter_dated": day, "outcome_letter_received": day},
        on=day,
    )
    assert after.stage == "outcome_given"


def test_an_outcome_decided_after_the_letter_was_written_is_refused() -> None:
    with pytest.raises(ProcessError, match="cannot have been decided after the letter"):
        PROCESS.apply(
            _handled_otherwise(),
            "outcome_given",
            {"outcome_letter_dated": D(2025, 3, 3), "outcome_decided": D(2025, 3, 4)},
            on=D(2025, 3, 5),
        )


def test_a_second_outcome_letter_is_not_checked_against_the_first_ones_dates() -> None:
    state = follow(
        PROCESS,
        MADE,
        ("made_to_force", {}),
        ("recorded", {"complaint_recorded": D(2025, 1, 10)}),
        ("local_investigation", {"investigation_started": D(2025, 1, 20)}),
        (
            "outcome_given",
            {"outcome_letter_dated": D(2025, 3, 3), "outcome_letter_received": D(2025, 3, 20)},
        ),
        ("review_applied", {"review_applied": D(2025, 3, 25)}),
        ("review_upheld", {"review_outcome_dated": D(2025, 5, 1)}),
        ("reinvestigation", {"investigation_started": D(2025, 5, 12)}),
    )
    # The new letter is dated before the old one arrived; that old arrival date is stale.
    after = PROCESS.apply(
        state, "outcome_given", {"outcome_letter_dated": D(2025, 9, 1)}, on=D(2025, 9, 2)
    )
    assert "outcome_letter_received" not in after.dates
    assert after.dates["outcome_letter_dated"] == D(2025, 9, 1)


def test_an_unknown_step_is_refused() -> None:
    with pytest.raises(ProcessError, match="There is no step called 'appeal'"):
        PROCESS.apply(_handled_otherwise(), "appeal", {}, on=D(2025, 3, 3))


def test_a_complaint_keeps_the_version_it_started_under() -> None:
    state = ComplaintState("england-wales-2020.0", "made", {"complaint_made": MADE})
    with pytest.raises(ProcessError, match=r"follows version 'england-wales-2020\.0'"):
        PROCESS.apply(state, "made_to_force", {}, on=MADE)
    with pytest.raises(ProcessError, match="follows version"):
        PROCESS.deadlines(state, MADE)


def test_a_complaint_made_before_the_2020_rules_is_refused() -> None:
    with pytest.raises(ProcessError, match="earlier rules"):
        PROCESS.start(D(2020, 1, 31), on=D(2025, 1, 6))


def test_a_complaint_cannot_be_made_in_the_future() -> None:
    with pytest.raises(ProcessError, match="after today"):
        PROCESS.start(D(2025, 1, 7), on=D(2025, 1, 6))


def test_a_state_survives_a_round_trip_to_storage() -> None:
    state = _handled_otherwise()
    assert ComplaintState.from_data(state.to_data()) == state
    assert state.to_data()["dates"]["handling_decided"] == "2025-01-20"


def test_a_state_cannot_be_changed_in_place() -> None:
    state = _handled_otherwise()
    with pytest.raises(TypeError):
        state.dates["complaint_made"] = D(2025, 1, 1)  # type: ignore[index]
