"""AES-256-GCM with a ring of named keys.

Why a ring: keys must rotate without downtime. The first key encrypts; every key in the
ring can decrypt, and each token names the key that made it. Why AAD: a ciphertext copied
into another row or field must not decrypt there, so callers bind each value to where it
lives. Failures raise; a value that cannot be decrypted is never passed off as plaintext.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_PREFIX = "v1"  # noqa: S105 - a format marker, not a secret
NONCE_BYTES = 12


class KeyringError(ValueError):
    """The key material is missing or malformed."""


class DecryptionError(ValueError):
    """A token could not be decrypted: wrong key, wrong context, or tampered with."""


@dataclass(frozen=True)
class Keyring:
    """Named 256-bit keys; the first encrypts."""

    keys: tuple[tuple[str, bytes], ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("The keyring is empty: set ACCORD_DATA_KEYS.")
        seen: set[str] = set()
        for key_id, key in self.keys:
            if not key_id or ":" in key_id:
                raise KeyringError(f"Key id {key_id!r} must be non-empty and contain no ':'.")
            if key_id in seen:
                raise KeyringError(f"Key id {key_id!r} appears twice.")
            if len(key) != 32:
                raise KeyringError(f"Key {key_id!r} must be 32 bytes, not {len(key)}.")
            seen.add(key_id)

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """Read ``"id1:base64key,id2:base64key"``."""
        keys: list[tuple[str, bytes]] = []
        for item in (part.strip() for part in spec.split(",")):
            if not item:
                continue
            key_id, sep, encoded = item.partition(":")
            if not sep:
                raise KeyringError("Each key must be written as id:base64.")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error as error:
                raise KeyringError(f"Key {key_id!r} is not valid base64.") from error
            keys.append((key_id, key))
        return cls(tuple(keys))

    @staticmethod
    def generate_key_spec(key_id: str) -> str:
        return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"

    @property
    def primary_id(self) -> str:
        return self.keys[0][0]

    def encrypt(self, plaintext: bytes, aad: bytes) -> str:
        key_id, key = self.keys[0]
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext, _bind(key_id, aad))
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{TOKEN_PREFIX}:{key_id}:{body}"

    def decrypt(self, token: str, aad: bytes) -> bytes:
        prefix, _, rest = token.partition(":")
        key_id, _, body = rest.partition(":")
        if prefix != TOKEN_PREFIX or not key_id or not body:
            raise DecryptionError("This value is not an Accord ciphertext.")
        key = dict(self.keys).get(key_id)
        if key is None:
            raise DecryptionError(f"No key named {key_id!r} is in the keyring.")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
        except (binascii.Error, ValueError) as error:
            raise DecryptionError("The ciphertext is damaged.") from error
        if len(raw) <= NONCE_BYTES:
            raise DecryptionError("The ciphertext is damaged.")
        try:
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _bind(key_id, aad))
        except InvalidTag as error:
            raise DecryptionError(
                "The ciphertext does not match its key or context, or was altered."
            ) from error

    def needs_rewrap(self, token: str) -> bool:
        """True when a token was made with a key other than the primary one."""
        return token.split(":", 2)[1:2] != [self.primary_id]


def _bind(key_id: str, aad: bytes) -> bytes:
    return key_id.encode() + b"\x00" + aad


def keyring_from_settings() -> Keyring:
    from django.conf import settings

    return Keyring.parse(str(settings.ACCORD_DATA_KEYS))
