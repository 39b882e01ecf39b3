"""Security keys and passkeys: list, add, rename, remove, passkey login, reauthentication.

The pages embed the WebAuthn options with ``json_script``; static/js/webauthn.js runs the
browser ceremony and posts its answer in the ``credential`` field. Rendering a page with
options stores a fresh single-use challenge in the session; it changes nothing else.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import ratelimit
from accounts.flows import webauthn as flows
from accounts.forms.webauthn import AddKeyForm, CredentialForm, RenameKeyForm
from accounts.httpkit import get_next_url
from accounts.models import Authenticator
from accounts.views.auth import too_many_requests
from accounts.views.mfa import reauthentication_required
from accounts.webauthn import WebAuthnError

GET_POST = require_http_methods(["GET", "POST"])


def _own_key(request, pk):
    return get_object_or_404(
        Authenticator, pk=pk, user=request.user, type=Authenticator.Type.WEBAUTHN
    )


def _bind(form_class, request, **kwargs):
    return form_class(request.POST if request.method == "POST" else None, **kwargs)


@login_required
@never_cache
@require_http_methods(["GET"])
def list_keys(request):
    return render(
        request,
        "mfa/webauthn/authenticator_list.html",
        {"authenticators": flows.keys_of(request.user)},
    )


@login_required
@never_cache
@GET_POST
@reauthentication_required
def add_key(request):
    form = _bind(AddKeyForm, request)
    if form.is_valid():
        try:
            _authenticator, recovery_codes = flows.add_key(
                request,
                name=form.cleaned_data["name"],
                credential=form.cleaned_data["credential"],
                passwordless=form.cleaned_data["passwordless"],
            )
        except WebAuthnError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Security key “{form.cleaned_data['name']}” added.")
            if recovery_codes:
                # Shown once, like after activating TOTP: plain codes exist nowhere else.
                return render(
                    request, "mfa/recovery_codes/generated.html", {"codes": recovery_codes}
                )
            return redirect("mfa_list_webauthn")
    return render(
        request,
        "mfa/webauthn/add_form.html",
        {"form": form, "options": flows.begin_add_key(request)},
    )


@login_required
@never_cache
@GET_POST
@reauthentication_required
def edit_key(request, pk):
    authenticator = _own_key(request, pk)
    form = _bind(RenameKeyForm, request, initial={"name": flows.key_name(authenticator)})
    if form.is_valid():
        flows.rename_key(request, authenticator=authenticator, name=form.cleaned_data["name"])
        messages.success(request, "Security key renamed.")
        return redirect("mfa_list_webauthn")
    return render(
        request, "mfa/webauthn/edit_form.html", {"form": form, "authenticator": authenticator}
    )


@login_required
@never_cache
@GET_POST
@reauthentication_required
def remove_key(request, pk):
    authenticator = _own_key(request, pk)
    if request.method == "POST":
        flows.remove_key(request, authenticator=authenticator)
        messages.success(request, f"Security key “{flows.key_name(authenticator)}” removed.")
        return redirect("mfa_list_webauthn")
    return render(
        request,
        "mfa/webauthn/authenticator_confirm_delete.html",
        {"authenticator": authenticator},
    )


def _assertion_page(request, *, action, user, finish, begin, template_name):
    """A page that asks the browser for a key assertion and hands it to ``finish``.

    Shared by passkey login and reauthentication: the POST is rate limited by ``action``,
    validated, and finished by the flow; a refused assertion shows the page again.
    """
    form = _bind(CredentialForm, request)
    if request.method == "POST":
        if not ratelimit.consume(request, action):
            flows.refuse_rate_limited(request, action=action, user=user)
            return too_many_requests(request)
        if form.is_valid():
            try:
                return finish(
                    request,
                    credential=form.cleaned_data["credential"],
                    redirect_url=get_next_url(request, settings.LOGIN_REDIRECT_URL),
                )
            except WebAuthnError as error:
                form.add_error(None, error.message)
    return render(
        request,
        template_name,
        {"form": form, "options": begin(request), "next": get_next_url(request)},
    )


@login_not_required
@never_cache
@GET_POST
def login(request):
    """Passkey login: the browser offers its passkeys for this site; no password is asked."""
    if request.user.is_authenticated:
        return redirect(get_next_url(request, settings.LOGIN_REDIRECT_URL))
    return _assertion_page(
        request,
        action="login_webauthn",
        user=None,
        finish=flows.login_with_passkey,
        begin=flows.begin_passkey_login,
        template_name="mfa/webauthn/login.html",
    )


@login_required
@never_cache
@GET_POST
def reauthenticate(request):
    return _assertion_page(
        request,
        action="reauthenticate",
        user=request.user,
        finish=flows.reauthenticate_with_key,
        begin=flows.begin_reauthentication,
        template_name="mfa/webauthn/reauthenticate.html",
    )


def authenticate_step(request, *, user, state):
    """The second login step with a security key: ``mfa_authenticate`` POSTed ``credential``.

    Called by ``views.mfa.authenticate`` during a pending login (``user``, ``state`` from
    ``flows.login.get_pending_login``). Returns a response: the completed login, or back to
    the second-step page (with a fresh challenge) and an error message.
    """
    if ratelimit.is_limited(request, "mfa_failed", key=f"user:{user.pk}"):
        flows.refuse_rate_limited(request, action="mfa_failed", user=user)
        return too_many_requests(request)
    form = CredentialForm(request.POST)
    if form.is_valid():
        try:
            return flows.authenticate_second_factor(
                request, user=user, state=state, credential=form.cleaned_data["credential"]
            )
        except WebAuthnError as error:
            message = error.message
    else:
        message = form.errors["credential"][0]
    ratelimit.consume(request, "mfa_failed", key=f"user:{user.pk}")
    messages.error(request, message)
    return redirect("mfa_authenticate")
