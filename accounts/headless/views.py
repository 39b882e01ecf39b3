"""The endpoints: parse, call the HTML view's flow, describe the resulting state.

Each handler mirrors one HTML view: the same form validates the input, the same flow does the
work (signals, audit rows, mails, rate limits), and the answer is read from the state the
flow left (``request.user``, the pending login, the authentication records), not from the
redirect it returned.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import app_settings as account_settings
from accounts.adapter import get_adapter
from accounts.email_confirmation import EmailConfirmation
from accounts.exceptions import FlowError
from accounts.flows import (
    email_code,
    manage_email,
    password_change,
    password_reset,
    password_reset_by_code,
)
from accounts.flows.login import get_pending_login, login_by_password
from accounts.flows.logout import logout_user
from accounts.flows.reauthentication import reauthenticate_by_password
from accounts.flows.signup import complete_signup
from accounts.forms import get_form_class
from accounts.forms.auth import LoginForm, SignupForm
from accounts.forms.email import AddEmailForm, EmailActionForm
from accounts.forms.password import ChangePasswordForm, ResetPasswordKeyForm, SetPasswordForm
from accounts.forms.reauth import ReauthenticateForm
from accounts.headless import inputs, tokens
from accounts.headless.base import (
    PENDING_VERIFICATION_SESSION_KEY,
    Refusal,
    adopt_session,
    authenticated_response,
    endpoint,
    error,
    flow_error,
    form_errors,
    handler,
    providers_config,
    require_reauthentication,
    respond,
    session_response,
    unauthenticated_response,
    user_data,
)
from accounts.mfa.adapter import get_adapter as get_mfa_adapter
from accounts.mfa.base import flows as mfa_flows
from accounts.mfa.base.forms import CodeForm
from accounts.mfa.base.forms import get_form_class as get_mfa_form_class
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes import auth as recovery_codes
from accounts.mfa.recovery_codes import flows as recovery_code_flows
from accounts.mfa.switches import (
    passkey_login_enabled,
    passkey_signup_enabled,
    type_supported,
)
from accounts.mfa.totp import auth as totp
from accounts.mfa.totp import flows as totp_flows
from accounts.mfa.totp.forms import ActivateTOTPForm
from accounts.mfa.trust.auth import is_enabled as trust_enabled
from accounts.mfa.utils import get_authenticator, has_code_factor
from accounts.models import EmailAddress
from accounts.usersessions import flows as session_flows
from accounts.usersessions.models import UserSession
from accounts.usersessions.store import session_store

SIGNUP_PARAMS = {"password1": "password", "password2": "password"}
NEW_PASSWORD_PARAMS = {
    "password1": "new_password",
    "password2": "new_password",
    "oldpassword": "current_password",
}
RESET_PARAMS = {"password1": "password", "password2": "password"}


def timestamp(value):
    return value.timestamp() if value is not None else None


def login_placeholder():
    """The response handed to a login flow: ``user_logged_in`` receivers get the very object
    the API answers with (they may set cookies or headers on it); its body is filled in once
    the flow is done (``answer_in``)."""
    return JsonResponse({})


def answer_in(placeholder, flow_response, answer):
    if flow_response is not placeholder:
        return answer
    placeholder.status_code = answer.status_code
    placeholder.content = answer.content
    return placeholder


def after_password_step(request, client, response, placeholder=None):
    """The state a login or signup flow left: signed in, a second step, or a mail to open."""
    if request.user.is_authenticated:
        return answer_in(placeholder, response, authenticated_response(request, client))
    if response is not None and response.get("Location") == reverse("account_inactive"):
        return error(400, _("This account is inactive."), code="account_inactive")
    if response is not None and response.get("Location") == reverse(
        "account_email_verification_sent"
    ):
        request.session[PENDING_VERIFICATION_SESSION_KEY] = True
    return unauthenticated_response(request, client)


# --- Configuration ---------------------------------------------------------------------------


@handler()
def get_config(request, client, body):
    return respond(
        200,
        data={
            "account": {
                "authentication_method": "username_email",
                "login_methods": sorted(account_settings.LOGIN_METHODS),
                "is_open_for_signup": get_adapter(request).is_open_for_signup(request),
                "email_verification_by_code_enabled": email_code.is_enabled(),
                "login_by_code_enabled": account_settings.LOGIN_BY_CODE_ENABLED,
                "password_reset_by_code_enabled": password_reset_by_code.is_enabled(),
            },
            "mfa": {
                "supported_types": [
                    kind for kind in ("recovery_codes", "totp", "webauthn") if type_supported(kind)
                ],
                "passkey_login_enabled": passkey_login_enabled(),
                "passkey_signup_enabled": passkey_signup_enabled(),
                "trust_enabled": trust_enabled(),
            },
            "usersessions": {"track_activity": True},
            "socialaccount": providers_config(request),
        },
    )


# --- Authentication --------------------------------------------------------------------------


@handler(auth="anonymous", body=inputs.Login, rate="login")
def login(request, client, body):
    form = get_form_class("login", LoginForm)(
        {"login": body.username or body.email, "password": body.password}
    )
    if not form.is_valid():
        return form_errors(form, params={"login": "username" if body.username else "email"})
    request.session.pop(PENDING_VERIFICATION_SESSION_KEY, None)
    placeholder = login_placeholder()
    try:
        response = login_by_password(
            request,
            login=form.cleaned_data["login"],
            password=form.cleaned_data["password"],
            redirect_url=get_adapter(request).get_login_redirect_url(request),
            remember=None,
            response=placeholder,
        )
    except FlowError as exc:
        return flow_error(exc, param=None if exc.status == 429 else "password")
    return after_password_step(request, client, response, placeholder)


@handler(auth="anonymous", body=inputs.Signup, rate="signup")
def signup(request, client, body):
    if not get_adapter(request).is_open_for_signup(request):
        return error(403, _("Signup is closed."), code="signup_closed")
    data = {
        "username": body.username or "",
        "email": body.email or "",
        "email2": body.email or "",  # ACCOUNT_SIGNUP_FIELDS may ask for the address twice
        "password1": body.password,
        "password2": body.password,
    }
    form = get_form_class("signup", SignupForm)(data)
    if not form.is_valid():
        return form_errors(form, params=SIGNUP_PARAMS)
    cleaned = form.cleaned_data
    placeholder = login_placeholder()
    try:
        response = complete_signup(
            request,
            username=cleaned.get("username") or "",
            email=cleaned.get("email") or "",
            password=cleaned["password1"],
            redirect_url=get_adapter(request).get_login_redirect_url(request),
            data=cleaned,
            response=placeholder,
        )
    except FlowError as exc:  # an invitation used meanwhile, or meant for another address
        return error(403, exc.message, code="signup_closed")
    return after_password_step(request, client, response, placeholder)


@handler(stale_token_gone=True)
def get_session(request, client, body):
    return session_response(request, client)


@handler()
def end_session(request, client, body):
    logout_user(request)
    return unauthenticated_response(request, client)


@handler(auth="user", body=inputs.Reauthenticate, rate="reauthenticate")
def reauthenticate(request, client, body):
    form = get_form_class("reauthenticate", ReauthenticateForm)(
        {"password": body.password}, user=request.user
    )
    if not form.is_valid():
        return form_errors(form)
    reauthenticate_by_password(request, password=form.cleaned_data["password"], redirect_url="/")
    return authenticated_response(request, client)


@handler(body=inputs.MFACode)
def mfa_authenticate(request, client, body):
    user, pending = get_pending_login(request)
    if user is None:
        return respond(409, errors=[{"message": _("No login is pending."), "code": "conflict"}])
    form = get_mfa_form_class("authenticate", CodeForm)({"code": body.code})
    if not form.is_valid():
        return form_errors(form)
    placeholder = login_placeholder()
    response = mfa_flows.authenticate_login(
        request, user=user, pending=pending, code=form.cleaned_data["code"], response=placeholder
    )
    # Signed in, or (with MFA_TRUST_ENABLED) another step is due: describe the state.
    return answer_in(placeholder, response, session_response(request, client))


@handler(auth="user", body=inputs.MFACode, rate="reauthenticate")
def mfa_reauthenticate(request, client, body):
    if not has_code_factor(request.user):
        return respond(409, errors=[{"message": _("No code factor."), "code": "conflict"}])
    form = get_mfa_form_class("reauthenticate", CodeForm)({"code": body.code})
    if not form.is_valid():
        return form_errors(form)
    mfa_flows.reauthenticate(request, code=form.cleaned_data["code"], redirect_url="/")
    return authenticated_response(request, client)


# --- Email verification ----------------------------------------------------------------------


def _confirmation_or_400(key):
    confirmation = EmailConfirmation.from_key(key or "")
    if confirmation is None:
        raise Refusal(error(400, _("Invalid or expired key."), code="invalid", param="key"))
    return confirmation


@handler()
def get_email_verification(request, client, body):
    key = request.headers.get("X-Email-Verification-Key", "")
    confirmation = _confirmation_or_400(key[:1024])
    return respond(
        200,
        data={
            "email": confirmation.email_address.email,
            "user": user_data(confirmation.email_address.user),
        },
        meta={"is_authenticating": bool(request.session.get(PENDING_VERIFICATION_SESSION_KEY))},
    )


@handler(body=inputs.VerifyEmail)
def verify_email(request, client, body):
    confirmation = _confirmation_or_400(body.key)
    result = manage_email.confirm_email(request, confirmation=confirmation)
    if result == manage_email.Verification.GONE:
        return error(400, _("Invalid or expired key."), code="invalid", param="key")
    if result == manage_email.Verification.TAKEN:
        return respond(
            409,
            errors=[
                {
                    "message": manage_email.TAKEN_MESSAGE
                    % {"email": confirmation.email_address.email},
                    "code": "email_taken",
                }
            ],
        )
    request.session.pop(PENDING_VERIFICATION_SESSION_KEY, None)
    return session_response(request, client)


# --- Password reset --------------------------------------------------------------------------


@handler(body=inputs.RequestPassword, rate=None)
def request_password(request, client, body):
    from accounts.forms.password import ResetPasswordForm

    form = get_form_class("reset_password", ResetPasswordForm)({"email": body.email})
    if not form.is_valid():
        return form_errors(form)
    password_reset.request_password_reset(request, email=form.cleaned_data["email"])
    return respond(200)


def _reset_user(request, key):
    """The user of a mailed ``<uidb36>-<token>`` key, through the same stash-and-check
    steps as the HTML link (the key never sits in a URL here: it comes in a header/body)."""
    uidb36, _, token = (key or "").partition("-")
    if not uidb36 or not token or not uidb36.isalnum():
        return None
    password_reset.stash_reset_key(request, uidb36=uidb36, key=token)
    return password_reset.get_reset_user(request, uidb36=uidb36)


def _invalid_reset_key():
    return error(400, _("The password reset token was invalid."), code="token_invalid", param="key")


@handler(rate="reset_password_from_key")
def get_password_reset(request, client, body):
    user = _reset_user(request, request.headers.get("X-Password-Reset-Key", "")[:1024])
    request.session.pop(password_reset.RESET_KEY_SESSION_KEY, None)
    if user is None:
        return _invalid_reset_key()
    return respond(200, data={"user": user_data(user)})


@handler(body=inputs.ResetPassword, rate="reset_password_from_key")
def reset_password(request, client, body):
    user = _reset_user(request, body.key)
    if user is None:
        return _invalid_reset_key()
    form = get_form_class("reset_password_from_key", ResetPasswordKeyForm)(
        {"password1": body.password, "password2": body.password}, user=user
    )
    if not form.is_valid():
        request.session.pop(password_reset.RESET_KEY_SESSION_KEY, None)
        return form_errors(form, params=RESET_PARAMS)
    password_reset.reset_password(request, user=user, password=form.cleaned_data["password1"])
    # Nobody is logged in by a reset (as on the HTML pages): the client signs in next.
    return unauthenticated_response(request, client)


# --- Account: email addresses ----------------------------------------------------------------


def _addresses(request):
    rows = EmailAddress.objects.filter(user=request.user).order_by("-primary", "pk")
    return respond(
        200,
        data=[{"email": a.email, "primary": a.primary, "verified": a.verified} for a in rows],
    )


def _chosen_address(request, email):
    form = EmailActionForm({"email": email}, user=request.user)
    if not form.is_valid():
        raise Refusal(form_errors(form))
    return form.cleaned_data["email"]


@handler(auth="user")
def list_email(request, client, body):
    return _addresses(request)


@handler(auth="user", body=inputs.EmailBody)
def add_email(request, client, body):
    require_reauthentication(request, client)
    form = get_form_class("add_email", AddEmailForm)({"email": body.email}, user=request.user)
    if not form.is_valid():
        return form_errors(form)
    manage_email.add_email(request, user=request.user, email=form.cleaned_data["email"])
    return _addresses(request)


@handler(auth="user", body=inputs.EmailBody)
def resend_email(request, client, body):
    address = _chosen_address(request, body.email)
    manage_email.resend_verification(request, user=request.user, email_address=address)
    return respond(200)


@handler(auth="user", body=inputs.MarkPrimary)
def mark_primary(request, client, body):
    require_reauthentication(request, client)
    address = _chosen_address(request, body.email)
    manage_email.mark_primary(request, user=request.user, email_address=address)
    return _addresses(request)


@handler(auth="user", body=inputs.EmailBody)
def remove_email(request, client, body):
    require_reauthentication(request, client)
    address = _chosen_address(request, body.email)
    manage_email.remove_email(request, user=request.user, email_address=address)
    return _addresses(request)


# --- Account: password -----------------------------------------------------------------------


@handler(auth="user", body=inputs.ChangePassword, rate="change_password")
def change_password(request, client, body):
    user = request.user
    if user.has_usable_password():
        form = get_form_class("change_password", ChangePasswordForm)(
            {
                "oldpassword": body.current_password or "",
                "password1": body.new_password,
                "password2": body.new_password,
            },
            user=user,
        )
        if not form.is_valid():
            return form_errors(form, params=NEW_PASSWORD_PARAMS)
        password_change.change_password(request, user=user, password=form.cleaned_data["password1"])
    else:
        require_reauthentication(request, client, factor=True, password_fallback=False)
        form = get_form_class("set_password", SetPasswordForm)(
            {"password1": body.new_password, "password2": body.new_password}, user=user
        )
        if not form.is_valid():
            return form_errors(form, params=NEW_PASSWORD_PARAMS)
        password_change.set_password(request, user=user, password=form.cleaned_data["password1"])
    return authenticated_response(request, client)


# --- Account: authenticators -----------------------------------------------------------------


def authenticator_data(authenticator):
    data = {
        "type": authenticator.type,
        "created_at": timestamp(authenticator.created_at),
        "last_used_at": timestamp(authenticator.last_used_at),
    }
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        data["total_code_count"] = recovery_codes.total(authenticator)
        data["unused_code_count"] = recovery_codes.remaining(authenticator)
    elif authenticator.type == Authenticator.Type.WEBAUTHN:
        data["id"] = authenticator.pk
        data["name"] = authenticator.data.get("name") or "Security key"
        data["is_passwordless"] = bool(authenticator.data.get("passwordless"))
    return data


@handler(auth="user")
def list_authenticators(request, client, body):
    rows = Authenticator.objects.filter(user=request.user).order_by("pk")
    return respond(200, data=[authenticator_data(a) for a in rows])


@handler(auth="user")
def get_totp(request, client, body):
    authenticator = get_authenticator(request.user, Authenticator.Type.TOTP)
    if authenticator is not None:
        return respond(200, data=authenticator_data(authenticator))
    # Showing a seed is the first step of adding a factor: the same rule as the HTML page.
    require_reauthentication(request, client, factor=True)
    secret = totp_flows.get_pending_totp_secret(request)
    adapter = get_mfa_adapter(request)
    uri = totp.provisioning_uri(
        secret,
        account_name=adapter.get_totp_label(request.user),
        issuer=adapter.get_totp_issuer(),
    )
    return respond(404, meta={"secret": secret, "totp_url": uri})


@handler(auth="user", body=inputs.SetupTOTP)
def activate_totp(request, client, body):
    require_reauthentication(request, client, factor=True)
    if get_authenticator(request.user, Authenticator.Type.TOTP) is not None:
        return respond(409, errors=[{"message": _("TOTP is already active."), "code": "conflict"}])
    secret = totp_flows.get_pending_totp_secret(request)
    form = get_mfa_form_class("activate_totp", ActivateTOTPForm)({"code": body.code}, secret=secret)
    if not form.is_valid():
        return form_errors(form)
    try:
        authenticator, codes = totp_flows.activate_totp(request, secret=secret, last_step=form.step)
    except FlowError as exc:
        return respond(409, errors=[{"message": exc.message, "code": exc.code}])
    return respond(
        200,
        data=authenticator_data(authenticator),
        meta={"recovery_codes_generated": bool(codes)},
    )


@handler(auth="user")
def deactivate_totp(request, client, body):
    require_reauthentication(request, client, factor=True)
    if get_authenticator(request.user, Authenticator.Type.TOTP) is None:
        return respond(404)
    totp_flows.deactivate_totp(request)
    return respond(200)


def _recovery_codes_data(request, authenticator, codes=None):
    data = authenticator_data(authenticator)
    # Codes are stored hashed: only a set made in this session a few minutes ago can be
    # shown again (as on the HTML download page).
    if codes is None:
        codes = recovery_code_flows.get_fresh_recovery_codes(request, authenticator)
    data["unused_codes"] = list(codes or [])
    return data


@handler(auth="user")
def get_recovery_codes(request, client, body):
    require_reauthentication(request, client, factor=True)
    authenticator = get_authenticator(request.user, Authenticator.Type.RECOVERY_CODES)
    if authenticator is None:
        return respond(404)
    return respond(200, data=_recovery_codes_data(request, authenticator))


@handler(auth="user")
def regenerate_recovery_codes(request, client, body):
    require_reauthentication(request, client, factor=True)
    authenticator, codes = recovery_code_flows.regenerate_recovery_codes(request)
    return respond(200, data=_recovery_codes_data(request, authenticator, codes))


# --- Sessions --------------------------------------------------------------------------------


def _sessions(request):
    return respond(
        200,
        data=[
            {
                "id": record.pk,
                "user_agent": record.user_agent,
                "ip": record.ip or "",
                "created_at": timestamp(record.created_at),
                "last_seen_at": timestamp(record.last_seen_at),
                "is_current": record.is_current,
            }
            for record in session_flows.list_active_sessions(request)
        ],
    )


@handler(auth="user")
def list_sessions(request, client, body):
    return _sessions(request)


@handler(auth="user", body=inputs.EndSessions)
def end_sessions(request, client, body):
    records = UserSession.objects.filter(user=request.user, pk__in=body.sessions)
    current = None
    for record in records.select_related("user"):
        if record.session_key == request.session.session_key:
            current = record
            continue
        session_flows.end_session(request, record=record)
    if current is not None:
        logout_user(request)
        return unauthenticated_response(request, client)
    return _sessions(request)


# --- Tokens (JWT strategy) ------------------------------------------------------------------


def _invalid_refresh():
    return error(400, _("The refresh token is invalid or expired."), code="invalid_token")


@handler(body=inputs.RefreshToken)
def refresh_tokens(request, client, body):
    """A new access token (and, with rotation, a new refresh token) for a refresh token.

    Rotation with reuse detection: a refresh token that was already traded ends its session.
    """
    strategy = tokens.get_strategy()
    if client != "app":
        return error(404, _("Not found."), code="not_found")
    if not strategy.jwt:
        return _invalid_refresh()
    try:
        key, jti = strategy.session_key_of_refresh(body.refresh_token)
    except tokens.InvalidRefreshToken:
        return _invalid_refresh()
    if not session_store(key).exists(key) or not adopt_session(request, session_store(key)):
        return _invalid_refresh()
    if not request.user.is_authenticated:
        return _invalid_refresh()
    try:
        fresh = strategy.refresh(request, jti=jti)
    except tokens.RefreshTokenReused:
        tokens.end_session_after_reuse(request)
        return _invalid_refresh()
    except tokens.InvalidRefreshToken:
        return _invalid_refresh()
    return respond(200, data=fresh)


# --- The views -------------------------------------------------------------------------------


def view(**methods):
    return login_not_required(endpoint(methods=methods))


config = view(GET=get_config)
auth_login = view(POST=login)
auth_signup = view(POST=signup)
auth_session = view(GET=get_session, DELETE=end_session)
auth_reauthenticate = view(POST=reauthenticate)
auth_2fa_authenticate = view(POST=mfa_authenticate)
auth_2fa_reauthenticate = view(POST=mfa_reauthenticate)
auth_email_verify = view(GET=get_email_verification, POST=verify_email)
auth_password_request = view(POST=request_password)
auth_password_reset = view(GET=get_password_reset, POST=reset_password)
account_email = view(
    GET=list_email, POST=add_email, PUT=resend_email, PATCH=mark_primary, DELETE=remove_email
)
account_password_change = view(POST=change_password)
account_authenticators = view(GET=list_authenticators)
account_totp = view(GET=get_totp, POST=activate_totp, DELETE=deactivate_totp)
account_recovery_codes = view(GET=get_recovery_codes, POST=regenerate_recovery_codes)
auth_sessions = view(GET=list_sessions, DELETE=end_sessions)
tokens_refresh = view(POST=refresh_tokens)
