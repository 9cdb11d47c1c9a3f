"""Consent, safe contact, the police connection and supervisor reviews."""

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
from accord.casework import people
from accord.casework.models import Case, Consent, Party
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import ConsentPurpose, YesNoUnknown
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import canary, make_case, service_of
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


def _today() -> str:
    return timezone.localdate().isoformat()


def _column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        (stored,) = cursor.fetchone()
    return str(stored)


# --- Consent -------------------------------------------------------------------------------


def test_adding_a_consent_records_purpose_date_and_method_sealed_and_audited() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    note = canary("consent-note")
    agreed = timezone.localdate() - dt.timedelta(days=2)
    response = client.post(
        reverse("consent_new", args=[case.reference]),
        {
            "purpose": "share_iopc",
            "given_on": agreed.isoformat(),
            "method": "written",
            "note": note,
        },
    )
    assert response.status_code == 302
    consent = case.consents.get(purpose="share_iopc")
    assert consent.given_on == agreed and consent.method == "written" and consent.active
    assert consent.created_by == advocate and consent.note == note
    assert note not in _column("casework_consent", "sealed_note", consent.pk)
    assert "casework.consent.add" in _actions(case)
    page = client.get(response["Location"]).content.decode()
    assert "Consent recorded: Share with the IOPC." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"purpose": "contact"}, "already recorded and in force"),
        ({"purpose": "share_marac", "given_on": "2999-01-01"}, "cannot be in the future"),
        ({"purpose": "share_marac", "given_on": "yesterday"}, "Enter a real date"),
        ({"purpose": "everything"}, "Select a valid choice"),
        ({"purpose": "share_marac", "method": ""}, "Choose how the client agreed"),
    ],
)
def test_bad_consent_input_is_explained_and_saves_nothing(
    data: dict[str, str], message: str
) -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    before = Consent.objects.filter(case=case).count()
    response = client.post(
        reverse("consent_new", args=[case.reference]),
        {"given_on": _today(), "method": "verbal", **data},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Consent.objects.filter(case=case).count() == before
    assert "casework.consent.add" not in _actions(case)


def test_withdrawal_explains_what_it_stops_then_records_date_and_who() -> None:
    advocate, client = _advocate()
    case = make_case(advocate, consents=[ConsentPurpose.KEEP_RECORD, ConsentPurpose.SHARE_IOPC])
    consent = case.consents.get(purpose="share_iopc")
    url = reverse("consent_withdraw", args=[case.reference, consent.uid])
    page = client.get(url).content.decode()
    assert "What withdrawing stops" in page
    assert "we cannot make new referrals to it" in page
    how = canary("withdrawal-note")
    response = client.post(url, {"withdrawn_on": _today(), "note": how})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()
    assert consent.withdrawal_recorded_by == advocate
    assert how in consent.note and how not in consent.sealed_note
    assert "casework.consent.withdraw" in _actions(case)
    assert "casework.consent.keep_record_withdrawn" not in _actions(case)
    done = client.get(response["Location"]).content.decode()
    assert "Consent withdrawn: Share with the IOPC." in done
    assert reverse("consent_withdraw", args=[case.reference, consent.uid]) not in done
    # A second withdrawal changes nothing.
    client.post(url, {"withdrawn_on": "2000-01-01"})
    consent.refresh_from_db()
    assert consent.withdrawn_on == timezone.localdate()


def test_withdrawing_consent_to_keep_a_record_warns_to_close_and_consider_erasure() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    consent = case.consents.get(purpose="keep_record")
    url = reverse("consent_withdraw", args=[case.reference, consent.uid])
    assert "a supervisor must consider erasing it" in client.get(url).content.decode()
    response = client.post(url, {"withdrawn_on": _today()})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Close the case now and ask a supervisor to consider erasing it." in page
    assert "casework.consent.keep_record_withdrawn" in _actions(case)


def test_consent_cannot_be_withdrawn_before_it_was_given_or_in_the_future() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    consent = case.consents.get(purpose="contact")
    url = reverse("consent_withdraw", args=[case.reference, consent.uid])
    earlier = (consent.given_on - dt.timedelta(days=1)).isoformat()
    assert "before they gave it" in client.post(url, {"withdrawn_on": earlier}).content.decode()
    assert (
        "cannot be in the future"
        in client.post(url, {"withdrawn_on": "2999-01-01"}).content.decode()
    )
    consent.refresh_from_db()
    assert consent.active and consent.withdrawal_recorded_by is None
    assert "casework.consent.withdraw" not in _actions(case)


def test_a_consent_of_another_case_is_not_found() -> None:
    advocate, client = _advocate()
    mine = make_case(advocate)
    theirs = make_case(person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE))
    consent = theirs.consents.get(purpose="contact")
    url = reverse("consent_withdraw", args=[mine.reference, consent.uid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"withdrawn_on": _today()}).status_code == 404
    consent.refresh_from_db()
    assert consent.active


def test_a_withdrawn_purpose_can_be_agreed_again() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate)
    first = case.consents.get(purpose="contact")
    people.withdraw_consent(None, case, first, withdrawn_on=timezone.localdate(), by=advocate)
    again = people.add_consent(
        None,
        case,
        purpose="contact",
        given_on=timezone.localdate(),
        method="verbal",
        by=advocate,
    )
    assert people.active_consent(case, "contact") == again
    assert case.consents.filter(purpose="contact").count() == 2


# --- Safe contact --------------------------------------------------------------------------


def test_changing_safe_contact_is_sealed_audited_and_shown() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    url = reverse("client_contact", args=[case.reference])
    form_page = client.get(url).content.decode()
    client_party = case.client
    assert client_party is not None
    old_code = client_party.details["contact"]["code_word"]
    assert old_code in form_page  # the form starts from what is recorded
    person_we_trust = canary("trusted-person")
    response = client.post(
        url,
        {
            "method": "trusted_person",
            "trusted_person": person_we_trust,
            "times": "Mornings only",
            "voicemail_safe": "no",
        },
    )
    assert response.status_code == 302
    fresh = Party.objects.get(pk=client_party.pk)
    contact = fresh.details["contact"]
    assert contact["method"] == "trusted_person" and contact["trusted_person"] == person_we_trust
    assert "code_word" not in contact
    assert person_we_trust not in _column("casework_party", "sealed_details", fresh.pk)
    assert "casework.client.contact.update" in _actions(case)
    page = client.get(response["Location"]).content.decode()
    assert person_we_trust in page and "Safe contact details changed." in page


def test_contact_without_the_details_the_method_needs_saves_nothing() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    client_party = case.client
    assert client_party is not None
    before = client_party.sealed_details
    response = client.post(
        reverse("client_contact", args=[case.reference]),
        {"method": "email", "voicemail_safe": "no"},
    )
    assert response.status_code == 200
    assert "Enter an email address, or choose another way" in response.content.decode()
    assert Party.objects.get(pk=client_party.pk).sealed_details == before
    assert "casework.client.contact.update" not in _actions(case)


# --- The police connection ----------------------------------------------------------------


def _police(**overrides: str) -> dict[str, str]:
    return {
        "name": "",
        "officer_status": "former_officer",
        "force": "city",
        "rank_band": "sergeant_inspector",
        "unit": "",
        "local_team_involved": "no",
        "firearms_access": "not_known",
        "duty_status": "not_known",
        "force_answer": "",
        **overrides,
    }


def test_editing_the_police_connection_recomputes_the_conflict_flag() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)  # intake: local team involved = yes
    assert case.conflict_of_interest
    perpetrator = case.parties.get(role="perpetrator")
    url = reverse("perpetrator_edit", args=[case.reference, perpetrator.uid])
    assert "Change" in client.get(reverse("case_detail", args=[case.reference])).content.decode()
    unit = canary("unit-now")
    response = client.post(url, _police(unit=unit, conflict_of_interest="on"))
    assert response.status_code == 302
    perpetrator.refresh_from_db()
    assert perpetrator.force == "city" and perpetrator.officer_status == "former_officer"
    assert perpetrator.rank_band == "sergeant_inspector" and perpetrator.unit == unit
    assert perpetrator.local_team_involved == "no"
    assert perpetrator.name == ""  # cleared: the client no longer wants it recorded
    assert unit not in perpetrator.sealed_unit
    case.refresh_from_db()
    assert not case.conflict_of_interest
    actions = _actions(case)
    assert "casework.perpetrator.update" in actions
    assert "casework.case.conflict_of_interest.clear" in actions
    page = client.get(response["Location"]).content.decode()
    assert "Conflict of interest" not in page and unit in page


def test_adding_a_second_perpetrator_whose_colleagues_may_handle_it_sets_the_flag() -> None:
    advocate, client = _advocate()
    case = make_case(advocate, local_team_involved=YesNoUnknown.NO)
    assert not case.conflict_of_interest
    name = canary("second-perpetrator")
    response = client.post(
        reverse("perpetrator_new", args=[case.reference]),
        _police(name=name, local_team_involved="yes"),
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.conflict_of_interest
    assert case.parties.filter(role="perpetrator").count() == 2
    added = case.parties.filter(role="perpetrator").order_by("-created_at").first()
    assert added is not None and added.name == name and added.created_by == advocate
    actions = _actions(case)
    assert "casework.perpetrator.add" in actions
    assert "casework.case.conflict_of_interest.set" in actions
    assert "Conflict of interest" in client.get(response["Location"]).content.decode()


def test_firearms_duties_and_the_forces_answer_on_vetting_are_kept_sealed_and_shown() -> None:
    """CASEWORK.md: access to police systems and to firearms adds risk; the advocate tracks
    the vetting and firearms questions asked and answered."""
    advocate, client = _advocate()
    case = make_case(advocate)
    perpetrator = case.parties.get(role="perpetrator")
    detail = reverse("case_detail", args=[case.reference])
    page = client.get(detail).content.decode()
    assert "It is not known whether they can get a firearm." in page  # nothing recorded yet
    answer = canary("psd-answer")
    url = reverse("perpetrator_edit", args=[case.reference, perpetrator.uid])
    response = client.post(
        url,
        _police(firearms_access="yes", duty_status="restricted", force_answer=answer),
    )
    assert response.status_code == 302
    fresh = Party.objects.get(pk=perpetrator.pk)
    fresh.case = case
    assert fresh.details["police"] == {
        "firearms_access": "yes",
        "duty_status": "restricted",
        "force_answer": answer,
    }
    assert answer not in fresh.sealed_details and "restricted" not in fresh.sealed_details
    page = client.get(detail).content.decode()
    assert "They can get a firearm." in page and answer in page
    assert "Restricted duties (for example, no access to police systems)" in page
    # The form shows what was saved, to change it later.
    form = client.get(url).content.decode()
    assert answer in form and 'value="restricted" checked' in form.replace("\n", " ")
    client.post(url, _police(firearms_access="no", duty_status="suspended"))
    assert "can get a firearm" not in client.get(detail).content.decode()


def test_an_unchanged_flag_writes_no_flag_event() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate)
    perpetrator = case.parties.get(role="perpetrator")
    people.save_police_connection(
        None, case, perpetrator, **_police(local_team_involved="yes"), by=advocate
    )
    assert case.conflict_of_interest
    assert not any("conflict_of_interest" in a for a in _actions(case))


def test_bad_police_connection_input_saves_nothing() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    perpetrator = case.parties.get(role="perpetrator")
    url = reverse("perpetrator_edit", args=[case.reference, perpetrator.uid])
    response = client.post(url, _police(force="mi5", local_team_involved=""))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    fresh = Party.objects.get(pk=perpetrator.pk)
    assert fresh.force == "met" and fresh.local_team_involved == "yes"
    assert "casework.perpetrator.update" not in _actions(case)


def test_the_client_cannot_be_edited_as_a_perpetrator() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    client_party = case.client
    assert client_party is not None
    url = reverse("perpetrator_edit", args=[case.reference, client_party.uid])
    assert client.get(url).status_code == 404
    assert client.post(url, _police()).status_code == 404
    with pytest.raises(CaseworkError, match="not an alleged perpetrator"):
        people.save_police_connection(None, case, client_party, **_police(), by=advocate)


# --- Supervisor reviews ------------------------------------------------------------------


def test_a_supervisor_records_a_review_and_sets_the_next_date() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR, display_name="Sam Supervisor")
    case = make_case(advocate)
    client = client_for("supervisor", {"supervisor": supervisor})
    url = reverse("supervisor_review", args=[case.reference])
    assert "No review has been recorded yet." in client.get(url).content.decode()
    next_on = timezone.localdate() + dt.timedelta(days=14)
    response = client.post(url, {"next_review_on": next_on.isoformat()})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.next_review_on == next_on
    review = AuditEvent.objects.get(action="casework.case.review", object_id=case.reference)
    assert review.actor_id == str(supervisor.pk)
    assert "by Sam Supervisor" in client.get(url).content.decode()
    advocate_page = client_for("advocate", {"advocate": advocate}).get(
        reverse("case_detail", args=[case.reference])
    )
    assert f"{next_on:%-d %B %Y}" in advocate_page.content.decode()


def test_advocates_see_the_review_date_but_cannot_change_it() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    url = reverse("supervisor_review", args=[case.reference])
    later = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    assert client.get(url).status_code == 404
    assert client.post(url, {"next_review_on": later}).status_code == 404
    case.refresh_from_db()
    assert case.next_review_on is None
    with pytest.raises(CaseworkError, match="Only a supervisor"):
        people.record_review(
            None, case, next_review_on=timezone.localdate() + dt.timedelta(days=3), by=advocate
        )
    assert "casework.case.review" not in _actions(case)


@pytest.mark.parametrize(
    ("days", "message"),
    [(0, "must be after today"), (-3, "must be after today"), (400, "within the next 12 months")],
)
def test_a_review_date_today_past_or_too_far_ahead_is_refused(days: int, message: str) -> None:
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    case = make_case(None, organisation=service_of(supervisor))
    client = client_for("supervisor", {"supervisor": supervisor})
    when = (timezone.localdate() + dt.timedelta(days=days)).isoformat()
    response = client.post(
        reverse("supervisor_review", args=[case.reference]), {"next_review_on": when}
    )
    assert response.status_code == 200 and message in response.content.decode()
    case.refresh_from_db()
    assert case.next_review_on is None
    assert "casework.case.review" not in _actions(case)


# --- Read-only cases -----------------------------------------------------------------------


def _write_urls(case: Case) -> list[tuple[str, dict[str, Any]]]:
    consent = case.consents.get(purpose="contact")
    perpetrator = case.parties.get(role="perpetrator")
    today = _today()
    return [
        (reverse("consent_new", args=[case.reference]), {"purpose": "share_iopc"}),
        (
            reverse("consent_withdraw", args=[case.reference, consent.uid]),
            {"withdrawn_on": today},
        ),
        (reverse("client_contact", args=[case.reference]), {"method": "text", "phone": "1"}),
        (reverse("perpetrator_new", args=[case.reference]), _police()),
        (reverse("perpetrator_edit", args=[case.reference, perpetrator.uid]), _police()),
        (reverse("supervisor_review", args=[case.reference]), {"next_review_on": today}),
    ]


@pytest.mark.parametrize("how", ["closed", "restricted"])
def test_closed_and_restricted_cases_are_read_only(how: str) -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    case = make_case(advocate)
    if how == "closed":
        Case.objects.filter(pk=case.pk).update(status="closed")
    else:
        Case.objects.filter(pk=case.pk).update(restricted=True)
    before = {
        "consents": list(Consent.objects.filter(case=case).values()),
        "parties": list(Party.objects.filter(case=case).values()),
        "case": Case.objects.filter(pk=case.pk).values().get(),
    }
    for name, user in (("advocate", advocate), ("supervisor", supervisor)):
        client = client_for(name, {name: user})
        page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
        for url, data in _write_urls(case):
            assert url not in page
            assert client.get(url).status_code == 404, url
            assert client.post(url, data).status_code == 404, url
    after = {
        "consents": list(Consent.objects.filter(case=case).values()),
        "parties": list(Party.objects.filter(case=case).values()),
        "case": Case.objects.filter(pk=case.pk).values().get(),
    }
    assert after == before
    case.refresh_from_db()
    with pytest.raises(CaseworkError):
        people.add_consent(
            None,
            case,
            purpose="share_iopc",
            given_on=timezone.localdate(),
            method="verbal",
            by=advocate,
        )


def test_an_open_case_offers_every_change_link_to_its_advocate() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    for url, _ in _write_urls(case)[:-1]:  # the review is a supervisor's
        assert url in page, url
