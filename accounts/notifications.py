"""Security notices: the one place that mails users about changes to their account.

Every notice (password changed, set or reset; an address added, removed or changed; a new
sign-in; a password right after failures; two-factor turned on or off; recovery codes
regenerated; a security key added or removed; a social account connected or disconnected; the
account scheduled for deletion) goes through :func:`send_security_notice`, so
``ACCOUNT_EMAIL_NOTIFICATIONS`` turns them all off at once and every one is rendered in the
user's language. Mails that are not notices (verification links, reset links, the answers
that keep signup and reset from revealing accounts) are sent by their flows as before.

A failing mail server is logged and never fails the flow being reported on (the adapter's
``send_notification_mail``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts import app_settings
from accounts.adapter import get_adapter

# Each notice is ``account/email/<name>_subject.txt`` / ``_message.txt`` (+ ``.html``).
NOTICES = frozenset(
    {
        "password_changed",
        "password_set",
        "password_reset",
        "password_after_failures",
        "email_added",
        "email_removed",
        "email_changed",
        "new_device_login",
        "totp_activated",
        "totp_deactivated",
        "recovery_codes_generated",
        "webauthn_added",
        "webauthn_removed",
        "account_deletion_requested",
        "socialaccount_connected",
        "socialaccount_disconnected",
    }
)
# Notices whose templates live outside ``account/email/``.
TEMPLATES = {
    "socialaccount_connected": "socialaccount/email/account_connected",
    "socialaccount_disconnected": "socialaccount/email/account_disconnected",
}


def primary_address(user) -> str:
    """Where notices about ``user`` go: the primary address, else the ``user.email`` mirror."""
    address = user.emailaddress_set.filter(primary=True).first()
    return address.email if address is not None else (user.email or "")


def send_security_notice(
    request: HttpRequest | None,
    *,
    user,
    notice: str,
    to: str | None = None,
    **context: Any,
) -> bool:
    """Mail ``user`` the security notice ``notice`` (at ``to``, default their primary
    address), unless ``ACCOUNT_EMAIL_NOTIFICATIONS`` is off. Returns whether it went out."""
    if notice not in NOTICES:
        raise ValueError(f"Unknown security notice {notice!r}.")
    if not app_settings.EMAIL_NOTIFICATIONS:
        return False
    recipient = to if to is not None else primary_address(user)
    if not recipient:
        return False
    # Rendered in ``user``'s language and zone by the adapter (accounts.i18n.override_for_user).
    template = TEMPLATES.get(notice, f"account/email/{notice}")
    return get_adapter(request).send_notification_mail(
        template, recipient, {"user": user, **context}, request=request
    )
