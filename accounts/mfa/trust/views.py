"""``/accounts/2fa/trust/`` (allauth's ``mfa_trust``) and revoking trusted browsers; both
answer 404 while ``MFA_TRUST_ENABLED`` is off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.mfa import app_settings
from accounts.mfa.switches import only_if
from accounts.mfa.trust import auth, flows


@login_not_required
@only_if(auth.is_enabled)
@never_cache
@require_http_methods(["GET", "POST"])
def trust(request):
    """Trust this browser? POST ``action=trust`` or ``action=skip`` ends the login."""
    user, pending = flows.get_trust_pending(request)
    if user is None:
        messages.info(request, _("Your sign-in took too long or was not started. Sign in again."))
        return redirect("account_login")
    action = request.POST.get("action")
    if request.method == "POST" and action in ("trust", "skip"):
        return flows.answer_trust_step(request, user=user, pending=pending, trust=action == "trust")
    days = max(1, app_settings.TRUST_COOKIE_AGE // 86400)
    return render(request, "mfa/trust.html", {"trust_days": days})


@only_if(auth.is_enabled)
@login_required
@never_cache
@require_POST
def revoke(request):
    """The button on the sessions page: no browser skips the second factor any more."""
    flows.revoke_trusted_browsers(request, user=request.user)
    messages.success(
        request, _("No browser is trusted any more: each will ask for your second factor.")
    )
    response = redirect("usersessions_list")
    response.delete_cookie(app_settings.TRUST_COOKIE_NAME)
    return response
