"""Enforced two-factor authentication (``MFA_REQUIRED`` / ``is_mfa_required``).

A signed-in user who must have a second factor and has none reaches nothing but the setup
pages, reauthentication and sign-out (the admin included) until one is set up. The first
setup, within ``FIRST_SETUP_WINDOW`` of being sent to it, needs no reauthentication: the
user has just authenticated and has no factor yet to confirm with (``in_required_setup``);
later, a password reauthentication is asked as for anyone.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.mfa.adapter import get_adapter
from accounts.mfa.utils import has_second_factor
from accounts.signals import mfa_setup_required

REQUIRED_SETUP_SESSION_KEY = "mfa_required_setup"
FIRST_SETUP_WINDOW = 15 * 60

# What such a user may still reach: setting a factor up, confirming who they are, leaving,
# and following a verification link from their mail.
ALLOWED_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "account_reauthenticate",
        "account_logout",
        "account_confirm_email",
    }
)
SETUP_MESSAGE = _(
    "This site requires two-factor authentication: set up a second factor to continue."
)


def must_set_up_factor(request: HttpRequest) -> bool:
    """Whether the signed-in user must have a second factor and has none."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not get_adapter(request).is_mfa_required(user):
        return False
    if has_second_factor(user):
        request.session.pop(REQUIRED_SETUP_SESSION_KEY, None)
        return False
    return True


def in_required_setup(request: HttpRequest) -> bool:
    """The first setup of an enforced user, within ``FIRST_SETUP_WINDOW`` of being sent to
    it in this session: no reauthentication asked."""
    sent_at = request.session.get(REQUIRED_SETUP_SESSION_KEY)
    if not isinstance(sent_at, int | float) or isinstance(sent_at, bool):
        return False
    return 0 <= time.time() - sent_at < FIRST_SETUP_WINDOW and must_set_up_factor(request)


def send_to_setup(request: HttpRequest) -> HttpResponseRedirect:
    """Redirect to the two-factor page; the first time in a session, send
    ``mfa_setup_required`` (sender=user.__class__; request, user) so it is audited."""
    if not request.session.get(REQUIRED_SETUP_SESSION_KEY):
        request.session[REQUIRED_SETUP_SESSION_KEY] = time.time()
        mfa_setup_required.send(sender=request.user.__class__, request=request, user=request.user)
    if request.method == "GET":
        messages.warning(request, SETUP_MESSAGE)
    return HttpResponseRedirect(reverse("mfa_index"))


class RequireMFAMiddleware:
    """Place after the authentication and session middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in ALLOWED_URL_NAMES:
            return None
        if must_set_up_factor(request):
            return send_to_setup(request)
        return None
