"""Login by code, verification and reset by code, "trust this browser" and passkey signup
over the API (allauth's ``auth/code/*``, ``auth/email/verify[/resend]`` and
``auth/password/*`` in code mode, ``auth/2fa/trust``, ``auth/webauthn/signup``).

Each handler calls the flow the HTML page calls (``accounts.flows.login_by_code``,
``email_verification_by_code``, ``password_reset_by_code``, ``accounts.mfa.trust.flows``,
``signup_by_passkey`` / ``accounts.mfa.webauthn.signup``), so signals, audit rows, mails,
attempt budgets and rate limits are theirs. While a feature is off (the default) its
endpoints answer 404, as allauth's do when their URLs are not mounted; the shared endpoints
(``auth/email/verify``, ``auth/password/*``) keep their link/key behaviour.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from accounts import app_settings as account_settings
from accounts import ratelimit
from accounts.adapter import get_adapter
from accounts.exceptions import FlowError
from accounts.flows import (
    email_code,
    email_verification_by_code,
    login_by_code,
    login_code,
    password_reset_by_code,
)
from accounts.flows.signup_by_passkey import get_passkey_signup_user, signup_by_passkey
from accounts.forms import get_form_class
from accounts.forms.codes import ConfirmCodeForm, ConfirmLoginCodeForm, RequestLoginCodeForm
from accounts.forms.password import ResetPasswordForm, ResetPasswordKeyForm
from accounts.headless import inputs, views
from accounts.headless.base import (
    PENDING_VERIFICATION_SESSION_KEY,
    Client,
    Refusal,
    error,
    flow_error,
    form_errors,
    handler,
    respond,
    session_response,
    unauthenticated_response,
    user_data,
)
from accounts.mfa.switches import passkey_signup_enabled
from accounts.mfa.trust import flows as trust_flows
from accounts.mfa.trust.auth import is_enabled as trust_enabled
from accounts.mfa.webauthn import signup as passkey_signup_flows
from accounts.mfa.webauthn.signup_views import PasskeySignupForm
from accounts.views.passkey_signup import SignupByPasskeyForm

LoginProcess = login_code.LoginCodeVerificationProcess
EmailProcess = email_code.EmailVerificationCodeProcess
ResetProcess = password_reset_by_code.PasswordResetCodeProcess
KEY_PARAMS = {"code": "key"}


def _off():
    return error(404, _("Not found."), code="not_found")


def _conflict(message):
    return respond(409, errors=[{"message": message, "code": "conflict"}])


def _refuse_if_signed_in(request):
    if request.user.is_authenticated:
        raise Refusal(_conflict(_("Already signed in.")))


def _pending_or_409(process, request, message):
    row = process.pending(request)
    if row is None:
        process.clear(request)
        raise Refusal(_conflict(message))
    return row


def _code_error(exc: FlowError, *, params=None):
    """A wrong code (attempts left) or a rate limit: try again; otherwise (too many wrong
    codes, expired) the flow has voided the code and the next call is a 409."""
    return flow_error(exc, params=params, param="code" if not params else params["code"])


def _checked_code(form_class, name, code, *, params=None):
    form = get_form_class(name, form_class)({"code": code})
    if not form.is_valid():
        raise Refusal(form_errors(form, params=params))
    return form.cleaned_data["code"]


def _resend(process, request, *, message, mail_context=None):
    row = _pending_or_409(process, request, message)
    if not process.can_resend(row):
        return error(
            429, _("No more codes can be sent; ask for a new one."), code="too_many_resends"
        )
    process.resend(request, row=row, mail_context=mail_context)
    return respond(200)


def _state_after(request, client, flow_response):
    """Describe the state the flow left; a browser also gets the cookies the flow set on its
    (HTML) answer: the device cookie of a completed login, the trust cookie."""
    answer = session_response(request, client)
    if client == Client.BROWSER and flow_response is not None:
        for name, morsel in flow_response.cookies.items():
            answer.cookies[name] = morsel
    return answer


# --- Login by code ---------------------------------------------------------------------------


@handler(body=inputs.RequestLoginCode)
def request_login_code(request, client, body):
    """Mail a sign-in code (an unknown address gets the same answer, and a notice)."""
    if not account_settings.LOGIN_BY_CODE_ENABLED:
        return _off()
    _refuse_if_signed_in(request)
    form = get_form_class("request_login_code", RequestLoginCodeForm)({"email": body.email})
    if not form.is_valid():
        return form_errors(form)
    request.session.pop(PENDING_VERIFICATION_SESSION_KEY, None)
    login_by_code.request_login_code(request, email=form.cleaned_data["email"], redirect_url=None)
    return unauthenticated_response(request, client)


@handler(body=inputs.ConfirmCode)
def confirm_login_code(request, client, body):
    """The mailed code: signed in, or the second factor (or trust step) is next."""
    if not login_code.is_reachable():
        return _off()
    _refuse_if_signed_in(request)
    _pending_or_409(LoginProcess, request, _("No login code is pending."))
    code = _checked_code(ConfirmLoginCodeForm, "confirm_login_code", body.code)
    try:
        flow_response = login_by_code.confirm_login_code(request, code=code)
    except FlowError as exc:
        return _code_error(exc)
    return _state_after(request, client, flow_response)


@handler()
def resend_login_code(request, client, body):
    """A new code replaces the pending one (``ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND``)."""
    if not login_code.is_reachable() or not LoginProcess.max_resends():
        return _off()
    return _resend(LoginProcess, request, message=_("No login code is pending."))


# --- Email verification by code --------------------------------------------------------------


@handler(body=inputs.VerifyEmail)
def verify_email(request, client, body):
    """The key of the mailed link, or (``ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED``) the
    mailed code."""
    if not email_code.is_enabled():
        return views.verify_email(request, client, body)
    _pending_or_409(EmailProcess, request, _("No email verification is pending."))
    code = _checked_code(
        ConfirmCodeForm, "confirm_email_verification_code", body.key, params=KEY_PARAMS
    )
    try:
        flow_response = email_verification_by_code.confirm_email_verification_code(
            request, code=code
        )
    except FlowError as exc:
        if exc.status == 409:
            return respond(409, errors=[{"message": exc.message, "code": "email_taken"}])
        if not getattr(exc, "attempts_left", False) and exc.status != 429:
            request.session.pop(PENDING_VERIFICATION_SESSION_KEY, None)  # the code is void
        return _code_error(exc, params=KEY_PARAMS)
    request.session.pop(PENDING_VERIFICATION_SESSION_KEY, None)
    return _state_after(request, client, flow_response)


@handler()
def resend_email_code(request, client, body):
    """A new verification code (``ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND``)."""
    if not email_code.is_enabled() or not EmailProcess.max_resends():
        return _off()
    return _resend(EmailProcess, request, message=_("No email verification is pending."))


# --- Password reset by code ------------------------------------------------------------------


@handler(body=inputs.RequestPassword)
def request_password(request, client, body):
    """Mail a reset link, or (``ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED``) a code: then a
    401 names the pending ``password_reset_by_code`` flow."""
    if not password_reset_by_code.is_enabled():
        return views.request_password(request, client, body)
    form = get_form_class("reset_password", ResetPasswordForm)({"email": body.email})
    if not form.is_valid():
        return form_errors(form)
    password_reset_by_code.request_password_reset_code(request, email=form.cleaned_data["email"])
    return session_response(request, client)


def _code_reset_user(request, code):
    """The user this session may reset the password of: the code confirmed now (it spends
    an attempt) or earlier in this session."""
    user = password_reset_by_code.get_confirmed_user(request)
    if user is not None:
        return user
    _pending_or_409(ResetProcess, request, _("No password reset is pending."))
    code = _checked_code(ConfirmCodeForm, "confirm_password_reset_code", code, params=KEY_PARAMS)
    try:
        password_reset_by_code.confirm_password_reset_code(request, code=code)
    except FlowError as exc:
        raise Refusal(_code_error(exc, params=KEY_PARAMS)) from None
    user = password_reset_by_code.get_confirmed_user(request)
    if user is None:  # pragma: no cover - confirmed just now
        raise Refusal(_conflict(_("No password reset is pending.")))
    return user


@handler(rate="reset_password_from_key")
def get_password_reset(request, client, body):
    """Check a reset key, or (code mode) the mailed code: each check spends an attempt."""
    if not password_reset_by_code.is_enabled():
        return views.get_password_reset(request, client, body)
    user = _code_reset_user(request, request.headers.get("X-Password-Reset-Key", "")[:1024])
    return respond(200, data={"user": user_data(user)})


@handler(body=inputs.ResetPassword, rate="reset_password_from_key")
def reset_password(request, client, body):
    """The key (or, in code mode, the code) and the new password; nobody is signed in."""
    if not password_reset_by_code.is_enabled():
        return views.reset_password(request, client, body)
    user = _code_reset_user(request, body.key)
    form = get_form_class("reset_password_from_key", ResetPasswordKeyForm)(
        {"password1": body.password, "password2": body.password}, user=user
    )
    if not form.is_valid():
        return form_errors(form, params=views.RESET_PARAMS)
    password_reset_by_code.complete_password_reset(
        request, user=user, password=form.cleaned_data["password1"]
    )
    return unauthenticated_response(request, client)


# --- Trust this browser ----------------------------------------------------------------------


@handler(body=inputs.MFATrust)
def trust(request, client, body):
    """Answer the ``mfa_trust`` step; the login completes either way. Only a browser can be
    trusted (the trust is a cookie): the app client answers ``trust: false``."""
    if not trust_enabled():
        return _off()
    _refuse_if_signed_in(request)
    user, pending = trust_flows.get_trust_pending(request)
    if user is None:
        return _conflict(_("No login is waiting for this answer."))
    if body.trust and client != Client.BROWSER:
        return error(400, _("Only a browser can be trusted."), code="invalid", param="trust")
    flow_response = trust_flows.answer_trust_step(
        request, user=user, pending=pending, trust=body.trust
    )
    return _state_after(request, client, flow_response)


# --- Passkey signup --------------------------------------------------------------------------


def _passkey_signup_user(request):
    user = get_passkey_signup_user(request)
    if user is None:
        raise Refusal(_conflict(_("No passkey signup is pending.")))
    return user


@handler(body=inputs.PasskeySignup)
def passkey_signup(request, client, body):
    """Start a signup without a password: the address is verified by a mailed code
    (``auth/email/verify``), then the passkey is made (``GET``/``PUT`` here)."""
    if not passkey_signup_enabled():
        return _off()
    _refuse_if_signed_in(request)
    ratelimit.consume_or_raise(request, "signup")
    if not get_adapter(request).is_open_for_signup(request):
        return error(403, _("Signup is closed."), code="signup_closed")
    form = SignupByPasskeyForm({"username": body.username or "", "email": body.email})
    if not form.is_valid():
        return form_errors(form)
    request.session.pop(PENDING_VERIFICATION_SESSION_KEY, None)
    data = form.cleaned_data
    signup_by_passkey(request, username=data["username"], email=data["email"], data=data)
    return unauthenticated_response(request, client)


@handler()
def begin_passkey_signup(request, client, body):
    if not passkey_signup_enabled():
        return _off()
    user = _passkey_signup_user(request)
    options = passkey_signup_flows.begin_passkey_signup(request, user=user)
    return respond(200, data={"creation_options": {"publicKey": options["passkey"]}})


@handler(body=inputs.PasskeySignupCredential)
def complete_passkey_signup(request, client, body):
    """The passkey made with the options of ``GET``: stored, then the user is signed in."""
    if not passkey_signup_enabled():
        return _off()
    user = _passkey_signup_user(request)
    form = PasskeySignupForm({"name": body.name, "credential": json.dumps(body.credential)})
    if not form.is_valid():
        return form_errors(form)
    flow_response = passkey_signup_flows.complete_passkey_signup(
        request,
        user=user,
        name=form.cleaned_data["name"],
        credential=form.cleaned_data["credential"],
    )
    return _state_after(request, client, flow_response)


auth_code_request = views.view(POST=request_login_code)
auth_code_confirm = views.view(POST=confirm_login_code)
auth_code_resend = views.view(POST=resend_login_code)
auth_email_verify = views.view(GET=views.get_email_verification, POST=verify_email)
auth_email_verify_resend = views.view(POST=resend_email_code)
auth_password_request = views.view(POST=request_password)
auth_password_reset = views.view(GET=get_password_reset, POST=reset_password)
auth_2fa_trust = views.view(POST=trust)
auth_webauthn_signup = views.view(
    GET=begin_passkey_signup, POST=passkey_signup, PUT=complete_passkey_signup
)
