"""Drafting, approving and discarding releases: the rules of the one door out, audited.

Why two supervisors: a release is the only way anything leaves the casework zone, and a
mistake cannot be called back once the file has travelled. So the person who drafts a
release cannot approve it (four eyes, as for subject access exports), the approver confirms
with their second factor (the view asks), and the figures they see are the figures signed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.audit.services import record
from accord.releases import figures
from accord.releases.file import (
    REASON_LIMIT,
    ReleaseFileError,
    private_key,
    sign,
    sign_withdrawal,
)
from accord.releases.models import Release, ReleaseStatus

#: The longest period one release may cover: beyond it, quarters pile up into many small
#: cells, and a year is what funders and oversight bodies ask for.
LONGEST_PERIOD = dt.timedelta(days=731)


class ReleaseError(ValueError):
    """A rule of releasing refused the change; the message says which, in plain words."""


def _organisation_id(user: Any) -> int:
    membership = user.active_membership
    if membership is None:
        raise ReleaseError("You are not a member of a service, so you cannot make releases.")
    return int(membership.organisation_id)


def draft(
    request: HttpRequest | None,
    *,
    title: str,
    start: dt.date,
    end: dt.date,
    audience: str,
    by: Any,
) -> Release:
    """Count, disclosure-control and store the tables of a new draft."""
    if end < start:
        raise ReleaseError("The period ends before it starts. Check the two dates.")
    if end - start > LONGEST_PERIOD:
        raise ReleaseError("A release covers at most two years. Choose a shorter period.")
    if end >= timezone.localdate():
        raise ReleaseError(
            "The period must have ended: choose an end date before today, so the figures "
            "do not change after they are approved."
        )
    organisation_id = _organisation_id(by)
    period = figures.Period(start, end)
    with transaction.atomic():
        membership = by.active_membership
        release = Release.objects.create(
            organisation_id=organisation_id,
            title=title.strip(),
            period_start=start,
            period_end=end,
            audience=audience,
            method=figures.method_note(period),
            tables=figures.all_tables(membership.organisation, period),
            drafted_by=by,
        )
        # Counting reads every counted case's categories and dates: audited as one read.
        record(request, "release.drafted", "release", str(release.uid), actor=by)
    return release


def _signing_key() -> tuple[str, Any]:
    setting = settings.ACCORD_RELEASE_SIGNING_KEY
    key_id, _, seed = setting.partition(":")
    if not key_id or not seed:
        raise ReleaseError(
            "This deployment has no release signing key (ACCORD_RELEASE_SIGNING_KEY), so "
            "nothing can be approved. Ask your system administrator to set one."
        )
    try:
        return key_id, private_key(seed)
    except ReleaseFileError as error:
        raise ReleaseError(f"The release signing key is not usable: {error}") from error


def document(release: Release, approved_on: dt.date) -> dict[str, Any]:
    """The release as the file carries it (what is signed)."""
    return {
        "id": str(release.uid),
        "title": release.title,
        "publisher": release.organisation.name,
        "method": release.method,
        "period_start": release.period_start.isoformat(),
        "period_end": release.period_end.isoformat(),
        "approved_on": approved_on.isoformat(),
        "audience": release.audience,
        "threshold": figures.THRESHOLD,
        "tables": release.tables,
    }


def _locked_draft(release: Release) -> Release:
    locked = Release.objects.select_for_update().select_related("organisation").get(pk=release.pk)
    if locked.status != ReleaseStatus.DRAFT:
        raise ReleaseError(
            f"This release is already {locked.get_status_display().split(':')[0].lower()}."
        )
    return locked


def approve(request: HttpRequest | None, release: Release, *, by: Any) -> Release:
    """Sign the draft's figures. Never by the supervisor who drafted it."""
    if release.drafted_by_id == by.pk:
        raise ReleaseError(
            "You drafted this release, so another supervisor must check and approve it."
        )
    key_id, key = _signing_key()
    with transaction.atomic():
        locked = _locked_draft(release)
        today = timezone.localdate()
        try:
            signed = sign(document(locked, today), key, key_id)
        except ReleaseFileError as error:
            raise ReleaseError(
                f"The figures failed the last check before signing, so nothing was approved: "
                f"{error}"
            ) from error
        locked.status = ReleaseStatus.APPROVED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.signed_file = signed.decode("utf-8")
        locked.key_id = key_id
        locked.save(update_fields=["status", "decided_by", "decided_at", "signed_file", "key_id"])
        record(request, "release.approved", "release", str(locked.uid), actor=by)
    return locked


def discard(request: HttpRequest | None, release: Release, *, by: Any) -> Release:
    """Throw a draft away (wrong period, out of date): it is kept, marked, never signed."""
    with transaction.atomic():
        locked = _locked_draft(release)
        locked.status = ReleaseStatus.DISCARDED
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        record(request, "release.discarded", "release", str(locked.uid), actor=by)
    return locked


#: A reason shorter than this cannot say what was wrong.
SHORTEST_REASON = 10


def withdraw(request: HttpRequest | None, release: Release, *, reason: str, by: Any) -> Release:
    """Sign a notice that withdraws an approved release; the partnership shows it instead
    of the figures once it receives it.

    One supervisor is enough (the view asks for their second factor): a withdrawal takes
    figures away and never puts new ones out, and a release with a mistake in it should
    come down without waiting for a colleague. The reason is published with the notice.
    """
    reason = " ".join(reason.split())
    if len(reason) < SHORTEST_REASON or len(reason) > REASON_LIMIT:
        raise ReleaseError(
            f"Say why the release is withdrawn in {SHORTEST_REASON} to {REASON_LIMIT} "
            "characters. It is published with the notice."
        )
    key_id, key = _signing_key()
    with transaction.atomic():
        locked = (
            Release.objects.select_for_update().select_related("organisation").get(pk=release.pk)
        )
        if locked.status != ReleaseStatus.APPROVED:
            raise ReleaseError("Only an approved release can be withdrawn.")
        today = timezone.localdate()
        notice = {
            "release_id": str(locked.uid),
            "release_title": locked.title,
            "publisher": locked.organisation.name,
            "withdrawn_on": today.isoformat(),
            "reason": reason,
        }
        try:
            signed = sign_withdrawal(notice, key, key_id)
        except ReleaseFileError as error:
            raise ReleaseError(f"The notice could not be signed: {error}") from error
        locked.status = ReleaseStatus.WITHDRAWN
        locked.withdrawn_by = by
        locked.withdrawn_at = timezone.now()
        locked.withdrawal_reason = reason
        locked.signed_withdrawal = signed.decode("utf-8")
        locked.save(
            update_fields=[
                "status",
                "withdrawn_by",
                "withdrawn_at",
                "withdrawal_reason",
                "signed_withdrawal",
            ]
        )
        record(request, "release.withdrawn", "release", str(locked.uid), actor=by)
    return locked


def withdrawal_downloaded(request: HttpRequest | None, release: Release, *, by: Any) -> bytes:
    """The signed withdrawal notice; every download is audited, as for releases."""
    if release.status != ReleaseStatus.WITHDRAWN:
        raise ReleaseError("This release has not been withdrawn.")
    record(request, "release.withdrawal_downloaded", "release", str(release.uid), actor=by)
    return release.signed_withdrawal.encode("utf-8")


def downloaded(request: HttpRequest | None, release: Release, *, by: Any) -> bytes:
    """The signed file; every download is audited (it is what leaves the zone)."""
    if release.status == ReleaseStatus.WITHDRAWN:
        raise ReleaseError(
            "This release was withdrawn, so its file can no longer be downloaded. Send the "
            "withdrawal notice instead."
        )
    if release.status != ReleaseStatus.APPROVED:
        raise ReleaseError("Only an approved release can be downloaded.")
    record(request, "release.downloaded", "release", str(release.uid), actor=by)
    return release.signed_file.encode("utf-8")
