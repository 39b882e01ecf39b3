"""Security keys and passkeys over the API: the options to hand to ``navigator.credentials``
and the answers, through the same flows as the HTML pages (``accounts.mfa.webauthn.flows``).

Options come as ``{"request_options": {"publicKey": ...}}`` /
``{"creation_options": {"publicKey": ...}}`` (allauth's shape, ready for
``PublicKeyCredential.parseRequestOptionsFromJSON``); the challenge is kept in the session
(cookie or token), single-use, as for the pages.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from accounts.flows.login import get_pending_login
from accounts.headless import inputs
from accounts.headless.base import (
    Refusal,
    authenticated_response,
    form_errors,
    handler,
    require_reauthentication,
    respond,
    session_response,
)
from accounts.headless.views import (
    after_password_step,
    answer_in,
    authenticator_data,
    login_placeholder,
    view,
)
from accounts.mfa.base.forms import get_form_class
from accounts.mfa.utils import keys_of
from accounts.mfa.webauthn import flows
from accounts.mfa.webauthn.forms import AddKeyForm, RenameKeyForm


def _request_options(options):
    if options is None:
        raise Refusal(respond(409, errors=[{"message": _("No security key."), "code": "conflict"}]))
    return respond(200, data={"request_options": {"publicKey": options}})


def _credential(body):
    return body.credential


def _pending_or_409(request):
    user, pending = get_pending_login(request)
    if user is None:
        raise Refusal(
            respond(409, errors=[{"message": _("No login is pending."), "code": "conflict"}])
        )
    return user, pending


@handler()
def begin_authenticate(request, client, body):
    user, _pending = _pending_or_409(request)
    return _request_options(flows.begin_second_factor(request, user=user))


@handler(body=inputs.WebAuthnCredential)
def authenticate(request, client, body):
    """The second login step with a security key."""
    user, pending = _pending_or_409(request)
    placeholder = login_placeholder()
    response = flows.authenticate_second_factor(
        request, user=user, pending=pending, credential=_credential(body), response=placeholder
    )
    return answer_in(placeholder, response, session_response(request, client))


@handler(auth="user")
def begin_reauthenticate(request, client, body):
    return _request_options(flows.begin_reauthentication(request))


@handler(auth="user", body=inputs.WebAuthnCredential, rate="reauthenticate")
def reauthenticate(request, client, body):
    """Reauthenticate with one of the user's keys."""
    flows.reauthenticate_with_key(request, credential=_credential(body), redirect_url="/")
    return authenticated_response(request, client)


@handler(auth="anonymous")
def begin_login(request, client, body):
    return _request_options(flows.begin_passkey_login(request))


@handler(auth="anonymous", body=inputs.WebAuthnCredential, rate="login_webauthn")
def login(request, client, body):
    """Sign in with a passkey alone."""
    placeholder = login_placeholder()
    response = flows.login_with_passkey(
        request, credential=_credential(body), redirect_url="/", response=placeholder
    )
    return after_password_step(request, client, response, placeholder)


@handler(auth="user")
def begin_add(request, client, body):
    """Options to register a key; ``?passwordless`` asks for a passkey."""
    require_reauthentication(request, client, factor=True)
    options = flows.begin_add_key(request)
    kind = "passkey" if "passwordless" in request.GET else "key"
    return respond(200, data={"creation_options": {"publicKey": options[kind]}})


@handler(auth="user", body=inputs.AddWebAuthn)
def add(request, client, body):
    require_reauthentication(request, client, factor=True)
    form = get_form_class("add_webauthn", AddKeyForm)(
        {
            "name": body.name,
            "credential": json.dumps(body.credential),
            "passwordless": body.passwordless,
        }
    )
    if not form.is_valid():
        return form_errors(form)
    authenticator, codes = flows.add_key(
        request,
        name=form.cleaned_data["name"],
        credential=form.cleaned_data["credential"],
        passwordless=form.cleaned_data["passwordless"],
    )
    return respond(
        200, data=authenticator_data(authenticator), meta={"recovery_codes_generated": bool(codes)}
    )


def _own_keys(request, ids):
    return list(keys_of(request.user).filter(pk__in=ids))


@handler(auth="user", body=inputs.RenameWebAuthn)
def rename(request, client, body):
    require_reauthentication(request, client, factor=True)
    keys = _own_keys(request, [body.id])
    if not keys:
        return respond(404)
    form = RenameKeyForm({"name": body.name})
    if not form.is_valid():
        return form_errors(form)
    authenticator = flows.rename_key(request, authenticator=keys[0], name=form.cleaned_data["name"])
    return respond(200, data=authenticator_data(authenticator))


@handler(auth="user", body=inputs.DeleteWebAuthn)
def remove(request, client, body):
    require_reauthentication(request, client, factor=True)
    for authenticator in _own_keys(request, body.authenticators):
        flows.remove_key(request, authenticator=authenticator)
    return respond(200)


auth_webauthn_authenticate = view(GET=begin_authenticate, POST=authenticate)
auth_webauthn_reauthenticate = view(GET=begin_reauthenticate, POST=reauthenticate)
auth_webauthn_login = view(GET=begin_login, POST=login)
account_webauthn = view(GET=begin_add, POST=add, PUT=rename, DELETE=remove)
