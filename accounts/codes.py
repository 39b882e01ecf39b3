"""User codes: the short codes mailed for login, email verification and password reset.

allauth's format: 8 characters of the RFC 8628 alphabet (consonants only, so no words and no
look-alike vowels/digits), shown dashed as ``XXXX-XXXX``. A typed code is compared ignoring
case, dashes, other punctuation and spaces (RFC 8628 §6.1), in constant time. Only a keyed
hash of a code is ever stored; the code itself lives in the mail alone.
"""

from __future__ import annotations

import hashlib
import hmac
import string

from django.utils.crypto import get_random_string, salted_hmac

# https://datatracker.ietf.org/doc/html/rfc8628#section-6.1
ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
LENGTH = 8
_STRIP = str.maketrans("", "", string.punctuation + string.whitespace)
_HASH_SALT = "accounts.codes"


def generate_user_code(*, length: int = LENGTH) -> str:
    """A fresh random code, dashed in two halves (``"BCDF-GHJK"``)."""
    code = get_random_string(length=length, allowed_chars=ALPHABET)
    half = (length + 1) // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_user_code(code: str) -> str:
    """What is compared: no punctuation or whitespace, upper case."""
    return (code or "").translate(_STRIP).upper()


def hash_user_code(code: str, *, purpose: str) -> str:
    """Keyed hash (HMAC-SHA256 with ``SECRET_KEY``) of the normalised code, per purpose:
    a database leak alone does not let anyone test the 20**8 candidates offline."""
    return salted_hmac(
        f"{_HASH_SALT}.{purpose}", normalize_user_code(code), algorithm="sha256"
    ).hexdigest()


def user_code_matches(typed: str, *, digest: str, purpose: str) -> bool:
    """Constant-time check of a typed code against a stored hash; an empty code never matches."""
    if not normalize_user_code(typed) or not digest:
        return False
    return hmac.compare_digest(hash_user_code(typed, purpose=purpose), digest)


def hash_token(token: str) -> str:
    """Plain SHA-256 of a random browser token (already high-entropy)."""
    return hashlib.sha256(token.encode()).hexdigest()
