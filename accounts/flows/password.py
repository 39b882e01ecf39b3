"""Passwords: change (with the old one), set (when there is none) and reset by emailed link.

Each finished flow sends its signal, ends the sessions it must (the user's *other* sessions on
change and set, *all* of them on reset) through the per-user session records, and mails the
user a notice. Mails go last, after the writes and signals; a mail server that fails is logged
and does not undo the change (nor, for reset requests, change the answer).
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.http import base36_to_int, int_to_base36

from accounts import mail, ratelimit
from accounts.models import EmailAddress, User
from accounts.signals import (
    password_changed,
    password_reset,
    password_set,
    rate_limited,
    sessions_ended,
)
from accounts.user_sessions import end_sessions, keep_session_after_password_change

logger = logging.getLogger(__name__)

# The emailed key lives here between the link and the form, so no page URL carries it.
RESET_KEY_SESSION_KEY = "account_password_reset_key"
# Replaces the key in the URL of the form page: /password/reset/key/<uidb36>-set-password/.
RESET_URL_KEY = "set-password"
# Django's tokens are ~40 characters; anything much longer is not one and is not stored.
RESET_KEY_MAX_LENGTH = 100
_MAX_PK = 2**63 - 1


def _send(template_prefix, to, context, request):
    """Send one mail; a failing mail server is logged, never shown (no enumeration, no 500)."""
    try:
        mail.send_mail(template_prefix, to, context, request=request)
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not send the %s mail.", template_prefix.rsplit("/", 1)[-1])


def _notify(request, user, template_prefix):
    """Mail ``user``'s primary address a security notice (time, IP and browser; no secret)."""
    address = user.emailaddress_set.filter(primary=True).first()
    to = address.email if address is not None else user.email
    if to:
        _send(template_prefix, to, {"user": user}, request)


def _end_sessions(request, user, *, keep_session_key=None):
    count = end_sessions(user, keep_session_key=keep_session_key)
    if count:
        sessions_ended.send(
            sender=user.__class__,
            request=request,
            user=user,
            actor=user,
            count=count,
            scope="others" if keep_session_key else "all",
        )
    return count


@transaction.atomic
def change_password(request, *, user, password):
    """Store the new password, keep this session (new key), end every other session.

    Sends ``password_changed`` (then ``sessions_ended`` when other sessions ended) and mails a
    "your password was changed" notice.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    current_key = keep_session_after_password_change(request, user)
    password_changed.send(sender=user.__class__, request=request, user=user)
    _end_sessions(request, user, keep_session_key=current_key)
    _notify(request, user, "account/email/password_changed")


@transaction.atomic
def set_password(request, *, user, password):
    """A first password for a user who had no usable one; otherwise like a change."""
    user.set_password(password)
    user.save(update_fields=["password"])
    current_key = keep_session_after_password_change(request, user)
    password_set.send(sender=user.__class__, request=request, user=user)
    _end_sessions(request, user, keep_session_key=current_key)
    _notify(request, user, "account/email/password_set")


def find_reset_recipients(email):
    """Return ``[(user, address)]`` of the active accounts a reset for ``email`` may reach.

    The address must equal the stored one up to case (compared in SQL *and* in Python, so
    Unicode tricks like a dotless i (U+0131) never match ``i``: Django CVE-2019-19844). Verified
    addresses win over unverified ones; users without any address row (``createsuperuser``)
    are matched on ``User.email``. The mail goes to the stored address string.
    """
    lowered = email.lower()
    addresses = [
        a
        for a in EmailAddress.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=lowered, user__is_active=True)
        .select_related("user")
        .order_by("-verified", "-primary", "pk")
        if a.email.lower() == lowered
    ]
    chosen = [a for a in addresses if a.verified] or addresses
    recipients = {}
    for address in chosen:
        recipients.setdefault(address.user_id, (address.user, address.email))
    if not recipients:
        users = User.objects.annotate(email_lower=Lower("email")).filter(
            email_lower=lowered, is_active=True, emailaddress_set__isnull=True
        )
        for user in users.order_by("pk"):
            if user.email.lower() == lowered:
                recipients.setdefault(user.pk, (user, user.email))
    return list(recipients.values())


def reset_timeout_minutes():
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


def make_reset_url(request, user):
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": int_to_base36(user.pk), "key": default_token_generator.make_token(user)},
    )
    return mail.absolute_url(request, path)


def request_password_reset(request, *, email):
    """Mail a reset link to each account using ``email``, or an "unknown account" mail.

    Whatever the case the caller answers the same way; nothing about the account changes
    until a valid key is presented.
    """
    recipients = find_reset_recipients(email)
    if not recipients:
        context = {
            "email": email,
            "signup_url": mail.absolute_url(request, reverse("account_signup")),
            "password_reset_url": mail.absolute_url(request, reverse("account_reset_password")),
        }
        _send("account/email/unknown_account", email, context, request)
        return
    for user, address in recipients:
        context = {
            "user": user,
            "username": user.get_username(),
            "password_reset_url": make_reset_url(request, user),
            "timeout_minutes": reset_timeout_minutes(),
        }
        _send("account/email/password_reset_key", address, context, request)


def refuse_reset_request(request, *, email):
    """A reset request over its budget: tell receivers (with the account, if any)."""
    recipients = find_reset_recipients(email)
    rate_limited.send(
        sender=None,
        request=request,
        action="reset_password",
        user=recipients[0][0] if recipients else None,
    )


def refuse_password_change(request):
    """Too many change attempts by this user (guessing the current password)."""
    rate_limited.send(sender=None, request=request, action="change_password", user=request.user)


def refuse_reset_key(request):
    """Too many reset links opened from this client (key guessing)."""
    rate_limited.send(sender=None, request=request, action="reset_password_from_key", user=None)


def stash_reset_key(request, *, uidb36, key):
    """Move the emailed key into the session; the form page URL will not carry it."""
    if len(key) > RESET_KEY_MAX_LENGTH:
        key = ""
    request.session[RESET_KEY_SESSION_KEY] = {"uidb36": uidb36, "key": key}


def _user_from_uidb36(uidb36):
    try:
        pk = base36_to_int(uidb36)
    except ValueError:
        return None
    if pk > _MAX_PK:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def get_reset_user(request, *, uidb36):
    """The user whose stashed key is valid for ``uidb36``, else ``None`` (and forget the key).

    Django's token hashes the password hash, ``last_login``, the email and the time it was
    made: it is single-use, void after a password change or a login, and expires after
    ``PASSWORD_RESET_TIMEOUT`` seconds.
    """
    stash = request.session.get(RESET_KEY_SESSION_KEY)
    user = None
    if isinstance(stash, dict) and stash.get("uidb36") == uidb36:
        candidate = _user_from_uidb36(uidb36)
        if candidate is not None and default_token_generator.check_token(
            candidate, stash.get("key") or ""
        ):
            user = candidate
    if user is None and stash is not None:
        request.session.pop(RESET_KEY_SESSION_KEY, None)
    return user


@transaction.atomic
def reset_password(request, *, user, password):
    """Store the new password and end *all* of the user's sessions; log nobody in.

    Clears the failed-login budget of the account (a reset is the way out of a lockout),
    sends ``password_reset`` (then ``sessions_ended``) and mails a "password was reset" notice.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    request.session.pop(RESET_KEY_SESSION_KEY, None)
    ratelimit.clear(request, "login_failed", key=f"user:{user.pk}")
    password_reset.send(sender=user.__class__, request=request, user=user)
    _end_sessions(request, user)
    if request.user.is_authenticated and request.user.pk == user.pk:
        # This browser was one of the user's sessions: it ends too.
        request.session.flush()
        request.user = AnonymousUser()
    _notify(request, user, "account/email/password_reset")
