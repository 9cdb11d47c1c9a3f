"""Production settings pass `check --deploy` plus Accord's own checks, and refuse demo keys.

Each check is also shown to fire when its protection is removed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.checks import Error
from django.test import override_settings

from accord.settings import base
from accord.web.checks import check_deployment

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "accord.settings.production",
    "SECRET_KEY": "x" * 20 + "-a-real-looking-secret-key-for-the-deploy-check-0123456789",
    "ACCORD_DATA_KEYS": "k1:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
    "ACCORD_CASE_KEYS": "c1:" + "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=",
    "ACCORD_AUDIT_KEY": "an-audit-chain-key-for-the-deploy-check-0123456789",
    "ACCORD_CLAMD": "unix:/run/clamav/clamd.ctl",
    "ACCORD_RELEASE_SIGNING_KEY": "svc-1:" + "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=",
    "ACCORD_RELEASE_TRUSTED_KEYS": "",
    "ALLOWED_HOSTS": "accord.example.org",
    "DATABASE_URL": "sqlite:////tmp/accord-deploy-check.sqlite3",
    "ACCORD_VAR_DIR": "/tmp/accord-deploy-check",  # noqa: S108
}


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The demo settings this test process runs under put demo values in os.environ.
    demo_keys = {"EMAIL_BACKEND", "SECURE_SSL_REDIRECT", "DEBUG", *PROD_ENV}
    full_env = {k: v for k, v in os.environ.items() if k not in demo_keys}
    full_env.update(PROD_ENV)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_check_deploy() -> None:
    result = _run("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": "demo-only-secret-key-not-for-real-use-0123456789abcdef"}, "demo key"),
        ({"SECRET_KEY": "short"}, "shorter than 50"),
        ({"DEBUG": "true"}, "DEBUG must be off"),
        (
            {"ACCORD_DATA_KEYS": "demo-only:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="},
            "demo key",
        ),
        (
            {"ACCORD_CASE_KEYS": "demo-only:" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="},
            "ACCORD_CASE_KEYS",
        ),
        ({"ACCORD_CASE_KEYS": ""}, "ACCORD_CASE_KEYS"),
        ({"ACCORD_AUDIT_KEY": "demo-only-audit-chain-key-not-for-real-use-0001"}, "AUDIT_KEY"),
        ({"ACCORD_AUDIT_KEY": "short"}, "shorter than 32"),
        ({"ACCORD_CLAMD": ""}, "scanned for viruses"),
        ({"ACCORD_RELEASE_SIGNING_KEY": ""}, "ACCORD_RELEASE_SIGNING_KEY is missing"),
        (
            {"ACCORD_RELEASE_SIGNING_KEY": "demo-only-release:" + "Q" * 43 + "="},
            "ACCORD_RELEASE_SIGNING_KEY is missing or a demo key",
        ),
        ({"ACCORD_RELEASE_SIGNING_KEY": "svc-1:bm90IGEga2V5"}, "must be 32 bytes"),
        ({"ACCORD_RELEASE_TRUSTED_KEYS": "svc=Name"}, "ACCORD_RELEASE_TRUSTED_KEYS"),
    ],
)
def test_production_refuses_to_start_with_demo_secrets_or_debug(
    env: dict[str, str], message: str
) -> None:
    result = _run("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def _ids() -> set[str]:
    return {m.id for m in check_deployment(None) if isinstance(m, Error) and m.id}


SECURE = {
    "PASSWORD_HASHERS": base.PASSWORD_HASHERS,
    "SESSION_COOKIE_NAME": "__Host-s",
    "CSRF_COOKIE_NAME": "__Host-c",
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "ACCORD_CASEWORK_REQUIRE_WEBAUTHN": True,
}


def test_the_test_baseline_is_clean_apart_from_cookies_and_hashers() -> None:
    with override_settings(**SECURE):
        assert _ids() == set()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"SECURE_CSP": {}}, "accord.E003"),
        (
            {
                "SECURE_CSP": {
                    "script-src": ["'self'", "'unsafe-inline'"],
                    "frame-ancestors": ["'none'"],
                }
            },
            "accord.E003",
        ),
        ({"SECURE_CSP": {"script-src": ["'self'"]}}, "accord.E004"),
        ({"ACCORD_SESSION_IDLE_SECONDS": {"casework": 3600, "default": 3600}}, "accord.E005"),
        ({"ACCORD_SESSION_ABSOLUTE_SECONDS": {"casework": 86400, "default": 86400}}, "accord.E005"),
        # SE-1 holds for every role, not only casework.
        ({"ACCORD_SESSION_IDLE_SECONDS": {"casework": 900, "default": 3600}}, "accord.E005"),
        ({"SESSION_COOKIE_AGE": 12 * 3600}, "accord.E006"),
        ({"SESSION_COOKIE_AGE": 14 * 24 * 3600}, "accord.E006"),
        ({"SESSION_COOKIE_NAME": "sessionid"}, "accord.E007"),
        ({"CSRF_COOKIE_SECURE": False}, "accord.E008"),
        (
            {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]},
            "accord.E009",
        ),
        (
            {"CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}},
            "accord.E010",
        ),
        ({"ACCOUNT_LOGIN_BY_CODE_ENABLED": True}, "accord.E011"),
        ({"ACCORD_DATA_KEYS": ""}, "accord.E013"),
        ({"ACCORD_CASE_KEYS": ""}, "accord.E014"),
        ({"ACCORD_CASEWORK_REQUIRE_WEBAUTHN": False}, "accord.E015"),
        (
            {
                "ACCORD_DATA_KEYS": "k1:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
                "ACCORD_CASE_KEYS": "c1:QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=",
            },
            "accord.E014",
        ),
    ],
)
def test_each_check_fires_when_its_protection_is_removed(
    change: dict[str, object], code: str
) -> None:
    with override_settings(**{**SECURE, **change}):
        assert code in _ids()


def test_csp_middleware_missing_is_caught() -> None:
    from django.conf import settings

    middleware = [m for m in settings.MIDDLEWARE if "csp" not in m]
    with override_settings(MIDDLEWARE=middleware, **SECURE):
        assert "accord.E002" in _ids()
