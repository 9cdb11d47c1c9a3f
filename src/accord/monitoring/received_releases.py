"""Receiving a signed release file from the advisory service. The only code that adds
ReceivedRelease rows.

The file is the casework zone's one way out (``accord.releases.file``). Whoever carries it
here, the partnership trusts only what the file proves: the signature is checked against the
keys this deployment's operators configured, and the disclosure control is checked again.
The publisher shown is the name the operators gave the key, never the file's own claim.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.audit.services import record
from accord.monitoring.models import ReceivedRelease, ReceivedWithdrawal
from accord.policy.rules import can
from accord.releases.file import (
    MAX_BYTES,
    ReleaseFileError,
    TrustedKey,
    VerifiedRelease,
    VerifiedWithdrawal,
    read_any,
    trusted_keys,
)

NOTHING_STORED = "Nothing was imported."


class ReleaseRefused(ValueError):
    """The release cannot be received here, though the file itself may be sound."""


def configured_keys() -> dict[str, TrustedKey]:
    """The publishers this deployment trusts, or a refusal an administrator can act on."""
    setting = str(getattr(settings, "ACCORD_RELEASE_TRUSTED_KEYS", "") or "")
    try:
        keys = trusted_keys(setting)
    except ReleaseFileError as error:
        raise ReleaseRefused(
            f"The list of trusted publishers (ACCORD_RELEASE_TRUSTED_KEYS) cannot be read: "
            f"{error} Ask an administrator to correct it. {NOTHING_STORED}"
        ) from error
    if not keys:
        raise ReleaseRefused(
            "This deployment trusts no publisher yet, so it cannot accept release files. "
            "Ask an administrator to add the publisher's public key to "
            f"ACCORD_RELEASE_TRUSTED_KEYS. {NOTHING_STORED}"
        )
    return keys


def too_big(size: int | None) -> ReleaseFileError:
    """The refusal for a file over the limit (in the words ``read`` uses), given before the
    file is read whole; ``size`` is None when only the first bytes past the limit were."""
    what = f"{size:,} bytes" if size is not None else f"more than {MAX_BYTES:,} bytes"
    return ReleaseFileError(
        f"The file is {what}; a release is at most {MAX_BYTES:,}. "
        "This is not an Accord release file."
    )


def read_capped(handle: IO[bytes], size: int | None) -> bytes:
    """At most one byte past the limit, so a huge upload is never held whole in memory."""
    if size is not None and size > MAX_BYTES:
        raise too_big(size)
    data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_big(None)
    return data


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _already_received(existing: ReceivedRelease) -> ReleaseRefused:
    return ReleaseRefused(
        f"This release, '{existing.title}', was already received on "
        f"{_when(existing.received_at)}. Receiving it again would show the same figures "
        f"twice. {NOTHING_STORED}"
    )


def _withdrawn(title: str, notice: ReceivedWithdrawal) -> ReleaseRefused:
    return ReleaseRefused(
        f"The release '{title}' was withdrawn by {notice.publisher} on "
        f"{notice.withdrawn_on.day} {notice.withdrawn_on:%B %Y}: {notice.reason} "
        f"{NOTHING_STORED}"
    )


def receive(
    request: HttpRequest | None, data: bytes, *, by: Any
) -> ReceivedRelease | ReceivedWithdrawal:
    """Check a release file or a withdrawal notice and keep it, with an audit event; all or
    nothing.

    Raises:
        PermissionDenied: ``by`` may not receive releases.
        ReleaseFileError: the file is not a sound, signed release or notice (the message
            says why).
        ReleaseRefused: no publisher is trusted yet, the file is already here, the release
            was withdrawn, or the notice is not its publisher's.
    """
    if not can(by, "releases.receive"):
        raise PermissionDenied("You do not have permission to receive releases.")
    keys = configured_keys()
    verified = read_any(data, keys)
    if isinstance(verified, VerifiedWithdrawal):
        return _receive_withdrawal(request, verified, data, by=by)
    return _receive_release(request, verified, data, by=by)


def _receive_release(
    request: HttpRequest | None, verified: VerifiedRelease, data: bytes, *, by: Any
) -> ReceivedRelease:
    release = verified.release
    existing = ReceivedRelease.objects.filter(uid=verified.uid).first()
    if existing is not None:
        raise _already_received(existing)
    notice = ReceivedWithdrawal.objects.filter(release_uid=verified.uid).first()
    if notice is not None and notice.publisher == verified.key.publisher:
        raise _withdrawn(release["title"], notice)
    if notice is not None:
        raise ReleaseRefused(
            f"A notice from {notice.publisher} withdrawing this release was received on "
            f"{_when(notice.received_at)}, but the release is signed by "
            f"{verified.key.publisher}. Ask an administrator to check both files. "
            f"{NOTHING_STORED}"
        )
    try:
        with transaction.atomic():
            received = ReceivedRelease.objects.create(
                uid=verified.uid,
                publisher=verified.key.publisher,
                key_id=verified.key.key_id,
                title=release["title"],
                period_start=dt.date.fromisoformat(release["period_start"]),
                period_end=dt.date.fromisoformat(release["period_end"]),
                approved_on=dt.date.fromisoformat(release["approved_on"]),
                audience=release["audience"],
                threshold=release["threshold"],
                content=release,
                file_sha256=hashlib.sha256(data).hexdigest(),
                received_by=by,
            )
            record(request, "release.received", "received_release", str(received.uid), actor=by)
    except IntegrityError as clash:
        # Someone else received the same release a moment ago.
        existing = ReceivedRelease.objects.filter(uid=verified.uid).first()
        if existing is None:
            raise
        raise _already_received(existing) from clash
    return received


def _notice_already_received(existing: ReceivedWithdrawal) -> ReleaseRefused:
    return ReleaseRefused(
        f"This withdrawal of '{existing.release_title}' was already received on "
        f"{_when(existing.received_at)}. {NOTHING_STORED}"
    )


def _receive_withdrawal(
    request: HttpRequest | None, verified: VerifiedWithdrawal, data: bytes, *, by: Any
) -> ReceivedWithdrawal:
    """Keep a withdrawal notice. Only the release's own publisher may withdraw it: a notice
    signed with another trusted publisher's key is refused."""
    notice = verified.withdrawal
    existing = ReceivedWithdrawal.objects.filter(release_uid=verified.release_uid).first()
    if existing is not None:
        raise _notice_already_received(existing)
    release = ReceivedRelease.objects.filter(uid=verified.release_uid).first()
    if release is not None and release.publisher != verified.key.publisher:
        raise ReleaseRefused(
            f"This notice is signed by {verified.key.publisher}, but '{release.title}' was "
            f"published by {release.publisher}. Only a release's own publisher can withdraw "
            f"it. {NOTHING_STORED}"
        )
    try:
        with transaction.atomic():
            received = ReceivedWithdrawal.objects.create(
                release_uid=verified.release_uid,
                release_title=notice["release_title"],
                publisher=verified.key.publisher,
                key_id=verified.key.key_id,
                withdrawn_on=verified.withdrawn_on,
                reason=notice["reason"],
                content=notice,
                file_sha256=hashlib.sha256(data).hexdigest(),
                received_by=by,
            )
            record(
                request,
                "release.withdrawal_received",
                "received_release",
                str(received.release_uid),
                actor=by,
            )
    except IntegrityError as clash:
        existing = ReceivedWithdrawal.objects.filter(release_uid=verified.release_uid).first()
        if existing is None:
            raise
        raise _notice_already_received(existing) from clash
    return received
