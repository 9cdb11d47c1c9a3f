"""Finding every case that names a person, for a subject access request (UK GDPR Art. 15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.audit.services import verify
from accord.casework import keys, name_index, person_search
from accord.casework.models import Case, CaseKey, NameToken, Party
from accord.casework.people import save_police_connection
from accord.casework.person_search import find_person, words_of
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import Status
from accord.crypto.keyring import Keyring
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
    # Only the cases the person index points at are opened, and each is audited: the case of
    # "Bea Smith" is not read, nor erased cases or other services' cases.
    assert searched == {as_client.reference, as_perpetrator.reference}
    assert elsewhere.reference not in searched
    assert not AuditEvent.objects.filter(object_id__icontains="okafor").exists()


def _opened(after: int = 0) -> set[str]:
    """The cases the person searches opened (audit events after event ``after``)."""
    rows = AuditEvent.objects.filter(action="casework.person_search", pk__gt=after)
    return set(rows.values_list("object_id", flat=True))


def _last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_false_candidates_from_shared_buckets_are_opened_audited_and_not_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With one bit per word every name shares buckets: the index only narrows the search,
    the decrypted names decide (and every case opened to decide is audited)."""
    monkeypatch.setattr(name_index, "BITS", 1)
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    wanted = make_case(advocate, client_name="Ada Okafor")
    others = [make_case(advocate, client_name=f"Bea Smith{n}") for n in range(6)]

    found = find_person(None, service_of(boss), "Ada Okafor", by=boss)

    assert [f.case.reference for f in found] == [wanted.reference]
    opened = _opened()
    assert wanted.reference in opened
    assert len(opened) > 1, "some names share both buckets and had to be opened to compare"
    assert opened <= {wanted.reference, *(case.reference for case in others)}


def test_the_index_holds_bucket_numbers_only_and_differs_between_services() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate, client_name="Ada Okafor", perpetrator_name="")
    client = case.parties.get(role=Party.Role.CLIENT)
    rows = list(NameToken.objects.filter(party=client).values_list("bucket", flat=True))
    assert 1 <= len(rows) <= 2 and all(0 <= row < 2**name_index.BITS for row in rows)
    assert client.name_indexed_under == keys.master_keyring().primary_id
    master = keys.master_keyring().keys[0][1]
    words = {"ada", "okafor"}
    here = name_index.buckets(words, master_key=master, organisation_id=case.organisation_id)
    assert set(rows) == here
    # Another service's buckets for the same words come from another key.
    many = [name_index.buckets(words, master_key=master, organisation_id=org) for org in range(50)]
    assert len({frozenset(b) for b in many}) > 40


def test_a_changed_name_is_found_by_the_new_name_only() -> None:
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate, perpetrator_name="Carl Jones")
    party = case.parties.get(role=Party.Role.PERPETRATOR)
    save_police_connection(
        None,
        case,
        party,
        name="Darren Quayle",
        force=party.force,
        officer_status=party.officer_status,
        rank_band=party.rank_band,
        unit="",
        local_team_involved=party.local_team_involved,
        by=advocate,
    )
    service = service_of(boss)
    assert [f.name for f in find_person(None, service, "Darren Quayle", by=boss)] == [
        "Darren Quayle"
    ]
    mark = _last_event()
    assert find_person(None, service, "Carl Jones", by=boss) == []
    assert case.reference not in _opened(mark), "the old name's buckets are gone"


def test_saving_other_fields_leaves_the_index_alone() -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate, client_name="Ada Okafor")
    client = case.parties.get(role=Party.Role.CLIENT)
    before = sorted(NameToken.objects.filter(party=client).values_list("pk", flat=True))
    client.role = Party.Role.OTHER
    client.save(update_fields=["role"])
    after = sorted(NameToken.objects.filter(party=client).values_list("pk", flat=True))
    assert before == after


def test_people_not_indexed_are_still_found_and_rewrap_indexes_them(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A search never misses someone because the index is behind (rows from before the index,
    or indexed under a master key since retired): it opens those cases as it used to."""
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    behind = make_case(advocate, client_name="Ada Okafor")
    unrelated = make_case(advocate, client_name="Bea Smith")
    Party.objects.filter(case__in=[behind, unrelated]).update(name_indexed_under="")
    NameToken.objects.all().delete()
    service = service_of(boss)

    assert [f.case for f in find_person(None, service, "Ada Okafor", by=boss)] == [behind]
    assert _opened() == {behind.reference, unrelated.reference}

    call_command("casework", "keys", "check")
    assert "4 people are not in the person index" in capsys.readouterr().out
    call_command("casework", "keys", "rewrap")
    assert "People's names indexed again: 4." in capsys.readouterr().out
    assert not name_index.stale().exists()

    mark = _last_event()
    assert [f.case for f in find_person(None, service, "Ada Okafor", by=boss)] == [behind]
    assert _opened(mark) == {behind.reference}


def test_a_new_master_key_keeps_everyone_findable_before_and_after_rewrap(settings: Any) -> None:
    old, new = Keyring.generate_key_spec("old"), Keyring.generate_key_spec("new")
    settings.ACCORD_CASE_KEYS = old
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate, client_name="Ada Okafor")
    service = service_of(boss)

    settings.ACCORD_CASE_KEYS = f"{new},{old}"  # a new primary: tokens are still under "old"
    assert [f.case for f in find_person(None, service, "Ada Okafor", by=boss)] == [case]
    later = make_case(advocate, client_name="Ada Okafor")  # indexed under "new" at once
    assert {f.case for f in find_person(None, service, "Ada Okafor", by=boss)} == {case, later}

    call_command("casework", "keys", "rewrap")
    assert set(Party.objects.values_list("name_indexed_under", flat=True)) == {"new"}
    settings.ACCORD_CASE_KEYS = new  # the old key is gone
    mark = _last_event()
    assert {f.case for f in find_person(None, service, "Ada Okafor", by=boss)} == {case, later}
    assert _opened(mark) == {case.reference, later.reference}


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


@pytest.mark.parametrize("held", [["k1"], ["new", "old"], ["a", "m", "z"], ["z", "b", "b"]])
def test_parties_outside_the_keys_held_are_found_by_ranges(held: list[str]) -> None:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    case = make_case(advocate, client_name="Ada Okafor", perpetrator_name="")
    client = case.parties.get(role=Party.Role.CLIENT)
    values = ["", "a", "b", "k0", "k1", "k2", "m", "new", "newer", "o", "old", "z", "zz"]
    for value in values:
        Party.objects.filter(pk=client.pk).update(name_indexed_under=value)
        outside = Party.objects.filter(name_index._outside(held), pk=client.pk).exists()
        assert outside is (value not in held), value


def test_many_candidates_are_opened_in_chunks_in_the_order_cases_were_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(person_search, "CHUNK", 2)
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    cases = [make_case(advocate, client_name="Ada Okafor") for _ in range(5)]
    mark = _last_event()

    found = find_person(None, service_of(boss), "Ada Okafor", by=boss)

    assert [f.case.pk for f in found] == [case.pk for case in cases]
    events = AuditEvent.objects.filter(action="casework.person_search", pk__gt=mark)
    assert sorted(events.values_list("object_id", flat=True)) == sorted(c.reference for c in cases)
    assert verify() is None


def test_a_case_that_cannot_be_opened_stops_the_search_and_the_others_are_audited() -> None:
    boss = supervisor()
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    first, broken = (make_case(advocate, client_name="Ada Okafor") for _ in range(2))
    CaseKey.objects.filter(case=broken).delete()  # a restore that lost the key table
    mark = _last_event()
    with pytest.raises(keys.CaseKeyMissing):
        find_person(None, service_of(boss), "Ada Okafor", by=boss)
    assert first.reference in _opened(mark)
