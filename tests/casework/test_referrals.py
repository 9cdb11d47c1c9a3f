"""Referrals: the consent gate, the MARAC safeguarding override, and outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import referrals
from accord.casework.models import Case, Referral, RiskAssessment
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import ConsentPurpose, MaracDecision
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import canary, make_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _advocate() -> tuple[User, Client]:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    return advocate, client_for("advocate", {"advocate": advocate})


def _actions(case: Case) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=case.reference)
        .order_by("id")
        .values_list("action", flat=True)
    )


def _post_referral(client: Client, case: Case, **data: Any) -> Any:
    values = {"made_on": timezone.localdate().isoformat(), **data}
    return client.post(reverse("referral_new", args=[case.reference]), values)


def _high_risk(case: Case, *, high: bool = True) -> RiskAssessment:
    assessment = RiskAssessment(
        case=case,
        completed_on=timezone.localdate(),
        checklist_version="test",
        yes_count=15 if high else 3,
        high_risk_by_count=high,
        marac_decision=MaracDecision.REFER if high else MaracDecision.NOT_REFERRED,
    )
    assessment.answers = {"q1": "yes"}
    assessment.save()
    return assessment


def test_a_referral_that_needs_no_consent_is_recorded_sealed_and_audited() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    note = canary("referral-note")
    response = _post_referral(client, case, to="legal", note=note)
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    assert referral.to == "legal" and referral.status == "made"
    assert referral.created_by == advocate and referral.note == note
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_note FROM casework_referral WHERE id = %s", [referral.pk])
        (stored,) = cursor.fetchone()
    assert note not in stored
    assert "casework.referral.add" in _actions(case)
    page = client.get(response["Location"]).content.decode()
    assert "Referral to Legal advice recorded." in page
    assert note in page and reverse("referral_update", args=[case.reference, referral.uid]) in page


@pytest.mark.parametrize(
    ("to", "purpose_label"),
    [
        ("idva", "Share with an IDVA or ISVA service"),
        ("isva", "Share with an IDVA or ISVA service"),
        ("iopc", "Share with the IOPC"),
        ("marac", "Share with a MARAC (risk conference)"),
    ],
)
def test_a_referral_without_the_consent_it_needs_is_refused_naming_it(
    to: str, purpose_label: str
) -> None:
    advocate, client = _advocate()
    case = make_case(advocate)  # consents: keep a record, contact
    response = _post_referral(client, case, to=to, note="shared the risk assessment")
    body = response.content.decode()
    assert response.status_code == 200
    assert f"The client has not given consent to “{purpose_label}”" in body
    assert Referral.objects.filter(case=case).count() == 0
    assert "casework.referral.add" not in _actions(case)


def test_the_same_referral_goes_ahead_once_consent_is_recorded() -> None:
    advocate, client = _advocate()
    case = make_case(
        advocate, consents=[ConsentPurpose.KEEP_RECORD, ConsentPurpose.SHARE_IDVA_ISVA]
    )
    assert _post_referral(client, case, to="idva").status_code == 302
    assert Referral.objects.get(case=case).to == "idva"


def test_a_withdrawn_consent_does_not_count_and_the_message_says_when() -> None:
    advocate, client = _advocate()
    case = make_case(advocate, consents=[ConsentPurpose.KEEP_RECORD, ConsentPurpose.SHARE_IOPC])
    withdrawn = timezone.localdate()
    case.consents.filter(purpose=ConsentPurpose.SHARE_IOPC).update(withdrawn_on=withdrawn)
    body = _post_referral(client, case, to="iopc").content.decode()
    assert f"withdrew consent to “Share with the IOPC” on {withdrawn:%-d %B %Y}" in body
    assert not Referral.objects.filter(case=case).exists()


def test_marac_without_consent_needs_a_reason_and_a_high_risk_assessment() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    body = _post_referral(client, case, to="marac").content.decode()
    assert "give the safeguarding reason" in body
    _high_risk(case, high=False)
    body = _post_referral(client, case, to="marac", override_reason="He has a firearm.")
    assert "only allowed when the latest risk assessment shows high risk" in body.content.decode()
    assert not Referral.objects.filter(case=case).exists()
    assert "casework.referral.consent_override" not in _actions(case)


def test_marac_at_high_risk_proceeds_without_consent_and_the_override_is_recorded() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    _high_risk(case)
    reason = canary("override-reason")
    response = _post_referral(
        client, case, to="marac", override_reason=reason, note="Told the client by phone."
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=case)
    assert referral.note.startswith(referrals.OVERRIDE_HEADING)
    assert reason in referral.note and "Told the client by phone." in referral.note
    assert reason not in referral.sealed_note
    assert referrals.made_without_consent(referral)
    actions = _actions(case)
    assert "casework.referral.add" in actions and "casework.referral.consent_override" in actions
    done = client.get(response["Location"]).content.decode()
    assert "made without the client&#x27;s consent" in done
    page = client.get(reverse("referral_update", args=[case.reference, referral.uid]))
    assert "without the client&#x27;s consent, on safeguarding grounds" in page.content.decode()


def test_marac_with_consent_is_not_marked_as_an_override() -> None:
    advocate, client = _advocate()
    case = make_case(advocate, consents=[ConsentPurpose.KEEP_RECORD, ConsentPurpose.SHARE_MARAC])
    assert _post_referral(client, case, to="marac", override_reason="x").status_code == 302
    referral = Referral.objects.get(case=case)
    assert not referrals.made_without_consent(referral)
    assert "casework.referral.consent_override" not in _actions(case)


def test_a_safeguarding_reason_is_refused_for_anything_but_marac() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    _high_risk(case)
    body = _post_referral(client, case, to="iopc", override_reason="urgent").content.decode()
    assert "A safeguarding reason is only for a MARAC referral" in body
    assert not Referral.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to": "housing", "made_on": "2999-01-01"}, "cannot be in the future"),
        ({"to": "housing", "made_on": "31/02/2025"}, "Enter a real date"),
        ({"to": "housing", "made_on": ""}, "Enter the date the referral was made"),
        ({"to": "police_station"}, "Select a valid choice"),
        ({}, "Choose who you are referring the client to"),
    ],
)
def test_bad_referral_input_is_explained_and_saves_nothing(
    data: dict[str, str], message: str
) -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    response = client.post(
        reverse("referral_new", args=[case.reference]),
        {"made_on": timezone.localdate().isoformat(), **data},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Referral.objects.filter(case=case).exists()


def test_extra_posted_fields_cannot_set_the_status() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    _post_referral(client, case, to="counselling", status="completed", outcome="invented")
    referral = Referral.objects.get(case=case)
    assert referral.status == "made" and referral.outcome == "" and referral.outcome_on is None


def _update(client: Client, case: Case, referral: Referral, **data: str) -> Any:
    return client.post(
        reverse("referral_update", args=[case.reference, referral.uid]),
        {"outcome_on": timezone.localdate().isoformat(), **data},
    )


def test_outcomes_are_recorded_step_by_step_and_kept() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    _post_referral(
        client, case, to="housing", made_on=(timezone.localdate() - dt.timedelta(days=9))
    )
    referral = Referral.objects.get(case=case)
    accepted = canary("accepted")
    assert _update(client, case, referral, status="accepted", outcome=accepted).status_code == 302
    completed = canary("completed")
    assert _update(client, case, referral, status="completed", outcome=completed).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.outcome_on == timezone.localdate()
    assert "Accepted: " + accepted in referral.outcome
    assert "Support completed: " + completed in referral.outcome
    assert completed not in referral.sealed_outcome
    actions = _actions(case)
    assert "casework.referral.accepted" in actions and "casework.referral.completed" in actions
    # Finished: the page says so and offers no form; a POST changes nothing.
    page = client.get(reverse("referral_update", args=[case.reference, referral.uid]))
    assert "This referral is finished" in page.content.decode()
    assert _update(client, case, referral, status="withdrawn").status_code == 200
    referral.refresh_from_db()
    assert referral.status == "completed"


def test_the_outcome_form_offers_only_the_next_possible_statuses() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    _post_referral(client, case, to="counselling")
    referral = Referral.objects.get(case=case)
    _update(client, case, referral, status="accepted")
    body = client.get(reverse("referral_update", args=[case.reference, referral.uid]))
    text = body.content.decode()
    assert 'value="completed"' in text and 'value="withdrawn"' in text
    assert 'value="declined"' not in text
    response = _update(client, case, referral, status="declined")
    assert "Select a valid choice" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_the_service_refuses_impossible_changes_and_dates() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate)
    today = timezone.localdate()
    referral = referrals.make_referral(None, case, to="legal", made_on=today, by=advocate)
    with pytest.raises(CaseworkError, match="before the referral was made"):
        referrals.record_outcome(
            None,
            case,
            referral,
            status="accepted",
            outcome_on=today - dt.timedelta(days=1),
            by=advocate,
        )
    with pytest.raises(CaseworkError, match="cannot be in the future"):
        referrals.record_outcome(
            None,
            case,
            referral,
            status="accepted",
            outcome_on=today + dt.timedelta(days=1),
            by=advocate,
        )
    referrals.record_outcome(None, case, referral, status="declined", outcome_on=today, by=advocate)
    with pytest.raises(CaseworkError, match="finished"):
        referrals.record_outcome(
            None, case, referral, status="accepted", outcome_on=today, by=advocate
        )
    fresh = Referral.objects.get(pk=referral.pk)
    assert fresh.status == "declined" and fresh.outcome.endswith("Declined")
    other = make_case(advocate)
    with pytest.raises(CaseworkError, match="another case"):
        referrals.record_outcome(
            None, other, fresh, status="accepted", outcome_on=today, by=advocate
        )


def test_a_referral_of_another_case_is_not_found() -> None:
    advocate, client = _advocate()
    mine, theirs = make_case(advocate), make_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    referral = referrals.make_referral(
        None, theirs, to="legal", made_on=timezone.localdate(), by=advocate
    )
    url = reverse("referral_update", args=[mine.reference, referral.uid])
    assert client.get(url).status_code == 404
    assert _update(client, mine, referral, status="accepted").status_code == 404
    referral.refresh_from_db()
    assert referral.status == "made"


@pytest.mark.parametrize("how", ["closed", "restricted"])
def test_read_only_cases_show_referrals_but_refuse_changes(how: str) -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    referral = referrals.make_referral(
        None, case, to="legal", made_on=timezone.localdate(), by=advocate
    )
    if how == "closed":
        Case.objects.filter(pk=case.pk).update(status="closed")
    else:
        Case.objects.filter(pk=case.pk).update(restricted=True)
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert "Legal advice" in page
    assert reverse("referral_new", args=[case.reference]) not in page
    assert reverse("referral_update", args=[case.reference, referral.uid]) not in page
    for url in (
        reverse("referral_new", args=[case.reference]),
        reverse("referral_update", args=[case.reference, referral.uid]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"to": "legal", "status": "accepted"}).status_code == 404
    assert Referral.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    with pytest.raises(CaseworkError):
        referrals.make_referral(None, case, to="legal", made_on=timezone.localdate(), by=advocate)


def test_withdrawing_consent_lists_the_referrals_that_relied_on_it() -> None:
    advocate, client = _advocate()
    case = make_case(advocate, consents=[ConsentPurpose.KEEP_RECORD, ConsentPurpose.SHARE_MARAC])
    referrals.make_referral(None, case, to="marac", made_on=timezone.localdate(), by=advocate)
    referrals.make_referral(None, case, to="legal", made_on=timezone.localdate(), by=advocate)
    consent = case.consents.get(purpose=ConsentPurpose.SHARE_MARAC)
    body = client.get(reverse("consent_withdraw", args=[case.reference, consent.uid]))
    text = body.content.decode()
    assert "Tell each service that the client has withdrawn it" in text
    assert "MARAC (multi-agency risk assessment conference), made" in text
    assert "Legal advice, made" not in text
