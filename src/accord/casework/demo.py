"""Demo cases for ``make demo``: fictional people, written to read like real casework.

Everything here is invented (no real person, officer or unit). It is loaded only by
``accord demo_data`` under the demo settings, and only when the service has no cases yet.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.casework import equality, services
from accord.casework.models import Activity, Case
from accord.casework.services import Intake, SafeContact
from accord.casework.vocabularies import (
    ActivityKind,
    ConsentMethod,
    ConsentPurpose,
    ContactMethod,
    Force,
    OfficerStatus,
    RankBand,
    Source,
    YesNoUnknown,
)

STAFF_CASES: list[tuple[Intake, list[tuple[str, str]]]] = [
    (
        Intake(
            client_name="Jo (demo)",
            contact=SafeContact(
                method=ContactMethod.TEXT,
                phone="07700 900001",
                times="Weekdays 10am to 2pm, while the children are at school",
                voicemail_safe=YesNoUnknown.NO,
                code_word="Lavender",
            ),
            summary="Referred by a refuge. Her former partner is a serving constable; she "
            "believes he looked up her new address on police systems.",
            perpetrator_name="(demo) PC D. Example",
            force=Force.MET,
            officer_status=OfficerStatus.SERVING_OFFICER,
            rank_band=RankBand.CONSTABLE,
            unit="(demo) a borough response team",
            local_team_involved=YesNoUnknown.YES,
            consents=[
                ConsentPurpose.KEEP_RECORD,
                ConsentPurpose.CONTACT,
                ConsentPurpose.COMPLAINT,
                ConsentPurpose.SHARE_IDVA_ISVA,
            ],
            consent_method=ConsentMethod.VERBAL,
            feels_safe=2,
            trusts_complaints_process=1,
        ),
        [
            (
                ActivityKind.CALL,
                "First call. Agreed safe times and the code word. She wants "
                "to understand how a complaint would be handled and by whom.",
            ),
            (
                ActivityKind.NOTE,
                "Asked the force's professional standards department who "
                "would investigate; told the team is separate from his unit. Awaiting it in "
                "writing.",
            ),
        ],
    ),
    (
        Intake(
            client_name="R (demo)",
            contact=SafeContact(
                method=ContactMethod.EMAIL,
                email="r.demo@example.org",
                times="Any time",
                voicemail_safe=YesNoUnknown.NOT_KNOWN,
            ),
            summary="Self-identified by email. Sexual assault by a former officer she met "
            "through work. Not yet reported; wants to know her options first.",
            force=Force.OTHER,
            officer_status=OfficerStatus.FORMER_OFFICER,
            rank_band=RankBand.NOT_KNOWN,
            local_team_involved=YesNoUnknown.NOT_KNOWN,
            consents=[ConsentPurpose.KEEP_RECORD, ConsentPurpose.CONTACT],
            consent_method=ConsentMethod.WRITTEN,
            feels_safe=3,
            trusts_complaints_process=2,
        ),
        [(ActivityKind.EMAIL, "Sent information about reporting routes and ISVA support.")],
    ),
]

SELF_REFERRALS: list[Intake] = [
    Intake(
        client_name="K (demo)",
        contact=SafeContact(
            method=ContactMethod.TRUSTED_PERSON,
            trusted_person="Her sister, on 07700 900002",
            voicemail_safe=YesNoUnknown.NO,
        ),
        summary="My husband is a police sergeant. I want to leave but I'm scared no one "
        "will believe me.",
        force=Force.MET,
        officer_status=OfficerStatus.SERVING_OFFICER,
        consents=[ConsentPurpose.KEEP_RECORD, ConsentPurpose.CONTACT],
        consent_method=ConsentMethod.ONLINE,
    ),
]


@transaction.atomic
def load_demo_cases(service: Organisation, advocate: User, supervisor: User) -> int:
    """Open the demo cases once; returns how many were created."""
    if Case.objects.filter(organisation=service).exists():
        return 0
    created = 0
    now = timezone.now()
    for number, (intake, activities) in enumerate(STAFF_CASES):
        case = services.open_case(
            None,
            intake,
            organisation=service,
            source=Source.STAFF,
            by=advocate,
            advocate=advocate,
        )
        case.next_review_on = timezone.localdate() + dt.timedelta(days=3 + 20 * number)
        case.save(update_fields=["next_review_on"])
        for offset, (kind, text) in enumerate(activities):
            activity = Activity(
                case=case,
                kind=kind,
                occurred_at=now - dt.timedelta(days=10 - offset * 3),
                created_by=advocate,
            )
            activity.text = text
            activity.save()
        if number == 0:
            # The first client answered some equality questions and declined one.
            equality.record_answers(
                None,
                case,
                {
                    "age_band": "35_44",
                    "sex": "female",
                    "gender_same_as_birth": "yes",
                    "ethnicity": "black_caribbean",
                    "religion": "prefer_not",
                    "disability": "no",
                },
                by=advocate,
            )
        created += 1
    for intake in SELF_REFERRALS:
        services.open_case(None, intake, organisation=service, source=Source.SELF_REFERRAL, by=None)
        created += 1
    return created
