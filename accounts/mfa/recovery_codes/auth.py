"""Recovery codes: ten random 8-digit codes, stored only as keyed, salted hashes, each usable once.

Eight digits carry only ~26.6 bits, so a plain hash of them could be reversed by trying all
10**8 values. Each set therefore gets its own random 256-bit key (``pepper``), stored encrypted
with the app's key (the MFA adapter's ``encrypt``), and each code is stored as
``PBKDF2-SHA256(HMAC(pepper, code), salt)``. From the database alone nothing can be
recomputed; even with the app key, each guess costs a slow KDF. Verifying costs one KDF
whatever the number of codes, as the whole set shares the salt.

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

from accounts.mfa import app_settings, crypto
from accounts.mfa.adapter import get_adapter
from accounts.mfa.models import Authenticator

COUNT = 10
DIGITS = 8


def _iterations():
    return app_settings.RECOVERY_CODES_ITERATIONS


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


def _digest(code, *, pepper, salt, iterations):
    keyed = hmac.new(pepper, code.encode(), hashlib.sha256).digest()
    return hashlib.pbkdf2_hmac("sha256", keyed, salt, iterations).hex()


def build_data(codes):
    """The ``Authenticator.data`` of a set of recovery codes: no code and no usable key in it."""
    pepper = secrets.token_bytes(32)
    salt = secrets.token_bytes(16)
    iterations = _iterations()
    return {
        "key": get_adapter().encrypt(base64.b64encode(pepper).decode("ascii")),
        "salt": base64.b64encode(salt).decode("ascii"),
        "iterations": iterations,
        "hashes": [_digest(c, pepper=pepper, salt=salt, iterations=iterations) for c in codes],
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
    digest = _digest(code, pepper=pepper, salt=salt, iterations=int(data["iterations"]))
    found = None
    for index, stored in enumerate(data.get("hashes", [])):
        if hmac.compare_digest(stored, digest) and found is None:
            found = index
    return found


def use_code(authenticator, code):
    """Spend ``code`` of the recovery-codes ``authenticator``; True if it was valid and unused."""
    with transaction.atomic():
        locked = Authenticator.objects.select_for_update().filter(pk=authenticator.pk).first()
        if locked is None or locked.type != Authenticator.Type.RECOVERY_CODES:
            return False
        index = _matching_index(locked.data, code)
        if index is None:
            return False
        hashes = list(locked.data["hashes"])
        del hashes[index]
        locked.data = {**locked.data, "hashes": hashes}
        locked.last_used_at = timezone.now()
        locked.save(update_fields=["data", "last_used_at"])
    authenticator.data, authenticator.last_used_at = locked.data, locked.last_used_at
    return True
