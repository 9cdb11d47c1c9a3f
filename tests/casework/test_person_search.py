"""Finding every case that names a person, for a subject access request (UK GDPR Art. 15)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.casework.models import Case, Party
from accord.casework.person_search import find_person, words_of
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import Status
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case, service_of
from tests.factories import OrganisationFactory, person
from tests.security.matrix_casework_rights import supervisor
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

URL = "/casework/access-requests/find/"


def test_names_match_without_case_accents_or_word_order() -> None:
    assert words_of("Zoë  O'Neil") == {"zoe", "o", "neil"}
    assert words_of("Okafor Ada") <= words_of("Ada N. OKAFOR")
    assert not words_of("Oka") <= words_of("Ada Okafor")  # a part-word is not a match


def test_a_supervisor_finds_the_person_in_every_case_of_the_service() -> None:
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    as_client = make_case(advocate, client_name="Ada Okafor")
    as_perpetrator = make_case(advocate, perpetrator_name="ADA N. OKAFOR")
    elsewhere = make_case(advocate, client_name="Bea Smith")
    erased = make_case(advocate, client_name="Ada Okafor")
    Case.objects.filter(pk=erased.pk).update(status=Status.ERASED)
    other_service = OrganisationFactory(kind=OrgKind.ADVISORY_SERVICE.value, name="Elsewhere")
    make_case(None, organisation=other_service, client_name="Ada Okafor")

    found = find_person(None, service_of(boss), "okafor ada", by=boss)

    assert {(f.case.reference, f.party.role) for f in found} == {
        (as_client.reference, Party.Role.CLIENT),
        (as_perpetrator.reference, Party.Role.PERPETRATOR),
    }
    searched = set(
        AuditEvent.objects.filter(action="casework.person_search").values_list(
            "object_id", flat=True
        )
    )
    # Every case whose names were opened is audited; erased and other services' are not read.
    assert searched == {as_client.reference, as_perpetrator.reference, elsewhere.reference}
    assert not AuditEvent.objects.filter(object_id__icontains="okafor").exists()


def test_a_search_too_short_to_be_specific_is_refused() -> None:
    boss = supervisor()
    with pytest.raises(CaseworkError, match="at least 3 letters"):
        find_person(None, service_of(boss), " a. ", by=boss)
    assert not AuditEvent.objects.filter(action="casework.person_search").exists()


def test_the_page_searches_by_post_and_links_to_recording_the_request() -> None:
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate, client_name="Ada Okafor")
    client = client_for("supervisor", {"supervisor": boss})
    assert URL in client.get(reverse("casework_home")).content.decode()
    assert "Find the cases about a person" in client.get(URL).content.decode()

    page = client.post(URL, {"name": "Ada Okafor"}).content.decode()
    assert "1 person found" in page
    party = case.parties.get(role=Party.Role.CLIENT)
    link = f"{reverse('rights_sar_new', args=[case.reference])}?party={party.uid}"
    assert link in page
    form = client.get(link).content.decode()
    assert f'value="{party.uid}" checked' in form.replace("\n", " ")

    none = client.post(URL, {"name": "Nobody Atall"}).content.decode()
    assert "No one found" in none
    short = client.post(URL, {"name": "Al"}).content.decode()
    assert "at least 3 letters" in short


def test_advocates_cannot_search_across_cases() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    make_case(advocate, client_name="Ada Okafor")
    client = client_for("advocate", {"advocate": advocate})
    assert client.post(URL, {"name": "Ada Okafor"}).status_code == 404
    assert not AuditEvent.objects.filter(action="casework.person_search").exists()
