"""The signed release file: the casework zone's one way out, and what a partnership reads.

Why a file: an advisory service runs its own deployment, with its own database and keys
(ARCHITECTURE.md). Nothing from it reaches the partnership except a release its supervisors
approved, carried as a file. The file is signed with the service's Ed25519 key, so the
partnership can check who made it and that not one figure changed on the way; the public
key is all the partnership needs, and it cannot sign a release itself.

This module is the contract both sides share. It imports nothing from the casework zone
(``tests/security/test_zone_imports.py`` holds it to that) and nothing from Django.

The receiving side does not trust the figures just because the signature is good: it checks
the disclosure control again (:func:`check_disclosure`), so a release drafted by a faulty or
older version of Accord cannot put a small count on a partnership page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "accord-release/1"
#: A publisher's signed notice that one of its releases is withdrawn (decision 0022).
WITHDRAWAL_FORMAT = "accord-release-withdrawal/1"
#: A release holds a few small tables; anything bigger is not one of ours.
MAX_BYTES = 1_000_000
#: The smallest count a release may show (STATISTICS.md: default threshold 10). A file that
#: declares a lower threshold is refused, whatever its signature.
MIN_THRESHOLD = 10
AUDIENCES = ("partners", "public")
HIDDEN_FLAGS = ("primary", "secondary")
#: Every member a release, a table and a row may have. Anything else is refused: a release
#: carries exactly what its reader is shown, so a faulty publisher cannot ship an extra
#: field (an identifier, say) that nobody looked at.
RELEASE_KEYS = frozenset(
    {"id", "title", "publisher", "method", "period_start", "period_end", "approved_on"}
    | {"audience", "threshold", "tables"}
)
TABLE_KEYS = frozenset({"id", "title", "kind", "columns", "value", "rows", "measures", "note"})
WITHDRAWAL_KEYS = frozenset({"release_id", "release_title", "publisher", "withdrawn_on", "reason"})
#: The longest reason a withdrawal notice may give: a few plain sentences.
REASON_LIMIT = 1000
TABLE_ID = re.compile(r"[a-z0-9_-]{1,60}")


class ReleaseFileError(ValueError):
    """The file is not a release this deployment can accept; the message says why."""


@dataclass(frozen=True)
class TrustedKey:
    """A publisher's public key, as the receiving deployment's operators configured it."""

    key_id: str
    publisher: str
    public_key: Ed25519PublicKey


@dataclass(frozen=True)
class VerifiedRelease:
    """A release whose signature and disclosure control have both been checked."""

    release: dict[str, Any]
    key: TrustedKey

    @property
    def uid(self) -> uuid.UUID:
        return uuid.UUID(self.release["id"])


@dataclass(frozen=True)
class VerifiedWithdrawal:
    """A withdrawal notice whose signature and fields have been checked."""

    withdrawal: dict[str, Any]
    key: TrustedKey

    @property
    def release_uid(self) -> uuid.UUID:
        return uuid.UUID(self.withdrawal["release_id"])

    @property
    def withdrawn_on(self) -> dt.date:
        return dt.date.fromisoformat(self.withdrawal["withdrawn_on"])


def canonical(release: Mapping[str, Any]) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        release, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise ReleaseFileError(f"{what} is not valid base64.") from error


def private_key(text: str) -> Ed25519PrivateKey:
    """The signing key from its setting: base64 of the 32-byte Ed25519 seed."""
    seed = _unb64(text.strip(), "The release signing key")
    if len(seed) != 32:
        raise ReleaseFileError(
            "The release signing key must be 32 bytes (base64 of 44 characters)."
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key(text: str) -> Ed25519PublicKey:
    raw = _unb64(text.strip(), "A trusted release key")
    if len(raw) != 32:
        raise ReleaseFileError("A trusted release key must be 32 bytes (base64 of 44 characters).")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_text(key: Ed25519PrivateKey) -> str:
    """The public half, in the form the receiving side's setting takes."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return _b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def new_private_text() -> str:
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    key = Ed25519PrivateKey.generate()
    return _b64(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def trusted_keys(setting: str) -> dict[str, TrustedKey]:
    """Parse ``key-id=Publisher name=base64-public-key`` entries, separated by ``;``."""
    keys: dict[str, TrustedKey] = {}
    for entry in filter(None, (part.strip() for part in setting.split(";"))):
        parts = [part.strip() for part in entry.split("=", 2)]
        if len(parts) != 3 or not all(parts):
            raise ReleaseFileError(
                "Each trusted release key is 'key-id=Publisher name=base64 public key'; "
                f"this one is not: {entry[:40]!r}."
            )
        key_id, publisher, key = parts
        keys[key_id] = TrustedKey(key_id, publisher, public_key(key))
    return keys


def _signed(
    fmt: str, member: str, payload: Mapping[str, Any], key: Ed25519PrivateKey, key_id: str
) -> bytes:
    signature = key.sign(canonical(payload))
    document = {
        "format": fmt,
        member: payload,
        "signature": {"algorithm": "Ed25519", "key_id": key_id, "value": _b64(signature)},
    }
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def sign(release: Mapping[str, Any], key: Ed25519PrivateKey, key_id: str) -> bytes:
    """The whole file, ready to save: the release and its signature."""
    check_release(release)
    return _signed(FORMAT, "release", release, key, key_id)


def sign_withdrawal(withdrawal: Mapping[str, Any], key: Ed25519PrivateKey, key_id: str) -> bytes:
    """The whole withdrawal notice, ready to save."""
    check_withdrawal(withdrawal)
    return _signed(WITHDRAWAL_FORMAT, "withdrawal", withdrawal, key, key_id)


#: What each kind of file carries its signed content in, and what that content is called.
_MEMBERS = {FORMAT: ("release", "release"), WITHDRAWAL_FORMAT: ("withdrawal", "withdrawal notice")}


def _document(data: bytes) -> dict[str, Any]:
    if not data.strip():
        raise ReleaseFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ReleaseFileError(
            f"The file is {len(data):,} bytes; a release is at most {MAX_BYTES:,}. "
            "This is not an Accord release file."
        )
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ReleaseFileError(
            "The file is not UTF-8 text, so it is not a release file."
        ) from error
    except ValueError as error:
        raise ReleaseFileError(f"The file is not valid JSON ({error}).") from error
    except RecursionError as error:  # "[[[[..." thousands deep
        raise ReleaseFileError(
            "The file is not valid JSON (it is nested too deeply to be a release)."
        ) from error
    # A format that is not text (a list, say) cannot even be looked up: refuse it the same way.
    if (
        not isinstance(document, dict)
        or not isinstance(document.get("format"), str)
        or document["format"] not in _MEMBERS
    ):
        raise ReleaseFileError(
            f"This is not an Accord release file (its format is not {FORMAT!r})."
        )
    return document


def _verified(
    document: Mapping[str, Any], trusted: Mapping[str, TrustedKey]
) -> tuple[dict[str, Any], TrustedKey]:
    """The signed content and the key that signed it, once the signature checks out."""
    member, what = _MEMBERS[document["format"]]
    content, signature = document.get(member), document.get("signature")
    if not isinstance(content, dict) or not isinstance(signature, dict):
        raise ReleaseFileError(f"The file has no {what} or no signature.")
    if signature.get("algorithm") != "Ed25519":
        raise ReleaseFileError(f"The {what} is not signed with Ed25519.")
    key_id = signature.get("key_id")
    if not isinstance(key_id, str) or key_id not in trusted:
        raise ReleaseFileError(
            f"The {what} was signed with key {str(key_id)[:40]!r}, which this deployment "
            "does not trust. Ask the publisher for their public key and add it to "
            "ACCORD_RELEASE_TRUSTED_KEYS."
        )
    value = signature.get("value")
    if not isinstance(value, str):
        raise ReleaseFileError(f"The {what}'s signature is missing.")
    key = trusted[key_id]
    try:
        key.public_key.verify(_unb64(value, "The signature"), canonical(content))
    except (InvalidSignature, ValueError) as error:
        raise ReleaseFileError(
            "The signature does not match: the file was changed after it was signed, or it was "
            f"not signed by {key.publisher}. Nothing was imported."
        ) from error
    return content, key


def read_any(
    data: bytes, trusted: Mapping[str, TrustedKey]
) -> VerifiedRelease | VerifiedWithdrawal:
    """A release or a withdrawal notice, checked from start to end; raise
    :class:`ReleaseFileError` at the first problem."""
    document = _document(data)
    content, key = _verified(document, trusted)
    withdrawal = document["format"] == WITHDRAWAL_FORMAT
    if withdrawal:
        check_withdrawal(content)
    else:
        check_release(content)
    if _has_null(content):  # checked once the shape is known: nothing deep to walk
        raise ReleaseFileError(
            f"The {_MEMBERS[document['format']][1]} has a null character in its text, which "
            "Accord cannot keep. Nothing was imported."
        )
    return VerifiedWithdrawal(content, key) if withdrawal else VerifiedRelease(content, key)


def _has_null(value: Any) -> bool:
    """A null character anywhere: PostgreSQL cannot store one, so such a file is refused
    here rather than failing when it is kept."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_null(k) or _has_null(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_null(item) for item in value)
    return False


def read(data: bytes, trusted: Mapping[str, TrustedKey]) -> VerifiedRelease:
    """A release file, checked from start to end (a withdrawal notice is refused)."""
    verified = read_any(data, trusted)
    if not isinstance(verified, VerifiedRelease):
        raise ReleaseFileError("This is a withdrawal notice, not a release.")
    return verified


# --- Structure and disclosure checks ----------------------------------------------------------


def _text(value: Any, what: str, *, limit: int = 2000) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ReleaseFileError(f"{what} must be text of 1 to {limit} characters.")
    return value


def _day(value: Any, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(_text(value, what, limit=10))
    except ValueError as error:
        raise ReleaseFileError(f"{what} is not a date (YYYY-MM-DD).") from error


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _only(found: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(str(key) for key in found if key not in allowed)
    if extra:
        raise ReleaseFileError(
            f"{where} has members Accord does not publish: {', '.join(extra)[:200]}."
        )


def check_release(release: Mapping[str, Any]) -> None:
    """Every field present and of its type, nothing else, and the disclosure control holds."""
    _only(release, RELEASE_KEYS, "The release")
    try:
        uuid.UUID(str(release.get("id")))
    except ValueError as error:
        raise ReleaseFileError("The release id is not a UUID.") from error
    _text(release.get("title"), "The title", limit=200)
    _text(release.get("publisher"), "The publisher", limit=200)
    _text(release.get("method"), "The method note", limit=5000)
    start = _day(release.get("period_start"), "The start of the period")
    end = _day(release.get("period_end"), "The end of the period")
    if end < start:
        raise ReleaseFileError("The period ends before it starts.")
    _day(release.get("approved_on"), "The approval date")
    if release.get("audience") not in AUDIENCES:
        raise ReleaseFileError(f"The audience must be one of: {', '.join(AUDIENCES)}.")
    threshold = release.get("threshold")
    if not isinstance(threshold, int) or not _count(threshold) or threshold < MIN_THRESHOLD:
        raise ReleaseFileError(
            f"The release shows counts from {threshold!r}; Accord never publishes counts "
            f"below {MIN_THRESHOLD}."
        )
    tables = release.get("tables")
    if not isinstance(tables, list) or not tables:
        raise ReleaseFileError("The release has no tables.")
    ids = set()
    for table in tables:
        if not isinstance(table, dict):
            raise ReleaseFileError("A table is not an object.")
        table_id = table.get("id")
        if not isinstance(table_id, str) or not TABLE_ID.fullmatch(table_id):
            raise ReleaseFileError(
                f"The table id {str(table_id)[:60]!r} is not 1 to 60 lower-case letters, "
                "digits, '-' or '_'."
            )
        _only(table, TABLE_KEYS, f"Table {table_id!r}")
        if table_id in ids:
            raise ReleaseFileError(f"Table {table_id!r} appears twice.")
        ids.add(table_id)
        check_disclosure(table, threshold)


def check_withdrawal(withdrawal: Mapping[str, Any]) -> None:
    """Every field of a withdrawal notice present and of its type, and nothing else."""
    _only(withdrawal, WITHDRAWAL_KEYS, "The withdrawal notice")
    try:
        uuid.UUID(str(withdrawal.get("release_id")))
    except ValueError as error:
        raise ReleaseFileError("The withdrawn release's id is not a UUID.") from error
    _text(withdrawal.get("release_title"), "The withdrawn release's title", limit=200)
    _text(withdrawal.get("publisher"), "The publisher", limit=200)
    _day(withdrawal.get("withdrawn_on"), "The date of withdrawal")
    _text(withdrawal.get("reason"), "The reason for withdrawal", limit=REASON_LIMIT)


def check_disclosure(table: Mapping[str, Any], threshold: int) -> None:
    """No shown count from 1 to ``threshold - 1``; hidden cells say why; measures of small
    groups blank. Names the table and row of the first problem."""
    table_id = table.get("id")
    _text(table.get("title"), f"Table {table_id!r}'s title", limit=300)
    kind = table.get("kind")
    columns = table.get("columns")
    value = table.get("value")
    rows = table.get("rows")
    if kind not in ("counts", "measures"):
        raise ReleaseFileError(f"Table {table_id!r} is neither counts nor measures.")
    if (
        not isinstance(columns, list)
        or not columns
        or not all(isinstance(c, str) and c for c in columns)
        or not isinstance(value, str)
        or not isinstance(rows, list)
        or not rows
    ):
        raise ReleaseFileError(f"Table {table_id!r} has no columns, value or rows.")
    measures = table.get("measures", [])
    if kind == "measures" and (
        not isinstance(measures, list) or not all(isinstance(m, str) for m in measures)
    ):
        raise ReleaseFileError(f"Table {table_id!r} does not list its measures.")
    if "note" in table:
        _text(table["note"], f"Table {table_id!r}'s note", limit=2000)
    row_keys = frozenset({*columns, value, "flag", *(measures if kind == "measures" else [])})
    for number, row in enumerate(rows, start=1):
        where = f"Table {table_id!r}, row {number}"
        if not isinstance(row, dict):
            raise ReleaseFileError(f"{where} is not an object.")
        _only(row, row_keys, where)
        for column in columns:
            _text(row.get(column), f"{where}, column {column!r}", limit=200)
        shown, flag = row.get(value), row.get("flag", "")
        if flag not in ("", *HIDDEN_FLAGS):
            raise ReleaseFileError(f"{where}: the flag {flag!r} is not one Accord uses.")
        if shown is None:
            if flag == "":
                raise ReleaseFileError(f"{where}: a hidden count does not say why it is hidden.")
        elif not _count(shown):
            raise ReleaseFileError(f"{where}: {value!r} is not a whole number.")
        elif flag:
            raise ReleaseFileError(f"{where}: a count marked hidden is shown.")
        elif 0 < shown < threshold:
            raise ReleaseFileError(
                f"{where}: shows a count of {shown}, below {threshold}. Small counts can "
                "identify someone, so the release is refused."
            )
        if kind == "measures":
            small = shown is None or 0 < shown < threshold
            for measure in measures:
                figure = row.get(measure)
                if small and figure is not None:
                    raise ReleaseFileError(
                        f"{where}: {measure!r} is shown for a group of fewer than {threshold}."
                    )
                if figure is not None and (
                    isinstance(figure, bool)
                    or not isinstance(figure, int | float)
                    or not math.isfinite(figure)
                ):
                    raise ReleaseFileError(f"{where}: {measure!r} is not a number.")
