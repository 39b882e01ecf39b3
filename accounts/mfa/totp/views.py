"""Turning the authenticator app on (QR code, then a code from the app) and off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.decorators import factor_reauthentication_required
from accounts.exceptions import FlowError
from accounts.mfa.adapter import get_adapter
from accounts.mfa.base.forms import get_form_class
from accounts.mfa.models import Authenticator
from accounts.mfa.totp import auth as totp
from accounts.mfa.totp import flows
from accounts.mfa.totp.forms import ActivateTOTPForm
from accounts.mfa.utils import (
    UNVERIFIED_EMAIL_MESSAGE,
    get_authenticator,
    keys_of,
    unverified_email_blocks_mfa,
)

GET_POST = require_http_methods(["GET", "POST"])


@login_required
@never_cache
@sensitive_post_parameters("code")
@GET_POST
@factor_reauthentication_required
def activate_totp(request):
    """Show a fresh seed (QR code and text); a correct code from the app turns it on."""
    user = request.user
    if get_authenticator(user, Authenticator.Type.TOTP) is not None:
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect("mfa_index")
    if unverified_email_blocks_mfa(user):
        messages.error(request, UNVERIFIED_EMAIL_MESSAGE)
        return redirect("mfa_index")
    secret = flows.get_pending_totp_secret(request)
    form = get_form_class("activate_totp", ActivateTOTPForm)(request.POST or None, secret=secret)
    if request.method == "POST" and form.is_valid():
        try:
            _totp, codes = flows.activate_totp(request, secret=secret, last_step=form.step)
        except FlowError as error:
            if error.code == "unverified_email":
                messages.error(request, error.message)
            return redirect("mfa_index")
        if codes:
            return render(request, "mfa/recovery_codes/generated.html", {"codes": codes})
        return redirect("mfa_index")
    adapter = get_adapter(request)
    label, issuer = adapter.get_totp_label(user), adapter.get_totp_issuer()
    uri = totp.provisioning_uri(secret, account_name=label, issuer=issuer)
    context = {
        "form": form,
        "secret": secret,
        "totp_label": label,
        "totp_issuer": issuer,
        # segno's SVG is built from the URI only (no user-controlled markup).
        "qr_code_svg": mark_safe(totp.qr_code_svg(uri)),  # noqa: S308
    }
    return render(request, "mfa/totp/activate_form.html", context)


@login_required
@never_cache
@GET_POST
@factor_reauthentication_required
def deactivate_totp(request):
    """GET asks for confirmation; POST removes the app (and orphaned recovery codes)."""
    user = request.user
    if get_authenticator(user, Authenticator.Type.TOTP) is None:
        return redirect("mfa_index")
    if request.method == "POST":  # an empty POST: the CSRF token is all there is to check
        flows.deactivate_totp(request)
        return redirect("mfa_index")
    context = {"keeps_recovery_codes": keys_of(user).exists()}
    return render(request, "mfa/totp/deactivate_form.html", context)
