"""The keyring: round trip, context binding, fail closed, rotation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.crypto import DecryptionError, Keyring, KeyringError

OLD = Keyring.parse(Keyring.generate_key_spec("old"))
NEW_SPEC = Keyring.generate_key_spec("new")


@given(st.binary(max_size=2048), st.binary(max_size=64))
def test_round_trip(plaintext: bytes, aad: bytes) -> None:
    assert OLD.decrypt(OLD.encrypt(plaintext, aad), aad) == plaintext


def test_another_context_cannot_decrypt() -> None:
    token = OLD.encrypt(b"secret", b"row:1")
    with pytest.raises(DecryptionError):
        OLD.decrypt(token, b"row:2")


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "AA", lambda t: "v2" + t[2:], lambda t: "nonsense"]
)
def test_tampered_tokens_fail_closed(mangle: object) -> None:
    token = OLD.encrypt(b"secret", b"ctx")
    with pytest.raises(DecryptionError):
        OLD.decrypt(mangle(token), b"ctx")  # type: ignore[operator]


def test_rotation_reads_old_tokens_and_writes_with_the_new_key() -> None:
    old_spec = ",".join(f"{k}:{__import__('base64').b64encode(v).decode()}" for k, v in OLD.keys)
    rotated = Keyring.parse(f"{NEW_SPEC},{old_spec}")
    token = OLD.encrypt(b"kept", b"ctx")
    assert rotated.decrypt(token, b"ctx") == b"kept"
    assert rotated.needs_rewrap(token)
    fresh = rotated.encrypt(b"kept", b"ctx")
    assert fresh.startswith("v1:new:")
    assert not rotated.needs_rewrap(fresh)
    with pytest.raises(DecryptionError, match="No key named 'new'"):
        OLD.decrypt(fresh, b"ctx")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "empty"),
        ("nokey", "id:base64"),
        ("a:!!!", "not valid base64"),
        ("a:AAAA", "32 bytes"),
    ],
)
def test_bad_key_material_is_refused(spec: str, message: str) -> None:
    with pytest.raises(KeyringError, match=message):
        Keyring.parse(spec)
