"""Accord's own system checks.

``accord.E001`` runs always: a view with no policy marker stops the server starting.
The others are deployment checks (``check --deploy``): things Django's own checks do not
look at but SECURITY.md requires.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from accord.policy.views import policy_of


@register(Tags.urls)
def check_views_have_policies(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    from accord.urls import all_patterns

    errors: list[CheckMessage] = []
    for route, pattern in all_patterns():
        if policy_of(pattern.callback) is None:
            errors.append(
                Error(
                    f"The view for /{route} ({pattern.name or 'unnamed'}) has no policy marker.",
                    hint="Decorate it with accord.policy.views.requires(...), public or auth_flow.",
                    obj=pattern.callback,
                    id="accord.E001",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_deployment(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []

    def fail(code: str, message: str, hint: str) -> None:
        errors.append(Error(message, hint=hint, id=f"accord.{code}"))

    csp = getattr(settings, "SECURE_CSP", {}) or {}
    if "django.middleware.csp.ContentSecurityPolicyMiddleware" not in settings.MIDDLEWARE:
        fail("E002", "The CSP middleware is not installed.", "Add Django's CSP middleware.")
    scripts = [str(source) for source in csp.get("script-src", csp.get("default-src", []))]
    if not csp or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        fail(
            "E003",
            "SECURE_CSP is missing or lets inline or any-origin scripts run.",
            "Allow scripts from 'self' with a nonce only.",
        )
    if "frame-ancestors" not in csp:
        fail("E004", "SECURE_CSP has no frame-ancestors.", "Set frame-ancestors 'none'.")

    idle = settings.ACCORD_SESSION_IDLE_SECONDS
    absolute = settings.ACCORD_SESSION_ABSOLUTE_SECONDS
    if max(idle.values()) > 15 * 60 or max(absolute.values()) > 8 * 60 * 60:
        fail(
            "E005",
            "Sessions last longer than 15 minutes idle or 8 hours in all (SECURITY.md SE-1).",
            "Lower ACCORD_SESSION_IDLE_SECONDS / ACCORD_SESSION_ABSOLUTE_SECONDS.",
        )
    if settings.SESSION_COOKIE_AGE > 8 * 60 * 60 or not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        fail(
            "E006",
            "Session cookies outlive 8 hours or the browser.",
            "Set SESSION_COOKIE_AGE ≤ 28800 and SESSION_EXPIRE_AT_BROWSER_CLOSE = True.",
        )
    for name_setting, secure_setting in (
        ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE"),
        ("CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE"),
    ):
        if not str(getattr(settings, name_setting)).startswith("__Host-"):
            fail(
                "E007",
                f"{name_setting} does not start with __Host-.",
                "A __Host- cookie is bound to this host, over HTTPS, for the whole site.",
            )
        if not getattr(settings, secure_setting):
            fail("E008", f"{secure_setting} is off.", "Cookies must only travel over HTTPS.")
    if not settings.PASSWORD_HASHERS or "Argon2" not in settings.PASSWORD_HASHERS[0]:
        fail("E009", "Argon2 is not the first password hasher.", "Put Argon2PasswordHasher first.")
    for alias, cache in settings.CACHES.items():
        backend = str(cache.get("BACKEND", ""))
        if backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")):
            fail(
                "E010",
                f"The {alias!r} cache is {backend.rsplit('.', 1)[-1]}, which workers do not share.",
                "Use the database cache or Redis: throttles and MFA replay guards need it.",
            )
    if getattr(settings, "ACCOUNT_LOGIN_BY_CODE_ENABLED", False):
        fail("E011", "Sign-in by emailed code is on.", "Set ACCOUNT_LOGIN_BY_CODE_ENABLED = False.")
    if "allauth.socialaccount" in settings.INSTALLED_APPS:
        fail("E012", "Social login is installed.", "Remove allauth.socialaccount.")
    keys = str(getattr(settings, "ACCORD_DATA_KEYS", ""))
    if not keys or settings.SECRET_KEY in keys:
        fail(
            "E013",
            "ACCORD_DATA_KEYS is empty or contains SECRET_KEY.",
            "Data keys must be separate key material, never derived from SECRET_KEY.",
        )
    if "casework" in settings.ACCORD_ZONES:
        case_keys = str(getattr(settings, "ACCORD_CASE_KEYS", ""))
        if not case_keys or settings.SECRET_KEY in case_keys or _shares_key(case_keys, keys):
            fail(
                "E014",
                "ACCORD_CASE_KEYS is empty, contains SECRET_KEY or shares a key with "
                "ACCORD_DATA_KEYS.",
                "Casework master keys must be their own key material.",
            )
        if not getattr(settings, "ACCORD_CASEWORK_REQUIRE_WEBAUTHN", True):
            fail(
                "E015",
                "Casework roles may sign in without a security key or passkey.",
                "Set ACCORD_CASEWORK_REQUIRE_WEBAUTHN = True (SECURITY.md AU-1).",
            )
    return errors


def _shares_key(first: str, second: str) -> bool:
    def material(spec: str) -> set[str]:
        return {part.partition(":")[2].strip() for part in spec.split(",") if ":" in part}

    return bool(material(first) & material(second))
