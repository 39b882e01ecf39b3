"""``/accounts/signup/passkey/`` (allauth's ``account_signup_by_passkey``): an email address
and a username, no password. 404 unless ``MFA_PASSKEY_SIGNUP_ENABLED``."""

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import FormView

from accounts.adapter import get_adapter
from accounts.flows.signup_by_passkey import signup_by_passkey
from accounts.forms.auth import SignupForm
from accounts.mfa.switches import passkey_signup_enabled
from accounts.ratelimit import rate_limit
from accounts.views.auth import RedirectAuthenticatedMixin


class SignupByPasskeyForm(forms.Form):
    """The signup form without passwords (same username and address rules)."""

    error_messages = SignupForm.error_messages
    username = SignupForm.base_fields["username"]
    email = SignupForm.base_fields["email"]
    clean_username = SignupForm.clean_username
    clean_email = SignupForm.clean_email


@method_decorator([csrf_protect, never_cache, rate_limit("signup")], name="dispatch")
class SignupByPasskeyView(RedirectAuthenticatedMixin, FormView):
    template_name = "account/signup_by_passkey.html"
    form_class = SignupByPasskeyForm

    def dispatch(self, request, *args, **kwargs):
        if not passkey_signup_enabled():
            raise Http404
        if not request.user.is_authenticated and not get_adapter(request).is_open_for_signup(
            request
        ):
            return render(request, "account/signup_closed.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        return signup_by_passkey(
            self.request, username=data["username"], email=data["email"], data=data
        )


signup_by_passkey_view = login_not_required(SignupByPasskeyView.as_view())
