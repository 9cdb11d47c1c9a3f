"""Accord's PDFs fetch nothing: no network address, no file, whatever the HTML holds."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.reports.pdf import html_to_pdf


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: red }")

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_nothing_is_fetched(server: tuple[str, list[str]], tmp_path: Path) -> None:
    base, asked = server
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: blue }")
    html = (
        f'<link rel="stylesheet" href="{base}/style.css">'
        f'<link rel="stylesheet" href="{secret.as_uri()}">'
        f'<p style="background: url({base}/bg.png)">Hello</p><img src="{base}/img.png">'
    )
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF-")
    assert asked == []


def test_the_check_would_see_a_fetch(server: tuple[str, list[str]]) -> None:
    """The same server, asked by a fetcher that allows HTTP, is reached: the test can fail."""
    from weasyprint import HTML

    base, asked = server
    HTML(string=f'<link rel="stylesheet" href="{base}/style.css"><p>x</p>').write_pdf()
    assert asked == ["/style.css"]
