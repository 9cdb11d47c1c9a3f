"""Benchmark: the advocate home page and the case page under load, with 100,000 cases.

    .venv/bin/python bench/casework_bench.py                     # PostgreSQL, 100k cases
    .venv/bin/python bench/casework_bench.py --database sqlite   # the embedded default
    .venv/bin/python bench/casework_bench.py --cases 20000 --duration 30   # quicker

What one run does:

1. Creates a fresh database (PostgreSQL: a dedicated database, ``accord_bench`` by default,
   dropped at the end; SQLite: a file in the work folder) with freshly generated keys and
   production settings (``accord.settings.production``, plain HTTP on loopback only), and
   migrates it.
2. Generates one advisory service: 60 advocates and 6 supervisors, each enrolled in MFA
   (authenticator app, recovery codes, security key), and 100,000 cases with everything a
   case holds: its own wrapped data key, the client and the alleged perpetrator, consents,
   activities, DASH risk assessments, safety plans with actions, referrals, outcome
   ratings and (a third of opened cases) a police complaint with its steps, every sealed
   field encrypted with the real ``accord.casework`` code (the case
   key is wrapped by the master key, each value sealed through the model's own
   ``SealedText``/``SealedJSON`` attribute, so every token decrypts on the page). A few
   hundred new self-referrals wait in the triage queue, and the audit log starts with a
   valid hash chain of past events. Rows go in with ``bulk_create`` from worker processes.
3. Signs 20 advocates in by writing the session that allauth's sign-in and second step
   leave behind (password, then security key), and serves the app with gunicorn (or
   Django's threaded ``runserver`` when gunicorn is not on the path) on 127.0.0.1.
4. Checks a sample of pages by hand (reference, decrypted client name, the advocate's own
   open-case count), then runs Locust headless: 20 users, each a different advocate, for a
   warm-up and then a measured window; every response is checked. Percentiles come from
   every response time (not Locust's rounded buckets).
5. Profiles both pages in-process (query count, where the time goes, the slowest queries),
   verifies the audit chain after all the concurrent appends, and writes
   ``bench/results/casework.md`` and ``bench/results/casework.json``.

Benchmarks never run in the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import html
import http.client
import json
import math
import multiprocessing
import os
import platform
import pstats
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

RESULTS = ROOT / "bench" / "results"
LOCUSTFILE = ROOT / "bench" / "casework_locustfile.py"
SERVER_PATH = Path(
    os.environ.get("ACCORD_BENCH_SERVER_PATH", "/tmp/accord-bench-server")  # noqa: S108
)
TARGET_MS = 150.0
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
ENDPOINTS = ("advocate home", "case page")

# ----------------------------------------------------------------------------- synthetic text
# Invented, neutral wording: realistic lengths and shapes, no real person or event.


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    """Amara Beth Chloe Dana Elif Fatima Grace Hannah Imogen Jade Kasia Leah Maya Nadia Olivia
    Priya Rosa Sara Tamsin Una Vera Wendy Yasmin Zainab Aisha Bronwen Carys Deepa Esther
    Freya Gemma Holly Ines Joanna Keira Lowri Megan Niamh Orla Paula Ruth Sian Teresa Aoife"""
)
LAST_NAMES = _words(
    """Adeyemi Baker Campbell Davies Evans Fernandes Green Hughes Iqbal Jones Kowalski Lewis
    Morgan Nowak Okafor Patel Quinn Roberts Shah Thomas Usman Vaughan Walsh Young Zielinski
    Ahmed Bennett Clarke Dixon Ellis Francis Gill Hussain Jackson Khan Lloyd Murphy Nash"""
)
PERPETRATOR_FIRST = _words(
    "Adam Ben Craig Daniel Ewan Gareth Ian Jason Keith Liam Mark Neil Owen Paul"
)
UNITS = (
    "Response team, north borough",
    "Safer neighbourhoods team",
    "Roads policing unit",
    "Custody",
    "CID, east area",
    "Public order unit",
    "Training school",
    "Firearms unit",
    "Control room",
    "Professional standards (former)",
    "Not known yet",
)
SENTENCES = (
    "Called the client at the agreed safe time; she was able to talk freely.",
    "Client said the officer has been driving past her address late at night.",
    "Discussed reporting options, including making a complaint to professional standards.",
    "Explained how a complaint is recorded and what a conflict of interest means here.",
    "Client is worried that colleagues of the officer will handle her report.",
    "Agreed to speak again next week; no voicemail to be left.",
    "Sent the information pack by email to the safe address only.",
    "Client has moved to a friend's address for now and feels a little safer.",
    "The officer still has access to police systems; client fears being located.",
    "Supported the client to prepare for the meeting with the investigating officer.",
    "Client asked who is investigating; we will ask the force and record the answer.",
    "Shared the MARAC referral with the client's consent.",
    "Client reports messages through a third party asking her to drop the complaint.",
    "Reviewed the safety plan together and updated the trusted contact.",
    "Client would like support with housing and a referral to counselling.",
    "Chased the force for an update; none received within 28 days.",
    "Client described controlling behaviour over several years, including money.",
    "The children are staying with the client; contact arrangements are informal.",
    "Client is not ready to make a complaint yet and wants to think about it.",
    "Talked through what happens at a misconduct hearing and who attends.",
    "Noted that the officer serves in the area that would investigate.",
    "Left no message as agreed; tried again at the second safe time and got through.",
    "Client has kept a diary of incidents, which she may share later.",
    "Firearms access was raised; the force has been asked to confirm the position.",
)


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(low, high)))


def _pick(rng: random.Random, weighted: dict[str, float]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


# ----------------------------------------------------------------------------- environment


@dataclass
class Bench:
    """Everything a run needs to know about where the data lives."""

    database: str
    env: dict[str, str]
    workdir: Path
    db_name: str = ""
    reused: bool = False
    generation: dict[str, Any] = field(default_factory=dict)

    @property
    def state(self) -> Path:
        return self.workdir / f"bench-{self.database}.json"

    def remember(self, generation: dict[str, Any]) -> None:
        """Keep what generating took, so that a --reuse run can still report it."""
        self.generation = generation
        saved = json.loads(self.state.read_text("utf-8"))
        self.state.write_text(json.dumps({**saved, "generation": generation}), encoding="utf-8")


def _db_name(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", name) or name in {"postgres", "test"}:
        raise SystemExit(f"--db-name {name!r}: use a dedicated name such as accord_bench.")
    return name


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            is not None
        )


def prepare(args: argparse.Namespace) -> Bench:
    """Fresh keys and an empty database, or (with --reuse) the ones a --keep run left."""
    workdir = Path(args.workdir)
    state = workdir / f"bench-{args.database}.json"
    if args.reuse:
        if not state.exists():
            raise SystemExit(f"--reuse: nothing was kept in {workdir}; run once with --keep.")
        saved = json.loads(state.read_text("utf-8"))
        bench = Bench(
            args.database,
            saved["env"],
            workdir,
            saved.get("db_name", ""),
            True,
            saved.get("generation", {}),
        )
        if args.database == "postgresql" and not _pg_exists(bench.db_name):
            raise SystemExit(f"--reuse: database {bench.db_name} is gone; run without --reuse.")
        return bench
    if workdir.exists():
        if any(workdir.iterdir()) and not any(workdir.glob("bench-*.json")):
            raise SystemExit(f"--workdir {workdir} holds other files; choose an empty folder.")
        shutil.rmtree(workdir)
    (workdir / "var" / "static").mkdir(parents=True)
    if args.database == "postgresql":
        name = _db_name(args.db_name)
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {name}")
        url = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        name = ""
        url = f"sqlite:///{workdir / 'accord-bench.sqlite3'}"
    from accord.casework.keys import generate_master_spec
    from accord.crypto.keyring import Keyring
    from accord.releases.file import new_private_text

    env = {
        "DJANGO_SETTINGS_MODULE": args.settings,
        "DATABASE_URL": url,
        "ACCORD_VAR_DIR": str(workdir / "var"),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ACCORD_AUDIT_KEY": secrets.token_urlsafe(48),
        "ACCORD_RELEASE_SIGNING_KEY": f"bench-release-1:{new_private_text()}",
        # Production settings insist on a virus scanner; the benchmark uploads nothing.
        "ACCORD_CLAMD": "unix:/run/clamav/clamd.ctl",
        "ACCORD_DATA_KEYS": Keyring.generate_key_spec("bench-data-1"),
        "ACCORD_CASE_KEYS": generate_master_spec("bench-case-1"),
        "ACCORD_ZONES": "casework",  # an advisory service runs the casework zone on its own
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; nothing else changes
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    state.write_text(json.dumps({"env": env, "db_name": name}), encoding="utf-8")
    return Bench(args.database, env, workdir, name)


def finish(bench: Bench, keep: bool) -> None:
    from django.db import connections

    connections.close_all()
    if keep:
        print(f"Kept the benchmark data in {bench.workdir} (and database {bench.db_name}).")
        return
    if bench.database == "postgresql":
        _pg_admin(f"DROP DATABASE IF EXISTS {bench.db_name} WITH (FORCE)")
    shutil.rmtree(bench.workdir, ignore_errors=True)


# ----------------------------------------------------------------------------- the service


@dataclass
class Service:
    organisation_id: int
    advocates: list[int]
    supervisors: list[int]
    open_counts: dict[int, int] = field(default_factory=dict)
    closed_counts: dict[int, int] = field(default_factory=dict)


def make_people(advocates: int, supervisors: int, seed: int) -> Service:
    """The service, its advocates and supervisors, each with MFA like real staff."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accord.accounts.models import Membership, Organisation, User
    from accord.policy.roles import OrgKind, Role

    rng = random.Random(seed)
    organisation = Organisation.objects.create(
        name="Bench Advisory Service", kind=OrgKind.ADVISORY_SERVICE.value
    )
    ids: dict[str, list[int]] = {"advocate": [], "supervisor": []}
    for role, count in (("advocate", advocates), ("supervisor", supervisors)):
        for number in range(1, count + 1):
            user = User(
                email=f"{role}{number:02d}@bench.accord.invalid",
                display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            )
            user.set_unusable_password()  # sessions are made directly; see sign_in()
            user.save()
            Membership.objects.create(user=user, organisation=organisation, role=Role(role).value)
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)
            Authenticator.objects.create(
                user=user,
                type=Authenticator.Type.WEBAUTHN,
                data={"name": "Bench security key", "passwordless": False, "credential": {}},
            )
            ids[role].append(int(user.pk))
    return Service(int(organisation.pk), ids["advocate"], ids["supervisor"])


@dataclass(frozen=True)
class Plan:
    """Who holds how many cases, and in what state."""

    cases: list[tuple[int, str, str, int | None]]  # (seed, reference, kind, advocate id)
    open_counts: dict[int, int]
    closed_counts: dict[int, int]
    new: int


def plan_cases(service: Service, total: int, open_mean: int, new: int, seed: int) -> Plan:
    """Spread the cases: ~open_mean open per advocate (spread +-40%), closed ones in
    proportion to a per-advocate weight (longer-serving advocates hold more), and the
    self-referral queue unassigned."""
    from accord.casework.models import REFERENCE_ALPHABET

    rng = random.Random(seed)
    advocates = service.advocates
    open_counts = {a: max(3, round(open_mean * rng.uniform(0.6, 1.4) * 1.0)) for a in advocates}
    closed_total = total - new - sum(open_counts.values())
    if closed_total < 0:
        raise SystemExit("--cases is too small for the open cases and the triage queue.")
    weights = {a: rng.uniform(0.6, 1.4) for a in advocates}
    scale = closed_total / sum(weights.values())
    closed_counts = {a: math.floor(w * scale) for a, w in weights.items()}
    for a in sorted(advocates, key=lambda a: weights[a] * scale % 1, reverse=True):
        if sum(closed_counts.values()) == closed_total:
            break
        closed_counts[a] += 1
    references: set[str] = set()
    while len(references) < total:
        body = "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(7))
        references.add(f"{body[:3]}-{body[3:]}")
    ordered = sorted(references)
    rng.shuffle(ordered)
    kinds: list[tuple[str, int | None]] = [("new", None)] * new
    for a in advocates:
        kinds += [("open", a)] * open_counts[a] + [("closed", a)] * closed_counts[a]
    rng.shuffle(kinds)
    cases = [
        (seed * 1_000_003 + i, ordered[i], kind, advocate)
        for i, (kind, advocate) in enumerate(kinds)
    ]
    return Plan(cases, open_counts, closed_counts, new)


# ----------------------------------------------------------------------------- generation

FORCES = {"met": 0.70, "city": 0.03, "btp": 0.05, "other": 0.17, "not_known": 0.05}
OFFICER = {
    "serving_officer": 0.62,
    "former_officer": 0.16,
    "serving_staff": 0.12,
    "former_staff": 0.05,
    "not_known": 0.05,
}
RANKS = {
    "constable": 0.55,
    "sergeant_inspector": 0.25,
    "senior": 0.05,
    "staff": 0.1,
    "not_known": 0.05,
}
ACTIVITY = {
    "call": 0.45,
    "meeting": 0.12,
    "letter": 0.06,
    "email": 0.17,
    "text": 0.08,
    "note": 0.12,
}
REFERRAL_TO = {
    "idva": 0.2,
    "isva": 0.1,
    "marac": 0.12,
    "legal": 0.15,
    "counselling": 0.15,
    "housing": 0.13,
    "iopc": 0.1,
    "other": 0.05,
}
CLOSURE = {
    "support_complete": 0.55,
    "client_ended": 0.2,
    "no_contact": 0.15,
    "transferred": 0.07,
    "other": 0.03,
}
OPTIONAL_CONSENTS = (
    "share_idva_isva",
    "share_marac",
    "complaint",
    "share_iopc",
    "anonymous_statistics",
)


def _auto_dates_off() -> dict[Any, tuple[bool, bool]]:
    """Switch auto_now/auto_now_add off while loading history (created_at must lie in the
    past); returns what to restore."""
    from django.apps import apps

    saved: dict[Any, tuple[bool, bool]] = {}
    for model in apps.get_app_config("casework").get_models():
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved[f] = (f.auto_now, f.auto_now_add)  # type: ignore[attr-defined]
                f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    return saved


def _auto_dates_restore(saved: dict[Any, tuple[bool, bool]]) -> None:
    for f, (auto_now, auto_now_add) in saved.items():
        f.auto_now, f.auto_now_add = auto_now, auto_now_add


#: Share of opened cases with a police complaint, and the road each one takes: how far along
#: it a complaint has got is drawn per complaint (gaps in days between the steps).
COMPLAINT_SHARE = 0.35
COMPLAINT_ROAD: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("made_to_force", (), 0),
    ("recorded", ("complaint_recorded",), 12),
    ("update_received", ("update_received",), 25),
    ("handled_otherwise", ("handling_decided",), 20),
    ("outcome_given", ("outcome_letter_dated", "outcome_letter_received"), 45),
    ("review_applied", ("review_applied",), 14),
)


def _complaint(
    rng: random.Random, process: Any, case: Any, made: dt.date, today: dt.date, by: int | None
) -> Any:
    """A complaint taken along the process by the engine itself, so its state, its steps and
    its next deadline are exactly what the app would have stored (nothing sealed is left
    empty: the summary and handler are encrypted under the case key like the app's own)."""
    from accord.complaints.models import Complaint
    from accord.complaints.services import OPENED, _next_due

    state = process.start(made, on=made)
    steps = [(OPENED, "", state.stage, made, {"complaint_made": made.isoformat()})]
    day = made
    for transition, names, gap in COMPLAINT_ROAD[: rng.randint(1, len(COMPLAINT_ROAD))]:
        later = day + dt.timedelta(days=gap + rng.randint(0, gap // 2 + 1))
        if later > today:
            break
        day = later
        recorded = {name: day for name in names}
        before = state.stage
        state = process.apply(state, transition, recorded, on=day)
        steps.append(
            (transition, before, state.stage, day, {k: v.isoformat() for k, v in recorded.items()})
        )
    complaint = Complaint(
        case=case,
        created_by_id=by,
        process_version=process.version,
        stage=state.stage,
        state=state.to_data(),
        made_to="force",
        force=_pick(rng, {"met": 0.8, "city": 0.04, "btp": 0.06, "other": 0.1}),
        officer_in_handling_unit=_pick(rng, {"yes": 0.1, "no": 0.5, "not_known": 0.4}),
    )
    complaint.next_due_on, complaint.next_due_rule = _next_due(process, state, today)
    complaint.summary = _text(rng, 1, 3)
    complaint.handler = f"PSD, ref {made.year}/{rng.randint(1000, 9999)}"
    complaint._steps = steps  # type: ignore[attr-defined]
    return complaint


def _generate_chunk(
    job: tuple[list[tuple[int, str, str, int | None]], float, int, str],
) -> Counter[str]:
    """Build and insert one chunk of cases with all their records (in a worker process)."""
    from django.db import connection, transaction

    from accord.casework import keys, name_index
    from accord.casework.models import (
        Activity,
        Case,
        CaseKey,
        Consent,
        NameToken,
        OutcomeMeasure,
        Party,
        Referral,
        RiskAssessment,
        SafetyAction,
        SafetyPlan,
    )
    from accord.complaints.models import Complaint, ComplaintStep
    from accord.complaints.services import current_process
    from accord.crypto.keyring import Keyring

    specs, now_ts, organisation_id, checklist = job
    process = current_process()
    now = dt.datetime.fromtimestamp(now_ts, dt.UTC)
    day = dt.timedelta(days=1)
    retention = dt.timedelta(days=6 * 365)
    counts: Counter[str] = Counter()
    cases: list[Any] = []
    rngs: list[random.Random] = []
    for seed, reference, kind, advocate in specs:
        rng = random.Random(seed)
        source = "self_referral" if kind == "new" or rng.random() < 0.3 else "staff"
        if kind == "closed":
            created = now - dt.timedelta(days=rng.uniform(30, 6.5 * 365))
            opened = created + dt.timedelta(hours=rng.uniform(1, 72))
            length = dt.timedelta(days=min(max(rng.expovariate(1 / 90), 7), 540))
            closed: dt.datetime | None = min(opened + length, now - day)
        elif kind == "open":
            created = now - dt.timedelta(days=1 + min(rng.expovariate(1 / 120), 720))
            opened = created + dt.timedelta(hours=rng.uniform(1, 72))
            closed = None
        else:
            created = now - dt.timedelta(days=rng.uniform(0, 21))
            opened = None
            closed = None
        perpetrator_known = rng.random() < 0.92
        local = _pick(rng, {"yes": 0.35, "no": 0.35, "not_known": 0.3})
        case = Case(
            reference=reference,
            organisation_id=organisation_id,
            source=source,
            status=kind,
            advocate_id=advocate,
            created_at=created,
            updated_at=closed or now - dt.timedelta(days=rng.uniform(0, 14)),
            opened_at=opened,
            closed_at=closed,
            closed_by_id=advocate if closed else None,
            closure_reason=_pick(rng, CLOSURE) if closed else "",
            next_review_on=(
                (now + dt.timedelta(days=rng.randint(-21, 60))).date()
                if kind == "open" and rng.random() < 0.9
                else None
            ),
            conflict_of_interest=perpetrator_known and local == "yes",
            restricted=kind == "closed" and rng.random() < 0.003,
            legal_hold=kind == "closed" and rng.random() < 0.002,
            retention_review_on=(closed + retention).date() if closed else None,
        )
        wrapped, raw = keys.new_wrapped_key(str(case.uid))
        case._wrapped = wrapped  # type: ignore[attr-defined]
        case._perpetrator = (perpetrator_known, local)  # type: ignore[attr-defined]
        case._data_keyring = Keyring((("g1", raw),))  # type: ignore[attr-defined]
        case.summary = _text(rng, 2, 5)
        if closed and rng.random() < 0.6:
            case.closure_note = _text(rng, 1, 2)
        if case.legal_hold:
            case.legal_hold_reason = "Civil claim against the force is pending."
        cases.append(case)
        rngs.append(rng)

    records: dict[str, list[Any]] = {
        name: []
        for name in (
            "key",
            "party",
            "consent",
            "measure",
            "activity",
            "risk",
            "plan",
            "referral",
            "complaint",
        )
    }
    actions: list[Any] = []
    with transaction.atomic():
        Case.objects.bulk_create(cases, batch_size=1000)
        for case, rng in zip(cases, rngs, strict=True):
            by = case.advocate_id
            start = case.opened_at or case.created_at
            end = case.closed_at or now
            span = max((end - start).total_seconds(), 3600.0)

            def moment(
                rng: random.Random = rng, start: dt.datetime = start, span: float = span
            ) -> dt.datetime:
                return start + dt.timedelta(seconds=rng.uniform(0, span))

            records["key"].append(
                CaseKey(case=case, generation=1, wrapped=case._wrapped, created_at=case.created_at)
            )
            client = Party(case=case, role="client", created_by_id=by, created_at=case.created_at)
            client.name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            client._buckets = name_index.prepare(client)  # type: ignore[attr-defined]
            method = _pick(rng, {"phone": 0.55, "text": 0.15, "email": 0.2, "trusted_person": 0.1})
            contact = {
                "method": method,
                "times": rng.choice(("Weekdays 10am to 2pm", "After 7pm", "Mornings only", "")),
                "voicemail_safe": _pick(rng, {"no": 0.6, "yes": 0.2, "not_known": 0.2}),
            }
            if method in {"phone", "text"}:
                contact["phone"] = f"07700 900{rng.randint(100, 999)}"
            elif method == "email":
                contact["email"] = f"safe{rng.randint(1000, 9999)}@example.org"
            else:
                contact["trusted_person"] = (
                    f"{rng.choice(FIRST_NAMES)} (sister), 07700 900{rng.randint(100, 999)}"
                )
            if rng.random() < 0.4:
                contact["code_word"] = rng.choice(("bluebell", "harbour", "lantern", "meadow"))
            client.details = {"contact": {k: v for k, v in contact.items() if v}}
            records["party"].append(client)
            perpetrator_known, local = case._perpetrator
            if perpetrator_known:
                perpetrator = Party(
                    case=case,
                    role="perpetrator",
                    created_by_id=by,
                    created_at=case.created_at,
                    force=_pick(rng, FORCES),
                    officer_status=_pick(rng, OFFICER),
                    rank_band=_pick(rng, RANKS),
                    local_team_involved=local,
                )
                perpetrator.name = f"{rng.choice(PERPETRATOR_FIRST)} {rng.choice(LAST_NAMES)}"
                perpetrator._buckets = name_index.prepare(perpetrator)  # type: ignore[attr-defined]
                if rng.random() < 0.8:
                    perpetrator.unit = rng.choice(UNITS)
                records["party"].append(perpetrator)
            given = case.created_at.date()
            consent_method = (
                "online" if case.source == "self_referral" else rng.choice(("verbal", "written"))
            )
            purposes = ["keep_record", "contact", *rng.sample(OPTIONAL_CONSENTS, rng.randint(0, 3))]
            for purpose in purposes:
                withdrawn = rng.random() < 0.03 and case.status != "new"
                consent = Consent(
                    case=case,
                    purpose=purpose,
                    given_on=given,
                    method=consent_method,
                    created_by_id=by,
                    created_at=case.created_at,
                    withdrawn_on=moment().date() if withdrawn else None,
                    withdrawal_recorded_by_id=by if withdrawn else None,
                )
                if rng.random() < 0.1:
                    consent.note = "Client asked that her GP is not contacted."
                records["consent"].append(consent)
            if rng.random() < 0.85:
                records["measure"].append(
                    OutcomeMeasure(
                        case=case,
                        stage="intake",
                        recorded_on=given,
                        feels_safe=rng.randint(1, 3),
                        trusts_complaints_process=rng.randint(1, 3),
                        created_by_id=by,
                        created_at=case.created_at,
                    )
                )
            if case.closed_at and rng.random() < 0.6:
                records["measure"].append(
                    OutcomeMeasure(
                        case=case,
                        stage="closure",
                        recorded_on=case.closed_at.date(),
                        feels_safe=rng.randint(2, 5),
                        trusts_complaints_process=rng.randint(1, 5),
                        created_by_id=by,
                        created_at=case.closed_at,
                    )
                )
            if case.status == "new":
                continue
            for _ in range(rng.randint(3, 14) if case.closed_at else rng.randint(2, 10)):
                when = moment()
                activity = Activity(
                    case=case,
                    kind=_pick(rng, ACTIVITY),
                    occurred_at=when,
                    created_by_id=by,
                    created_at=when,
                )
                activity.text = _text(rng, 1, 4)
                records["activity"].append(activity)
            if case.status == "open" and rng.random() < 0.5:
                due = now + dt.timedelta(days=rng.randint(1, 21))
                scheduled = Activity(
                    case=case,
                    kind=rng.choice(("call", "meeting")),
                    due_on=due.date(),
                    created_by_id=by,
                    created_at=now - dt.timedelta(days=rng.randint(0, 7)),
                )
                scheduled.text = "Planned check-in at the agreed safe time."
                records["activity"].append(scheduled)
            for number in range(2 if rng.random() < 0.25 else 1 if rng.random() < 0.92 else 0):
                level = rng.uniform(0.15, 0.7)
                answers = {
                    str(q): (
                        "yes"
                        if (r := rng.random()) < level
                        else "not_known"
                        if r < level + 0.08
                        else "no"
                    )
                    for q in range(1, 28)
                }
                yes = sum(1 for v in answers.values() if v == "yes")
                judgement = rng.random() < 0.1
                escalation = rng.random() < 0.05
                high = yes >= 14 or judgement or escalation
                completed = min(start + dt.timedelta(days=2 + 30 * number), end)
                risk = RiskAssessment(
                    case=case,
                    completed_on=completed.date(),
                    checklist_version=checklist,
                    yes_count=yes,
                    not_known_count=sum(1 for v in answers.values() if v == "not_known"),
                    high_risk_by_count=yes >= 14,
                    professional_judgement=judgement,
                    potential_escalation=escalation,
                    marac_decision=("refer" if rng.random() < 0.8 else "already")
                    if high
                    else "not_referred",
                    created_by_id=by,
                    created_at=completed,
                )
                risk.answers = answers
                risk.narrative = _text(rng, 2, 6)
                records["risk"].append(risk)
            if rng.random() < 0.6:
                plan = SafetyPlan(
                    case=case,
                    review_on=(start + dt.timedelta(days=rng.randint(14, 60))).date(),
                    created_by_id=by,
                    created_at=min(start + dt.timedelta(days=3), end),
                )
                plan.notes = _text(rng, 1, 3)
                records["plan"].append(plan)
                plan._actions = [  # type: ignore[attr-defined]
                    (
                        rng.choice(("client", "advocate", "other_agency")),
                        (start + dt.timedelta(days=rng.randint(3, 45))).date(),
                        rng.random() < (0.9 if case.closed_at else 0.4),
                        _text(rng, 1, 1),
                    )
                    for _ in range(rng.randint(2, 6))
                ]
            for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
                made = moment()
                status = _pick(
                    rng,
                    {
                        "made": 0.2,
                        "accepted": 0.35,
                        "declined": 0.1,
                        "completed": 0.3,
                        "withdrawn": 0.05,
                    },
                )
                referral = Referral(
                    case=case,
                    to=_pick(rng, REFERRAL_TO),
                    made_on=made.date(),
                    status=status,
                    outcome_on=(made + dt.timedelta(days=rng.randint(3, 40))).date()
                    if status in {"completed", "declined"}
                    else None,
                    created_by_id=by,
                    created_at=made,
                )
                referral.note = _text(rng, 1, 2)
                if status in {"completed", "declined"}:
                    referral.outcome = _text(rng, 1, 1)
                records["referral"].append(referral)
            if case.status != "new" and rng.random() < COMPLAINT_SHARE:
                records["complaint"].append(
                    _complaint(rng, process, case, moment().date(), now.date(), by)
                )
        models = {
            "key": CaseKey,
            "party": Party,
            "consent": Consent,
            "measure": OutcomeMeasure,
            "activity": Activity,
            "risk": RiskAssessment,
            "plan": SafetyPlan,
            "referral": Referral,
        }
        for name, model in models.items():
            model._default_manager.bulk_create(records[name], batch_size=1000)
            counts[model.__name__] += len(records[name])
        index = [t for p in records["party"] for t in name_index.tokens(p, p._buckets)]
        NameToken.objects.bulk_create(index, batch_size=1000)
        counts["NameToken"] += len(index)
        for plan in records["plan"]:
            for owner, due, done, text in plan._actions:
                action = SafetyAction(
                    plan=plan,
                    case=plan.case,
                    owner=owner,
                    due_on=due,
                    done_on=due if done else None,
                    created_by_id=plan.created_by_id,
                    created_at=plan.created_at,
                )
                action.text = text
                actions.append(action)
        SafetyAction.objects.bulk_create(actions, batch_size=1000)
        counts["SafetyAction"] += len(actions)
        Complaint.objects.bulk_create(records["complaint"], batch_size=1000)
        counts["Complaint"] += len(records["complaint"])
        steps = [
            ComplaintStep(
                complaint=complaint,
                case=complaint.case,
                transition=transition,
                from_stage=before,
                to_stage=after,
                on=on,
                recorded=recorded,
                created_by_id=complaint.created_by_id,
            )
            for complaint in records["complaint"]
            for transition, before, after, on, recorded in complaint._steps
        ]
        ComplaintStep.objects.bulk_create(steps, batch_size=1000)
        counts["ComplaintStep"] += len(steps)
        counts["Case"] += len(cases)
    connection.close()
    return counts


def _audit_chunk(rows: list[tuple[Any, ...]]) -> int:
    from django.db import connection, transaction

    from accord.audit.models import AuditEvent

    with transaction.atomic():
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    id=r[0],
                    occurred_at=r[1],
                    actor_id=r[2],
                    actor_org_id=r[3],
                    action=r[4],
                    object_type=r[5],
                    object_id=r[6],
                    request_id=r[7],
                    prev_hash=r[8],
                    hash=r[9],
                )
                for r in rows
            ],
            batch_size=2000,
        )
    connection.close()
    return len(rows)


def audit_history(
    service: Service, plan: Plan, events: int, seed: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Past audit events with a valid hash chain, oldest first, in chunks with fixed ids (so
    parallel inserts keep chain order)."""
    from accord.audit.chain import GENESIS, digest
    from accord.audit.services import chain_key

    key = chain_key()
    rng = random.Random(seed)
    staff = service.advocates + service.supervisors
    references = [c[1] for c in plan.cases]
    actions = {
        "casework.case.view": 0.5,
        "casework.home.view": 0.25,
        "auth.login": 0.1,
        "auth.logout": 0.05,
        "casework.case.open": 0.03,
        "casework.case.close": 0.03,
        "casework.case.assign.view": 0.04,
    }
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=6.5 * 365)
    step = (6.5 * 365 * 86400 - 3600) / max(events, 1)
    prev = GENESIS
    chunk: list[tuple[Any, ...]] = []
    for i in range(events):
        when = start + dt.timedelta(seconds=i * step)
        action = _pick(rng, actions)
        actor = str(rng.choice(staff))
        kind, object_id = (
            ("user", actor)
            if action.startswith("auth.")
            else ("casework", "home")
            if action == "casework.home.view"
            else ("case", rng.choice(references))
        )
        request_id = f"{rng.getrandbits(128):032x}"
        org = str(service.organisation_id)
        stamp = when.isoformat(timespec="microseconds")
        digest_ = digest(
            key=key,
            prev_hash=prev,
            occurred_at=stamp,
            actor_id=actor,
            actor_org_id=org,
            action=action,
            object_type=kind,
            object_id=object_id,
            request_id=request_id,
        )
        chunk.append((i + 1, when, actor, org, action, kind, object_id, request_id, prev, digest_))
        prev = digest_
        if len(chunk) == 20_000:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def generate(args: argparse.Namespace, bench: Bench) -> tuple[Service, Plan, dict[str, Any]]:
    """Load the whole service; return who holds what, and what it took."""
    from django.core.management.color import no_style
    from django.db import connection, connections

    from accord.audit.models import AuditEvent
    from accord.casework.dash import load_checklist

    started = time.perf_counter()
    service = make_people(args.advocates, args.supervisors, args.seed)
    plan = plan_cases(service, args.cases, args.open_per_advocate, args.self_referrals, args.seed)
    service.open_counts, service.closed_counts = plan.open_counts, plan.closed_counts
    checklist = load_checklist().key
    now_ts = time.time()
    jobs = [
        (plan.cases[i : i + args.chunk], now_ts, service.organisation_id, checklist)
        for i in range(0, len(plan.cases), args.chunk)
    ]
    workers = 1 if bench.database == "sqlite" else max(1, args.workers)
    saved = _auto_dates_off()
    counts: Counter[str] = Counter()
    connections.close_all()  # never share a connection with forked workers
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for done, result in enumerate(pool.imap_unordered(_generate_chunk, jobs), start=1):
                counts.update(result)
                if done % 5 == 0 or done == len(jobs):
                    elapsed = time.perf_counter() - started
                    print(
                        f"  cases: {counts['Case']:,} of {args.cases:,} ({elapsed:.0f} s)",
                        flush=True,
                    )
            audit_started = time.perf_counter()
            inserted = sum(
                pool.imap(_audit_chunk, audit_history(service, plan, args.audit_history, args.seed))
            )
            counts["AuditEvent (history)"] = inserted
            audit_seconds = time.perf_counter() - audit_started
    finally:
        _auto_dates_restore(saved)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [AuditEvent]):
            cursor.execute(statement)
    load_seconds = time.perf_counter() - started
    maintenance = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE)")  # what autovacuum does after a bulk load
        else:
            cursor.execute("ANALYZE")
    facts = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="minutes"),
        "self_referrals": plan.new,
        "rows": dict(sorted(counts.items())),
        "load_seconds": round(load_seconds, 1),
        "audit_seconds": round(audit_seconds, 1),
        "maintenance_seconds": round(time.perf_counter() - maintenance, 1),
        "workers": workers,
        "database_size": database_size(bench),
    }
    return service, plan, facts


def database_size(bench: Bench) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return str(cursor.fetchone()[0])
    path = Path(bench.env["DATABASE_URL"].removeprefix("sqlite:///"))
    return f"{path.stat().st_size / 1e6:,.0f} MB"


def service_from_database() -> Service:
    """With --reuse: who holds what, read back from the kept database."""
    from django.db.models import Count

    from accord.accounts.models import Membership
    from accord.casework.models import Case

    members = Membership.objects.filter(organisation__name="Bench Advisory Service")
    advocates = sorted(members.filter(role="advocate").values_list("user_id", flat=True))
    service = Service(
        int(members.first().organisation_id),  # type: ignore[union-attr]
        advocates,
        sorted(members.filter(role="supervisor").values_list("user_id", flat=True)),
    )
    for row in (
        Case.objects.filter(advocate__isnull=False)
        .values("advocate", "status")
        .annotate(n=Count("id"))
    ):
        target = service.open_counts if row["status"] == "open" else service.closed_counts
        target[row["advocate"]] = row["n"]
    return service


# ----------------------------------------------------------------------------- sessions


def sign_in(service: Service, users: int, closed_sample: int, seed: int) -> dict[str, Any]:
    """Sessions for the benchmark advocates, as a real sign-in leaves them, and what each
    one's pages must show (references and decrypted client names, via the real code)."""
    from importlib import import_module

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accord.accounts.middleware import AUTH_AT, SEEN_AT
    from accord.accounts.models import User
    from accord.audit.services import record
    from accord.casework.models import Case

    store = import_module(settings.SESSION_ENGINE).SessionStore
    webauthn = bool(getattr(settings, "ACCORD_CASEWORK_REQUIRE_WEBAUTHN", False))
    rng = random.Random(seed)
    people = []
    for user_id in service.advocates[:users]:
        user = User.objects.get(pk=user_id)
        now = time.time()
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": now, "email": user.email},
            {"method": "mfa", "at": now, "type": "webauthn" if webauthn else "totp"},
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
        session[AUTH_AT] = now
        session[SEEN_AT] = now
        session.create()
        record(None, "auth.login", "user", str(user.pk), actor=user)
        mine = Case.objects.filter(advocate=user)
        open_refs = list(mine.filter(status="open").values_list("reference", flat=True))
        closed_refs = list(mine.filter(status="closed").values_list("reference", flat=True))
        closed_refs = rng.sample(closed_refs, min(closed_sample, len(closed_refs)))
        named = {}
        for case in Case.objects.filter(reference__in=open_refs + closed_refs):
            client = case.client
            named[case.reference] = client.name if client is not None else ""
        people.append(
            {
                "user_id": user.pk,
                "email": user.email,
                "session": session.session_key,
                "open_count": Case.objects.visible_to(user)
                .filter(restricted=False, advocate=user, status="open")
                .count(),
                "queue_count": Case.objects.filter(status="new", advocate__isnull=True).count(),
                "cases": mine.count(),
                "open": [[r, named[r]] for r in open_refs],
                "closed": [[r, named[r]] for r in closed_refs],
            }
        )
    return {"cookie_name": settings.SESSION_COOKIE_NAME, "people": people}


# ----------------------------------------------------------------------------- serving


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    kind: str
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn_available() -> bool:
    return (SERVER_PATH / "gunicorn" / "__init__.py").exists()


def start_server(args: argparse.Namespace, bench: Bench) -> Server:
    port = _free_port()
    env = {**os.environ, **bench.env}
    log = bench.workdir / "server.log"
    python = sys.executable
    if args.server == "gunicorn":
        env["PYTHONPATH"] = os.pathsep.join([str(SERVER_PATH), str(ROOT / "src")])
        command = [
            python,
            "-m",
            "gunicorn",
            "accord.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.server_workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.server_threads),
            "--log-level",
            "warning",
            "--error-logfile",
            str(log),
        ]
        kind = (
            f"gunicorn {_gunicorn_version()} (gthread), {args.server_workers} workers x "
            f"{args.server_threads} threads"
        )
    else:
        env["PYTHONPATH"] = str(ROOT / "src")
        command = [
            python,
            "-m",
            "django",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
        ]
        kind = "Django runserver (threaded, --noreload): gunicorn was not available"
    handle = log.open("ab")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=handle)
    server = Server(process, port, kind, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The server stopped at start; see {log}:\n{log.read_text()[-3000:]}")
        try:
            status, _ = fetch(server, "/get-help/", "")
            if status in {200, 503}:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"The server did not answer within 60 s; see {log}.")


def _gunicorn_version() -> str:
    text = (SERVER_PATH / "gunicorn" / "__init__.py").read_text("utf-8")
    found = re.search(r"version_info\s*=\s*\(([^)]*)\)", text)
    return ".".join(p.strip() for p in found.group(1).split(",")) if found else "?"


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def fetch(server: Server, path: str, cookie: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def check_sample(server: Server, people: dict[str, Any]) -> dict[str, int]:
    """Before the load: pages fetched one at a time, checked for exactly what they must show,
    and a case of another advocate must be a 404 (the load would hide a leaky gate)."""
    checked = Counter[str]()
    name = people["cookie_name"]
    everyone = people["people"]
    for index, person in enumerate(everyone):
        cookie = f"{name}={person['session']}"
        status, text = fetch(server, "/casework/", cookie)
        if status != 200 or f"Your open cases ({person['open_count']})" not in text:
            raise SystemExit(f"Home page of {person['email']}: status {status}, wrong content.")
        if f">{person['queue_count']}</span>" not in text:
            raise SystemExit(f"Home page of {person['email']}: the triage queue count is wrong.")
        checked["home pages"] += 1
        for reference, client_name in person["open"][:3] + person["closed"][:2]:
            status, text = fetch(server, f"/casework/cases/{reference}/", cookie)
            if (
                status != 200
                or f"Case {reference}" not in text
                or html.escape(client_name) not in text
            ):
                raise SystemExit(
                    f"Case {reference} of {person['email']}: status {status}, wrong content."
                )
            checked["case pages"] += 1
        other = everyone[(index + 1) % len(everyone)]
        if other is not person:
            status, _ = fetch(server, f"/casework/cases/{other['open'][0][0]}/", cookie)
            if status != 404:
                raise SystemExit(f"{person['email']} reached another advocate's case ({status}).")
            checked["other advocates' cases refused (404)"] += 1
    status, _ = fetch(server, "/casework/", "")
    if status != 302:
        raise SystemExit(f"The home page without a session answered {status}, not a redirect.")
    return dict(checked)


# ----------------------------------------------------------------------------- load


def _cpu_ticks() -> tuple[int, int]:
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + values[4]
    return sum(values), idle


def _proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of one process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    parts = stat.rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        stack += [int(c) for c in children]
    return found


class CpuSampler(threading.Thread):
    """CPU used by the server's processes, Locust, and (PostgreSQL) the benchmark database's
    own backends, sampled twice a second: Django reconnects every 60 s (CONN_MAX_AGE), so
    backends come and go during a run and a start/end reading alone would miss them."""

    def __init__(self, roots: dict[str, int], db_name: str) -> None:
        super().__init__(daemon=True)
        self.roots = roots
        self.db_name = db_name
        self.done = threading.Event()
        self.base: dict[int, tuple[str, float]] = {}
        self.last: dict[int, float] = {}
        self.waits: list[tuple[int, int]] = []  # (waiting on the audit lock, active) per sample

    def _pids(self, conn: Any) -> list[tuple[int, str]]:
        pids = [(pid, role) for role, root in self.roots.items() for pid in _tree(root)]
        if conn is not None:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.db_name],
            ).fetchall()
            pids += [(int(row[0]), "database") for row in rows]
        return pids

    def _sample(self, conn: Any, first: bool) -> None:
        if conn is not None:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' "
                "AND wait_event = 'advisory'), count(*) FILTER (WHERE state = 'active') "
                "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.db_name],
            ).fetchone()
            self.waits.append((int(row[0]), int(row[1])))
        for pid, role in self._pids(conn):
            cpu = _proc_cpu(pid)
            if cpu is None:
                continue
            self.base.setdefault(pid, (role, cpu if first else 0.0))
            self.last[pid] = cpu

    def run(self) -> None:
        import psycopg

        conn = psycopg.connect(ADMIN_URL, autocommit=True) if self.db_name else None
        try:
            self._sample(conn, first=True)
            while not self.done.wait(0.5):
                self._sample(conn, first=False)
            self._sample(conn, first=False)
        finally:
            if conn is not None:
                conn.close()

    def stop(self) -> dict[str, float]:
        """CPU seconds per role over the window."""
        self.done.set()
        self.join()
        totals: dict[str, float] = dict.fromkeys([*self.roots, "database"], 0.0)
        for pid, (role, base) in self.base.items():
            totals[role] += self.last[pid] - base
        return totals


def _wait_for_quiet(threshold: float, timeout: float) -> float:
    """On a shared machine: wait (up to ``timeout`` s) for the 1-minute load average to fall
    below ``threshold`` before a round; 0 turns this off. Returns the seconds waited."""
    begun = time.monotonic()
    while threshold > 0 and os.getloadavg()[0] >= threshold:
        if time.monotonic() - begun >= timeout:
            break
        time.sleep(10)
    return time.monotonic() - begun


def _load() -> tuple[float, float]:
    one, five, _ = os.getloadavg()
    return one, five


@dataclass
class LoadRun:
    label: str
    think: str
    users: int
    warmup: int
    duration: int
    samples: list[tuple[float, str, float, bool, int]]
    window: tuple[float, float]
    load_before: tuple[float, float]
    load_after: tuple[float, float]
    machine_busy: float
    cpu: dict[str, float]
    lock_waits: list[tuple[int, int]]
    waited: float
    exit_code: int
    log_tail: str

    @property
    def seconds(self) -> float:
        return self.window[1] - self.window[0]

    def cores(self, role: str) -> float:
        return self.cpu.get(role, 0.0) / self.seconds


def run_locust(
    args: argparse.Namespace,
    bench: Bench,
    server: Server,
    people_file: Path,
    think: str,
    label: str,
) -> LoadRun:
    slug = re.sub(r"\W+", "-", label.lower()).strip("-")
    samples_file = bench.workdir / f"samples-{slug}.json"
    env = {
        **os.environ,
        "ACCORD_BENCH_PEOPLE": str(people_file),
        "ACCORD_BENCH_SAMPLES": str(samples_file),
        "ACCORD_BENCH_THINK": think,
    }
    total = args.warmup + args.duration
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{total}s",
        "--stop-timeout",
        "10",
        "--host",
        f"http://127.0.0.1:{server.port}",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    waited = _wait_for_quiet(args.quiet_load, args.quiet_timeout)
    load_before = _load()
    log = bench.workdir / f"locust-{slug}.log"
    with log.open("wb") as handle:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=handle)
        started = time.time()
        time.sleep(args.warmup)
        ticks0, idle0 = _cpu_ticks()
        sampler = CpuSampler({"server": server.process.pid, "locust": process.pid}, bench.db_name)
        sampler.start()
        window_start = time.time()
        time.sleep(max(0.0, started + total - time.time() - 0.5))
        window_end = time.time()
        ticks1, idle1 = _cpu_ticks()
        cpu = sampler.stop()
        waits = sampler.waits
        process.wait(timeout=total + 120)
    load_after = _load()
    samples = [tuple(s) for s in json.loads(samples_file.read_text("utf-8"))]
    busy = 1 - (idle1 - idle0) / max(ticks1 - ticks0, 1)
    return LoadRun(
        label=label,
        think=think,
        users=args.users,
        warmup=args.warmup,
        duration=args.duration,
        samples=samples,
        window=(window_start, window_end),
        load_before=load_before,
        load_after=load_after,
        machine_busy=busy,
        cpu=cpu,
        lock_waits=waits,
        waited=waited,
        exit_code=process.returncode,
        log_tail=log.read_text("utf-8", "replace")[-2000:],
    )


def summarise(run: LoadRun) -> dict[str, dict[str, float]]:
    """Per endpoint, over responses started in the measured window."""
    import numpy as np

    start, end = run.window
    result: dict[str, dict[str, float]] = {}
    for name in ENDPOINTS:
        rows = [s for s in run.samples if s[1] == name and start <= s[0] < end]
        times = np.array([s[2] for s in rows]) if rows else np.array([math.nan])
        result[name] = {
            "requests": len(rows),
            "failures": sum(1 for s in rows if not s[3]),
            "per_second": len(rows) / (end - start),
            "median": float(np.percentile(times, 50)),
            "p95": float(np.percentile(times, 95)),
            "p99": float(np.percentile(times, 99)),
            "max": float(np.max(times)),
            "mean_bytes": statistics.fmean(s[4] for s in rows) if rows else 0.0,
        }
    warm = [s for s in run.samples if s[0] < start]
    result["_warmup"] = {
        "requests": len(warm),
        "failures": sum(1 for s in warm if not s[3]),
    }
    return result


# ----------------------------------------------------------------------------- profile


@contextlib.contextmanager
def _sql_timer() -> Iterator[list[tuple[float, str, Any]]]:
    """Every query and commit of the block with its wall time (ms), to the microsecond."""
    from django.db import connection

    seen: list[tuple[float, str, Any]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        begun = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append(((time.perf_counter() - begun) * 1000, sql, params))

    original = connection._commit  # type: ignore[attr-defined]

    def commit() -> Any:
        begun = time.perf_counter()
        try:
            return original()
        finally:
            seen.append(((time.perf_counter() - begun) * 1000, "COMMIT", None))

    connection._commit = commit  # type: ignore[attr-defined]
    try:
        with connection.execute_wrapper(timed):
            yield seen
    finally:
        del connection._commit  # type: ignore[attr-defined]


def profile_pages(people: dict[str, Any], repeat: int) -> dict[str, Any]:
    """In-process (Django's test client, no HTTP, nothing else running in the app): time
    and queries per page, and where the time goes by cProfile."""
    from django.db.models import Count
    from django.test import Client

    from accord.casework.models import Case

    person = people["people"][0]
    client = Client()
    client.cookies[people["cookie_name"]] = person["session"]
    # The fullest of their open cases: the slow end of what the load visits.
    fullest = (
        Case.objects.filter(reference__in=[r for r, _ in person["open"]])
        .annotate(
            actions=Count("safety_plans__actions", distinct=True),
            activity_count=Count("activities", distinct=True),
            referral_count=Count("referrals", distinct=True),
            risk_count=Count("risk_assessments", distinct=True),
        )
        .order_by("-actions", "-activity_count", "-referral_count")
        .first()
    )
    assert fullest is not None
    pages = {
        "advocate home": "/casework/",
        "case page": f"/casework/cases/{fullest.reference}/",
    }
    result: dict[str, Any] = {
        "fullest_case": {
            "safety actions": fullest.actions,  # type: ignore[attr-defined]
            "activities": fullest.activity_count,  # type: ignore[attr-defined]
            "referrals": fullest.referral_count,  # type: ignore[attr-defined]
            "risk assessments": fullest.risk_count,  # type: ignore[attr-defined]
        }
    }
    for name, path in pages.items():
        for _ in range(3):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"In-process {path}: status {response.status_code}.")
        timings, sql_ms, requests = [], [], []
        for _ in range(repeat):
            with _sql_timer() as seen:
                begun = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - begun) * 1000)
            sql_ms.append(sum(ms for ms, _, _ in seen))
            requests.append(seen)
        one = requests[len(requests) // 2]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            client.get(path)
        profiler.disable()
        slowest = sorted(one, key=lambda q: q[0], reverse=True)
        result[name] = {
            "path": path,
            "queries": sum(1 for _, sql, _ in one if sql != "COMMIT"),
            "commits": sum(1 for _, sql, _ in one if sql == "COMMIT"),
            "sql_ms": statistics.median(sql_ms),
            "median_ms": statistics.median(timings),
            "slowest": [(ms, _shape(sql)) for ms, sql, _ in slowest[:4]],
            "all_queries": [[round(ms, 3), _shape(sql)] for ms, sql, _ in one],
            "tables": sorted(
                {t for _, sql, _ in one for t in re.findall(r'FROM "(casework_[a-z]+)"', sql)}
            ),
            "buckets": _buckets(profiler, repeat),
            "explain": _explain([q for q in slowest if q[1].lstrip().startswith("SELECT")][:2]),
        }
    return result


def _summary(sql: str) -> str:
    """SELECT ... FROM "table" WHERE ...: enough to tell queries apart in a list."""
    found = re.match(r'\s*SELECT .*? FROM ("[a-z_]+")(.*?)(?: ORDER BY .*)?$', sql, re.S)
    if not found:
        return sql[:100]
    return f"SELECT … FROM {found.group(1)}{found.group(2)[:90]}"


def _shape(sql: str) -> str:
    """A query without its values, to show what repeats."""
    sql = re.sub(r"'[^']*'", "?", sql)
    return re.sub(r"\b\d+\b", "?", sql)


BUCKETS = {
    "SQL (execute + fetch)": [
        ("django/db/backends/utils.py", "_execute_with_wrappers"),
        ("django/db/backends/utils.py", "_executemany"),
        ("django/db/models/sql/compiler.py", "cursor_iter"),
    ],
    "audit append (lock, head, insert)": [("accord/audit/services.py", "record")],
    "session save": [("django/contrib/sessions/backends/db.py", "save")],
    "template rendering": [("django/template/backends/django.py", "render")],
    "case key (query + unwrap) and opening sealed fields": [
        ("accord/casework/keys.py", "data_keyring"),
        ("accord/casework/keys.py", "open_sealed"),
    ],
}


def _buckets(profiler: cProfile.Profile, repeat: int) -> dict[str, float]:
    stats = pstats.Stats(profiler)
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in table.values())  # sum of own time = profiled time
    out: dict[str, float] = {"total per request (profiled)": total / repeat * 1000}
    for bucket, functions in BUCKETS.items():
        seconds = 0.0
        for (filename, _line, name), row in table.items():
            if any(filename.endswith(f) and name == n for f, n in functions):
                seconds += row[3]
        out[bucket] = seconds / repeat * 1000
    top = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:8]
    out["_top_own_time"] = [  # type: ignore[assignment]
        [f"{Path(f).name}:{line} {n}", round(row[2] / repeat * 1000, 2)]
        for (f, line, n), row in top
    ]
    return out


def _explain(queries: list[tuple[float, str, Any]]) -> list[str]:
    from django.db import connection

    plans: list[str] = []
    if connection.vendor != "postgresql":
        return plans
    with connection.cursor() as cursor:
        for _, sql, params in queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def audit_chain_intact() -> tuple[bool, int]:
    from accord.audit.models import AuditEvent
    from accord.audit.services import verify

    return verify() is None, AuditEvent.objects.count()


# ----------------------------------------------------------------------------- report


def _machine() -> str:
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores ({cpu_model})"


def _versions(database: str) -> str:
    from importlib.metadata import version as package_version

    import django

    parts = [
        f"Python {platform.python_version()}",
        f"Django {django.get_version()}",
        f"Locust {package_version('locust')}",
    ]
    from django.db import connection

    if database == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            buffers = cursor.fetchone()[0]
        parts.append(
            f"PostgreSQL {version} (stock settings: shared_buffers {buffers}, "
            "synchronous_commit on)"
        )
    else:
        import sqlite3

        parts.append(f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=FULL, as settings.base)")
    return ", ".join(parts)


def _distribution(service: Service, people: dict[str, Any]) -> list[str]:
    opens = sorted(service.open_counts.values())
    totals = sorted(
        service.open_counts[a] + service.closed_counts.get(a, 0) for a in service.advocates
    )
    bench_open = sorted(p["open_count"] for p in people["people"])
    bench_all = sorted(p["cases"] for p in people["people"])

    def span(values: list[int]) -> str:
        return f"{min(values):,} / {statistics.median(values):,.0f} / {max(values):,}"

    return [
        f"- Caseloads (min / median / max per advocate), all {len(service.advocates)} advocates: "
        f"open {span(opens)}; all cases incl. closed {span(totals)}. The {len(people['people'])} "
        f"benchmark advocates: open {span(bench_open)}; all {span(bench_all)}. Open cases per "
        "advocate are drawn uniformly within +-40% of the mean; closed cases are shared in "
        "proportion to a per-advocate weight drawn from 0.6 to 1.4 (longer service, more "
        "closed cases). Supervisors hold no cases of their own.",
    ]


def _lock_line(run: LoadRun) -> str:
    if not run.lock_waits:
        return ""
    waiting = [w for w, _ in run.lock_waits]
    busy = [a for _, a in run.lock_waits]
    return (
        f" Audit-chain lock (sampled {len(waiting)} times, twice a second): a backend was "
        f"waiting for it in {sum(1 for w in waiting if w) / len(waiting):.0%} of samples "
        f"(at most {max(waiting)} at once); on average {statistics.fmean(busy):.2f} backends "
        "were running a query."
    )


PAUSELESS = {"0", "0,0"}


def _met(endpoint: dict[str, float]) -> bool:
    return endpoint["p95"] < TARGET_MS and endpoint["failures"] == 0 and endpoint["requests"] > 0


def _per_request(run: LoadRun, summary: dict[str, dict[str, float]], role: str) -> str:
    requests = sum(summary[name]["requests"] for name in ENDPOINTS)
    return f"{run.cpu.get(role, 0.0) * 1000 / max(requests, 1):.1f} ms"


def report(
    args: argparse.Namespace,
    bench: Bench,
    server: Server,
    service: Service,
    people: dict[str, Any],
    gen: dict[str, Any],
    checked: dict[str, int],
    runs: list[LoadRun],
    summaries: list[dict[str, dict[str, float]]],
    profile: dict[str, Any],
    chain: tuple[bool, int],
) -> str:
    paced = [(r, m) for r, m in zip(runs, summaries, strict=True) if r.think not in PAUSELESS]
    met = {name: sum(1 for _, m in paced if _met(m[name])) for name in ENDPOINTS}
    rows = gen.get("rows", {})
    lines = [
        f"# Casework benchmark: advocate home and case page, {rows.get('Case', 0):,} cases, "
        f"{args.users} concurrent users",
        "",
        f"Generated by `bench/casework_bench.py` on {dt.date.today():%d %B %Y}. "
        "Do not edit by hand.",
        "",
        f"- Machine: {_machine()}, {_versions(bench.database)}. Shared with other work: "
        "see the load averages and the CPU use of each run below.",
        f"- Settings: `{args.settings}` with freshly generated keys, `ACCORD_ZONES=casework`, "
        "plain HTTP on 127.0.0.1 (`SECURE_SSL_REDIRECT=false`; nothing else changed). "
        "Database sessions saved on every request, the audit event of every page view "
        "appended to the hash chain, security-key sign-in required (where the settings ask).",
        f"- Server: {server.kind}, on 127.0.0.1. Load: Locust headless (FastHttpUser), "
        f"{args.users} users, each a different advocate signed in with their own session.",
        "- Data: one advisory service, "
        f"{len(service.advocates)} advocates and {len(service.supervisors)} supervisors, "
        f"{rows.get('Case', 0):,} cases "
        f"({sum(service.open_counts.values()):,} open, {gen.get('self_referrals', 0):,} new "
        "self-referrals in the triage queue, the rest closed over 6.5 years, 0.3% of them "
        "restricted). Every case has its own wrapped key, a client, usually an alleged "
        "perpetrator, consents, activities, DASH assessments, safety plans, referrals and "
        "ratings; a third of opened cases have a police complaint taken along the process by "
        "the complaints engine (its next deadline is on the home page); every sealed field is "
        "real AES-GCM under the case key.",
    ]
    if gen:
        lines.append(
            (
                "- Rows (generated by an earlier run, kept with --keep): "
                if bench.reused
                else "- Rows: "
            )
            + ", ".join(f"{name} {count:,}" for name, count in gen["rows"].items())
            + f". Database size {gen['database_size']}. Loaded in {gen['load_seconds']:.0f} s "
            f"with {gen['workers']} worker process(es) (of which the audit history "
            f"{gen['audit_seconds']:.0f} s), then "
            + ("`VACUUM (ANALYZE)`" if bench.database == "postgresql" else "`ANALYZE`")
            + f" in {gen['maintenance_seconds']:.0f} s."
        )
    lines += _distribution(service, people)
    lines += [
        "- Checked before the load, one request at a time: "
        + ", ".join(f"{n} {what}" for what, n in checked.items())
        + ". During the load every response is checked: status 200 and, on the home page, "
        "the advocate's own open-case count; on the case page, the reference and the "
        "client's decrypted name. Anything else is a failure.",
        f"- Each user: the home page (weight {args.home_weight}) or one of their own cases "
        f"(weight {args.case_weight}: an open case {args.open_share:.0%} of the time, "
        "otherwise one of their closed cases), then a pause.",
        "",
    ]
    for run, summary in zip(runs, summaries, strict=True):
        pause = (
            "no pause (as fast as answers come)"
            if run.think in PAUSELESS
            else (f"a pause of {run.think.replace(',', ' to ')} s between requests")
        )
        lines += [
            f"## {run.label}: {run.users} users, {pause}",
            "",
            (
                f"Waited {run.waited:.0f} s for the 1-minute load average to fall below "
                f"{args.quiet_load:g} (`--quiet-load`, at most {args.quiet_timeout:g} s). "
                if args.quiet_load > 0
                else ""
            )
            + f"Warm-up {run.warmup} s ({summary['_warmup']['requests']:,} requests, "
            f"{summary['_warmup']['failures']} failed, not counted), then {run.duration} s "
            f"measured. Load average before {run.load_before[0]:.2f} (1 min) / "
            f"{run.load_before[1]:.2f} (5 min), after {run.load_after[0]:.2f} / "
            f"{run.load_after[1]:.2f}. During the measured window the machine was "
            f"{run.machine_busy:.0%} busy (both cores, everything on it), of which the "
            f"server {run.cores('server'):.2f} cores, "
            + (
                f"its PostgreSQL backends {run.cores('database'):.2f}, "
                if bench.database == "postgresql"
                else ""
            )
            + f"Locust {run.cores('locust'):.2f}: the rest is other work. CPU per request: "
            f"{_per_request(run, summary, 'server')} in the server"
            + (
                f", {_per_request(run, summary, 'database')} in PostgreSQL"
                if bench.database == "postgresql"
                else " (SQLite runs inside it)"
            )
            + "."
            + _lock_line(run),
            "",
            "| page | requests | req/s | failures | median | p95 | p99 | max "
            "| target p95 < 150 ms |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for name in ENDPOINTS:
            s = summary[name]
            lines.append(
                f"| {name} | {s['requests']:,} | {s['per_second']:.1f} | {s['failures']} | "
                f"{s['median']:.0f} ms | {s['p95']:.0f} ms | {s['p99']:.0f} ms | "
                f"{s['max']:.0f} ms | {'met' if _met(s) else 'NOT met'} |"
            )
        if run.exit_code != 0:
            lines += [
                "",
                f"Locust exit code {run.exit_code}; last output: `{run.log_tail.strip()[-300:]}`",
            ]
        lines.append("")
    lines += [
        "## One request at a time, in-process",
        "",
        "Django's test client against the same database with the server stopped (no HTTP, "
        f"no other request): medians of {args.profile_repeat} requests of the first benchmark "
        "advocate (the case page is the fullest of their open cases: "
        + ", ".join(f"{what}: {n}" for what, n in profile["fullest_case"].items())
        + "), with the wall time spent waiting on SQL and commits, the queries of one "
        "request, and where the time goes by cProfile (which slows Python code down more than "
        "SQL, so read those as shares, not absolute numbers).",
        "",
        "| page | median | in SQL + commits | queries | commits | "
        + " | ".join(b for b in BUCKETS)
        + " |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(BUCKETS),
    ]
    for name in ENDPOINTS:
        p = profile[name]
        total = p["buckets"]["total per request (profiled)"]
        shares = " | ".join(f"{p['buckets'][b] / total:.0%}" for b in BUCKETS)
        lines.append(
            f"| {name} | {p['median_ms']:.1f} ms | {p['sql_ms']:.1f} ms | {p['queries']} "
            f"| {p['commits']} | {shares} |"
        )
    for name in ENDPOINTS:
        tables = [t.removeprefix("casework_") for t in profile[name]["tables"]]
        top = "; ".join(
            f"`{f}` {ms:.2f} ms" for f, ms in profile[name]["buckets"]["_top_own_time"][:5]
        )
        lines += [
            "",
            f"- {name}: reads casework tables {', '.join(tables)}. "
            f"Most own time per request: {top}.",
        ]
    lines += ["", "Queries repeated within one request (N+1 suspects):", ""]
    for name in ENDPOINTS:
        repeated = Counter(sql for _, sql in profile[name]["all_queries"])
        found = [(n, sql) for sql, n in repeated.most_common() if n > 1 and sql != "COMMIT"]
        if not found:
            lines.append(f"- {name}: none.")
        for n, sql in found:
            lines.append(f"- {name}: {n} x `{_summary(sql)}`")
    lines += ["", "Slowest queries of one request:", ""]
    for name in ENDPOINTS:
        for ms, sql in profile[name]["slowest"][:3]:
            lines.append(f"- {name}, {ms:.2f} ms: `{sql[:150]}`")
    lines += [
        "",
        f"Audit chain after the run: {chain[1]:,} events, "
        + ("intact (`accord.audit.services.verify`)." if chain[0] else "**BROKEN**."),
        "",
        "## Reading the numbers",
        "",
        "- Target (p95 < 150 ms and no failures, at the realistic pace): "
        + "; ".join(f"{name} met in {met[name]} of {len(paced)} rounds" for name in ENDPOINTS)
        + ".",
        *[
            f"- {run.label}: the machine was {run.machine_busy:.0%} busy, of which the app "
            f"(server and database) used {run.cores('server') + run.cores('database'):.2f} "
            f"cores and Locust {run.cores('locust'):.2f}; case page p95 "
            f"{summary['case page']['p95']:.0f} ms, home p95 "
            f"{summary['advocate home']['p95']:.0f} ms."
            for run, summary in paced
        ],
        "- What is not the app's is other work on the shared machine: the app's processes "
        "wait for the cores behind it, so the same pages answer more slowly the busier the "
        "machine is. The in-process times are taken on the same machine, with nothing else "
        "running in the app.",
        "- Latency here is the time Locust waits for the whole response on loopback: the "
        "server's queueing, Django, the database and the network stack, but no TLS and no "
        "real network. Locust runs on the same two cores as the server and the database, so "
        "it takes some of the CPU a real deployment would give the app.",
        "- The verdict is on the realistic-pace rounds: advocates read a page before they open "
        "the next, so each simulated advocate pauses between requests. The run without pauses "
        "(when present) shows how much the two cores can serve and what queueing does to "
        "latency once they are saturated; it is not a realistic load for 20 people.",
        "- Every page view writes twice before it answers: the session (saved on every "
        "request, for the idle timeout) and one audit event, appended under a lock so the "
        "hash chain stays linear. Both are on the request path by design (the idle timeout, "
        "and every read of case data audited); their cost is in the in-process table "
        "('audit append', 'session save'), and the lock's contention in the sampled waits.",
        "- Case pages decrypt with the case's own key: its CaseKey row is read and unwrapped "
        "once per case instance, then each sealed field shown is one AES-GCM open. The "
        "crypto itself takes microseconds: a large 'case key' share means the key is being "
        "fetched again for records reached without their case instance (see the repeated "
        "queries above).",
        "- The machine is shared: other work on it shows up as load average and as 'machine "
        "busy' beyond what the server and Locust used. Re-run when it is quiet for cleaner "
        "numbers; the script regenerates everything and overwrites this file.",
    ]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- main


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--db-name", default="accord_bench", help="PostgreSQL database to create and drop"
    )
    parser.add_argument("--settings", default="accord.settings.production")
    parser.add_argument("--workdir", default="/tmp/accord-casework-bench")  # noqa: S108
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--advocates", type=int, default=60)
    parser.add_argument("--supervisors", type=int, default=6)
    parser.add_argument("--open-per-advocate", type=int, default=40)
    parser.add_argument("--self-referrals", type=int, default=300)
    parser.add_argument("--audit-history", type=int, default=1_000_000, help="past audit events")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="loader processes")
    parser.add_argument("--chunk", type=int, default=1000, help="cases per loader job")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--think", default="1,3", help="pause between a user's requests, 'min,max' s"
    )
    parser.add_argument(
        "--saturate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run without pauses (informational)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs at the realistic pace (the machine is shared)"
    )
    parser.add_argument(
        "--quiet-load",
        type=float,
        default=0.0,
        help="before each round, wait for the 1-minute load average to fall below this",
    )
    parser.add_argument("--quiet-timeout", type=float, default=600.0, help="longest wait, s")
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--home-weight", type=int, default=1)
    parser.add_argument("--case-weight", type=int, default=3)
    parser.add_argument("--open-share", type=float, default=0.75)
    parser.add_argument(
        "--closed-sample", type=int, default=200, help="closed cases per user to visit"
    )
    parser.add_argument("--server", choices=("gunicorn", "runserver"), default=None)
    parser.add_argument("--server-workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--server-threads", type=int, default=2)
    parser.add_argument("--profile-repeat", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database and keys")
    parser.add_argument("--reuse", action="store_true", help="reuse what --keep left")
    parser.add_argument(
        "--output", type=Path, help="default bench/results/casework.md (casework-sqlite.md)"
    )
    args = parser.parse_args()
    if args.output is None:
        name = "casework.md" if args.database == "postgresql" else "casework-sqlite.md"
        args.output = RESULTS / name
    if args.server is None:
        args.server = "gunicorn" if gunicorn_available() else "runserver"
    if args.server == "gunicorn" and not gunicorn_available():
        raise SystemExit(f"gunicorn is not in {SERVER_PATH}; see bench/README.md.")
    return args


def main() -> int:
    args = parse()
    bench = prepare(args)
    os.environ.update(bench.env)
    import django

    django.setup()
    try:
        benchmark(args, bench)
    finally:
        finish(bench, args.keep)
    return 0


def benchmark(args: argparse.Namespace, bench: Bench) -> None:
    """Everything between an empty database and the written results."""
    from django.core.management import call_command

    if bench.reused:
        print(f"Reusing {bench.db_name or bench.workdir}.")
        service = service_from_database()
        gen = bench.generation
    else:
        print(f"Migrating a fresh {bench.database} database.", flush=True)
        call_command("migrate", verbosity=0)
        print(f"Generating {args.cases:,} cases.", flush=True)
        service, _plan, gen = generate(args, bench)
        bench.remember(gen)
        print(f"  loaded in {gen['load_seconds']:.0f} s; {gen['database_size']}.", flush=True)
    people = sign_in(service, args.users, args.closed_sample, args.seed)
    people_file = bench.workdir / "people.json"
    people_file.write_text(json.dumps(people), encoding="utf-8")
    from django.db import connections

    connections.close_all()
    server = start_server(args, bench)
    runs: list[LoadRun] = []
    try:
        checked = check_sample(server, people)
        print(f"Checked one at a time: {checked}", flush=True)
        plan = [(f"Realistic pace, round {i}", args.think) for i in range(1, args.rounds + 1)]
        plan += [("Saturation", "0")] if args.saturate else []
        for label, think in plan:
            print(
                f"Locust: {label}, {args.users} users, {args.warmup} + {args.duration} s.",
                flush=True,
            )
            runs.append(run_locust(args, bench, server, people_file, think, label))
    finally:
        stop_server(server)
    summaries = [summarise(run) for run in runs]
    for run, summary in zip(runs, summaries, strict=True):
        for name in ENDPOINTS:
            s = summary[name]
            print(
                f"  {run.label:15} {name:14} n={s['requests']:5} fail={s['failures']} "
                f"median={s['median']:.0f} p95={s['p95']:.0f} p99={s['p99']:.0f} "
                f"max={s['max']:.0f} ms"
            )
    print("Profiling in-process.", flush=True)
    profile = profile_pages(people, args.profile_repeat)
    chain = audit_chain_intact()
    text = report(
        args, bench, server, service, people, gen, checked, runs, summaries, profile, chain
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    data = {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "database": bench.database,
        "server": server.kind,
        "arguments": {k: str(v) for k, v in vars(args).items()},
        "generation": gen,
        "checked": checked,
        "runs": [
            {
                "label": run.label,
                "think": run.think,
                "load_before": run.load_before,
                "load_after": run.load_after,
                "machine_busy": run.machine_busy,
                "window_seconds": run.seconds,
                "cpu_seconds": run.cpu,
                "audit_lock_waits": run.lock_waits,
                "waited_for_quiet_seconds": run.waited,
                "endpoints": summary,
            }
            for run, summary in zip(runs, summaries, strict=True)
        ],
        "profile": profile,
        "audit_chain_intact": chain[0],
        "audit_events": chain[1],
    }
    args.output.with_suffix(".json").write_text(
        json.dumps(data, indent=1, default=str), encoding="utf-8"
    )
    print(text)


if __name__ == "__main__":
    raise SystemExit(main())
