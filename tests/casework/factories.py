"""Cases for tests, opened through the real service (so every case has its key and trail)."""

from __future__ import annotations

import secrets

from accord.accounts.models import Organisation, User
from accord.casework import services
from accord.casework.models import Case
from accord.casework.services import Intake, SafeContact
from accord.casework.vocabularies import (
    ConsentPurpose,
    ContactMethod,
    Force,
    OfficerStatus,
    RankBand,
    Source,
    YesNoUnknown,
)
from accord.policy.roles import OrgKind

#: The intake's consents plus acting for the client in a police complaint, which adding a
#: complaint, recording a step taken for the client and saving a letter all need.
WITH_COMPLAINT_CONSENT = [
    ConsentPurpose.KEEP_RECORD,
    ConsentPurpose.CONTACT,
    ConsentPurpose.COMPLAINT,
]


def canary(label: str) -> str:
    """A unique marker string that must never appear outside the casework zone."""
    return f"CANARY-{label}-{secrets.token_hex(6)}"


def intake(**overrides: object) -> Intake:
    values: dict[str, object] = {
        "client_name": canary("client-name"),
        "contact": SafeContact(
            method=ContactMethod.PHONE,
            phone="07700 900" + str(secrets.randbelow(900) + 100),
            times=canary("safe-times"),
            voicemail_safe=YesNoUnknown.NO,
            code_word=canary("code-word"),
        ),
        "summary": canary("summary"),
        "perpetrator_name": canary("perpetrator-name"),
        "force": Force.MET,
        "officer_status": OfficerStatus.SERVING_OFFICER,
        "rank_band": RankBand.CONSTABLE,
        "unit": canary("unit"),
        "local_team_involved": YesNoUnknown.YES,
        "consents": [ConsentPurpose.KEEP_RECORD, ConsentPurpose.CONTACT],
        "feels_safe": 2,
        "trusts_complaints_process": 1,
    }
    values.update(overrides)
    return Intake(**values)  # type: ignore[arg-type]


def service_of(user: User) -> Organisation:
    membership = user.active_membership
    assert membership is not None
    assert membership.organisation.kind == OrgKind.ADVISORY_SERVICE.value
    return membership.organisation


def make_case(
    advocate: User | None,
    *,
    organisation: Organisation | None = None,
    source: str = Source.STAFF,
    **overrides: object,
) -> Case:
    """An open case assigned to ``advocate`` (a new, unassigned one when None)."""
    if organisation is None:
        assert advocate is not None, "give an organisation for an unassigned case"
        organisation = service_of(advocate)
    return services.open_case(
        None,
        intake(**overrides),
        organisation=organisation,
        source=source,
        by=advocate,
        advocate=advocate,
    )
