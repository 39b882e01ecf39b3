"""The social login endpoints: ``auth/provider/signup`` and ``account/providers``.

Thin, like the rest of the API: the same forms and flows as the social HTML pages
(``accounts.socialaccount.views``), the answer read from the state the flow left.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from accounts.adapter import get_adapter as get_account_adapter
from accounts.authentication import did_recently_authenticate
from accounts.exceptions import FlowError
from accounts.headless import inputs
from accounts.headless.base import (
    Client,
    endpoint,
    error,
    flow_error,
    form_errors,
    handler,
    require_reauthentication,
    respond,
    unauthenticated_response,
)
from accounts.headless.views import after_password_step
from accounts.socialaccount import flows as social_flows
from accounts.socialaccount import frontend, token_login
from accounts.socialaccount.adapter import get_adapter as get_social_adapter
from accounts.socialaccount.adapter import get_provider, list_providers
from accounts.socialaccount.forms import SignupForm, get_form_class


def provider_data(provider_id: str, name: str, client_id: str | None = None) -> dict:
    data = {"id": provider_id, "name": name, "flows": ["provider_redirect"]}
    if client_id:
        data["client_id"] = client_id
    return data


def account_data(account, names: dict[str, str]) -> dict:
    return {
        "uid": account.uid,
        "display": account.to_str(),
        "provider": provider_data(account.provider, names.get(account.provider, account.provider)),
    }


def accounts_response(request):
    """The connected accounts (the provider names read once, whatever their number)."""
    names = {provider.provider_id: provider.display_name for provider in list_providers(request)}
    accounts = request.user.socialaccount_set.order_by("pk")
    return respond(200, data=[account_data(account, names) for account in accounts])


# --- Redirect (browser client) --------------------------------------------------------------


@handler(rate="login")
def provider_redirect(request, client, body):
    """Start the provider's authorization flow (a form POST, not XHR: the answer is a 302 to
    the provider). The provider comes back to this site's callback, which sends the browser
    to ``callback_url`` (``?error=`` on failure); the front end then reads ``auth/session``.

    Form fields: ``provider``, ``callback_url`` (a URL the account adapter's ``is_safe_url``
    accepts), ``process`` (``login`` or ``connect``)."""
    if client != Client.BROWSER:
        return error(404, _("Not found."), code="not_found")
    callback = request.POST.get("callback_url") or ""
    if len(callback) > 2048 or not get_account_adapter(request).is_safe_url(request, callback):
        return error(
            400, _("This callback URL is not allowed."), code="invalid", param="callback_url"
        )
    process = request.POST.get("process") or "login"
    if process not in ("login", "connect"):
        return error(400, _("Unknown process."), code="invalid", param="process")
    provider_id = request.POST.get("provider") or ""
    provider = get_provider(request, provider_id[:200])
    if provider is None:
        return error(400, _("Unknown provider."), code="invalid", param="provider")
    if process == "connect" and (
        not request.user.is_authenticated or not did_recently_authenticate(request)
    ):
        return HttpResponseRedirect(frontend.with_error(callback, "reauthentication_required"))
    if process == "login" and request.user.is_authenticated:
        return HttpResponseRedirect(frontend.with_error(callback, "already_signed_in"))
    try:
        url = social_flows.begin_login(
            request, provider=provider, process=process, next_url=callback, frontend=True
        )
    except FlowError as exc:
        return HttpResponseRedirect(frontend.with_error(callback, exc.code))
    return HttpResponseRedirect(url)


# --- Token (mostly app clients) -------------------------------------------------------------


@handler(body=inputs.ProviderToken, rate="login")
def provider_token(request, client, body):
    """Sign in, sign up or connect with an ID token the client got from the provider (e.g. a
    mobile app's native sign-in). The token is checked against the provider's JWKS; then the
    same social flow as the redirect runs. A bare access token is refused (it does not say
    for which app it was issued)."""
    provider = get_provider(request, body.provider)
    if provider is None:
        return error(400, _("Unknown provider."), code="invalid", param="provider")
    if body.token.client_id != provider.app.client_id:
        return error(400, _("Unknown client id."), code="client_id_required", param="token")
    if not body.token.id_token:
        return error(400, _("An ID token is needed."), code="invalid_token", param="token")
    if body.process == "connect":
        if not request.user.is_authenticated:
            return unauthenticated_response(request, client)
        require_reauthentication(request, client)
    elif request.user.is_authenticated:
        return respond(409, errors=[{"message": _("Already signed in."), "code": "conflict"}])
    try:
        response = token_login.login_with_id_token(
            request,
            provider=provider,
            id_token=body.token.id_token,
            access_token=body.token.access_token,
            process=body.process,
        )
    except FlowError as exc:
        return flow_error(exc, param="token")
    if response.status_code == 403:
        return error(403, _("Signup is closed."), code="signup_closed")
    return after_password_step(request, client, response)


# --- Signup ----------------------------------------------------------------------------------


def _pending_or_409(request):
    sociallogin = social_flows.get_pending_signup(request)
    if sociallogin is None:
        return None, respond(
            409, errors=[{"message": _("No social signup is pending."), "code": "conflict"}]
        )
    return sociallogin, None


@handler(auth="anonymous")
def get_provider_signup(request, client, body):
    """What the provider told us, to prefill the signup form."""
    sociallogin, refused = _pending_or_409(request)
    if refused is not None:
        return refused
    emails = [
        {"email": address.email, "verified": address.verified, "primary": address.primary}
        for address in sociallogin.email_addresses
    ]
    suggested = get_social_adapter(request).suggest_username(request, sociallogin)
    return respond(
        200,
        data={
            "email": emails,
            "account": {
                "uid": sociallogin.account.uid,
                "display": sociallogin.email or sociallogin.account.uid,
                "provider": provider_data(sociallogin.provider_id, sociallogin.provider_name),
            },
            "user": {"username": suggested, "email": sociallogin.email or ""},
        },
    )


@handler(auth="anonymous", body=inputs.ProviderSignup, rate="signup")
def provider_signup(request, client, body):
    """Finish the pending social signup with the same form and flow as the HTML page."""
    sociallogin, refused = _pending_or_409(request)
    if refused is not None:
        return refused
    username = body.username
    if not username:
        username = get_social_adapter(request).suggest_username(request, sociallogin)
    form = get_form_class("signup", SignupForm)(
        {"username": username or "", "email": body.email},
        sociallogin=sociallogin,
        request=request,
    )
    if not form.is_valid():
        return form_errors(form)
    if not get_social_adapter(request).is_open_for_signup(request, sociallogin):
        return error(403, _("Signup is closed."), code="signup_closed")
    sociallogin.state["next"] = ""
    try:
        response = social_flows.complete_signup(
            request,
            sociallogin,
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            data=form.cleaned_data,
        )
    except FlowError as exc:
        return flow_error(exc)
    return after_password_step(request, client, response)


# --- Connected accounts ----------------------------------------------------------------------


@handler(auth="user")
def list_provider_accounts(request, client, body):
    return accounts_response(request)


@handler(auth="user", body=inputs.ProviderAccount)
def disconnect_provider_account(request, client, body):
    """Disconnect an account (after a recent authentication, as the HTML page); refused
    (409) when it is the last way to sign in."""
    require_reauthentication(request, client)
    account = request.user.socialaccount_set.filter(
        provider=body.provider, uid=body.account
    ).first()
    if account is None:
        return error(400, _("No such connected account."), code="invalid", param="account")
    try:
        social_flows.disconnect(request, account=account)
    except FlowError as exc:
        return flow_error(exc)
    return accounts_response(request)


def view(**methods):
    return login_not_required(endpoint(methods=methods))


auth_provider_redirect = view(POST=provider_redirect)
auth_provider_token = view(POST=provider_token)
auth_provider_signup = view(GET=get_provider_signup, POST=provider_signup)
account_providers = view(GET=list_provider_accounts, DELETE=disconnect_provider_account)
