"""Where browsers report what the Content-Security-Policy blocked (SECURITY.md WB-1).

A blocked script or image on a page of Accord is either an attack (injected markup) or a
mistake of ours; either way someone should see it. Each report becomes one warning log line
naming the directive and where the page and the blocked resource were, without their query
strings or fragments (a page address could carry something personal) and without any sample
of the blocked code.

Anyone can post here (browsers send reports without a session), so a report is small,
parsed strictly, and counted per address: past the limit reports are dropped quietly, so
that nobody can fill the logs.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accord.accounts.client_ip import client_ip
from accord.policy.views import public

logger = logging.getLogger("accord.csp")

#: A real report is well under 2 KB; anything much bigger is not one.
MAX_REPORT_BYTES = 16 * 1024
#: Reports logged per client address per window; the rest are dropped.
REPORTS_PER_WINDOW = 30
WINDOW_SECONDS = 60
CONTENT_TYPES = frozenset(
    {"application/csp-report", "application/reports+json", "application/json"}
)
#: The fields we log; values are cut to this length.
MAX_FIELD = 200


def _where(value: object) -> str:
    """A URL without its query string or fragment; keywords such as 'inline' as they are."""
    text = str(value or "")[:2000]
    parts = urlsplit(text)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}{parts.path}"[:MAX_FIELD]
    return (parts.scheme or text)[:MAX_FIELD]


def _violations(payload: Any) -> list[dict[str, Any]]:
    """Both report formats: report-uri's {"csp-report": {...}} and Reporting API lists."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list):
        return [
            entry["body"]
            for entry in payload
            if isinstance(entry, dict)
            and entry.get("type") == "csp-violation"
            and isinstance(entry.get("body"), dict)
        ]
    return []


def _directive(report: dict[str, Any]) -> str:
    value = report.get("effective-directive") or report.get("effectiveDirective")
    value = value or report.get("violated-directive") or ""
    return "".join(c for c in str(value) if c.isalnum() or c == "-")[:60]


def _within_limit(request: HttpRequest) -> bool:
    key = f"accord:csp-reports:{client_ip(request)}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        return True
    try:
        return int(cache.incr(key)) <= REPORTS_PER_WINDOW
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        return True


@public
@csrf_exempt  # browsers send reports themselves, with no token; nothing here changes state
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type not in CONTENT_TYPES:
        return HttpResponse("Send a CSP violation report as JSON.", status=415)
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_REPORT_BYTES:
        return HttpResponse("The report is too large.", status=413)
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse("The report is too large.", status=413)
    try:
        violations = _violations(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        return HttpResponse("The report is not valid JSON.", status=400)
    if not violations:
        return HttpResponse("The report holds no CSP violation.", status=400)
    if _within_limit(request):
        for report in violations[:10]:
            logger.warning(
                "csp.violation directive=%s blocked=%s page=%s disposition=%s",
                _directive(report),
                _where(report.get("blocked-uri") or report.get("blockedURL")),
                _where(report.get("document-uri") or report.get("documentURL")),
                "".join(c for c in str(report.get("disposition", "enforce")) if c.isalpha())[:20],
            )
    return HttpResponse(status=204)
