"""What a person is told after signing up, signing in and signing out (issue 17, point 4).

A new user used to land on the home page with no word about the mail waiting in their inbox,
their unverified address or two-factor authentication. These messages go through
``adapter.add_message`` (a site may reword or drop them), in the language of the request.

Signup must not tell anyone whether an address already has an account: the message after a
signup depends only on the site's settings and on what was typed, never on whether the address
was free, so a signup with a taken address reads exactly like one with a fresh address.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts import app_settings
from accounts.adapter import get_adapter, is_api_request
from accounts.app_settings import EmailVerification
from accounts.models import EmailAddress, User

SECOND_FACTOR_TYPES = ("totp", "webauthn")


def _add(request: HttpRequest, level: int, text: str) -> None:
    get_adapter(request).add_message(request, level, text)


def announce_confirmation_sent(request: HttpRequest, *, email: str) -> None:
    """ "Check your inbox", naming the address typed. Said whether the mail was a link, a code
    or (for an address another account holds) a notice to its owner: the words depend on the
    settings only, so they reveal nothing about the address."""
    if app_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED:
        text = _(
            "We have sent a code to %(email)s. Check your inbox (and spam folder) and type "
            "the code to verify your address."
        )
    else:
        text = _(
            "We have sent a confirmation mail to %(email)s. Check your inbox (and spam folder) "
            "and open the link to verify your address."
        )
    _add(request, messages.INFO, text % {"email": email})


def announce_signup(request: HttpRequest, *, user: User, email: str) -> None:
    """After a signup that signed the new user in: welcome, then "check your inbox" when a
    confirmation was due (an address was given and verification is on)."""
    _add(
        request,
        messages.SUCCESS,
        _("Welcome, %(name)s! Your account has been created.") % {"name": user.get_username()},
    )
    if email and app_settings.EMAIL_VERIFICATION != EmailVerification.NONE:
        announce_confirmation_sent(request, email=email)


def announce_login(request: HttpRequest, *, user: User) -> None:
    """ "Signed in", then at most one gentle nudge: confirm the primary address (with a button
    that mails the link again), else set up two-factor authentication (not for users who
    have it). Nothing for the JSON API: an app says its own words (and the nudges' query
    is spared)."""
    if is_api_request(request):
        return
    _add(
        request,
        messages.SUCCESS,
        _("You are signed in as %(name)s.") % {"name": user.get_username()},
    )
    unverified, suggest_second_factor = login_nudges(user)
    if unverified:
        _add(
            request,
            messages.WARNING,
            render_to_string(
                "account/messages/unverified_email.html", {"email": unverified}, request=request
            ),
        )
    elif suggest_second_factor:
        _add(
            request,
            messages.INFO,
            format_html(
                '{} <a href="{}" class="alert-link">{}</a>',
                _(
                    "Two-factor authentication is off: a second step at sign-in keeps your "
                    "account safe even if someone learns your password."
                ),
                reverse("mfa_index"),
                _("Set up two-factor authentication"),
            ),
        )


def login_nudges(user: User) -> tuple[str | None, bool]:
    """``(unverified primary address, suggest two-factor?)`` in one query, as every login
    pays for it: the primary address while it awaits confirmation (when the site verifies
    addresses), and whether the user has neither a TOTP app nor a security key while the
    site offers one (``has_second_factor``'s definition)."""
    from accounts.mfa import app_settings as mfa_settings
    from accounts.mfa.models import Authenticator

    verifies = app_settings.EMAIL_VERIFICATION != EmailVerification.NONE
    offered = any(kind in mfa_settings.SUPPORTED_TYPES for kind in SECOND_FACTOR_TYPES)
    if not verifies and not offered:
        return None, False
    unverified = EmailAddress.objects.filter(user=OuterRef("pk"), primary=True, verified=False)
    factors = Authenticator.objects.filter(
        user=OuterRef("pk"), type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(unverified=Subquery(unverified.values("email")[:1]), factor=Exists(factors))
        .values("unverified", "factor")
        .first()
    )
    if row is None:
        return None, False
    return (row["unverified"] if verifies else None), (offered and not row["factor"])


def announce_logout(request: HttpRequest) -> None:
    _add(request, messages.SUCCESS, _("You have signed out."))
