"""The local demo: plain HTTP on 127.0.0.1 with demo keys. Never for real data."""

import os

os.environ.setdefault("SECRET_KEY", "demo-only-secret-key-not-for-real-use-0123456789abcdef")
os.environ.setdefault("ACCORD_DATA_KEYS", "demo-only:ZGVtby1vbmx5LWtleS1ub3QtZm9yLXJlYWwtdXNlISE=")
os.environ.setdefault(
    "ACCORD_CASE_KEYS", "demo-only-case:ZGVtby1vbmx5LWNhc2UtbWFzdGVyLWtleS0wMDAwMDE="
)
os.environ.setdefault("ACCORD_AUDIT_KEY", "demo-only-audit-chain-key-not-for-real-use-0001")
# The demo signs its releases with a published key and trusts it: both zones run here.
os.environ.setdefault(
    "ACCORD_RELEASE_SIGNING_KEY", "demo-only-release:etX/IDgKOLG9E3qFPi1h3yS9yihTr3+7+r9IRZaTdb4="
)
os.environ.setdefault(
    "ACCORD_RELEASE_TRUSTED_KEYS",
    "demo-only-release=Independent Advisory Service (demo)="
    "g+7gZZmfuPrwJpYySCwQ7qM0novoChl5gjQAXeiTVVA=",
)
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Readable lines in the terminal; production and tests log JSON (SECURITY.md LG-3).
os.environ.setdefault("ACCORD_LOG_FORMAT", "plain")

from accord.settings.base import *  # noqa: F403

DEBUG = False
# Plain HTTP on loopback: browsers refuse Secure and __Host- cookies without HTTPS.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "accord-session"
CSRF_COOKIE_NAME = "accord-csrf"
ACCORD_DEVICE_COOKIE_NAME = "accord-device"
SECURE_HSTS_SECONDS = 0
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
# The demo prints authenticator-app secrets; production requires security keys for casework.
ACCORD_CASEWORK_REQUIRE_WEBAUTHN = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - also creates VAR_DIR
