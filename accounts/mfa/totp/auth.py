"""TOTP (RFC 6238) for the authenticator-app factor: 6 digits, 30-second steps.

The one-time values come from pyotp. What this module adds is the policy around them:

* the window is at most one step either side (``MFA_TOTP_TOLERANCE``, 0 or 1, default 1);
* a code is accepted **once**: the last accepted time step is stored in the authenticator's
  row and checked under ``select_for_update``, so a replay fails however late it comes within
  the window and whichever worker receives it (a cache would not survive a restart and
  might not be shared);
* the seed is stored encrypted (the MFA adapter's ``encrypt``);
* only the server clock counts.
"""

import base64
import hmac
import logging
import secrets
import time

import pyotp
import segno
from django.db import transaction
from django.utils import timezone

from accounts.mfa import app_settings, crypto
from accounts.mfa.adapter import get_adapter
from accounts.mfa.models import Authenticator

logger = logging.getLogger("accounts.mfa")

PERIOD = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, as RFC 4226 recommends.


def tolerance():
    """How many steps before/after the current one are accepted: 0 or 1, never more."""
    return app_settings.TOTP_TOLERANCE


def generate_secret():
    """A fresh random seed, base32 without padding (32 characters for 160 bits)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def time_step(at=None):
    return int((time.time() if at is None else at) // PERIOD)


def code_for_step(secret, step):
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).generate_otp(step)


def normalize_code(code):
    """Drop the spaces and dashes people type; the rest must be exactly what was shown."""
    return "".join(str(code or "").split()).replace("-", "")


def matching_step(secret, code, *, at=None):
    """The time step ``code`` belongs to within the window around ``at``, or ``None``."""
    code = normalize_code(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    current = time_step(at)
    window = tolerance()
    # Every candidate is compared (constant work), newest first.
    found = None
    for step in range(current + window, current - window - 1, -1):
        if hmac.compare_digest(code_for_step(secret, step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret, *, account_name, issuer):
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=account_name, issuer_name=issuer
    )


def qr_code_svg(uri):
    """The ``otpauth://`` URI as an inline SVG QR code (no scripts, no style attributes)."""
    qr = segno.make(uri, error="m")
    return qr.svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=True, svgclass="qr", title="QR code"
    )


def build_data(secret, *, last_step):
    """The ``Authenticator.data`` of a new TOTP factor: the encrypted seed and the step of
    the code that proved it (so that code cannot be used again to log in)."""
    return {"secret": get_adapter().encrypt(secret), "last_step": last_step}


def read_secret(authenticator):
    return get_adapter().decrypt(authenticator.data["secret"])


ACCEPTED = "accepted"
REPLAYED = "replayed"
REJECTED = "rejected"


def check_and_consume(authenticator, code):
    """Accept ``code`` for the TOTP ``authenticator`` once: ``ACCEPTED``, ``REPLAYED`` or
    ``REJECTED``.

    The row is locked while the step is compared and stored, so two requests carrying the
    same code (even in different workers) cannot both pass. Steps only move forward: after a
    code of step ``s`` was accepted, no code of step ``<= s`` is. ``REPLAYED`` means the code
    is right for the current window but that step was already used (say, right after
    activation): only someone holding a valid code learns it, so the flow may tell them to
    wait for the next code instead of calling it wrong.
    """
    # No savepoint: nothing in the block raises on a wrong code, so there is nothing to roll
    # back to; inside the request's transaction it only takes the lock.
    with transaction.atomic(savepoint=False):
        locked = Authenticator.objects.select_for_update().filter(pk=authenticator.pk).first()
        if locked is None:
            return REJECTED
        outcome = consume_locked(locked, code)
    if outcome == ACCEPTED:
        authenticator.data, authenticator.last_used_at = locked.data, locked.last_used_at
    return outcome


def verify_and_consume(authenticator, code):
    """Accept ``code`` for the TOTP ``authenticator`` once; return True if accepted."""
    return check_and_consume(authenticator, code) == ACCEPTED


def consume_locked(locked, code):
    """``check_and_consume`` for a row the caller has already locked (``select_for_update``
    in the current transaction): check ``code``, store its step; ``ACCEPTED``, ``REPLAYED``
    or ``REJECTED``."""
    if locked.type != Authenticator.Type.TOTP:
        return REJECTED
    try:
        secret = read_secret(locked)
    except (crypto.DecryptionError, KeyError):
        logger.error("TOTP seed of authenticator %s cannot be decrypted", locked.pk)
        return REJECTED
    step = matching_step(secret, code)
    if step is None:
        return REJECTED
    last_step = locked.data.get("last_step")
    if last_step is not None and step <= last_step:
        logger.warning(
            "TOTP code replayed for user %s (step %s, last accepted %s)",
            locked.user_id,
            step,
            last_step,
        )
        return REPLAYED
    locked.data = {**locked.data, "last_step": step}
    locked.last_used_at = timezone.now()
    locked.save(update_fields=["data", "last_used_at"])
    return ACCEPTED
