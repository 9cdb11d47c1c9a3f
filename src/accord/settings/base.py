"""Settings shared by every deployment. Values that differ come from the environment."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from accord.settings.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env("ACCORD_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

# Which trust zones this deployment serves: an advisory service runs "casework" on its own,
# a partnership deployment runs "partnership"; the demo runs both.
ACCORD_ZONES = frozenset(env_list("ACCORD_ZONES", "casework,partnership"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "accord.web",
    "accord.accounts",
    "accord.audit",
    "accord.datasets",
    "accord.monitoring",
    "accord.casework",
    "accord.complaints",
    "accord.releases",
    "accord.plan",
    "accord.eia",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accord.web.middleware.RequestIdMiddleware",
    "accord.web.middleware.RequirePolicyMarkerMiddleware",
    "accord.policy.denials.AuditDenialsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accord.accounts.middleware.SessionLifetimeMiddleware",
    "accord.accounts.middleware.RequireMFAMiddleware",
    "accord.casework.middleware.CaseKeyScopeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.web.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'accord.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=5000; PRAGMA secure_delete=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache: throttling counters and allauth's TOTP replay guard must be seen by every
# worker, so a per-process memory cache would let an attacker spread guesses across workers.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "accord_cache",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "accord.accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accord.accounts.validators.ContextWordsValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Sessions and cookies -------------------------------------------------------------------
# Every role: 15 minutes idle, 8 hours absolute (SECURITY.md SE-1). Pages warn two minutes
# before the end and let people stay signed in (accounts/session_views.py).
ACCORD_SESSION_IDLE_SECONDS = {"casework": 15 * 60, "default": 15 * 60}
ACCORD_SESSION_ABSOLUTE_SECONDS = {"casework": 8 * 60 * 60, "default": 8 * 60 * 60}
ACCORD_SESSION_WARNING_SECONDS = 2 * 60
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-accord-session"
CSRF_COOKIE_NAME = "__Host-accord-csrf"
# Recognises a browser someone signed in on before (accounts/devices.py, SECURITY.md AU-11).
ACCORD_DEVICE_COOKIE_NAME = "__Host-accord-device"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Security headers ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts and
# Django's CSRF check rightly refuses them. Nothing leaks to other sites either way.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 63072000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# SECURITY.md WB-1: nothing is allowed unless named; violations are reported to Accord itself.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "report-uri": "/csp-report/",
}
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "camera": [],
    "geolocation": [],
    "gyroscope": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}

# --- allauth: email login, invite-only, MFA -------------------------------------------------
ACCOUNT_ADAPTER = "accord.accounts.adapters.AccountAdapter"
MFA_ADAPTER = "accord.accounts.adapters.MFAAdapter"
ACCOUNT_FORMS = {"login": "accord.accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# A step-up (accounts.stepup) counts for 5 minutes (SECURITY.md SE-5).
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Accord: "
# People are told by email when their password or authenticators change, and when someone
# enters their password but a wrong code (SECURITY.md AU-11; accounts/signals.py).
ACCOUNT_EMAIL_NOTIFICATIONS = True
# No per-account limit on failed sign-ins: allauth's default ("5/300s/key") would let anyone
# lock a person out by typing five wrong passwords for their email address (SECURITY.md
# AU-5). Guessing is limited per (email, address) by accord.accounts.throttle instead.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Invitations and password-reset links work once and for 24 hours (SECURITY.md AU-10).
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Accord"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
USERSESSIONS_TRACK_ACTIVITY = False

# Our own per-(username, IP) throttles, on top of allauth's, in the shared cache.
# The reverse proxies whose X-Forwarded-For is believed, by address (SECURITY.md CF-3).
# Without them every client behind the proxy shares one address for throttles and logs.
ACCORD_TRUSTED_PROXIES = env_list("ACCORD_TRUSTED_PROXIES")

ACCORD_THROTTLES = {
    "login": {"limit": 5, "window": 15 * 60},
    "mfa": {"limit": 5, "window": 15 * 60},
    "reset": {"limit": 3, "window": 60 * 60},
}

# Key material for secrets stored in the database (TOTP seeds now; case data later).
# A comma-separated list of "key-id:base64-32-bytes"; the first is used to encrypt,
# all are tried to decrypt, so keys rotate without downtime. Never derived from SECRET_KEY.
ACCORD_DATA_KEYS = env("ACCORD_DATA_KEYS")
# Master keys for casework, kept apart from ACCORD_DATA_KEYS (a different blast radius).
# They only wrap each case's own data key; destroying a case's wrapped key shreds the case.
# Same "key-id:base64-32-bytes" list; the first wraps new keys, all unwrap.
ACCORD_CASE_KEYS = env("ACCORD_CASE_KEYS", "")
# Where ClamAV's daemon listens, "unix:/run/clamav/clamd.ctl" or "tcp:host:3310"; every upload
# is scanned before it is kept (SECURITY.md FI-6). Production refuses to start without it.
ACCORD_CLAMD = env("ACCORD_CLAMD", "")

# An import whose upload has not moved for this many seconds is taken to have stopped (a
# worker killed mid-import): the person can then try again or discard the file.
ACCORD_IMPORT_STALE_SECONDS = int(env("ACCORD_IMPORT_STALE_SECONDS", "1800"))
# The audit chain's HMAC key (SECURITY.md LG-2): outside the database, so that someone who can
# write to the database cannot recompute the chain after editing it. At least 32 characters.
ACCORD_AUDIT_KEY = env("ACCORD_AUDIT_KEY")
# Events up to this number were written before the chain was keyed (plain SHA-256). 0 on any
# deployment started with a key; set it once, from "accord audit verify"'s advice, otherwise.
ACCORD_AUDIT_UNKEYED_UNTIL = int(env("ACCORD_AUDIT_UNKEYED_UNTIL", "0"))
# Where "accord audit anchor" appends the chain's head each day. In production, somewhere the
# database's administrators cannot rewrite (another host, write-once storage).
ACCORD_AUDIT_ANCHOR_FILE = env("ACCORD_AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.jsonl"))
# Approved releases leave the casework zone as files signed with this Ed25519 key
# ("key-id:base64 of the 32-byte seed"; "accord release_keys new" makes one). Casework
# deployments only; production refuses to start the casework zone without it.
ACCORD_RELEASE_SIGNING_KEY = env("ACCORD_RELEASE_SIGNING_KEY", "")
# The publishers whose releases this deployment accepts: "key-id=Publisher name=base64 public
# key" entries separated by ";". Partnership deployments only; empty means none are accepted.
ACCORD_RELEASE_TRUSTED_KEYS = env("ACCORD_RELEASE_TRUSTED_KEYS", "")
# Casework roles and system administrators must sign in with a security key or passkey
# (SECURITY.md AU-1). The demo
# turns this off so that its printed authenticator-app secrets work without a key.
ACCORD_CASEWORK_REQUIRE_WEBAUTHN = env_bool("ACCORD_CASEWORK_REQUIRE_WEBAUTHN", True)

_MAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": _MAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env("EMAIL_HOST", "localhost"),
                "port": int(env("EMAIL_PORT", "25")),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
            }
            if _MAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "accord@localhost")

# --- Data -------------------------------------------------------------------------------------
# Imported datasets (Parquet, immutable) and raw uploads kept until imported or discarded.
ACCORD_DATASETS_DIR = Path(env("ACCORD_DATASETS_DIR", str(VAR_DIR / "datasets")))
ACCORD_UPLOADS_DIR = Path(env("ACCORD_UPLOADS_DIR", str(VAR_DIR / "uploads")))
ACCORD_MAX_UPLOAD_BYTES = int(env("ACCORD_MAX_UPLOAD_BYTES", str(512 * 1024 * 1024)))
# Casework documents: encrypted with the case's key; never under the web root.
ACCORD_CASE_FILES_DIR = Path(env("ACCORD_CASE_FILES_DIR", str(VAR_DIR / "case-files")))
ACCORD_CASE_MAX_DOCUMENT_BYTES = int(env("ACCORD_CASE_MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024)))
# Evidence files of action-plan progress updates (partnership zone; published with the update).
ACCORD_PLAN_FILES_DIR = Path(env("ACCORD_PLAN_FILES_DIR", str(VAR_DIR / "plan-files")))
ACCORD_PLAN_MAX_FILE_BYTES = int(env("ACCORD_PLAN_MAX_FILE_BYTES", str(10 * 1024 * 1024)))
# How long a closed case is kept before its retention review (the service's policy sets it).
ACCORD_CASE_RETENTION_DAYS = int(env("ACCORD_CASE_RETENTION_DAYS", str(6 * 365)))
# The risk checklist (structure and the question text the service is licensed to use);
# empty means the shipped file (topic labels only: see casework/data/PROVENANCE.md).
ACCORD_DASH_CHECKLIST_PATH = env("ACCORD_DASH_CHECKLIST_PATH", "")
# Erasures are also appended here, outside the database and its backups, so that a restore
# can replay them (`accord casework erasures replay --ledger FILE`).
ACCORD_ERASURE_LEDGER = env("ACCORD_ERASURE_LEDGER", str(VAR_DIR / "erasure-ledger.jsonl"))
# Public self-referrals: how many one network address may send per hour.
ACCORD_SELF_REFERRAL_LIMIT = int(env("ACCORD_SELF_REFERRAL_LIMIT", "5"))
# Background work (imports, long analyses, PDF reports): Django's tasks framework with the
# database backend, run by `accord db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The neutral page that quick exit leaves to.
ACCORD_QUICK_EXIT_URL = env("ACCORD_QUICK_EXIT_URL", "https://www.bbc.co.uk/weather")

LOG_FORMAT = env("ACCORD_LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"ACCORD_LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "accord.web.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "accord.web.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    # A failed variable lookup is logged with the template context in the message: never
    # let that reach a log, at any level.
    "loggers": {"django.template": {"level": "INFO", "propagate": True}},
}
