"""Equality monitoring in a case: optional answers, checked, audited, read-only when the case
is, part of a subject access request and gone with an erased case."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import equality, sar
from accord.casework.equality_questions import FIELDS, NOT_ASKED, QUESTIONS
from accord.casework.models import Case, EqualityAnswers
from accord.casework.services import CaseworkError
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

ANSWERS = {
    "age_band": "25_34",
    "sex": "female",
    "gender_same_as_birth": "yes",
    "sexual_orientation": "bisexual",
    "ethnicity": "black_caribbean",
    "religion": "prefer_not",
    "disability": "a_little",
    "immigration_status": "",
    "no_recourse": "",
}


def _advocate() -> tuple[User, Client]:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    return advocate, client_for("advocate", {"advocate": advocate})


def _actions(case: Case) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_id=case.reference)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_the_questions_and_the_model_agree() -> None:
    columns = {field.name for field in EqualityAnswers._meta.get_fields()}
    assert set(FIELDS) <= columns
    for question in QUESTIONS:
        field = EqualityAnswers._meta.get_field(question.field)
        assert {value for value, _ in field.choices} == set(question.choices.values)
        assert "prefer_not" in question.choices.values


def test_a_new_case_reads_not_asked_for_every_question() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert 'id="equality"' in page
    assert page.count(NOT_ASKED) >= len(QUESTIONS)
    assert reverse("equality_answers", args=[case.reference]) in page


def test_saving_answers_stores_them_shows_them_and_audits_the_change() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    url = reverse("equality_answers", args=[case.reference])
    form = client.get(url).content.decode()
    assert "Only if the client raises it" in form
    assert "Immigration Enforcement" in form
    response = client.post(url, ANSWERS)
    assert response.status_code == 302
    assert response["Location"].endswith("#equality")
    stored = EqualityAnswers.objects.get(case=case)
    assert {field: getattr(stored, field) for field in FIELDS} == ANSWERS
    assert stored.updated_by == advocate and stored.created_by == advocate
    assert _actions(case)[-2:] == ["casework.equality.update.view", "casework.equality.update"]
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert "Black, Black British, Caribbean or African: Caribbean" in page
    assert "Prefers not to say" in page
    assert "Yes, it limits them a little" in page
    # The form opens on what was saved.
    again = client.get(url).content.decode()
    assert 'value="bisexual" checked' in again
    assert '<option value="black_caribbean" selected>' in again


def test_saving_again_replaces_the_answers_and_a_blank_clears_one() -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    url = reverse("equality_answers", args=[case.reference])
    client.post(url, ANSWERS)
    client.post(url, {**ANSWERS, "ethnicity": "", "immigration_status": "partner_visa"})
    stored = EqualityAnswers.objects.get(case=case)
    assert stored.ethnicity == "" and stored.immigration_status == "partner_visa"
    assert EqualityAnswers.objects.filter(case=case).count() == 1
    assert _actions(case).count("casework.equality.update") == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("ethnicity", "white"), ("sex", "unknown"), ("no_recourse", "maybe")],
)
def test_an_answer_that_is_not_a_choice_saves_nothing(field: str, value: str) -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    url = reverse("equality_answers", args=[case.reference])
    response = client.post(url, {**ANSWERS, field: value})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not EqualityAnswers.objects.filter(case=case).exists()
    assert "casework.equality.update" not in _actions(case)


def test_the_service_refuses_unknown_questions_and_answers_whoever_calls() -> None:
    advocate, _ = _advocate()
    case = make_case(advocate)
    with pytest.raises(CaseworkError, match="is not an answer to the question about ethnic group"):
        equality.record_answers(None, case, {"ethnicity": "white"}, by=advocate)
    with pytest.raises(CaseworkError, match="There is no equality question called 'nationality'"):
        equality.record_answers(None, case, {"nationality": "french"}, by=advocate)
    assert not EqualityAnswers.objects.filter(case=case).exists()


@pytest.mark.parametrize("how", ["closed", "restricted"])
def test_closed_and_restricted_cases_keep_their_answers_unchanged(how: str) -> None:
    advocate, client = _advocate()
    case = make_case(advocate)
    equality.record_answers(None, case, ANSWERS, by=advocate)
    if how == "closed":
        Case.objects.filter(pk=case.pk).update(status="closed")
    else:
        Case.objects.filter(pk=case.pk).update(restricted=True)
    url = reverse("equality_answers", args=[case.reference])
    page = client.get(reverse("case_detail", args=[case.reference])).content.decode()
    assert url not in page
    assert "Black, Black British, Caribbean or African: Caribbean" in page  # still readable
    assert client.get(url).status_code == 404
    assert client.post(url, {**ANSWERS, "sex": "male"}).status_code == 404
    case.refresh_from_db()
    with pytest.raises(CaseworkError):
        equality.record_answers(None, case, {**ANSWERS, "sex": "male"}, by=advocate)
    assert EqualityAnswers.objects.get(case=case).sex == "female"


def test_another_advocates_case_answers_404_and_stays_unchanged() -> None:
    owner, _ = _advocate()
    _, stranger = _advocate()
    case = make_case(owner)
    url = reverse("equality_answers", args=[case.reference])
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, ANSWERS).status_code == 404
    assert not EqualityAnswers.objects.filter(case=case).exists()


def test_a_subject_access_request_includes_the_clients_answers() -> None:
    advocate, _ = _advocate()
    case = make_case(advocate)
    equality.record_answers(None, case, ANSWERS, by=advocate)
    client_party = case.client
    assert client_party is not None
    request = sar.SubjectAccessRequest(case=case, party=client_party)
    items = [item for item in sar.items_for(request) if item.key.startswith("equality:")]
    assert len(items) == 1 and items[0].own
    fields = dict(items[0].fields)
    assert fields["Ethnic group"] == "Black, Black British, Caribbean or African: Caribbean"
    assert fields["Immigration status"] == NOT_ASKED
    assert fields["Religion"] == "Prefers not to say"


def test_erasing_a_case_deletes_its_answers() -> None:
    from accord.casework import erasure
    from accord.casework.models import ErasureRequest
    from tests.security.matrix_casework_rights import pending_erasure, supervisor

    advocate, _ = _advocate()
    case = make_case(advocate)
    equality.record_answers(None, case, ANSWERS, by=advocate)
    pending = pending_erasure(case, supervisor(), ErasureRequest.Grounds.CLIENT_REQUEST)
    erasure.decide(None, pending, approve=True, by=supervisor())
    assert Case.objects.get(pk=case.pk).status == "erased"
    assert not EqualityAnswers.objects.filter(case_id=case.pk).exists()


def test_supervisors_see_how_many_open_cases_have_answers() -> None:
    advocate, advocate_client = _advocate()
    supervisor = person(OrgKind.ADVISORY_SERVICE, Role.SUPERVISOR)
    answered, blank, unasked = make_case(advocate), make_case(advocate), make_case(advocate)
    equality.record_answers(None, answered, {"religion": "prefer_not"}, by=advocate)
    equality.record_answers(None, blank, {}, by=advocate)  # saved with nothing answered
    closed = make_case(advocate)
    equality.record_answers(None, closed, ANSWERS, by=advocate)
    Case.objects.filter(pk=closed.pk).update(status="closed")
    assert unasked.pk

    page = client_for("supervisor", {"supervisor": supervisor}).get(reverse("casework_home"))
    assert "answers are recorded for 1 of 3 open cases (33%)" in page.content.decode()
    assert (
        'id="equality-coverage"'
        not in advocate_client.get(reverse("casework_home")).content.decode()
    )
