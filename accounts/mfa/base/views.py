"""Two-factor pages shared by every factor: the overview, the second login step, and
reauthentication with a code."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.exceptions import FlowError
from accounts.flows.login import get_pending_login
from accounts.httpkit import get_next_url
from accounts.mfa import app_settings as mfa_settings
from accounts.mfa.base import flows
from accounts.mfa.base.forms import CodeForm, get_form_class
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes import auth as recovery_codes
from accounts.mfa.utils import has_code_factor, keys_of
from accounts.mfa.webauthn import flows as webauthn_flows
from accounts.mfa.webauthn.forms import CredentialForm, is_hostile
from accounts.ratelimit import rate_limit, too_many_requests

GET_POST = require_http_methods(["GET", "POST"])


def with_next(url_name, next_url):
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@login_required
@never_cache
@require_http_methods(["GET"])
def index(request):
    # One query for every factor of the user (at most a TOTP, a set of codes and a few keys).
    factors = list(Authenticator.objects.filter(user=request.user).order_by("pk"))
    by_type = {}
    for factor in factors:
        by_type.setdefault(factor.type, []).append(factor)
    totp_factor = next(iter(by_type.get(Authenticator.Type.TOTP, [])), None)
    codes = next(iter(by_type.get(Authenticator.Type.RECOVERY_CODES, [])), None)
    webauthn_count = len(by_type.get(Authenticator.Type.WEBAUTHN, []))
    return render(
        request,
        "mfa/index.html",
        {
            "totp": totp_factor,
            "recovery_codes": codes,
            "recovery_codes_left": recovery_codes.remaining(codes) if codes else 0,
            "recovery_codes_total": recovery_codes.total(codes) if codes else 0,
            "webauthn_count": webauthn_count,
            "has_second_factor": totp_factor is not None or webauthn_count > 0,
            "needs_verified_email": not mfa_settings.ALLOW_UNVERIFIED_EMAIL,
        },
    )


@never_cache
@sensitive_post_parameters("code")
@GET_POST
def authenticate(request):
    """The second login step: a code, or a security key's answer (``credential``).

    The page offers the user's keys itself: each rendering issues a fresh single-use
    WebAuthn challenge in the session (``webauthn_options`` in the context).
    """
    user, pending = get_pending_login(request)
    if user is None:
        messages.info(request, _("Your sign-in took too long or was not started. Sign in again."))
        return redirect("account_login")
    if request.method == "POST" and "credential" in request.POST:
        return _authenticate_with_key(request, user=user, pending=pending)
    form = get_form_class("authenticate", CodeForm)(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            return flows.authenticate_login(
                request, user=user, pending=pending, code=form.cleaned_data["code"]
            )
        except FlowError as error:
            status = error.add_to(form)
    context = {
        "form": form,
        "has_code_factor": has_code_factor(user),
        "webauthn_options": webauthn_flows.begin_second_factor(request, user=user),
    }
    return render(request, "mfa/authenticate.html", context, status=status)


def _authenticate_with_key(request, *, user, pending):
    """The second step with a key: the completed login, or back to the page (with a fresh
    challenge) and an error message."""
    form = CredentialForm(request.POST)
    credential = form.cleaned_data["credential"] if form.is_valid() else None
    try:
        return webauthn_flows.authenticate_second_factor(
            request, user=user, pending=pending, credential=credential
        )
    except FlowError as error:
        if error.status == 429:
            return too_many_requests(request)
        message = error.message if credential is not None else form.errors["credential"][0]
    messages.error(request, message)
    if is_hostile(form):  # far too large or deep to be a key's answer: 400, the page again
        context = {
            "form": get_form_class("authenticate", CodeForm)(),
            "has_code_factor": has_code_factor(user),
            "webauthn_options": webauthn_flows.begin_second_factor(request, user=user),
        }
        return render(request, "mfa/authenticate.html", context, status=400)
    return redirect("mfa_authenticate")


@login_required
@never_cache
@sensitive_post_parameters("code")
@GET_POST
@rate_limit("reauthenticate")
def reauthenticate(request):
    """Confirm it's you with a TOTP or recovery code, then back to ``next``."""
    user = request.user
    next_url = get_next_url(request)
    if not has_code_factor(user):
        if keys_of(user).exists():
            return redirect(with_next("mfa_reauthenticate_webauthn", next_url))
        return redirect(with_next("account_reauthenticate", next_url))
    form = get_form_class("reauthenticate", CodeForm)(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            return flows.reauthenticate(
                request, code=form.cleaned_data["code"], redirect_url=next_url or "/"
            )
        except FlowError as error:
            status = error.add_to(form)
    context = {"form": form, "next": next_url, "has_webauthn": keys_of(user).exists()}
    return render(request, "mfa/reauthenticate.html", context, status=status)
