"""Encryption of secrets held in the database, with keys kept outside it."""

from accord.crypto.keyring import DecryptionError, Keyring, KeyringError, keyring_from_settings

__all__ = ["DecryptionError", "Keyring", "KeyringError", "keyring_from_settings"]
