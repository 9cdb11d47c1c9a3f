"""A year of past, closed demo cases, so that a demo release has figures to show.

Why: a release hides every count under 10, and the handful of demo cases the advocate works
on would leave every cell hidden. These cases are invented, carry no story (every sealed
field is a plain "demo" placeholder), and are loaded only by ``accord demo_data``.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.casework import equality, services
from accord.casework.models import Case
from accord.casework.services import Intake, SafeContact
from accord.casework.vocabularies import (
    ClosureReason,
    ConsentMethod,
    ConsentPurpose,
    ContactMethod,
    Force,
    OfficerStatus,
    Source,
)
from accord.complaints.models import Complaint, MadeTo
from accord.complaints.process import ComplaintState, load_process

HISTORY = 140
CONNECTIONS = [
    (OfficerStatus.SERVING_OFFICER, 0.55),
    (OfficerStatus.FORMER_OFFICER, 0.25),
    (OfficerStatus.SERVING_STAFF, 0.12),
    (OfficerStatus.NOT_KNOWN, 0.08),
]


#: Invented answers, weighted roughly like London's population (Census 2021) and left blank
#: ("Not asked") for about one client in five. Immigration status and no recourse to public
#: funds are recorded only for the few clients who raised them.
DEMO_ANSWERS: dict[str, dict[str, int]] = {
    "age_band": {"16_24": 14, "25_34": 30, "35_44": 28, "45_54": 16, "55_64": 8, "65_plus": 4},
    "sex": {"female": 94, "male": 3, "prefer_not": 3},
    "gender_same_as_birth": {"yes": 91, "no": 3, "prefer_not": 6},
    "sexual_orientation": {
        "straight": 80,
        "gay_lesbian": 5,
        "bisexual": 6,
        "other": 2,
        "prefer_not": 7,
    },
    "ethnicity": {
        "white_british": 36,
        "white_other": 15,
        "white_irish": 2,
        "black_african": 8,
        "black_caribbean": 5,
        "black_other": 2,
        "asian_indian": 7,
        "asian_pakistani": 3,
        "asian_bangladeshi": 4,
        "asian_other": 4,
        "asian_chinese": 2,
        "mixed_white_black_caribbean": 2,
        "mixed_other": 2,
        "other_arab": 2,
        "other_any": 3,
        "prefer_not": 3,
    },
    "religion": {
        "none": 30,
        "christian": 38,
        "muslim": 16,
        "hindu": 5,
        "jewish": 2,
        "sikh": 2,
        "other": 2,
        "prefer_not": 5,
    },
    "disability": {"no": 60, "a_little": 20, "a_lot": 12, "prefer_not": 8},
    "immigration_status": {
        "": 80,
        "citizen": 9,
        "settled": 4,
        "partner_visa": 4,
        "asylum": 2,
        "no_permission": 1,
    },
}
WITHOUT_RECOURSE = {"partner_visa", "asylum", "no_permission"}


def _demo_answers(rng: random.Random) -> dict[str, str]:
    answers = {
        field: rng.choices(list(weights), list(weights.values()))[0]
        for field, weights in DEMO_ANSWERS.items()
    }
    if answers["immigration_status"]:
        answers["no_recourse"] = (
            "yes" if answers["immigration_status"] in WITHOUT_RECOURSE else "no"
        )
    return answers


def past_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The four whole quarters before the one ``today`` is in."""
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = quarter_start - dt.timedelta(days=1)
    return dt.date(quarter_start.year - 1, quarter_start.month, 1), end


def _complaint(made: dt.date, rng: random.Random, *, finished: bool) -> ComplaintState:
    process = load_process()
    day = made
    state = process.start(made, on=made)
    state = process.apply(state, "made_to_force", {}, on=made)
    day += dt.timedelta(days=rng.randint(5, 25))
    state = process.apply(state, "recorded", {"complaint_recorded": day}, on=day)
    if not finished:
        return state
    day += dt.timedelta(days=rng.randint(10, 60))
    state = process.apply(state, "handled_otherwise", {"handling_decided": day}, on=day)
    day += dt.timedelta(days=rng.randint(30, 120))
    state = process.apply(
        state,
        "outcome_given",
        {"outcome_letter_dated": day, "outcome_letter_received": day + dt.timedelta(days=3)},
        on=day + dt.timedelta(days=3),
    )
    day += dt.timedelta(days=32)
    state = process.apply(state, "review_not_sought", {}, on=day)
    return process.apply(state, "case_closed", {"closed_on": day}, on=day)


@transaction.atomic
def load_demo_history(service: Organisation, advocate: User) -> int:
    """Open and close the past cases once; returns how many were created."""
    if Case.objects.filter(organisation=service, status="closed").exists():
        return 0
    rng = random.Random(2021)  # noqa: S311 - the same demo figures on every machine, no secret
    answers_rng = random.Random(2022)  # noqa: S311 - kept apart, so the other figures stay
    start, end = past_period(timezone.localdate())
    days = (end - start).days
    statuses = [status for status, _ in CONNECTIONS]
    weights = [weight for _, weight in CONNECTIONS]
    for number in range(HISTORY):
        opened = start + dt.timedelta(days=rng.randint(0, days))
        consents: list[str] = [ConsentPurpose.KEEP_RECORD, ConsentPurpose.CONTACT]
        if rng.random() < 0.85:
            consents.append(ConsentPurpose.ANONYMOUS_STATISTICS)
        complaint = rng.random() < 0.6
        if complaint:
            consents.append(ConsentPurpose.COMPLAINT)
        case = services.open_case(
            None,
            Intake(
                client_name=f"Past client {number + 1} (demo)",
                contact=SafeContact(method=ContactMethod.PHONE, phone="07700 900000"),
                force=Force.MET,
                officer_status=rng.choices(statuses, weights)[0],
                consents=consents,
                consent_method=ConsentMethod.VERBAL,
                feels_safe=rng.randint(1, 3),
                trusts_complaints_process=rng.randint(1, 2),
            ),
            organisation=service,
            source=Source.SELF_REFERRAL if rng.random() < 0.45 else Source.STAFF,
            by=advocate,
            advocate=advocate,
        )
        if answers_rng.random() < 0.8:
            equality.record_answers(None, case, _demo_answers(answers_rng), by=advocate)
        if complaint:
            made = opened + dt.timedelta(days=rng.randint(3, 20))
            state = _complaint(made, rng, finished=rng.random() < 0.6)
            record = Complaint(
                case=case,
                process_version=state.version,
                stage=state.stage,
                state=state.to_data(),
                made_to=MadeTo.FORCE,
                force=Force.MET,
            )
            record.summary = "Demo complaint (no details)"
            record.save()
        closed = min(opened + dt.timedelta(days=rng.randint(60, 200)), end)
        services.close(
            None,
            case,
            reason=ClosureReason.SUPPORT_COMPLETE,
            note="",
            feels_safe=rng.randint(2, 5),
            trusts_complaints_process=rng.randint(1, 4),
            by=advocate,
        )
        noon = dt.time(12)
        Case.objects.filter(pk=case.pk).update(
            created_at=timezone.make_aware(dt.datetime.combine(opened, noon)),
            opened_at=timezone.make_aware(dt.datetime.combine(opened, noon)),
            closed_at=timezone.make_aware(dt.datetime.combine(closed, noon)),
        )
    return HISTORY
