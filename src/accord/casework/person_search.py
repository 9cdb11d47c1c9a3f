"""Finding every case that names a person, for a subject access request.

Why: a request for "everything you hold about me" comes from a person, not a case. The
client of one case may be named in another (as someone else's contact, or a witness); an
officer asking about himself may be the alleged perpetrator in several. A supervisor must
find them all before answering (UK GDPR Art. 15), and only a supervisor may: they already
see every case of their service.

Names are sealed with each case's own key. A blind index of their words (``name_index``)
narrows the search to the cases that may name the person; only those are opened and their
people's names compared. Each case opened this way is audited (``casework.person_search``),
whether or not it turns out to name the person; the name searched for is not written
anywhere, and the search is sent by POST so that it never sits in an address or a log line
(SECURITY.md DP-3). Erased cases hold no names and are skipped.

Matching is forgiving in the ways names vary and strict otherwise: letters are compared
without case or accents, and every word typed must be one of the words of the recorded
name, in any order ("Okafor Ada" finds "Ada N. Okafor"); a part-word does not match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from accord.casework import keys
from accord.casework.access import audit_many
from accord.casework.models import Case, Party
from accord.casework.name_index import candidate_cases, words_of
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import Status

#: Shorter searches would list half the service.
MIN_LETTERS = 3
#: Cases opened per query (and per audit append): SQLite takes at most 32,766 parameters.
CHUNK = 500


@dataclass(frozen=True)
class Found:
    case: Case
    party: Party
    name: str


def find_person(
    request: HttpRequest | None, organisation: Any, name: str, *, by: Any
) -> list[Found]:
    """Every person in the service's cases whose recorded name has all the words of ``name``.

    Raises:
        CaseworkError: the search is too short to be specific.
    """
    wanted = words_of(name)
    if sum(len(word) for word in wanted) < MIN_LETTERS:
        raise CaseworkError(
            f"Enter the person's name, at least {MIN_LETTERS} letters, as they gave it."
        )
    found: list[Found] = []
    if organisation is None:  # someone with no service has no cases to search
        return found
    candidates = sorted(candidate_cases(organisation.pk, wanted))
    for start in range(0, len(candidates), CHUNK):
        cases = list(
            Case.objects.filter(
                organisation=organisation,
                erased_at__isnull=True,
                pk__in=candidates[start : start + CHUNK],
            )
            .exclude(status=Status.ERASED)
            .order_by("created_at", "pk")
            .prefetch_related("parties")
        )
        keys.load_keyrings(cases)
        opened: list[Case] = []
        try:
            for case in cases:
                opened.append(case)
                for party in case.parties.all():
                    party.case = case  # open the names with the key the case already holds
                    recorded = party.name
                    if recorded and wanted <= words_of(recorded):
                        found.append(Found(case, party, recorded))
        finally:  # every case opened is audited, even if a later one fails to open
            audit_many(request, "person_search", opened, actor=by)
    found.sort(key=lambda hit: (hit.case.created_at, hit.case.pk))
    return found
