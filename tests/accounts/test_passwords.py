"""Passwords: at least 15 characters, up to 128, no composition rules, Argon2id first."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from accord.settings import base


@pytest.mark.parametrize("password", ["a" * 14, "short one", "password12345678", "accordaccord12"])
def test_rejected(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize(
    "password",
    [
        "plum sofa lantern",  # 17 characters, lower case only: no composition rules
        "x7-Q" * 16,
        "ß café 🔒 über die brücke, ünd weiter" + "z" * 10,
        "w" * 30 + " spaces inside " + "k" * 20,
        "long but fine " * 9,
    ],
)
def test_accepted(password: str) -> None:
    validate_password(password[:128])


def test_over_128_characters_is_rejected_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="128 characters or fewer"):
        validate_password("q" * 129)


def test_context_words_are_refused() -> None:
    with pytest.raises(ValidationError, match="police"):
        validate_password("police police 1")


def test_real_settings_put_argon2id_first() -> None:
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        encoded = make_password("plum sofa lantern")
        assert encoded.startswith("argon2$argon2id$")
        assert check_password("plum sofa lantern", encoded)
        assert not check_password("Plum sofa lantern", encoded)  # no case folding
        assert not check_password("plum sofa lanter", encoded)  # no truncation
