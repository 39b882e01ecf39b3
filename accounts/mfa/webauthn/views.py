"""Security keys and passkeys: list, add, rename, remove, passkey login, reauthentication.

The pages embed the WebAuthn options with ``json_script``; static/js/webauthn.js runs the
browser ceremony and posts its answer in the ``credential`` field. Rendering a page with
options stores a fresh single-use challenge in the session; it changes nothing else.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.adapter import get_adapter as get_account_adapter
from accounts.decorators import factor_reauthentication_required
from accounts.exceptions import FlowError
from accounts.httpkit import get_next_url
from accounts.mfa.base.forms import get_form_class
from accounts.mfa.models import Authenticator
from accounts.mfa.utils import UNVERIFIED_EMAIL_MESSAGE, keys_of, unverified_email_blocks_mfa
from accounts.mfa.webauthn import flows
from accounts.mfa.webauthn.forms import AddKeyForm, CredentialForm, RenameKeyForm, is_hostile
from accounts.ratelimit import rate_limit, too_many_requests

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
        {"authenticators": keys_of(request.user)},
    )


@login_required
@never_cache
@GET_POST
@factor_reauthentication_required
def add_key(request):
    if unverified_email_blocks_mfa(request.user):
        messages.error(request, UNVERIFIED_EMAIL_MESSAGE)
        return redirect("mfa_index")
    form = _bind(get_form_class("add_webauthn", AddKeyForm), request)
    if form.is_valid():
        try:
            _authenticator, recovery_codes = flows.add_key(
                request,
                name=form.cleaned_data["name"],
                credential=form.cleaned_data["credential"],
                passwordless=form.cleaned_data["passwordless"],
            )
        except FlowError as error:
            error.add_to(form)
        else:
            messages.success(
                request,
                gettext("Security key “%(name)s” added.") % {"name": form.cleaned_data["name"]},
            )
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
        status=400 if is_hostile(form) else 200,
    )


@login_required
@never_cache
@GET_POST
@factor_reauthentication_required
def edit_key(request, pk):
    authenticator = _own_key(request, pk)
    form = _bind(RenameKeyForm, request, initial={"name": flows.key_name(authenticator)})
    if form.is_valid():
        flows.rename_key(request, authenticator=authenticator, name=form.cleaned_data["name"])
        messages.success(request, gettext("Security key renamed."))
        return redirect("mfa_list_webauthn")
    return render(
        request, "mfa/webauthn/edit_form.html", {"form": form, "authenticator": authenticator}
    )


@login_required
@never_cache
@GET_POST
@factor_reauthentication_required
def remove_key(request, pk):
    authenticator = _own_key(request, pk)
    if request.method == "POST":
        flows.remove_key(request, authenticator=authenticator)
        messages.success(
            request,
            gettext("Security key “%(name)s” removed.") % {"name": flows.key_name(authenticator)},
        )
        return redirect("mfa_list_webauthn")
    return render(
        request,
        "mfa/webauthn/authenticator_confirm_delete.html",
        {"authenticator": authenticator},
    )


def _assertion_page(request, *, finish, begin, template_name):
    """A page that asks the browser for a key assertion and hands it to ``finish``.

    Shared by passkey login and reauthentication (each POST budgeted by the view's
    ``rate_limit``): a refused assertion shows the page again with a fresh challenge.
    """
    form = _bind(CredentialForm, request)
    if form.is_valid():
        adapter = get_account_adapter(request)
        try:
            return finish(
                request,
                credential=form.cleaned_data["credential"],
                redirect_url=get_next_url(request, adapter.get_login_redirect_url(request)),
            )
        except FlowError as error:
            if error.status == 429:
                return too_many_requests(request)
            form.add_error(None, error.message)
    return render(
        request,
        template_name,
        {"form": form, "options": begin(request), "next": get_next_url(request)},
        status=400 if is_hostile(form) else 200,
    )


@login_not_required
@never_cache
@GET_POST
@rate_limit("login_webauthn")
def login(request):
    """Passkey login: the browser offers its passkeys for this site; no password is asked."""
    if request.user.is_authenticated:
        adapter = get_account_adapter(request)
        return redirect(get_next_url(request, adapter.get_login_redirect_url(request)))
    return _assertion_page(
        request,
        finish=flows.login_with_passkey,
        begin=flows.begin_passkey_login,
        template_name="mfa/webauthn/login.html",
    )


@login_required
@never_cache
@GET_POST
@rate_limit("reauthenticate")
def reauthenticate(request):
    return _assertion_page(
        request,
        finish=flows.reauthenticate_with_key,
        begin=flows.begin_reauthentication,
        template_name="mfa/webauthn/reauthenticate.html",
    )
