"""Finding every case that names a person, for a subject access request.

Why: a request for "everything you hold about me" comes from a person, not a case. The
client of one case may be named in another (as someone else's contact, or a witness); an
officer asking about himself may be the alleged perpetrator in several. A supervisor must
find them all before answering (UK GDPR Art. 15), and only a supervisor may: they already
see every case of their service.

Names are sealed with each case's own key, so there is no index to ask: every case of the
service is opened and its people's names compared. Each case opened this way is audited
(``casework.person_search``), the name searched for is not written anywhere, and the
search is sent by POST so that it never sits in an address or a log line (SECURITY.md
DP-3). Erased cases hold no names and are skipped.

Matching is forgiving in the ways names vary and strict otherwise: letters are compared
without case or accents, and every word typed must be one of the words of the recorded
name, in any order ("Okafor Ada" finds "Ada N. Okafor"); a part-word does not match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from accord.casework.access import audit
from accord.casework.models import Case, Party
from accord.casework.services import CaseworkError
from accord.casework.vocabularies import Status

#: Shorter searches would list half the service.
MIN_LETTERS = 3
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Found:
    case: Case
    party: Party
    name: str


def words_of(name: str) -> frozenset[str]:
    """The words of a name, without case or accents: "Zoë  O'Neil" -> {"zoe", "o", "neil"}."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return frozenset(_WORD.findall(plain))


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
    cases = (
        Case.objects.filter(organisation=organisation, erased_at__isnull=True)
        .exclude(status=Status.ERASED)
        .order_by("created_at")
        .prefetch_related("parties")
    )
    for case in cases:
        for party in case.parties.all():
            party.case = case  # open the names with the key the case already holds
            recorded = party.name
            if recorded and wanted <= words_of(recorded):
                found.append(Found(case, party, recorded))
        audit(request, "person_search", case, actor=by)
    return found
