"""The real app in a subprocess, Debian's Chromium, and axe on every page.

The browser tests never touch pytest-django's test database: they drive ``accord runserver``
over HTTP against its own SQLite database in a temporary ``ACCORD_VAR_DIR``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.browser.browsing import AccordServer, Account, AxeAudit, Browse
from tests.browser.demo_accounts import MARKER
from tests.browser.partnership import LondonData, import_london_data

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Settings the app reads from the environment: a developer's own values (a Postgres
# DATABASE_URL, say) must never reach the throwaway server.
APP_ENVIRONMENT = frozenset(
    {
        "DATABASE_URL",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "EMAIL_BACKEND",
        "EMAIL_HOST",
        "DEFAULT_FROM_EMAIL",
        "SECURE_SSL_REDIRECT",
    }
)
NEUTRAL_PAGE = (
    b"<!DOCTYPE html><html lang='en'><head><title>Weather</title></head>"
    b"<body><h1>Weather forecast</h1><p>Sunny spells later.</p></body></html>"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class NeutralPage(BaseHTTPRequestHandler):
    """Stands in for the weather site quick exit leaves to (the machine has no internet)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(NEUTRAL_PAGE)))
        self.end_headers()
        self.wfile.write(NEUTRAL_PAGE)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def neutral_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), NeutralPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def accord_environment(var_dir: Path, quick_exit_url: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ACCORD_", "DJANGO_")) and name not in APP_ENVIRONMENT
    }
    env.update(
        DJANGO_SETTINGS_MODULE="accord.settings.demo",
        ACCORD_VAR_DIR=str(var_dir),
        ACCORD_QUICK_EXIT_URL=quick_exit_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def run_step(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}",
            pytrace=False,
        )
    return done.stdout


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"accord runserver stopped:\n{log_path.read_text()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"accord runserver did not answer {url}:\n{log_path.read_text()}", pytrace=False)


@pytest.fixture(scope="session")
def accord_server(
    tmp_path_factory: pytest.TempPathFactory, neutral_site: str
) -> Iterator[AccordServer]:
    var_dir = tmp_path_factory.mktemp("accord-var")
    neutral_url = f"{neutral_site}/neutral"
    env = accord_environment(var_dir, neutral_url)
    accord = [sys.executable, "-m", "accord.cli"]
    run_step([*accord, "migrate", "--noinput"], env)
    output = run_step([sys.executable, str(HERE / "demo_accounts.py")], env)
    line = next((ln for ln in output.splitlines() if ln.startswith(MARKER)), None)
    if line is None:
        pytest.fail(f"demo_accounts.py printed no accounts:\n{output}", pytrace=False)
    accounts = {key: Account(**value) for key, value in json.loads(line[len(MARKER) :]).items()}

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = var_dir / "runserver.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*accord, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(f"{base_url}/account/login/", process, log_path)
        yield AccordServer(base_url, neutral_url, accounts, str(log_path))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def browse(accord_server: AccordServer, chromium: Browser) -> Iterator[Browse]:
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    yield Browse(accord_server, context, AxeAudit(accord_server))
    context.close()


@pytest.fixture(scope="session")
def partner_london_data(accord_server: AccordServer, chromium: Browser) -> LondonData:
    """The London files imported once by the VAWG partner's contributor, for any test to use.

    Another organisation than the analyst's journey, so neither import is a duplicate of the
    other whichever test runs first. Every page is checked with axe here too.
    """
    context = chromium.new_context(locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    browse = Browse(accord_server, context, AxeAudit(accord_server))
    try:
        browse.sign_in(accord_server.take_like("partner"))
        data = import_london_data(browse, "VAWG partner")
    finally:
        context.close()
    verdict = browse.audit.verdict()
    if verdict is not None:
        pytest.fail(f"While importing the partner's data: {verdict}", pytrace=False)
    return data


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a journey passes, fail it if axe found serious problems, a page went unchecked,
    or Chromium reported something the Content-Security-Policy blocked (it posts reports to
    ``/csp-report/``, which logs each as ``csp.violation``)."""
    server = getattr(item, "funcargs", {}).get("accord_server")
    logged_before = Path(server.log_path).stat().st_size if isinstance(server, AccordServer) else 0
    result = yield
    browse = getattr(item, "funcargs", {}).get("browse")
    if isinstance(browse, Browse):
        verdict = browse.audit.verdict()
        if verdict is not None:
            raise AssertionError(verdict)
        with contextlib.suppress(Exception):  # the test may have closed it already
            browse.context.close()  # sends any report Chromium still holds
    if isinstance(server, AccordServer) and not item.get_closest_marker("csp_violation_expected"):
        time.sleep(0.3)
        with open(server.log_path, "rb") as log:
            log.seek(logged_before)
            blocked = [
                line.decode(errors="replace").strip() for line in log if b"csp.violation" in line
            ]
        if blocked:
            raise AssertionError(
                "The Content-Security-Policy blocked something:\n" + "\n".join(blocked)
            )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Any:
    report = yield
    server = getattr(item, "funcargs", {}).get("accord_server")
    if report.failed and isinstance(server, AccordServer):
        report.sections.append(("accord runserver log (last lines)", server.log_tail()))
    return report
