"""Locust users for ``bench/casework_bench.py``: advocates between their home page and cases.

Not meant to be run on its own: ``casework_bench.py`` builds the data, signs the advocates
in, writes the file this reads (``ACCORD_BENCH_PEOPLE``) and collects every response time
this writes (``ACCORD_BENCH_SAMPLES``), so percentiles are exact rather than Locust's
rounded buckets.

Each simulated user is a different advocate with their own session cookie. Every response
is checked, not only its status: the home page must show that advocate's own open-case count
and the case page must show the case reference and the client's decrypted name, so a page
that renders the wrong case, an error or a sign-in form counts as a failure.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant, events, task

PEOPLE: dict[str, Any] = json.loads(Path(os.environ["ACCORD_BENCH_PEOPLE"]).read_text("utf-8"))
SAMPLES = Path(os.environ["ACCORD_BENCH_SAMPLES"])
OPEN_SHARE = float(os.environ.get("ACCORD_BENCH_OPEN_SHARE", "0.75"))
HOME_WEIGHT = int(os.environ.get("ACCORD_BENCH_HOME_WEIGHT", "1"))
CASE_WEIGHT = int(os.environ.get("ACCORD_BENCH_CASE_WEIGHT", "3"))


def _wait_time() -> Any:
    low, _, high = os.environ.get("ACCORD_BENCH_THINK", "1,3").partition(",")
    if float(low) == 0 and float(high or 0) == 0:
        return constant(0)
    return between(float(low), float(high or low))


_seats = itertools.count()
_samples: list[tuple[float, str, float, bool, int]] = []


@events.request.add_listener  # type: ignore[untyped-decorator]
def _record(
    request_type: str,
    name: str,
    response_time: float,
    response_length: int,
    exception: Any = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    started = start_time if start_time is not None else time.time() - response_time / 1000
    _samples.append((started, name, float(response_time), exception is None, response_length))


@events.quitting.add_listener  # type: ignore[untyped-decorator]
def _save(**_: Any) -> None:
    SAMPLES.write_text(json.dumps(_samples), encoding="utf-8")


class Advocate(FastHttpUser):
    """One advocate: the home page now and then, mostly their own cases (open ones first)."""

    wait_time = _wait_time()

    def on_start(self) -> None:
        seat = next(_seats)
        self.person: dict[str, Any] = PEOPLE["people"][seat % len(PEOPLE["people"])]
        self.headers = {"Cookie": f"{PEOPLE['cookie_name']}={self.person['session']}"}
        self.home_marker = f"Your open cases ({self.person['open_count']})"

    @task(HOME_WEIGHT)
    def home(self) -> None:
        with self.client.get(
            "/casework/",
            name="advocate home",
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif self.home_marker not in text or "New self-referrals" not in text:
                response.failure("the home page did not show this advocate's own cases")

    @task(CASE_WEIGHT)
    def case(self) -> None:
        pool = self.person["open"] if random.random() < OPEN_SHARE else self.person["closed"]
        reference, client_name = random.choice(pool or self.person["open"])
        with self.client.get(
            f"/casework/cases/{reference}/",
            name="case page",
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif f"Case {reference}" not in text or html.escape(client_name) not in text:
                response.failure("the case page did not show this case and its client")
