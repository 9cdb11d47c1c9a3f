"""Time in each stage and outcomes, for trust figures: no identities, and the days add up."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.models import User
from accord.casework import people
from accord.casework.models import Case, Consent
from accord.casework.vocabularies import ConsentMethod, ConsentPurpose, Force, Status
from accord.complaints import aggregates
from accord.complaints.models import Complaint, ComplaintStep, LinkedMatter, MadeTo
from accord.complaints.process import ComplaintState, load_process
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.casework.seed import seed_case
from tests.data_dirs import data_dirs
from tests.factories import person

__all__ = ["data_dirs"]
pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 6, 18)
COUNTED = [ConsentPurpose.KEEP_RECORD, ConsentPurpose.CONTACT, ConsentPurpose.ANONYMOUS_STATISTICS]


def d(month: int, day: int) -> dt.date:
    return dt.date(2025, month, day)


def walk(made: dt.date, *steps: tuple[str, dict[str, dt.date], dt.date]) -> ComplaintState:
    """A complaint made on ``made`` whose steps were each entered in Accord on their own day."""
    process = load_process()
    state = process.start(made, on=made)
    for step_id, dates, on in steps:
        state = process.apply(state, step_id, dates, on=on)
    return state


def closed_after_no_review() -> ComplaintState:
    return walk(
        d(1, 6),
        ("made_to_force", {}, d(1, 8)),
        ("recorded", {"complaint_recorded": d(1, 16)}, d(1, 20)),
        ("handled_otherwise", {"handling_decided": d(2, 5)}, d(2, 5)),
        ("update_received", {"update_received": d(2, 20)}, d(2, 20)),
        (
            "outcome_given",
            {"outcome_letter_dated": d(3, 7), "outcome_letter_received": d(3, 10)},
            d(3, 10),
        ),
        ("review_not_sought", {}, d(4, 10)),
        ("case_closed", {"closed_on": d(4, 15)}, d(4, 15)),
    )


def paused_and_resumed() -> ComplaintState:
    return walk(
        d(2, 3),
        ("made_to_force", {}, d(2, 3)),
        ("recorded", {"complaint_recorded": d(2, 10)}, d(2, 10)),
        ("local_investigation", {"investigation_started": d(2, 20)}, d(2, 20)),
        ("paused_for_criminal_proceedings", {"suspended_on": d(3, 20)}, d(3, 21)),
        ("resumption_letter_sent", {"resumption_letter_sent": d(5, 1)}, d(5, 2)),
        ("resumed", {"resumed_on": d(5, 19)}, d(5, 19)),
    )


def backdated() -> ComplaintState:
    """Passed on by the IOPC; then a referral dated before the recording (a correction)."""
    return walk(
        d(3, 3),
        ("passed_on_to_force", {"passed_to_force": d(3, 5)}, d(3, 5)),
        ("recorded", {"complaint_recorded": d(3, 10)}, d(3, 10)),
        ("referred_to_iopc", {"referred_to_iopc": d(3, 4)}, d(3, 12)),
    )


def add_complaint(
    case: Case, state: ComplaintState, *, force: str, made_to: str = MadeTo.FORCE
) -> Complaint:
    complaint = Complaint(
        case=case,
        process_version=state.version,
        stage=state.stage,
        state=state.to_data(),
        made_to=made_to,
        force=force,
    )
    complaint.summary = "What happened, in the advocate's words"
    complaint.save()
    return complaint


def advocate() -> User:
    return person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)


def by_force(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row["force"]].append(row)
    return grouped


def test_time_in_each_stage_adds_up_to_the_life_of_the_complaint() -> None:
    worker = advocate()
    add_complaint(make_case(worker, consents=COUNTED), closed_after_no_review(), force=Force.MET)
    add_complaint(make_case(worker, consents=COUNTED), paused_and_resumed(), force=Force.BTP)
    add_complaint(
        make_case(worker, consents=COUNTED), backdated(), force=Force.CITY, made_to=MadeTo.IOPC
    )

    rows = aggregates.stage_times(as_of=AS_OF)

    assert all(tuple(row) == aggregates.COLUMNS for row in rows)
    grouped = by_force(rows)
    assert set(grouped) == {Force.MET, Force.BTP, Force.CITY}

    closed = grouped[Force.MET]
    assert [(r["stage"], r["days"]) for r in closed] == [
        ("made", 0),  # made directly to the force: it reached the force that day
        ("initial_handling", 10),
        ("recorded", 20),
        ("handled_otherwise", 30),  # the update in between does not split the stage
        ("outcome_given", 34),  # from the date on the letter to the day no review was chosen
        ("outcome_final", 5),
    ]
    assert sum(r["days"] for r in closed) == (d(4, 15) - d(1, 6)).days == 99
    assert {(r["outcome"], r["finished"], r["made_month"], r["made_to"]) for r in closed} == {
        ("closed", True, "2025-01", MadeTo.FORCE)
    }

    paused = grouped[Force.BTP]
    assert [(r["stage"], r["days"]) for r in paused] == [
        ("made", 0),
        ("initial_handling", 7),
        ("recorded", 10),
        ("investigation_local", 28 + 30),  # before the pause, and after it up to AS_OF
        ("suspended", 60),
    ]
    assert sum(r["days"] for r in paused) == (AS_OF - d(2, 3)).days
    assert {(r["outcome"], r["finished"]) for r in paused} == {("investigation_local", False)}

    corrected = grouped[Force.CITY]
    assert [(r["stage"], r["days"]) for r in corrected] == [
        ("made", 2),
        ("initial_handling", 5),
        ("recorded", 0),  # the referral was dated before the recording: no negative days
        ("with_iopc", (AS_OF - d(3, 10)).days),
    ]
    assert sum(r["days"] for r in corrected) == (AS_OF - d(3, 3)).days
    assert {r["made_to"] for r in corrected} == {MadeTo.IOPC}

    # One random row id per complaint, shared by its rows, new on every run.
    assert len({r["row"] for r in rows}) == 3
    assert all(len({r["row"] for r in group}) == 1 for group in grouped.values())
    again = aggregates.stage_times(as_of=AS_OF)
    assert not {r["row"] for r in rows} & {r["row"] for r in again}


def test_one_row_per_complaint_with_its_outcome_and_total() -> None:
    worker = advocate()
    add_complaint(make_case(worker, consents=COUNTED), closed_after_no_review(), force=Force.MET)
    add_complaint(make_case(worker, consents=COUNTED), paused_and_resumed(), force=Force.BTP)

    rows = aggregates.outcomes(as_of=AS_OF)

    assert sorted((r["force"], r["outcome"], r["finished"], r["total_days"]) for r in rows) == [
        (Force.BTP, "investigation_local", False, (AS_OF - d(2, 3)).days),
        (Force.MET, "closed", True, 99),
    ]
    stage_totals: dict[str, int] = defaultdict(int)
    for row in aggregates.stage_times(as_of=AS_OF):
        stage_totals[row["force"]] += row["days"]
    assert {r["force"]: r["total_days"] for r in rows} == stage_totals


def test_only_cases_counted_with_consent_and_in_normal_use_are_in_the_figures() -> None:
    worker = advocate()
    add_complaint(make_case(worker, consents=COUNTED), paused_and_resumed(), force=Force.MET)
    add_complaint(make_case(worker), paused_and_resumed(), force=Force.BTP)  # never agreed
    withdrawn = make_case(worker, consents=COUNTED)
    add_complaint(withdrawn, paused_and_resumed(), force=Force.CITY)
    Consent.objects.filter(case=withdrawn, purpose=ConsentPurpose.ANONYMOUS_STATISTICS).update(
        withdrawn_on=d(6, 1)
    )
    restricted = make_case(worker, consents=COUNTED)
    add_complaint(restricted, paused_and_resumed(), force=Force.OTHER)
    Case.objects.filter(pk=restricted.pk).update(restricted=True)
    erased = make_case(worker, consents=COUNTED)
    add_complaint(erased, paused_and_resumed(), force=Force.NOT_KNOWN)
    Case.objects.filter(pk=erased.pk).update(status=Status.ERASED)
    closed = make_case(worker, consents=COUNTED)
    add_complaint(closed, closed_after_no_review(), force=Force.MET)
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED)

    rows = aggregates.outcomes(as_of=AS_OF)

    assert sorted(r["force"] for r in rows) == [Force.MET, Force.MET]


def test_the_figures_hold_no_identity_and_no_content() -> None:
    worker = advocate()
    seeded = seed_case(worker)
    case = seeded.case
    people.add_consent(
        None,
        case,
        purpose=ConsentPurpose.ANONYMOUS_STATISTICS,
        given_on=timezone.localdate(),
        method=ConsentMethod.VERBAL,
        by=worker,
    )
    extra = add_complaint(case, closed_after_no_review(), force=Force.MET)
    complaints = list(Complaint.objects.filter(case=case))
    assert len(complaints) >= 2  # the seed's own complaint, with canaries, and this one

    rows = aggregates.stage_times() + aggregates.outcomes()
    assert {r["made_month"] for r in rows} >= {"2025-01"}
    text = json.dumps(rows, default=str)

    assert "CANARY" not in text
    assert not [value for value in seeded.canaries if value in text]
    assert case.reference not in text
    identities = [str(case.uid), str(extra.uid)]
    identities += [str(c.uid) for c in complaints]
    identities += [str(s.uid) for s in ComplaintStep.objects.filter(case=case)]
    identities += [str(m.uid) for m in LinkedMatter.objects.filter(case=case)]
    assert not [value for value in identities if value in text]
    assert worker.email not in text and worker.display_name not in text
    for row in rows:
        assert all(isinstance(value, str | int | bool) for value in row.values())
        assert len(row["made_month"]) == 7  # YYYY-MM, never the day


def test_a_complaint_that_cannot_be_read_stops_the_figures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = advocate()
    fine = add_complaint(make_case(worker, consents=COUNTED), paused_and_resumed(), force="met")
    broken = add_complaint(make_case(worker, consents=COUNTED), paused_and_resumed(), force="met")
    Complaint.objects.filter(pk=broken.pk).update(state={"stage": "made"})

    with pytest.raises(aggregates.AggregateError, match="1 complaints could not be read"):
        aggregates.stage_times(as_of=AS_OF)
    assert str(broken.uid) in caplog.text and str(fine.uid) not in caplog.text
