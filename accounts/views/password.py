"""Password pages: change, set, and reset by emailed link (request, done, from key, done)."""

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
from accounts.decorators import factor_reauthentication_required
from accounts.exceptions import FlowError, RateLimited
from accounts.flows import password_change, password_reset, password_reset_by_code
from accounts.forms import get_form_class
from accounts.forms.password import (
    ChangePasswordForm,
    ResetPasswordForm,
    ResetPasswordKeyForm,
    SetPasswordForm,
)
from accounts.httpkit import get_next_url
from accounts.ratelimit import rate_limit, too_many_requests
from accounts.views.auth import sensitive


class UserFormMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=get_next_url(self.request), **kwargs)

    def done(self):
        return redirect(get_next_url(self.request, reverse("account_change_password")))


@sensitive
@method_decorator(login_required, name="dispatch")
# Guessing the current password from a hijacked session is bounded per user.
@method_decorator(rate_limit("change_password"), name="post")
class ChangePasswordView(UserFormMixin, FormView):
    template_name = "account/password_change.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_usable_password():
            return redirect("account_set_password")
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("change_password", ChangePasswordForm)

    def form_valid(self, form):
        password_change.change_password(
            self.request, user=self.request.user, password=form.cleaned_data["password1"]
        )
        return self.done()


@sensitive
@method_decorator(login_required, name="dispatch")
class SetPasswordView(UserFormMixin, FormView):
    template_name = "account/password_set.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.has_usable_password():
            return redirect("account_change_password")
        return self.guarded_dispatch(request, *args, **kwargs)

    # A passkey-only account: a stolen session must not be able to add a password. Without
    # a second factor there is no password to confirm, so nothing more is asked.
    @method_decorator(factor_reauthentication_required(password_fallback=False))
    def guarded_dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("set_password", SetPasswordForm)

    def form_valid(self, form):
        password_change.set_password(
            self.request, user=self.request.user, password=form.cleaned_data["password1"]
        )
        return self.done()


@method_decorator([csrf_protect, never_cache], name="dispatch")
class ResetPasswordView(FormView):
    """The same redirect for every well-formed address, known or not (no enumeration)."""

    template_name = "account/password_reset.html"

    def get_form_class(self):
        return get_form_class("reset_password", ResetPasswordForm)

    def form_valid(self, form):
        by_code = password_reset_by_code.is_enabled()  # ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED
        flow = password_reset_by_code.request_password_reset_code if by_code else None
        try:
            (flow or password_reset.request_password_reset)(
                self.request, email=form.cleaned_data["email"]
            )
        except RateLimited as error:
            form.add_error("email", error)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return redirect(
            "account_confirm_password_reset_code" if by_code else "account_reset_password_done"
        )


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

    def dispatch(self, request, *args, uidb36, key, **kwargs):
        if key != password_reset.RESET_URL_KEY:
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            password_reset.stash_reset_key(request, uidb36=uidb36, key=key)
            return redirect(
                "account_reset_password_from_key", uidb36=uidb36, key=password_reset.RESET_URL_KEY
            )
        # Limited here, on the key-free URL: a refusal is logged by Django with its path, and
        # that path must not carry the key.
        try:
            ratelimit.consume_or_raise(request, "reset_password_from_key")
        except RateLimited:
            return too_many_requests(request)
        # The form's POST reads the row locked: the reset needs no second read.
        self.reset_locked = request.method == "POST" and password_reset.can_lock_reset_user()
        self.reset_user = password_reset.get_reset_user(
            request, uidb36=uidb36, lock=self.reset_locked
        )
        if self.reset_user is None:
            return render(request, self.template_name, {"token_fail": True})
        return super().dispatch(request, *args, uidb36=uidb36, key=key, **kwargs)

    def get_form_class(self):
        return get_form_class("reset_password_from_key", ResetPasswordKeyForm)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.reset_user}

    def form_valid(self, form):
        try:
            password_reset.reset_password_by_key(
                self.request,
                user=self.reset_user,
                password=form.cleaned_data["password1"],
                locked=self.reset_locked,
            )
        except FlowError:  # the link was used meanwhile (another browser, same moment)
            return render(self.request, self.template_name, {"token_fail": True})
        return redirect("account_reset_password_from_key_done")


@method_decorator(never_cache, name="dispatch")
class ResetPasswordDoneView(TemplateView):
    """The same page whether or not the address belongs to an account."""

    template_name = "account/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            timeout_minutes=password_reset.reset_timeout_minutes(), **kwargs
        )


change_password = ChangePasswordView.as_view()
set_password = SetPasswordView.as_view()
reset_password = login_not_required(ResetPasswordView.as_view())
reset_password_done = login_not_required(ResetPasswordDoneView.as_view())
reset_password_from_key = login_not_required(ResetPasswordFromKeyView.as_view())
reset_password_from_key_done = login_not_required(
    TemplateView.as_view(template_name="account/password_reset_from_key_done.html")
)
