"""Encryption of second-factor secrets at rest (Fernet, from ``cryptography``).

A database dump alone must not reveal a TOTP seed or let anyone recompute recovery codes, so
those are encrypted with a key held outside the database: ``MFA_ENCRYPTION_KEY`` (from the
environment). Several comma-separated keys may be given: the first encrypts, all decrypt, so a
key can be rotated. Without the setting, a key is derived from ``SECRET_KEY`` (also from the
environment) so development works out of the box.

Each configured value is any string; a Fernet key is derived from it with HKDF, so values
need not be in Fernet's own format.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from accounts.mfa import app_settings

HKDF_SALT = b"accounts.crypto"  # unchanged since the module moved: keys stay valid
HKDF_INFO = b"mfa-secrets-at-rest"


class DecryptionError(ValueError):
    """The token is not ours, was tampered with, or its key is gone."""


def _key_materials():
    configured = app_settings.ENCRYPTION_KEY
    materials = [part.strip() for part in configured.split(",") if part.strip()]
    return materials or [settings.SECRET_KEY]


def derive_fernet_key(material):
    """A Fernet key (urlsafe base64 of 32 bytes) derived from any secret string."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO).derive(
        material.encode()
    )
    return base64.urlsafe_b64encode(raw)


def _fernet():
    return MultiFernet([Fernet(derive_fernet_key(m)) for m in _key_materials()])


def encrypt(text):
    """Encrypt ``text`` (str) and return an ASCII token safe to store in JSON."""
    return _fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token):
    """Return the text ``token`` was made from; raise ``DecryptionError`` if impossible."""
    try:
        return _fernet().decrypt(str(token).encode("ascii")).decode()
    except (InvalidToken, UnicodeError, TypeError) as error:
        raise DecryptionError("Cannot decrypt the stored secret.") from error
