"""``ACCOUNT_CHANGE_EMAIL`` (allauth's email-change mode): one address per account.

Adding an address starts a change: the new address waits, unverified, next to the current
one (a second change replaces the waiting address). Verifying it completes the change: the
old address goes, the new one becomes primary (``user.email`` follows), ``email_changed`` is
sent and the old address is told.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts import app_settings
from accounts.models import EmailAddress, User
from accounts.notifications import send_security_notice
from accounts.signals import email_changed


def drop_pending_change(*, user: User) -> int:
    """Change mode: forget an address still waiting to replace the current one (called
    before a new one is added). Returns how many were dropped."""
    if not app_settings.CHANGE_EMAIL:
        return 0
    deleted, _ = EmailAddress.objects.filter(user=user, primary=False).delete()
    return deleted


def complete_email_change(request: HttpRequest, *, address: EmailAddress) -> bool:
    """Change mode: the waiting ``address`` was just verified, so it replaces the old one.

    Runs in ``verify_address``'s transaction (the row is locked there). Sends
    ``email_changed`` (sender=EmailAddress; request, user, from_email_address,
    to_email_address) and mails the old address a notice. Returns whether a change happened.
    """
    if not app_settings.CHANGE_EMAIL or address.primary:
        return False
    user = address.user
    old = EmailAddress.objects.filter(user=user, primary=True).first()
    EmailAddress.objects.filter(user=user).exclude(pk=address.pk).delete()
    address.primary = True
    address.save(update_fields=["primary"])
    user.email = address.email
    user.save(update_fields=["email"])
    if old is not None:
        email_changed.send(
            sender=EmailAddress,
            request=request,
            user=user,
            from_email_address=old,
            to_email_address=address,
        )
        send_security_notice(
            request,
            user=user,
            notice="email_changed",
            to=old.email,
            from_email=old.email,
            to_email=address.email,
        )
    return True
