"""HTML to PDF with WeasyPrint, fetching nothing.

Every PDF Accord makes (letters, subject access exports, plan reports, impact assessments)
carries everything it shows: charts are inline SVG, styles are in the page. So WeasyPrint
may fetch nothing, no file and no network address, whatever the HTML holds.

Why one shared SSL context: WeasyPrint's fetcher builds an HTTPS handler, which by default
loads the system's certificate bundle, about 20 ms for every PDF, to fetch nothing. An
empty client context, made once, takes its place; it is never used, since no protocol is
allowed.
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def _unused_context() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def html_to_pdf(html: str) -> bytes:
    """``html`` as a PDF; any URL in it (images, styles, fonts) is refused, not fetched."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=(), ssl_context=_unused_context())
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())
