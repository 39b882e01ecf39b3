"""Social login: start at the provider, come back, then log in, sign up or connect.

``begin_login`` stashes a single-use ``state`` (with the PKCE verifier and nonce) in the
session and sends the browser to the provider. ``complete_login`` takes the provider's answer
and, once every check passed, logs in the account already connected to that identity,
connects it to the signed-in user (``process="connect"``), or signs up. A local account whose
address the provider reports is never logged into unless ``SOCIALACCOUNT_EMAIL_AUTHENTICATION``
is on (and both sides verified the address). Every refusal is a ``FlowError`` raised before
anything is written.

Signals: ``pre_social_login``, ``social_account_added``, ``social_account_updated``,
``social_account_removed``, ``authentication_step_completed(method="socialaccount",
provider, uid)``, ``user_signed_up`` and ``user_logged_in`` (both with ``sociallogin``).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import app_settings as account_settings
from accounts.adapter import get_adapter as get_account_adapter
from accounts.app_settings import EmailVerification
from accounts.authentication import record_authentication
from accounts.exceptions import FlowError
from accounts.flows.email_verification import send_verification_email
from accounts.flows.login import (
    needs_email_verification,
    perform_login,
    send_verification_instead_of_login,
    stage_pending_login,
)
from accounts.flows.signup import find_verified_owner
from accounts.mfa.models import Authenticator
from accounts.mfa.utils import has_second_factor
from accounts.models import EmailAddress, User
from accounts.notifications import send_security_notice
from accounts.signals import (
    authentication_step_completed,
    pre_social_login,
    social_account_added,
    social_account_removed,
    social_account_updated,
    user_signed_up,
)
from accounts.socialaccount import app_settings
from accounts.socialaccount.adapter import get_adapter
from accounts.socialaccount.models import SocialAccount
from accounts.socialaccount.providers.base import Provider, ProviderError
from accounts.socialaccount.sociallogin import SocialLogin
from accounts.socialaccount.state import pop_state, stash_state

logger = logging.getLogger("accounts.socialaccount")

PENDING_SIGNUP_SESSION_KEY = "socialaccount_sociallogin"
SIGNUP_TIMEOUT = 30 * 60  # the provider's answer is good for finishing a signup this long
METHOD = "socialaccount"

ERROR_MESSAGES = {
    "bad_state": _("This sign-in link is not valid any more. Please start again."),
    "missing_code": _("The provider sent no authorization. Please start again."),
    "wrong_user": _("You signed out or changed accounts meanwhile. Please start again."),
    "timeout": _("The provider did not answer in time. Please try again later."),
    "unreachable": _("The provider cannot be reached. Please try again later."),
}
DEFAULT_ERROR = _("The sign-in with this provider did not succeed. Please try again.")


def error(code: str) -> FlowError:
    return FlowError(ERROR_MESSAGES.get(code, DEFAULT_ERROR), code=code, status=400)


def callback_url(request: HttpRequest, provider: Provider) -> str:
    name, kwargs = provider.callback_url_name()
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def begin_login(
    request: HttpRequest,
    *,
    provider: Provider,
    process: str,
    next_url: str | None,
    frontend: bool = False,
) -> str:
    """Stash a new state and return the provider's authorization URL.

    ``process="connect"`` binds the state to the signed-in user (the view checks that they
    reauthenticated recently). Raises ``FlowError`` when the provider cannot be reached.
    ``frontend``: started by the headless API; the callback answers ``next_url`` (a front end
    page) whatever happens, with ``?error=`` when the login failed.
    """
    state = stash_state(
        request,
        data={
            "provider_id": provider.provider_id,
            "process": process,
            "next": next_url or "",
            "user_id": request.user.pk if process == "connect" else None,
            **({"frontend": True} if frontend else {}),
        },
    )
    try:
        return provider.authorization_url(
            redirect_uri=callback_url(request, provider),
            state=state["state"],
            code_verifier=state["code_verifier"],
            nonce=state["nonce"],
        )
    except ProviderError as failure:
        pop_state(request, state["state"])
        logger.warning("Social login with %s failed: %s", provider.provider_id, failure.code)
        raise error(failure.code) from failure


def complete_login(request: HttpRequest, *, provider: Provider, params) -> HttpResponse:
    """Handle the provider's redirect back (``params``: its query string).

    The state is consumed first, whatever follows (single use). ``error=access_denied``
    goes to the "cancelled" page. Raises ``FlowError`` (status 400) for a bad state, a
    missing code, or any ``ProviderError`` (refused or replayed code, bad ID token, provider
    down or slow); nothing is written then.
    """
    state = pop_state(request, params.get("state"))
    if params.get("error"):
        if params.get("error") == "access_denied":
            return HttpResponseRedirect(reverse("socialaccount_login_cancelled"))
        raise error("provider_error")
    if state is None or state.get("provider_id") != provider.provider_id:
        raise error("bad_state")
    if not params.get("code"):
        raise error("missing_code")
    if state.get("process") == "connect" and (
        not request.user.is_authenticated or request.user.pk != state.get("user_id")
    ):
        raise error("wrong_user")
    try:
        provider.check_authorization_response(params)
        identity = provider.complete(
            redirect_uri=callback_url(request, provider),
            code=params["code"],
            code_verifier=state["code_verifier"],
            nonce=state["nonce"],
        )
    except ProviderError as failure:
        logger.warning("Social login with %s failed: %s", provider.provider_id, failure.code)
        raise error(failure.code) from failure
    sociallogin = SocialLogin.from_provider(provider, identity, state)
    return process_sociallogin(request, sociallogin)


@transaction.atomic
def process_sociallogin(request: HttpRequest, sociallogin: SocialLogin) -> HttpResponse:
    """Decide: connect, log into the connected account, or sign up (see the module doc)."""
    existing = (
        SocialAccount.objects.filter(provider=sociallogin.provider_id, uid=sociallogin.account.uid)
        .select_related("user")
        .first()
    )
    if existing is not None:
        sociallogin.account = existing
        sociallogin.user = existing.user
    pre_social_login.send(sender=SocialLogin, request=request, sociallogin=sociallogin)
    get_adapter(request).pre_social_login(request, sociallogin)
    if sociallogin.state.get("process") == "connect":
        return connect(request, sociallogin)
    if existing is not None:
        update_account(request, sociallogin)
        return login_user(request, sociallogin, user=existing.user)
    if app_settings.EMAIL_AUTHENTICATION and sociallogin.email and sociallogin.email_verified:
        owner = find_verified_owner(sociallogin.email)
        if owner is not None:
            sociallogin.user = owner
            if app_settings.EMAIL_AUTHENTICATION_AUTO_CONNECT:
                save_account(request, sociallogin, user=owner)
                social_account_added.send(
                    sender=SocialLogin, request=request, sociallogin=sociallogin
                )
            return login_user(request, sociallogin, user=owner)
    return begin_signup(request, sociallogin)


def update_account(request: HttpRequest, sociallogin: SocialLogin) -> None:
    """Refresh the stored data (and tokens) of a connected account; ``social_account_updated``."""
    account = sociallogin.account
    account.extra_data = sociallogin.identity.extra_data
    account.last_login = timezone.now()
    account.save(update_fields=["extra_data", "last_login"])
    save_token(request, sociallogin)
    social_account_updated.send(sender=SocialLogin, request=request, sociallogin=sociallogin)


def save_account(request: HttpRequest, sociallogin: SocialLogin, *, user: User) -> None:
    account = sociallogin.account
    account.user = user
    account.date_joined = account.last_login = timezone.now()
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as failure:  # the same identity connected meanwhile
        raise error("already_connected") from failure
    save_token(request, sociallogin)


def save_token(request: HttpRequest, sociallogin: SocialLogin) -> None:
    """Keep the tokens (encrypted) only with ``SOCIALACCOUNT_STORE_TOKENS``."""
    if not app_settings.STORE_TOKENS or sociallogin.account.pk is None:
        return
    token = sociallogin.make_token(get_adapter(request).encrypt)
    if token is None:
        return
    token.account = sociallogin.account
    type(token).objects.filter(account=sociallogin.account).delete()
    token.save()
    sociallogin.token = token


def login_user(
    request: HttpRequest, sociallogin: SocialLogin, *, user: User, signup: bool = False
) -> HttpResponse:
    """The provider vouched for ``user``: record the step, then log in or ask for more
    (a mandatory address verification, a second factor)."""
    if not user.is_active:
        return HttpResponseRedirect(reverse("account_inactive"))
    credential = {"provider": sociallogin.provider_id, "uid": sociallogin.account.uid}
    record_authentication(
        request, method=METHOD, **credential, **({"signup": True} if signup else {})
    )
    if not signup:
        authentication_step_completed.send(
            sender=user.__class__, request=request, user=user, method=METHOD, **credential
        )
    if needs_email_verification(user):
        return send_verification_instead_of_login(request, user)
    redirect_url = sociallogin.state.get("next") or None
    if has_second_factor(user):
        return stage_pending_login(
            request,
            user=user,
            redirect_url=redirect_url or "",
            remember=None,
            sociallogin=sociallogin,
        )
    return perform_login(request, user=user, redirect_url=redirect_url, sociallogin=sociallogin)


def connect(request: HttpRequest, sociallogin: SocialLogin) -> HttpResponse:
    """Connect the identity to the signed-in user (``social_account_added``); an identity
    already connected to another account is refused."""
    user = request.user
    adapter = get_account_adapter(request)
    if sociallogin.is_existing:
        if sociallogin.account.user_id != user.pk:
            raise error("connected_elsewhere")
        update_account(request, sociallogin)
        adapter.add_message(request, messages.INFO, _("This account was already connected."))
    else:
        sociallogin.user = user
        save_account(request, sociallogin, user=user)
        social_account_added.send(sender=SocialLogin, request=request, sociallogin=sociallogin)
        notify(request, user, sociallogin.account, "socialaccount_connected")
        adapter.add_message(
            request,
            messages.SUCCESS,
            gettext("Your %(provider)s account is connected.")
            % {"provider": sociallogin.provider_name},
        )
    target = sociallogin.state.get("next") or get_adapter(request).get_connect_redirect_url(
        request, sociallogin.account
    )
    return HttpResponseRedirect(target)


# --- Signup ---------------------------------------------------------------------------------


def begin_signup(request: HttpRequest, sociallogin: SocialLogin) -> HttpResponse:
    """Create the account now if the provider's data suffices, else show the signup form."""
    adapter = get_adapter(request)
    if not adapter.is_open_for_signup(request, sociallogin):
        return render(request, "account/signup_closed.html", status=403)
    email = sociallogin.email
    if (
        adapter.is_auto_signup_allowed(request, sociallogin)
        and email
        and not EmailAddress.objects.matching(email).exists()
    ):
        username = adapter.suggest_username(request, sociallogin)
        if username:
            return complete_signup(request, sociallogin, username=username, email=email, data={})
    request.session[PENDING_SIGNUP_SESSION_KEY] = sociallogin.serialize()
    return HttpResponseRedirect(reverse("socialaccount_signup"))


def get_pending_signup(request: HttpRequest) -> SocialLogin | None:
    """The social login waiting for the signup form, or ``None``."""
    data = request.session.get(PENDING_SIGNUP_SESSION_KEY)
    sociallogin = SocialLogin.deserialize(data) if isinstance(data, dict) else None
    if sociallogin is not None and time.time() - sociallogin.state.get("at", 0) > SIGNUP_TIMEOUT:
        request.session.pop(PENDING_SIGNUP_SESSION_KEY, None)
        return None
    return sociallogin


def complete_signup(
    request: HttpRequest, sociallogin: SocialLogin, *, username: str, email: str, data: dict
) -> HttpResponse:
    """Create the user (no usable password), its address (verified only when the provider
    verified that very address) and the social account; ``user_signed_up`` with
    ``sociallogin``; then log in as in :func:`login_user`."""
    request.session.pop(PENDING_SIGNUP_SESSION_KEY, None)
    adapter = get_adapter(request)
    user = adapter.new_user(request, sociallogin)
    sociallogin.user = user
    identity = sociallogin.identity
    adapter.populate_user(
        request,
        sociallogin,
        {
            "first_name": identity.first_name,
            "last_name": identity.last_name,
            **data,
            "username": username,
            "email": email,
        },
    )
    user.set_unusable_password()
    verified = bool(email and identity.email_verified and email.lower() == identity.email.lower())
    try:
        with transaction.atomic():
            user.save()
            address = (
                EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
                if email
                else None
            )
    except IntegrityError as failure:  # the username or address was taken meanwhile
        raise FlowError(
            _("This username or address was just taken. Please choose another."),
            code="taken",
            field="email",
        ) from failure
    sociallogin.email_addresses = [address] if address else []
    save_account(request, sociallogin, user=user)
    user_signed_up.send(sender=user.__class__, request=request, user=user, sociallogin=sociallogin)
    mode = account_settings.EMAIL_VERIFICATION
    if address is not None and not verified and mode != EmailVerification.NONE:
        send_verification_email(request, email_address=address, signup=True)
        if mode == EmailVerification.MANDATORY:
            return HttpResponseRedirect(reverse("account_email_verification_sent"))
    return login_user(request, sociallogin, user=user, signup=True)


# --- Disconnect -----------------------------------------------------------------------------


def can_disconnect(user: User, account: SocialAccount) -> bool:
    """Another way to sign in remains: a usable password, another social account, a passkey."""
    if user.has_usable_password():
        return True
    if user.socialaccount_set.exclude(pk=account.pk).exists():
        return True
    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.WEBAUTHN, data__passwordless=True
    ).exists()


@transaction.atomic
def disconnect(request: HttpRequest, *, account: SocialAccount) -> None:
    """Remove a connected account (the view checked reauthentication); refused when it is
    the last way to sign in. Sends ``social_account_removed``."""
    user = request.user
    if not can_disconnect(user, account):
        raise FlowError(
            _(
                "You cannot disconnect this account: it is your only way to sign in. "
                "Set a password or connect another account first."
            ),
            code="last_login_method",
            status=409,
            field="account",
        )
    get_adapter(request).validate_disconnect(account, list(user.socialaccount_set.all()))
    account.delete()
    social_account_removed.send(sender=SocialAccount, request=request, socialaccount=account)
    notify(request, user, account, "socialaccount_disconnected")


def notify(request: HttpRequest, user: User, account: SocialAccount, notice: str):
    """Tell the user by mail that an identity was connected or disconnected (a security
    notice: ``ACCOUNT_EMAIL_NOTIFICATIONS`` governs it like the others)."""
    send_security_notice(
        request,
        user=user,
        notice=notice,
        provider=account.provider,
        account_name=account.to_str(),
    )


def reauthenticate_url(next_url: str) -> str:
    return f"{reverse('account_reauthenticate')}?{urlencode({'next': next_url})}"
