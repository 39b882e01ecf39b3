"""Email confirmation: a stateless, signed key (like allauth's ``EmailConfirmationHMAC``).

No table: the key signs the address's pk *and* the exact address string, so it cannot
confirm an address edited afterwards, and the time it was made, so it expires after
``ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS``. :class:`EmailConfirmation` is the sender of
``email_confirmation_sent``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.core import signing
from django.utils import timezone
from django.utils.functional import cached_property

from accounts import app_settings
from accounts.models import EmailAddress

EMAIL_CONFIRMATION_SALT = "accounts.email-confirmation"


class EmailConfirmation:
    """A confirmation of ``email_address``; ``key`` is what the mailed link carries."""

    def __init__(self, email_address: EmailAddress, created: datetime | None = None) -> None:
        self.email_address = email_address
        self.created = created or timezone.now()

    @cached_property
    def key(self) -> str:
        """Made once per confirmation, so receivers see the key that was mailed."""
        return signing.dumps(
            {
                "pk": self.email_address.pk,
                "email": self.email_address.email,
                "t": int(self.created.timestamp()),
            },
            salt=EMAIL_CONFIRMATION_SALT,
            compress=True,
        )

    @classmethod
    def from_key(cls, key: str) -> EmailConfirmation | None:
        """The confirmation for ``key``, or ``None``: a bad signature, an expired key, a
        deleted address, or an address whose string changed since the key was made."""
        try:
            data = signing.loads(key, salt=EMAIL_CONFIRMATION_SALT)
            made_at = int(data["t"])
            pk = int(data["pk"])
            email = str(data["email"])
        except (signing.BadSignature, KeyError, ValueError, TypeError):
            return None
        max_age = app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS * 24 * 60 * 60
        if not 0 <= time.time() - made_at <= max_age:
            return None
        address = EmailAddress.objects.select_related("user").filter(pk=pk).first()
        if address is None or address.email != email:
            return None
        return cls(address, created=datetime.fromtimestamp(made_at, tz=UTC))
