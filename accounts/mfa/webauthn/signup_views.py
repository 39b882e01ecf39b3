"""``/accounts/2fa/webauthn/signup/`` (allauth's ``mfa_signup_webauthn``): create the passkey
of a passkey signup. 404 unless ``MFA_PASSKEY_SIGNUP_ENABLED``."""

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.exceptions import FlowError
from accounts.flows.signup_by_passkey import get_passkey_signup_user
from accounts.mfa.switches import only_if, passkey_signup_enabled
from accounts.mfa.webauthn import signup as flows
from accounts.mfa.webauthn.forms import CredentialField, KeyNameField
from accounts.mfa.webauthn.views import warn_when_on_an_ip_address


class PasskeySignupForm(forms.Form):
    name = KeyNameField(initial="Passkey", widget=forms.TextInput(attrs={"autofocus": True}))
    credential = CredentialField()


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
@only_if(passkey_signup_enabled)
def signup_webauthn(request):
    user = get_passkey_signup_user(request)
    if user is None:
        return redirect("account_signup_by_passkey")
    form = PasskeySignupForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            return flows.complete_passkey_signup(
                request,
                user=user,
                name=form.cleaned_data["name"],
                credential=form.cleaned_data["credential"],
            )
        except FlowError as error:
            error.add_to(form)
    context = {"form": form, "options": flows.begin_passkey_signup(request, user=user)}
    warn_when_on_an_ip_address(request)
    return render(request, "mfa/webauthn/signup_form.html", context)
