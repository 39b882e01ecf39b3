"""Passwords changed by their owner: change (with the old one) and set (when there is none).

Each flow stores the password, keeps this session under a new key, ends the user's *other*
sessions through the per-user session records, sends its signal and mails a notice (a mail
server that fails is logged and does not undo the change).
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.adapter import get_adapter
from accounts.models import User
from accounts.notifications import send_security_notice
from accounts.signals import password_changed, password_set, sessions_ended
from accounts.usersessions.store import end_sessions, keep_session_after_password_change


def notify(request: HttpRequest, user: User, template_prefix: str) -> None:
    """Mail ``user``'s primary address a security notice (time, IP and browser; no secret)."""
    send_security_notice(request, user=user, notice=template_prefix.rsplit("/", 1)[-1])


def end_user_sessions(request: HttpRequest, user: User, *, keep_session_key=None) -> int:
    """End the user's sessions (all, or all but ``keep_session_key``); announce it."""
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


@transaction.atomic(savepoint=False)  # raises nothing a caller carries on from
def change_password(request: HttpRequest, *, user: User, password: str) -> None:
    """Store the new password, keep this session (new key), end every other session.

    Sends ``password_changed`` (then ``sessions_ended`` when other sessions ended) and mails a
    "your password was changed" notice.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    current_key = keep_session_after_password_change(request, user)
    password_changed.send(sender=user.__class__, request=request, user=user)
    end_user_sessions(request, user, keep_session_key=current_key)
    get_adapter(request).add_message(request, messages.SUCCESS, _("Your password was changed."))
    notify(request, user, "account/email/password_changed")


@transaction.atomic(savepoint=False)  # raises nothing a caller carries on from
def set_password(request: HttpRequest, *, user: User, password: str) -> None:
    """A first password for a user who had no usable one; otherwise like a change."""
    user.set_password(password)
    user.save(update_fields=["password"])
    current_key = keep_session_after_password_change(request, user)
    password_set.send(sender=user.__class__, request=request, user=user)
    end_user_sessions(request, user, keep_session_key=current_key)
    get_adapter(request).add_message(request, messages.SUCCESS, _("Your password was set."))
    notify(request, user, "account/email/password_set")
