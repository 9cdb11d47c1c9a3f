"""The release file refuses anything it would not show: extra members, odd ids, non-numbers.

Why each matters: a release carries exactly what its reader sees, so a member nobody
displays (a case uid added by a faulty publisher, say) must not travel in a signed file; and
a figure that is not a finite number cannot be signed as canonical JSON at all.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings

from accord.releases.file import ReleaseFileError, read, trusted_keys
from tests.monitoring.release_files import release, signed, signed_by_hand


def _change(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = copy.deepcopy(release())
    edit(body)
    return body


CASES = [
    (
        lambda b: b.update(case_uids=["x"]),
        "The release has members Accord does not publish: case_uids",
    ),
    (
        lambda b: b["tables"][0].update(source="cases"),
        "has members Accord does not publish: source",
    ),
    (
        lambda b: b["tables"][0]["rows"][0].update(reference="AB12"),
        "Table 'cases_by_quarter', row 1 has members Accord does not publish: reference",
    ),
    (lambda b: b["tables"][0].update(id="../x"), "The table id '../x' is not"),
    (lambda b: b["tables"][0].update(columns=[]), "has no columns, value or rows"),
    (
        lambda b: b["tables"][1]["rows"][0].update(median_days=math.inf),
        "'median_days' is not a number",
    ),
    (lambda b: b["tables"][0].update(note=""), "note must be text"),
]


@pytest.mark.parametrize(("edit", "message"), CASES)
def test_the_publisher_will_not_sign_it(
    edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    with pytest.raises(ReleaseFileError, match=message.replace("(", r"\(").replace(".", r"\.")):
        signed(_change(edit))


@pytest.mark.parametrize(("edit", "message"), CASES[:5])
def test_the_receiver_will_not_read_it(
    edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    data = signed_by_hand(_change(edit))
    with pytest.raises(ReleaseFileError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read(data, trusted_keys(settings.ACCORD_RELEASE_TRUSTED_KEYS))


def test_a_sound_release_reads_back_as_signed() -> None:
    body = release()
    verified = read(signed(body), trusted_keys(settings.ACCORD_RELEASE_TRUSTED_KEYS))
    assert verified.release == body
    assert verified.key.publisher == "Independent Advisory Service (demo)"
