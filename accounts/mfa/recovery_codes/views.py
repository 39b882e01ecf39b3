"""Recovery codes: how many are left, new ones, and the download right after generating."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import app_settings as account_settings
from accounts.decorators import factor_reauthentication_required
from accounts.exceptions import FlowError
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes import auth as recovery_codes
from accounts.mfa.recovery_codes import flows
from accounts.mfa.utils import get_authenticator, has_second_factor


@login_required
@never_cache
@require_http_methods(["GET"])
@factor_reauthentication_required
def view_recovery_codes(request):
    """How many codes are left; the codes themselves are never shown again."""
    codes = get_authenticator(request.user, Authenticator.Type.RECOVERY_CODES)
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
@require_http_methods(["GET", "POST"])
@factor_reauthentication_required
def generate_recovery_codes(request):
    """POST replaces all recovery codes and shows the new ones once."""
    if request.method != "POST":
        return redirect("mfa_view_recovery_codes")
    try:
        _authenticator, codes = flows.regenerate_recovery_codes(request)
    except FlowError as error:
        messages.info(request, error.message)
        return redirect("mfa_index")
    return render(request, "mfa/recovery_codes/generated.html", {"codes": codes})


@login_required
@never_cache
@require_http_methods(["GET"])
@factor_reauthentication_required
def download_recovery_codes(request):
    """The codes just generated, as ``recovery-codes.txt``: only in the session that made
    them and for a few minutes, as they are stored nowhere else in plain text."""
    authenticator = get_authenticator(request.user, Authenticator.Type.RECOVERY_CODES)
    codes = flows.get_fresh_recovery_codes(request, authenticator)
    if codes is None:
        messages.info(
            request,
            _(
                "Recovery codes can be downloaded only right after they are generated. "
                "Generate new ones to download them."
            ),
        )
        return redirect("mfa_view_recovery_codes")
    lines = [
        _("Recovery codes for %(name)s at %(site)s")
        % {"name": request.user.get_username(), "site": account_settings.SITE_NAME},
        _("Each code works once. Keep them somewhere safe."),
        "",
        *codes,
        "",
    ]
    response = HttpResponse("\n".join(map(str, lines)), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
    return response
