"""Password reset by emailed link: the request, the key, and the new password.

The emailed key is moved into the session by the first GET, so no page URL carries it; the
reset ends *all* of the user's sessions and logs nobody in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import base36_to_int, int_to_base36
from django.utils.translation import gettext_lazy as _

from accounts import ratelimit
from accounts.adapter import get_adapter
from accounts.device_cookies import unlock_after_reset
from accounts.exceptions import FlowError
from accounts.flows.password_change import end_user_sessions, notify
from accounts.headless.frontend import frontend_url
from accounts.httpkit import absolute_url
from accounts.models import EmailAddress, User
from accounts.signals import password_reset

# The emailed key lives here between the link and the form, so no page URL carries it.
RESET_KEY_SESSION_KEY = "account_password_reset_key"
# Replaces the key in the URL of the form page: /password/reset/key/<uidb36>-set-password/.
RESET_URL_KEY = "set-password"
# Django's tokens are ~40 characters; anything much longer is not one and is not stored.
RESET_KEY_MAX_LENGTH = 100
_MAX_PK = 2**63 - 1
USED_KEY = _("This password reset link was already used or is no longer valid.")
TOO_MANY_REQUESTS = _("Too many password reset requests. Please try again later.")


def find_reset_recipients(email: str) -> list[tuple[User, str]]:
    """Return ``[(user, address)]`` of the active accounts a reset for ``email`` may reach.

    The address must equal the stored one up to case (compared in SQL *and* in Python, so
    Unicode tricks like a dotless i (U+0131) never match ``i``: Django CVE-2019-19844). Verified
    addresses win over unverified ones; users without any address row (``createsuperuser``)
    are matched on ``User.email``. The mail goes to the stored address string.
    """
    lowered = email.lower()
    addresses = [
        a
        for a in EmailAddress.objects.matching(email)
        .filter(user__is_active=True)
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


def reset_timeout_minutes() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


def make_reset_url(request: HttpRequest, user: User) -> str:
    uidb36, key = int_to_base36(user.pk), default_token_generator.make_token(user)
    frontend = frontend_url(request, "account_reset_password_from_key", key=f"{uidb36}-{key}")
    if frontend:
        return frontend
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": key})
    return absolute_url(request, path)


def request_password_reset(request: HttpRequest, *, email: str) -> None:
    """Mail a reset link to each account using ``email``, or an "unknown account" mail.

    The request is budgeted first, per IP and per typed address (``reset_password``: known or
    not, so hitting it tells nothing about whether an account uses it); a refusal raises
    ``RateLimited`` naming the account, if any, for the audit trail. Otherwise the caller
    answers the same way whatever the case; nothing about the account changes until a valid
    key is presented. A failing mail server is logged, never shown (no enumeration, no 500).
    """
    if not ratelimit.consume(request, "reset_password", key=email.lower()):
        recipients = find_reset_recipients(email)
        account = recipients[0][0] if recipients else None
        ratelimit.refuse(request, "reset_password", user=account, message=TOO_MANY_REQUESTS)
    recipients = find_reset_recipients(email)
    adapter = get_adapter(request)
    if not recipients:
        context = {
            "email": email,
            "signup_url": absolute_url(request, reverse("account_signup")),
            "password_reset_url": absolute_url(request, reverse("account_reset_password")),
        }
        adapter.send_notification_mail("account/email/unknown_account", email, context, request)
        return
    for user, address in recipients:
        context = {
            "user": user,
            "username": user.get_username(),
            "password_reset_url": make_reset_url(request, user),
            "timeout_minutes": reset_timeout_minutes(),
        }
        adapter.send_notification_mail(
            "account/email/password_reset_key", address, context, request
        )


def stash_reset_key(request: HttpRequest, *, uidb36: str, key: str) -> None:
    """Move the emailed key into the session; the form page URL will not carry it."""
    if len(key) > RESET_KEY_MAX_LENGTH:
        key = ""
    request.session[RESET_KEY_SESSION_KEY] = {"uidb36": uidb36, "key": key}


def _user_from_uidb36(uidb36, *, lock=False):
    try:
        pk = base36_to_int(uidb36)
    except ValueError:
        return None
    if pk > _MAX_PK:
        return None
    users = User.objects.select_for_update() if lock else User.objects
    return users.filter(pk=pk, is_active=True).first()


def can_lock_reset_user() -> bool:
    """A row lock lasts until the transaction ends: only inside one (``ATOMIC_REQUESTS``)."""
    return transaction.get_connection().in_atomic_block


def get_reset_user(request: HttpRequest, *, uidb36: str, lock: bool = False) -> User | None:
    """The user whose stashed key is valid for ``uidb36``, else ``None`` (and forget the key).

    Django's token hashes the password hash, ``last_login``, the email and the time it was
    made: it is single-use, void after a password change or a login, and expires after
    ``PASSWORD_RESET_TIMEOUT`` seconds. ``lock`` (the form's POST, inside the request's
    transaction: ``can_lock_reset_user``) reads the row locked, so the reset that follows
    needs no second read (``reset_password_by_key(..., locked=True)``).
    """
    stash = request.session.get(RESET_KEY_SESSION_KEY)
    user = None
    if isinstance(stash, dict) and stash.get("uidb36") == uidb36:
        candidate = _user_from_uidb36(uidb36, lock=lock)
        if candidate is not None and default_token_generator.check_token(
            candidate, stash.get("key") or ""
        ):
            user = candidate
    if user is None and stash is not None:
        request.session.pop(RESET_KEY_SESSION_KEY, None)
    return user


def reset_password_by_key(
    request: HttpRequest, *, user: User, password: str, locked: bool = False
) -> None:
    """The emailed link's reset: ``reset_password`` once the stashed key is checked again on
    the *locked* user row (``locked``: ``user`` was read and checked under the lock already,
    in this transaction, by ``get_reset_user(lock=True)``).

    Single use under concurrency: of several browsers posting one link at once exactly one
    resets; the others wait for the lock, then find the key void (the password it hashes
    changed) and get ``FlowError("invalid_key")``, raised after the block so the request's
    transaction stays usable without a savepoint (the block wrote nothing then).
    """
    still_locked = locked and can_lock_reset_user()  # the transaction that read it is open
    with transaction.atomic(savepoint=False):
        row = (
            user
            if still_locked
            else User.objects.select_for_update().filter(pk=user.pk, is_active=True).first()
        )
        stash = request.session.get(RESET_KEY_SESSION_KEY)
        key = stash.get("key") if isinstance(stash, dict) else ""
        valid = row is not None and default_token_generator.check_token(row, key or "")
        if valid:
            reset_password(request, user=row, password=password)
    if not valid:
        request.session.pop(RESET_KEY_SESSION_KEY, None)
        raise FlowError(USED_KEY, code="invalid_key")


# No savepoint: nothing in it raises an error a caller would catch and carry on from.
@transaction.atomic(savepoint=False)
def reset_password(request: HttpRequest, *, user: User, password: str) -> None:
    """Store the new password and end *all* of the user's sessions; log nobody in.

    Clears the failed-login budget of the account (a reset is the way out of a lockout),
    sends ``password_reset`` (then ``sessions_ended``) and mails a "password was reset" notice.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    request.session.pop(RESET_KEY_SESSION_KEY, None)
    unlock_after_reset(request, user=user)
    password_reset.send(sender=user.__class__, request=request, user=user)
    end_user_sessions(request, user)
    if request.user.is_authenticated and request.user.pk == user.pk:
        # This browser was one of the user's sessions: it ends too.
        request.session.flush()
        request.user = AnonymousUser()
    notify(request, user, "account/email/password_reset")
