"""Signed keys for email confirmation. No request, no database writes; time has a seam.

Password reset reuses Django's ``default_token_generator`` (see ``flows.password``).
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing

EMAIL_CONFIRMATION_SALT = "accounts.email-confirmation"


def _now():
    """Seconds since the epoch. Patched in tests to control expiry."""
    return time.time()


def make_email_confirmation_key(email_address):
    """A key signing the address's pk, its exact string and the time it was made."""
    return signing.dumps(
        {"pk": email_address.pk, "email": email_address.email, "t": int(_now())},
        salt=EMAIL_CONFIRMATION_SALT,
        compress=True,
    )


def read_email_confirmation_key(key):
    """Return an ``EmailConfirmation`` for a valid key, else ``None``.

    ``None`` for a bad signature, an expired key, a deleted address, or an address whose
    string changed since the key was made.
    """
    from accounts.models import EmailAddress, EmailConfirmation

    try:
        data = signing.loads(key, salt=EMAIL_CONFIRMATION_SALT)
        made_at = int(data["t"])
        pk = int(data["pk"])
        email = str(data["email"])
    except (signing.BadSignature, KeyError, ValueError, TypeError):
        return None
    max_age = settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS * 24 * 60 * 60
    if not 0 <= _now() - made_at <= max_age:
        return None
    address = EmailAddress.objects.select_related("user").filter(pk=pk).first()
    if address is None or address.email != email:
        return None
    return EmailConfirmation(address, created=datetime.fromtimestamp(made_at, tz=UTC))
