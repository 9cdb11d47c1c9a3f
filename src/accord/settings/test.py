"""Tests: the demo settings with fast hashing where hashing is not under test."""

import os

os.environ.setdefault("ACCORD_VAR_DIR", "/tmp/accord-test-var")  # noqa: S108
# As in production, not the demo's plain lines: the log tests read what production writes.
os.environ.setdefault("ACCORD_LOG_FORMAT", "json")

from accord.settings.demo import *  # noqa: F403

# Fast hashing where hashing is not under test; tests/accounts/test_passwords.py checks
# that the real settings put Argon2 first.
# Background tasks run at once in tests, in the test's transaction.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
