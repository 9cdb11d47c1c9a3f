"""A blind index of the words of people's names, so a person search opens few cases.

Why: a subject access request starts from a name (``person_search``), and names are
sealed with each case's own key. Without an index every case of the service must be
opened, its key unwrapped, its names decrypted and the opening audited: at 100,000 cases
that is minutes of work and 100,000 audit events for one search. With it, only the cases
that may name the person are opened.

How: each word of a name (as ``words_of`` reads it) is keyed with HMAC-SHA-256 under a key
derived from the master case key and the service, and only the first ``BITS`` bits are
kept: a *bucket* number. A party's row in ``NameToken`` holds one bucket per distinct word.
A search computes the buckets of the words typed and asks for the parties that hold every
one of them; those candidates' names are then decrypted and compared exactly, as before.

Why so few bits: the index is stored beside the ciphertext, so it must say as little as
possible to someone holding a copy of the database without the keys. With 1,024 buckets
many different words share each bucket, so two parties sharing a bucket are weak evidence
of a shared name, and the bucket numbers cannot be checked against a list of names without
the master key. The price is false candidates: a one-word search at 100,000 cases opens a
few hundred cases whose names only share the bucket (they are decrypted, compared, not
shown, and audited like any other case opened). ``bench/person_search_bench.py`` measures it.

Keys: buckets are made under the primary master key (``ACCORD_CASE_KEYS``) and each party
records which key (``Party.name_indexed_under``). A party indexed under no key the service
still holds (never indexed, or indexed before a master key was retired) is simply opened
by every search, as before the index existed, until ``accord casework keys rewrap`` indexes
it again. So a search can never miss a person because the index is behind.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from accord.casework import keys
from accord.casework.models import NameToken, Party
from accord.crypto.keyring import DecryptionError

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words_of(name: str) -> frozenset[str]:
    """The words of a name, without case or accents: "Zoë  O'Neil" -> {"zoe", "o", "neil"}."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return frozenset(_WORD.findall(plain))


#: Bits of each word's HMAC kept: 1,024 buckets (see the module docstring for the trade-off).
BITS = 10
_INFO = b"accord.casework.name_index.v1:"


@functools.lru_cache(maxsize=64)
def _index_key(master_key: bytes, organisation_id: int) -> bytes:
    """A key for one service's buckets, separate from the key's other uses (HKDF)."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_INFO + str(organisation_id).encode(),
    ).derive(master_key)


def buckets(words: Iterable[str], *, master_key: bytes, organisation_id: int) -> set[int]:
    """The bucket numbers of ``words`` for one service under one master key."""
    key = _index_key(master_key, organisation_id)
    found: set[int] = set()
    for word in words:
        digest = hmac.new(key, word.encode(), hashlib.sha256).digest()
        found.add(int.from_bytes(digest[:4], "big") >> (32 - BITS))
    return found


def _primary() -> tuple[str, bytes]:
    return keys.master_keyring().keys[0]


def prepare(party: Party) -> list[int]:
    """Mark ``party`` as indexed under the primary master key and give its buckets (the
    caller saves the party, then :func:`store` keeps the buckets)."""
    key_id, key = _primary()
    party.name_indexed_under = key_id
    words = words_of(party.name) if party.sealed_name else frozenset()
    return sorted(buckets(words, master_key=key, organisation_id=party.case.organisation_id))


def tokens(party: Party, numbers: Sequence[int]) -> list[NameToken]:
    """The index rows of a saved party (for bulk loads: ``NameToken.objects.bulk_create``)."""
    return [NameToken(case_id=party.case_id, party=party, bucket=number) for number in numbers]


def _replace(ready: Sequence[tuple[Party, Sequence[int]]]) -> None:
    """Replace the buckets of saved parties (in the caller's transaction)."""
    NameToken.objects.filter(party__in=[party for party, _ in ready]).delete()
    NameToken.objects.bulk_create(
        [token for party, numbers in ready for token in tokens(party, numbers)],
        batch_size=1000,
    )


def store(party: Party, numbers: Sequence[int]) -> None:
    """Replace the party's buckets (the party row exists)."""
    with transaction.atomic():
        _replace([(party, numbers)])


def _write(ready: Sequence[tuple[Party, Sequence[int]]]) -> int:
    """Replace the buckets of saved parties and record the key they were made under."""
    with transaction.atomic():
        _replace(ready)
        Party.objects.bulk_update([party for party, _ in ready], ["name_indexed_under"])
    return len(ready)


#: Cases re-indexed per transaction by :func:`reindex_stale`.
CHUNK = 500


def reindex_stale() -> tuple[int, list[str]]:
    """Index every party not indexed under the primary master key, ``CHUNK`` cases at a time.

    The chunk's parties are locked while their names are read and their buckets written, so
    a name changed meanwhile is not overwritten by the old one. Returns how many were indexed
    and the cases that could not be opened (their parties stay findable: a search opens every
    party not indexed under a key held now).
    """
    indexed = 0
    failures: list[str] = []
    case_ids = list(stale().values_list("case_id", flat=True).distinct().order_by("case_id"))
    for start in range(0, len(case_ids), CHUNK):
        with transaction.atomic():
            rows = (
                stale()
                .filter(case_id__in=case_ids[start : start + CHUNK])
                .select_for_update(of=("self",))
                .select_related("case")
                .order_by("case_id", "pk")
            )
            by_case: dict[int, list[Party]] = {}
            for party in rows:
                by_case.setdefault(party.case_id, []).append(party)
            keys.load_keyrings([parties[0].case for parties in by_case.values()])
            ready: list[tuple[Party, Sequence[int]]] = []
            for parties in by_case.values():
                case = parties[0].case
                try:
                    for party in parties:
                        party.case = case  # one key unwrap per case
                    opened = [(party, prepare(party)) for party in parties]
                except DecryptionError as error:
                    failures.append(f"{case.reference}: {error}")
                else:
                    ready.extend(opened)
            indexed += _write(ready)
    return indexed, failures


def _outside(key_ids: Sequence[str]) -> Q:
    """``name_indexed_under`` is none of ``key_ids``, written as ranges between them so that
    the database answers from its index on that column (``NOT IN`` would read every party).

    The ranges follow Python's order. A database collation that sorts the ids differently
    can only make a held id fall inside a range too (its cases are opened needlessly), never
    leave a value that is not held outside every range: the steps between the sorted ids
    still cross every value between the first and the last.
    """
    ordered = sorted(set(key_ids))
    ranges = Q(name_indexed_under__lt=ordered[0]) | Q(name_indexed_under__gt=ordered[-1])
    for low, high in itertools.pairwise(ordered):
        ranges |= Q(name_indexed_under__gt=low, name_indexed_under__lt=high)
    return ranges


def candidate_cases(organisation_id: int, words: frozenset[str]) -> set[int]:
    """Cases that may name someone called ``words`` (the caller keeps the service's own):
    those with a party whose buckets include every bucket of the words, under any master key
    held now, and the service's cases with a party not indexed under a key held now (so
    nothing is missed while the index is behind). Index lookups, not a pass over every
    party."""
    ring = keys.master_keyring()
    found = set(
        Party.objects.filter(
            _outside([key_id for key_id, _ in ring.keys]), case__organisation_id=organisation_id
        ).values_list("case_id", flat=True)
    )
    # Answered from the index alone (bucket, party, case): buckets made for another service
    # or under another key can only add candidates, which the caller's own filter on the
    # service and the comparison of the decrypted names then drop.
    for _key_id, key in ring.keys:
        wanted = buckets(words, master_key=key, organisation_id=organisation_id)
        holders = (
            NameToken.objects.filter(bucket__in=wanted)
            .values("party_id", "case_id")
            .annotate(held=Count("bucket", distinct=True))
            .filter(held=len(wanted))
            .values_list("case_id", flat=True)
        )
        found.update(holders)
    return found


def stale() -> QuerySet[Party]:
    """Parties not indexed under the primary master key (from the column's index)."""
    return Party.objects.filter(_outside([_primary()[0]]))
