"""Production: everything from the environment; refuses to start with demo secrets or DEBUG."""

from django.core.exceptions import ImproperlyConfigured

from accord.releases.file import ReleaseFileError, private_key, trusted_keys
from accord.settings.base import *  # noqa: F403
from accord.settings.base import (
    ACCORD_AUDIT_KEY,
    ACCORD_CASE_KEYS,
    ACCORD_CLAMD,
    ACCORD_DATA_KEYS,
    ACCORD_RELEASE_SIGNING_KEY,
    ACCORD_RELEASE_TRUSTED_KEYS,
    ACCORD_ZONES,
    SECRET_KEY,
)
from accord.settings.env import env_bool

DEMO_MARKER = "demo-only"

if env_bool("DEBUG", False):
    raise ImproperlyConfigured("DEBUG must be off in production.")
if DEMO_MARKER in SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY is a demo key or shorter than 50 characters; generate a real one."
    )
if DEMO_MARKER in ACCORD_DATA_KEYS:
    raise ImproperlyConfigured("ACCORD_DATA_KEYS holds a demo key; generate real key material.")
if DEMO_MARKER in ACCORD_AUDIT_KEY or len(ACCORD_AUDIT_KEY) < 32 or ACCORD_AUDIT_KEY in SECRET_KEY:
    raise ImproperlyConfigured(
        "ACCORD_AUDIT_KEY is a demo key, shorter than 32 characters or part of SECRET_KEY; "
        "generate its own key."
    )
if not ACCORD_CLAMD:
    raise ImproperlyConfigured(
        "ACCORD_CLAMD is not set: uploads must be scanned for viruses (SECURITY.md FI-6). "
        "Point it at clamd, for example unix:/run/clamav/clamd.ctl."
    )
if "casework" in ACCORD_ZONES and (not ACCORD_CASE_KEYS or DEMO_MARKER in ACCORD_CASE_KEYS):
    raise ImproperlyConfigured(
        "ACCORD_CASE_KEYS is missing or holds a demo key; casework needs its own master keys."
    )
if "casework" in ACCORD_ZONES and (
    not ACCORD_RELEASE_SIGNING_KEY or DEMO_MARKER in ACCORD_RELEASE_SIGNING_KEY
):
    raise ImproperlyConfigured(
        "ACCORD_RELEASE_SIGNING_KEY is missing or a demo key; approved releases must be signed "
        "with the service's own key (make one with: accord release_keys new)."
    )
try:
    if "casework" in ACCORD_ZONES:
        private_key(ACCORD_RELEASE_SIGNING_KEY.partition(":")[2])
    trusted_keys(ACCORD_RELEASE_TRUSTED_KEYS)
except ReleaseFileError as error:
    raise ImproperlyConfigured(
        f"ACCORD_RELEASE_SIGNING_KEY or ACCORD_RELEASE_TRUSTED_KEYS is not usable: {error}"
    ) from error
