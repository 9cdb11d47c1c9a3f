"""Each case's own data key, wrapped by master keys held outside the database.

Why a key per case: erasing a case must make every copy of its data unreadable, including
copies in backups and database dumps we can no longer reach. Destroying the one wrapped key
does that (crypto-shredding). Why master keys outside the database: a stolen dump holds only
wrapped keys and ciphertext. Master keys rotate by re-wrapping (cheap); a case's data key
rotates by re-encrypting that case (``accord casework keys rotate``).

Nothing here ever returns ciphertext as if it were plaintext: a missing, wrong or destroyed
key raises.
"""

from __future__ import annotations

import base64
import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from accord.crypto.keyring import DecryptionError, Keyring, KeyringError

if TYPE_CHECKING:
    from accord.casework.models import Case, CaseKey


class CaseKeyMissing(DecryptionError):
    """The case's key is gone: the case was erased, or the key table was not restored."""


_lock = threading.Lock()
_master: tuple[str, Keyring] | None = None


def master_keyring() -> Keyring:
    """The keyring that wraps case keys, from ACCORD_CASE_KEYS (re-read when it changes)."""
    global _master
    from django.conf import settings

    spec = str(getattr(settings, "ACCORD_CASE_KEYS", ""))
    with _lock:
        if _master is None or _master[0] != spec:
            if not spec:
                raise KeyringError("ACCORD_CASE_KEYS is not set: casework cannot open cases.")
            _master = (spec, Keyring.parse(spec))
        return _master[1]


def _wrap_context(case_uid: str) -> bytes:
    return f"case-key:{case_uid}".encode()


def new_wrapped_key(case_uid: str) -> tuple[str, bytes]:
    """A fresh 256-bit data key for a case: (wrapped token to store, raw key to use now)."""
    raw = os.urandom(32)
    return master_keyring().encrypt(raw, _wrap_context(case_uid)), raw


def unwrap(case_uid: str, wrapped: str) -> bytes:
    return master_keyring().decrypt(wrapped, _wrap_context(case_uid))


def rewrap(case_uid: str, wrapped: str) -> str:
    """The same data key, wrapped by the current primary master key."""
    return master_keyring().encrypt(unwrap(case_uid, wrapped), _wrap_context(case_uid))


# Within one request, every record of a case shares one unwrapped keyring: each child row
# loads its own Case instance, and without this a case page would fetch and unwrap the same
# key once per row. The scope ends with the request, so nothing outlives it.
_scope: ContextVar[dict[int, Keyring] | None] = ContextVar("accord_case_keyrings", default=None)


@contextmanager
def keyring_scope() -> Iterator[None]:
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def data_keyring(case: Case) -> Keyring:
    """The keyring of one case's data keys (current first), unwrapped once per instance
    (and once per request inside :func:`keyring_scope`)."""
    cached = _cached(case)
    if cached is not None:
        return cached
    from accord.casework.models import CaseKey

    rows = list(CaseKey.objects.filter(case_id=case.pk).order_by("-generation"))
    if not rows:
        raise CaseKeyMissing(
            f"Case {case.reference} has no key: it was erased, or its keys were not restored."
        )
    return _hold(case, rows)


def _cached(case: Case) -> Keyring | None:
    """The case's keyring if this instance, or this request, has already unwrapped it."""
    cached: Keyring | None = getattr(case, "_data_keyring", None)
    if cached is not None:
        return cached
    scoped = _scope.get()
    if scoped is not None and case.pk in scoped:
        case._data_keyring = scoped[case.pk]  # type: ignore[attr-defined]
        return scoped[case.pk]
    return None


def _hold(case: Case, rows: Sequence[CaseKey]) -> Keyring:
    """Unwrap a case's key rows (newest generation first) and keep the keyring with it."""
    keyring = Keyring(
        tuple((f"g{row.generation}", unwrap(str(case.uid), row.wrapped)) for row in rows)
    )
    case._data_keyring = keyring  # type: ignore[attr-defined]
    scoped = _scope.get()
    if scoped is not None:
        scoped[case.pk] = keyring
    return keyring


def load_keyrings(cases: Sequence[Case]) -> None:
    """Unwrap the data keys of many cases with one query instead of one per case (a person
    search may open hundreds). A case with no key, or one that does not unwrap, is left
    alone: opening it raises, as :func:`data_keyring` does."""
    from accord.casework.models import CaseKey

    waiting = {case.pk: case for case in cases if _cached(case) is None}
    grouped: dict[int, list[CaseKey]] = {}
    rows = CaseKey.objects.filter(case_id__in=list(waiting)).order_by("case_id", "-generation")
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    for case_id, case_rows in grouped.items():
        # A key that does not unwrap is left for data_keyring to raise when the case is
        # opened, so each caller handles it where it would have without this.
        with contextlib.suppress(DecryptionError):
            _hold(waiting[case_id], case_rows)


def forget(case: Case) -> None:
    """Drop the unwrapped keys cached for a case (after rotation or erasure)."""
    if hasattr(case, "_data_keyring"):
        del case._data_keyring
    scoped = _scope.get()
    if scoped is not None:
        scoped.pop(case.pk, None)


def seal(case: Case, plaintext: str, context: str) -> str:
    return data_keyring(case).encrypt(plaintext.encode(), context.encode())


def open_sealed(case: Case, token: str, context: str) -> str:
    return data_keyring(case).decrypt(token, context.encode()).decode()


def seal_bytes(case: Case, data: bytes, context: str) -> bytes:
    """Binary form for files: the token as ASCII bytes."""
    return data_keyring(case).encrypt(data, context.encode()).encode("ascii")


def open_bytes(case: Case, token: bytes, context: str) -> bytes:
    return data_keyring(case).decrypt(token.decode("ascii"), context.encode())


def generate_master_spec(key_id: str) -> str:
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"
