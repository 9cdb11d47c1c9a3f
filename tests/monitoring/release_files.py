"""Release files for the receiving side's tests, signed as the advisory service signs them."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from accord.releases.file import FORMAT, canonical, private_key, sign, sign_withdrawal

PUBLISHER = "Independent Advisory Service (demo)"


def demo_key() -> tuple[str, Ed25519PrivateKey]:
    """The demo signing key from the settings, which the demo's trusted keys hold."""
    key_id, _, seed = str(settings.ACCORD_RELEASE_SIGNING_KEY).partition(":")
    return key_id, private_key(seed)


def release(**changes: Any) -> dict[str, Any]:
    """A sound release: one counts table (with both kinds of hidden cell), one measures."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "title": "Cases and complaints, January to June 2026",
        "publisher": "The advisory service, as the file says",
        "method": "Cases opened in the period, counted once each.\nDays are calendar days.",
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "approved_on": "2026-07-02",
        "audience": "partners",
        "threshold": 10,
        "tables": [
            {
                "id": "cases_by_quarter",
                "title": "New cases by quarter and how they came to us",
                "kind": "counts",
                "columns": ["quarter", "came_by"],
                "value": "cases",
                "note": "A case referred twice is counted once.",
                "rows": [
                    {"quarter": "2026 Q1", "came_by": "Self-referral", "cases": 12, "flag": ""},
                    {
                        "quarter": "2026 Q1",
                        "came_by": "Another agency",
                        "cases": None,
                        "flag": "primary",
                    },
                    {"quarter": "2026 Q1", "came_by": "Total", "cases": None, "flag": "secondary"},
                    {"quarter": "2026 Q2", "came_by": '=HYPERLINK("x")', "cases": 0, "flag": ""},
                ],
            },
            {
                "id": "complaint_stage_days",
                "title": "Days spent in each complaint stage",
                "kind": "measures",
                "columns": ["stage"],
                "value": "complaints",
                "measures": ["median_days", "lower_quartile_days", "upper_quartile_days"],
                "rows": [
                    {
                        "stage": "Force deciding",
                        "complaints": 14,
                        "flag": "",
                        "median_days": 40,
                        "lower_quartile_days": 20,
                        "upper_quartile_days": 61,
                    },
                    {
                        "stage": "Appeal",
                        "complaints": None,
                        "flag": "primary",
                        "median_days": None,
                        "lower_quartile_days": None,
                        "upper_quartile_days": None,
                    },
                ],
            },
        ],
    }
    body.update(changes)
    return body


def signed(body: dict[str, Any] | None = None) -> bytes:
    """The file, signed with the demo key through the shared contract's ``sign``."""
    key_id, key = demo_key()
    return sign(body if body is not None else release(), key, key_id)


def signed_by_hand(
    body: dict[str, Any], key: Ed25519PrivateKey | None = None, key_id: str | None = None
) -> bytes:
    """A correctly signed file that ``sign`` would have refused to make (it checks first):
    what a faulty or older publisher could send."""
    if key is None:
        key_id, key = demo_key()
    document = {
        "format": FORMAT,
        "release": copy.deepcopy(body),
        "signature": {
            "algorithm": "Ed25519",
            "key_id": key_id,
            "value": base64.b64encode(key.sign(canonical(body))).decode("ascii"),
        },
    }
    return json.dumps(document, indent=1, sort_keys=True).encode("utf-8")


def notice(release_id: str, **changes: Any) -> dict[str, Any]:
    """A sound withdrawal notice for ``release_id``."""
    body: dict[str, Any] = {
        "release_id": release_id,
        "release_title": "Cases and complaints, January to June 2026",
        "publisher": "The advisory service, as the file says",
        "withdrawn_on": "2026-07-20",
        "reason": "Cases from March were counted twice.",
    }
    body.update(changes)
    return body


def signed_notice(
    body: dict[str, Any], key: Ed25519PrivateKey | None = None, key_id: str | None = None
) -> bytes:
    if key is None or key_id is None:
        key_id, key = demo_key()
    return sign_withdrawal(body, key, key_id)
