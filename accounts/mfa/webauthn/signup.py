"""The passkey of a passkey signup (``mfa_signup_webauthn``): create it, then log in.

Reached only after the signup's address was verified by code in this browser
(``accounts.flows.signup_by_passkey``). Signals: ``authenticator_added``, then
``authentication_step_completed(method="webauthn", passwordless=True, ...)`` and
``authenticator_used``, then ``user_logged_in``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from accounts.flows.login import perform_login
from accounts.flows.signup_by_passkey import clear_passkey_signup
from accounts.mfa.base.flows import post_authentication
from accounts.mfa.models import Authenticator
from accounts.mfa.webauthn import auth as webauthn
from accounts.mfa.webauthn.auth import WebAuthnError
from accounts.models import User
from accounts.signals import authenticator_added


def begin_passkey_signup(request: HttpRequest, *, user: User) -> dict:
    return webauthn.begin_registration(request, user=user, existing=[])


def complete_passkey_signup(
    request: HttpRequest, *, user: User, name: str, credential: dict
) -> HttpResponse:
    """Store the passkey (user verification required) and complete the login."""
    data = webauthn.complete_registration(
        request, user=user, response=credential, passwordless=True
    )
    duplicate = WebAuthnError(gettext("This key is already registered."), "duplicate")
    try:
        with transaction.atomic():
            authenticator = Authenticator.objects.create(
                user=user,
                type=Authenticator.Type.WEBAUTHN,
                data={**data, "name": name, "passwordless": True},
            )
    except IntegrityError as error:
        raise duplicate from error
    authenticator_added.send(
        sender=Authenticator, request=request, user=user, authenticator=authenticator
    )
    clear_passkey_signup(request)
    post_authentication(request, user=user, authenticator=authenticator, passwordless=True)
    return perform_login(request, user=user, redirect_url=None)
