"""Log records as one JSON object per line, each carrying the request it came from.

Why JSON: a value someone typed (an email address with a line break in it, say) cannot
start a line of its own and pass for another record (SECURITY.md LG-3). Why the request id:
the error page shows it, so a person reporting a problem gives the support team the one
reference that finds the record (LG-4), and nothing about them or their case.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging

#: The id of the request being served on this thread or task; "" outside a request.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "accord_request_id", default=""
)


class RequestIdFilter(logging.Filter):
    """Stamps every record with the id of the request being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            # django.request logs 4xx responses after the middleware has returned, and
            # passes the request itself along instead.
            request = getattr(record, "request", None)
            record.request_id = current_request_id.get() or str(getattr(request, "request_id", ""))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=True)
