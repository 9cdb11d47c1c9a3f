"""Password rules beyond Django's: a generous maximum and no words about this service.

No composition rules (NIST SP 800-63B, ASVS 6.2.5): length and a block-list do more good.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

MAX_LENGTH = 128
CONTEXT_WORDS = ("accord", "police", "metropolitan", "advocate", "solace", "password")


class MaximumLengthValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > MAX_LENGTH:
            raise ValidationError(
                f"Use a password of {MAX_LENGTH} characters or fewer.", code="password_too_long"
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {MAX_LENGTH} characters long."


class ContextWordsValidator:
    """Refuse passwords that are mostly a word an attacker would try first here."""

    def validate(self, password: str, user: Any = None) -> None:
        folded = "".join(ch for ch in password.lower() if ch.isalpha())
        for word in CONTEXT_WORDS:
            if word in folded and len(folded) - len(word) < 8:
                raise ValidationError(
                    f"Your password is too close to the word “{word}”. Try a few unrelated words.",
                    code="password_context_word",
                )

    def get_help_text(self) -> str:
        return "Avoid words connected with this service."
