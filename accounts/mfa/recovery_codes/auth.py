"""Recovery codes: ten random 8-digit codes, stored only as keyed hashes, each usable once.

Where the time went (profiled before this change): activation hashed each of the ten codes
with PBKDF2-SHA256 at 100,000 iterations (~25 ms each, ~250 ms in all, 10.8x allauth's TOTP
activation); a login with a code ran one such derivation (3x allauth's). Everything else in
those flows costs what allauth's do.

Threat model, and why no slow hash is needed:

- **Database stolen, application key not** (a backup, an SQL injection, a replica): each
  set has its own random 256-bit key (``key``), stored encrypted under the app key (the MFA
  adapter's ``encrypt``, the key that protects TOTP secrets too), and each code is stored as
  ``HMAC-SHA256(key, salt || code)``. Without the key the hashes are unrelated to the codes:
  trying all 10**8 codes is no help, whatever their number of iterations. This is the
  attacker a slow hash would have to stop, and the keyed hash already stops him completely.
- **Database and application key stolen** (the server itself): the attacker decrypts the
  key and tries 10**8 codes in seconds. A KDF would only slow that down (10**8 x 100,000
  iterations is hours on a GPU, not impossible), and that attacker also decrypts every TOTP
  secret with the same key, so the second factor is lost anyway. allauth stores one
  encrypted seed from which all codes derive, so it offers no more here.

Hence a check costs no slow hash (one HMAC, compared with each stored hash) and activation costs ten
HMACs, less than allauth's derivation. Sets made before this change (``iterations`` in
their data, PBKDF2 of ``HMAC(key, code)`` with the set's salt) still verify, with one
derivation per check, until they are used up or regenerated.

Using a code removes its hash under ``select_for_update``, so two concurrent uses of one code
cannot both succeed.
"""

import base64
import hashlib
import hmac
import secrets
import time

from django.db import transaction
from django.utils import timezone

from accounts.mfa import crypto
from accounts.mfa.adapter import get_adapter
from accounts.mfa.models import Authenticator

COUNT = 10
DIGITS = 8


SCHEME = 2  # keyed hash; data without "scheme" and with "iterations" is the PBKDF2 scheme


def generate_codes():
    """``COUNT`` distinct random codes of ``DIGITS`` digits."""
    codes = []
    while len(codes) < COUNT:
        code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
        if code not in codes:
            codes.append(code)
    return codes


def normalize_code(code):
    return "".join(str(code or "").split()).replace("-", "")


def _keyed(code, *, pepper, salt):
    return hmac.new(pepper, salt + code.encode(), hashlib.sha256).hexdigest()


def _legacy_digest(code, *, pepper, salt, iterations):
    """The PBKDF2 scheme of sets made before ``SCHEME`` 2 (verification only)."""
    keyed = hmac.new(pepper, code.encode(), hashlib.sha256).digest()
    return hashlib.pbkdf2_hmac("sha256", keyed, salt, iterations).hex()


def build_data(codes):
    """The ``Authenticator.data`` of a set of recovery codes: no code and no usable key in it.

    One encryption and ``len(codes)`` HMACs: no slow hash (see the threat model above).
    """
    pepper = secrets.token_bytes(32)
    salt = secrets.token_bytes(16)
    return {
        "scheme": SCHEME,
        "key": get_adapter().encrypt(base64.b64encode(pepper).decode("ascii")),
        "salt": base64.b64encode(salt).decode("ascii"),
        "hashes": [_keyed(c, pepper=pepper, salt=salt) for c in codes],
        "total": len(codes),
        "generated_at": time.time(),
    }


def remaining(authenticator):
    """How many codes of the set are still unused."""
    return len(authenticator.data.get("hashes", []))


def total(authenticator):
    return authenticator.data.get("total", COUNT)


def _matching_index(data, code):
    code = normalize_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    try:
        pepper = base64.b64decode(get_adapter().decrypt(data["key"]))
        salt = base64.b64decode(data["salt"])
    except (crypto.DecryptionError, KeyError, ValueError):
        return None
    if "iterations" in data and "scheme" not in data:
        digest = _legacy_digest(code, pepper=pepper, salt=salt, iterations=int(data["iterations"]))
    else:
        digest = _keyed(code, pepper=pepper, salt=salt)
    found = None
    for index, stored in enumerate(data.get("hashes", [])):
        if hmac.compare_digest(stored, digest) and found is None:
            found = index
    return found


def use_code(authenticator, code):
    """Spend ``code`` of the recovery-codes ``authenticator``; True if it was valid and unused."""
    # No savepoint: a wrong code raises nothing, so there is nothing to roll back to.
    with transaction.atomic(savepoint=False):
        locked = Authenticator.objects.select_for_update().filter(pk=authenticator.pk).first()
        if locked is None or not use_code_locked(locked, code):
            return False
    authenticator.data, authenticator.last_used_at = locked.data, locked.last_used_at
    return True


def use_code_locked(locked, code):
    """``use_code`` for a row the caller has already locked (``select_for_update`` in the
    current transaction): remove the code's hash; True if it was valid and unused."""
    if locked.type != Authenticator.Type.RECOVERY_CODES:
        return False
    index = _matching_index(locked.data, code)
    if index is None:
        return False
    hashes = list(locked.data["hashes"])
    del hashes[index]
    locked.data = {**locked.data, "hashes": hashes}
    locked.last_used_at = timezone.now()
    locked.save(update_fields=["data", "last_used_at"])
    return True
