"""Password pages: change, set, and reset by emailed link (request, done, from key, done)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from accounts import ratelimit
from accounts.flows import password as flows
from accounts.flows.login import has_second_factor
from accounts.flows.mfa import did_recently_authenticate_with_factor
from accounts.forms.password import (
    ChangePasswordForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    SetPasswordForm,
)
from accounts.httpkit import get_next_url
from accounts.views.auth import too_many_requests

sensitive = method_decorator(
    [
        sensitive_post_parameters("oldpassword", "password1", "password2"),
        csrf_protect,
        never_cache,
    ],
    name="dispatch",
)


@sensitive
@method_decorator(login_required, name="dispatch")
class ChangePasswordView(FormView):
    template_name = "account/password_change.html"
    form_class = ChangePasswordForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_usable_password():
            return redirect("account_set_password")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def post(self, request, *args, **kwargs):
        # Guessing the current password from a hijacked session is bounded per user.
        if not ratelimit.consume(request, "change_password"):
            flows.refuse_password_change(request)
            return too_many_requests(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        flows.change_password(
            self.request, user=self.request.user, password=form.cleaned_data["password1"]
        )
        messages.success(self.request, "Your password was changed.")
        return redirect(get_next_url(self.request, reverse("account_change_password")))

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=get_next_url(self.request), **kwargs)


@sensitive
@method_decorator(login_required, name="dispatch")
class SetPasswordView(FormView):
    template_name = "account/password_set.html"
    form_class = SetPasswordForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.has_usable_password():
            return redirect("account_change_password")
        if has_second_factor(request.user) and not did_recently_authenticate_with_factor(request):
            # A passkey-only account: a stolen session must not be able to add a password.
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.path})}")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        flows.set_password(
            self.request, user=self.request.user, password=form.cleaned_data["password1"]
        )
        messages.success(self.request, "Your password was set.")
        return redirect(get_next_url(self.request, reverse("account_change_password")))

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=get_next_url(self.request), **kwargs)


@method_decorator([csrf_protect, never_cache], name="dispatch")
class ResetPasswordView(FormView):
    """The same redirect for every well-formed address, known or not (no enumeration)."""

    template_name = "account/password_reset.html"
    form_class = ResetPasswordForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        if form.rate_limited_email:
            flows.refuse_reset_request(self.request, email=form.rate_limited_email)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_invalid(form)

    def form_valid(self, form):
        flows.request_password_reset(self.request, email=form.cleaned_data["email"])
        return redirect("account_reset_password_done")


@method_decorator(
    [sensitive_post_parameters("password1", "password2"), csrf_protect, never_cache],
    name="dispatch",
)
class ResetPasswordFromKeyView(FormView):
    """``…/key/<uidb36>-<key>/`` stashes the key and redirects to ``…/<uidb36>-set-password/``.

    Only the key-free URL shows the form, so the key never sits in a URL that the page (its
    links, its resources) could leak via Referer or history.
    """

    template_name = "account/password_reset_from_key.html"
    form_class = ResetPasswordKeyForm

    def dispatch(self, request, *args, uidb36, key, **kwargs):
        if key != flows.RESET_URL_KEY:
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            flows.stash_reset_key(request, uidb36=uidb36, key=key)
            return redirect(
                "account_reset_password_from_key", uidb36=uidb36, key=flows.RESET_URL_KEY
            )
        # Limited here, on the key-free URL: a refusal is logged by Django with its path, and
        # that path must not carry the key.
        if not ratelimit.consume(request, "reset_password_from_key"):
            flows.refuse_reset_key(request)
            return too_many_requests(request)
        self.reset_user = flows.get_reset_user(request, uidb36=uidb36)
        if self.reset_user is None:
            return render(request, self.template_name, {"token_fail": True})
        return super().dispatch(request, *args, uidb36=uidb36, key=key, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.reset_user}

    def form_valid(self, form):
        flows.reset_password(
            self.request, user=self.reset_user, password=form.cleaned_data["password1"]
        )
        return redirect("account_reset_password_from_key_done")


@method_decorator(never_cache, name="dispatch")
class ResetPasswordDoneView(TemplateView):
    """The same page whether or not the address belongs to an account."""

    template_name = "account/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(timeout_minutes=flows.reset_timeout_minutes(), **kwargs)


change_password = ChangePasswordView.as_view()
set_password = SetPasswordView.as_view()
reset_password = login_not_required(ResetPasswordView.as_view())
reset_password_done = login_not_required(ResetPasswordDoneView.as_view())
reset_password_from_key = login_not_required(ResetPasswordFromKeyView.as_view())
reset_password_from_key_done = login_not_required(
    TemplateView.as_view(template_name="account/password_reset_from_key_done.html")
)
