"""The user's own data: deleting the account (with a grace period) and downloading it."""

from django import forms
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import app_settings
from accounts.decorators import factor_reauthentication_required
from accounts.flows.delete_account import (
    cancel_account_deletion,
    get_cancel_offer,
    request_account_deletion,
)
from accounts.flows.export import export_user_data

GET_POST = require_http_methods(["GET", "POST"])


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and its data will be deleted."), required=True
    )


@login_required
@never_cache
@GET_POST
@factor_reauthentication_required
def delete_account(request):
    """GET explains; POST (confirmed, after a recent authentication) deactivates the account,
    signs it out everywhere and schedules its deletion."""
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        deletion = request_account_deletion(request, user=request.user)
        return render(request, "account/account_delete_done.html", {"deletion": deletion})
    context = {"form": form, "grace_days": app_settings.DELETION_GRACE_DAYS}
    return render(request, "account/account_delete.html", context)


@login_not_required
@never_cache
@GET_POST
def cancel_deletion(request):
    """After the right password on an account awaiting deletion: cancel it and sign in."""
    user, offer = get_cancel_offer(request)
    if user is None:
        return redirect("account_login")
    if request.method == "POST":
        return cancel_account_deletion(request, user=user, offer=offer)
    return render(request, "account/account_delete_cancel.html", {"deletion": user.deletion})


@login_required
@never_cache
@GET_POST
@factor_reauthentication_required
def export_data(request):
    """GET explains; POST (after a recent authentication) downloads the JSON file."""
    if request.method == "POST":
        document = export_user_data(request, user=request.user)
        response = HttpResponse(document, content_type="application/json")
        filename = f"account-data-{timezone.now():%Y%m%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "account/account_export.html")
