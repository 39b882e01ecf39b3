"""Reading an account's pending deletion, and the cancel offer made at sign-in.

Apart from ``accounts.flows.delete_account`` so the login flow can ask without an import
cycle.
"""

from __future__ import annotations

import time

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from accounts.models import AccountDeletion, User

CANCEL_SESSION_KEY = "account_deletion_cancel"
CANCEL_TIMEOUT = 15 * 60


def pending_deletion(user: User | None) -> AccountDeletion | None:
    if user is None or user.is_active:
        return None
    return AccountDeletion.objects.filter(user=user).first()


def offer_deletion_cancel(
    request: HttpRequest, *, user: User, login: str, redirect_url: str, remember: bool | None
) -> HttpResponse:
    """The right password on an account awaiting deletion: remember the password step (15
    minutes, voided by a password change) and ask whether to cancel the deletion."""
    request.session[CANCEL_SESSION_KEY] = {
        "user_id": user.pk,
        "auth_hash": user.get_session_auth_hash(),
        "at": time.time(),
        "login": login,
        "redirect_url": redirect_url,
        "remember": remember,
    }
    return HttpResponseRedirect(reverse("account_delete_cancel"))


def get_cancel_offer(request: HttpRequest) -> tuple[User | None, dict | None]:
    data = request.session.get(CANCEL_SESSION_KEY)
    if not isinstance(data, dict) or time.time() - data.get("at", 0) > CANCEL_TIMEOUT:
        return None, None
    user = User.objects.filter(pk=data.get("user_id"), is_active=False).first()
    if user is None or not constant_time_compare(
        str(data.get("auth_hash")), user.get_session_auth_hash()
    ):
        return None, None
    if pending_deletion(user) is None:
        return None, None
    return user, data
