"""Two-factor pages: overview, the login step, reauthentication, TOTP and recovery codes."""

import functools
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import ratelimit, recovery_codes, totp
from accounts import reauth as account_reauth
from accounts.flows import mfa as flows
from accounts.flows.abuse import report_rate_limited
from accounts.flows.login import get_pending_login, has_second_factor
from accounts.forms.mfa import ActivateTOTPForm, CodeForm
from accounts.httpkit import get_next_url
from accounts.models import Authenticator
from accounts.views.auth import too_many_requests

GET_POST = require_http_methods(["GET", "POST"])


def _with_next(url_name, next_url):
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def reauthentication_required(view):
    """``accounts.reauth.reauthentication_required``; for users with a second factor, proof
    by that factor within the window (F8): a recent password alone does not let anyone
    change the factors of an account protected by them.
    """
    by_password = account_reauth.reauthentication_required(view)

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not has_second_factor(request.user):
            return by_password(request, *args, **kwargs)
        if not flows.did_recently_authenticate_with_factor(request):
            return HttpResponseRedirect(_with_next("mfa_reauthenticate", request.path))
        return view(request, *args, **kwargs)

    return wrapped


def _webauthn_count(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count()


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
        },
    )


@never_cache
@sensitive_post_parameters("code")
@GET_POST
def authenticate(request):
    """The second login step: a code, or (delegated) a security key assertion."""
    user, state = get_pending_login(request)
    if user is None:
        messages.info(request, "Your sign-in took too long or was not started. Sign in again.")
        return redirect("account_login")
    if request.method == "POST" and "credential" in request.POST:
        from accounts.views import webauthn as webauthn_views

        return webauthn_views.authenticate_step(request, user=user, state=state)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            return flows.authenticate_login(
                request, user=user, state=state, code=form.cleaned_data["code"]
            )
        except flows.IncorrectCode:
            form.add_code_error("incorrect_code")
        except flows.TooManyAttempts:
            form.add_code_error("too_many_attempts")
            status = 429
    context = {"form": form, "has_code_factor": flows.has_code_factor(user)}
    return render(request, "mfa/authenticate.html", context, status=status)


@login_required
@never_cache
@sensitive_post_parameters("code")
@GET_POST
def reauthenticate(request):
    """Confirm it's you with a TOTP or recovery code, then back to ``next``."""
    user = request.user
    next_url = get_next_url(request)
    if not flows.has_code_factor(user):
        if _webauthn_count(user):
            return redirect(_with_next("mfa_reauthenticate_webauthn", next_url))
        return redirect(_with_next("account_reauthenticate", next_url))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not ratelimit.consume(request, "reauthenticate"):
            report_rate_limited(request, action="reauthenticate", user=user)
            return too_many_requests(request)
        if form.is_valid():
            try:
                return flows.reauthenticate(
                    request, code=form.cleaned_data["code"], redirect_url=next_url or "/"
                )
            except flows.IncorrectCode:
                form.add_code_error("incorrect_code")
            except flows.TooManyAttempts:
                form.add_code_error("too_many_attempts")
                status = 429
    context = {"form": form, "next": next_url, "has_webauthn": bool(_webauthn_count(user))}
    return render(request, "mfa/reauthenticate.html", context, status=status)


@login_required
@never_cache
@sensitive_post_parameters("code")
@GET_POST
@reauthentication_required
def activate_totp(request):
    """Show a fresh seed (QR code and text); a correct code from the app turns it on."""
    user = request.user
    if flows.get_authenticator(user, Authenticator.Type.TOTP) is not None:
        messages.info(request, "Your authenticator app is already set up.")
        return redirect("mfa_index")
    secret = flows.get_pending_totp_secret(request)
    form = ActivateTOTPForm(request.POST or None, secret=secret)
    if request.method == "POST" and form.is_valid():
        try:
            _, codes = flows.activate_totp(request, secret=secret, last_step=form.step)
        except flows.AlreadyActive:
            return redirect("mfa_index")
        if codes:
            return render(request, "mfa/recovery_codes/generated.html", {"codes": codes})
        return redirect("mfa_index")
    issuer = getattr(settings, "SITE_NAME", "Account site")
    uri = totp.provisioning_uri(secret, account_name=user.get_username(), issuer=issuer)
    context = {
        "form": form,
        "secret": secret,
        # segno's SVG is built from the URI only (no user-controlled markup).
        "qr_code_svg": mark_safe(totp.qr_code_svg(uri)),  # noqa: S308
    }
    return render(request, "mfa/totp/activate_form.html", context)


@login_required
@never_cache
@GET_POST
@reauthentication_required
def deactivate_totp(request):
    """GET asks for confirmation; POST removes the app (and orphaned recovery codes)."""
    user = request.user
    if flows.get_authenticator(user, Authenticator.Type.TOTP) is None:
        return redirect("mfa_index")
    if request.method == "POST":  # an empty POST: the CSRF token is all there is to check
        flows.deactivate_totp(request)
        return redirect("mfa_index")
    context = {"keeps_recovery_codes": bool(_webauthn_count(user))}
    return render(request, "mfa/totp/deactivate_form.html", context)


@login_required
@never_cache
@require_http_methods(["GET"])
@reauthentication_required
def view_recovery_codes(request):
    """How many codes are left; the codes themselves are never shown again."""
    codes = flows.get_authenticator(request.user, Authenticator.Type.RECOVERY_CODES)
    context = {
        "recovery_codes": codes,
        "left": recovery_codes.remaining(codes) if codes else 0,
        "total": recovery_codes.total(codes) if codes else 0,
        "can_download": flows.get_fresh_recovery_codes(request, codes) is not None,
        "has_second_factor": has_second_factor(request.user),
    }
    return render(request, "mfa/recovery_codes/index.html", context)


@login_required
@never_cache
@GET_POST
@reauthentication_required
def generate_recovery_codes(request):
    """POST replaces all recovery codes and shows the new ones once."""
    if request.method != "POST":
        return redirect("mfa_view_recovery_codes")
    try:
        _, codes = flows.regenerate_recovery_codes(request)
    except flows.NothingToProtect:
        messages.info(request, "Add a second factor first; recovery codes come with it.")
        return redirect("mfa_index")
    return render(request, "mfa/recovery_codes/generated.html", {"codes": codes})


@login_required
@never_cache
@require_http_methods(["GET"])
@reauthentication_required
def download_recovery_codes(request):
    """The codes just generated, as ``recovery-codes.txt``: only in the session that made
    them and for a few minutes, as they are stored nowhere else in plain text."""
    authenticator = flows.get_authenticator(request.user, Authenticator.Type.RECOVERY_CODES)
    codes = flows.get_fresh_recovery_codes(request, authenticator)
    if codes is None:
        messages.info(
            request,
            "Recovery codes can be downloaded only right after they are generated. "
            "Generate new ones to download them.",
        )
        return redirect("mfa_view_recovery_codes")
    site = getattr(settings, "SITE_NAME", "Account site")
    lines = [
        f"Recovery codes for {request.user.get_username()} at {site}",
        "Each code works once. Keep them somewhere safe.",
        "",
        *codes,
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
    return response
