"""Browsing Accord in Debian's Chromium, with axe-core run on every Accord page.

``conftest.py`` starts the app and builds these objects; the journeys in ``test_*.py`` use
them. Every page a journey opens is checked by axe: :meth:`Browse.goto` and
:meth:`Browse.submit` check as they go, :meth:`Browse.check` covers anything else, and a
page that loads without being checked fails the test (see ``conftest.py``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Locator, Page

#: axe impacts that fail a test; "moderate" and "minor" ones are listed but do not fail.
BLOCKING_IMPACTS = frozenset({"serious", "critical"})

#: The session cookie of ``accord.settings.demo`` (plain HTTP, so no ``__Host-`` prefix).
SESSION_COOKIE = "accord-session"

SIGN_IN_BUTTON = re.compile(r"^\s*sign in\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str
    role: str
    organisation: str
    totp_secret: str | None


@dataclass
class AccordServer:
    """The running app, the neutral site quick exit leaves to, and who can sign in."""

    base_url: str
    neutral_url: str
    accounts: dict[str, Account]
    log_path: str
    _taken: set[str] = field(default_factory=set)

    def url(self, path: str) -> str:
        return self.base_url + path

    def neutral_site_url(self, path: str) -> str:
        """Another page on the neutral site, somewhere to arrive from."""
        parts = urlsplit(self.neutral_url)
        return f"{parts.scheme}://{parts.netloc}{path}"

    def is_accord(self, url: str) -> bool:
        return url == self.base_url or url.startswith(self.base_url + "/")

    def take(self, key: str) -> Account:
        """An account for one test only: a TOTP code cannot be used twice in its window."""
        if key in self._taken:
            raise RuntimeError(f"Account {key!r} is already used by another browser test.")
        self._taken.add(key)
        return self.accounts[key]

    def take_like(self, key: str) -> Account:
        """A spare copy of a demo person (same organisation and role) for one test only."""
        prefix = f"{key}-spare-"
        for spare in sorted(self.accounts):
            if spare.startswith(prefix) and spare not in self._taken:
                return self.take(spare)
        raise RuntimeError(f"No spare {key!r} left: add more in tests/browser/demo_accounts.py.")

    def take_spare_advocate(self) -> Account:
        for key in sorted(self.accounts):
            if key.startswith("spare-advocate-") and key not in self._taken:
                return self.take(key)
        raise RuntimeError("No spare advocates left: add more in tests/browser/demo_accounts.py.")

    def log_tail(self, lines: int = 40) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-lines:])


#: The last time step whose code each secret gave, so that a second sign-in by the same
#: person within one window waits for a new code rather than being refused as a replay.
_last_step: dict[str, int] = {}


def current_code(secret: str) -> str:
    """The authenticator code for now, never one about to expire on its way to the server."""
    from allauth.mfa import app_settings

    from accord.accounts.totp import code_for_secret

    period = app_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 3:
        time.sleep(remaining + 0.2)
    if int(time.time() // period) == _last_step.get(secret):
        time.sleep(period - time.time() % period + 0.2)
    _last_step[secret] = int(time.time() // period)
    return code_for_secret(secret)


def describe_violation(url: str, violation: dict) -> str:
    lines = [
        f"{url}",
        f"  [{violation['impact']}] {violation['id']}: {violation['help']}",
        f"  {violation['helpUrl']}",
    ]
    for node in violation["nodes"]:
        lines.append(f"    - {', '.join(str(t) for t in node['target'])}")
        lines.append(f"      {node['html'][:200]}")
        for summary_line in (node.get("failureSummary") or "").splitlines():
            lines.append(f"      {summary_line}")
    return "\n".join(lines)


class AxeAudit:
    """Runs axe-core on Accord pages and remembers which pages loaded and what it found.

    axe is injected with ``page.evaluate``, which Chromium runs through the DevTools protocol
    outside the page's Content-Security-Policy, so the app's strict CSP stays on in tests.
    """

    def __init__(self, server: AccordServer) -> None:
        self._server = server
        self._axe = Axe()
        self.loaded: list[str] = []
        self.scanned: set[str] = set()
        self.blocking: list[str] = []
        self.advisory: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("load", self._on_load)

    def _on_load(self, page: Page) -> None:
        if self._server.is_accord(page.url):
            self.loaded.append(page.url)

    def scan(self, page: Page) -> None:
        page.wait_for_load_state("load")
        if not self._server.is_accord(page.url):
            raise AssertionError(f"Expected an Accord page, but the browser is at {page.url}")
        results = self._axe.run(page)
        for violation in results.response["violations"]:
            found = describe_violation(page.url, violation)
            if violation["impact"] in BLOCKING_IMPACTS:
                self.blocking.append(found)
            else:
                self.advisory.append(found)
        self.scanned.add(page.url)

    def verdict(self) -> str | None:
        """Why the test must fail on accessibility grounds, or None."""
        problems: list[str] = []
        unchecked = sorted(set(self.loaded) - self.scanned)
        if unchecked:
            problems.append(
                "These pages loaded but axe never checked them (use Browse.goto, "
                "Browse.submit or Browse.check after each navigation):\n  " + "\n  ".join(unchecked)
            )
        if self.blocking:
            problems.append(
                f"axe found {len(self.blocking)} serious or critical accessibility "
                "violation(s):\n" + "\n".join(self.blocking)
            )
        if not problems:
            return None
        if self.advisory:
            problems.append("Also (not failing): \n" + "\n".join(self.advisory))
        return "\n\n".join(problems)


class Browse:
    """One browser context (a fresh cookie jar) and its first tab, with axe on every page."""

    def __init__(self, server: AccordServer, context: BrowserContext, audit: AxeAudit) -> None:
        self.server = server
        self.context = context
        self.audit = audit
        context.on("page", audit.watch)
        self.page = context.new_page()

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    def where(self) -> str:
        """The page showing, for assertion messages."""
        heading = self.page.locator("h1").first.text_content(timeout=1_000) or ""
        return f"{self.page.url} (title {self.page.title()!r}, heading {heading.strip()!r})"

    def goto(self, path: str) -> None:
        self.page.goto(self.server.url(path))
        self.check()

    def check(self) -> None:
        """Run axe on the page now showing."""
        self.audit.scan(self.page)

    def submit(self, button: Locator) -> None:
        """Press a button (or link) that loads another Accord page, then check that page."""
        with self.page.expect_navigation():
            button.click()
        self.check()

    def no_errors(self) -> None:
        """Fail with the page's error summary, if it shows one."""
        summary = self.page.locator(".govuk-error-summary")
        if summary.count():
            raise AssertionError(f"{self.where()}: {summary.inner_text()}")

    def sign_out(self) -> None:
        """The header's button; allauth may then ask to confirm on the page itself."""
        self.submit(self.page.get_by_role("button", name="Sign out"))
        if self.page.get_by_role("button", name="Sign out").count():
            self.submit(self.page.locator("#main-content").get_by_role("button", name="Sign out"))

    def sign_in_with_password(self, account: Account) -> None:
        self.goto("/account/login/")
        self.page.locator("input[name=login]").fill(account.email)
        self.page.locator("input[name=password]").fill(account.password)
        self.submit(self.page.get_by_role("button", name=SIGN_IN_BUTTON))

    def enter_code(self, code: str) -> None:
        self.page.locator("input[name=code]").fill(code)
        self.submit(self.page.locator("#main-content form").get_by_role("button", name="Continue"))

    def confirm_it_is_me(self, account: Account) -> None:
        """The step-up before publishing or changing sign-in: the code again, not the password."""
        assert self.path == "/account/2fa/reauthenticate/", self.where()
        assert account.totp_secret is not None
        expect_no_password = self.page.locator("input[name=password]")
        assert expect_no_password.count() == 0, "The password alone must not be offered"
        self.page.locator("input[name=code]").fill(current_code(account.totp_secret))
        self.submit(self.page.locator("#main-content form").get_by_role("button", name="Confirm"))

    def sign_in(self, account: Account) -> None:
        """Password, then the authenticator code if the person has one."""
        self.sign_in_with_password(account)
        if account.totp_secret is not None:
            assert self.path == "/account/2fa/authenticate/", (
                f"{account.email} was not asked for a code: {self.where()}"
            )
            self.enter_code(current_code(account.totp_secret))

    def session_cookie(self) -> dict | None:
        for cookie in self.context.cookies(self.server.base_url):
            if cookie["name"] == SESSION_COOKIE:
                return dict(cookie)
        return None
