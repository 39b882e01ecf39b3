"""Pages of the mailed-code flows: thin views over ``accounts.flows.login_by_code``.

Every page answers 404 while its feature is off (the default), so nothing here is reachable
unless a site turns it on.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts import app_settings
from accounts.adapter import get_adapter
from accounts.exceptions import FlowError
from accounts.flows import (
    email_code,
    email_verification_by_code,
    login_by_code,
    login_code,
    password_reset_by_code,
)
from accounts.forms import get_form_class
from accounts.forms.codes import ConfirmCodeForm, ConfirmLoginCodeForm, RequestLoginCodeForm
from accounts.forms.password import ResetPasswordKeyForm
from accounts.httpkit import get_next_url
from accounts.views import auth, password
from accounts.views.auth import RedirectAuthenticatedMixin

Process = login_code.LoginCodeVerificationProcess
EmailProcess = email_code.EmailVerificationCodeProcess
ResetProcess = password_reset_by_code.PasswordResetCodeProcess


def with_next(url_name: str, next_url: str | None) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def login_by_code_url_name() -> str:
    """Where a void code sends the user back to (allauth's choice)."""
    return "account_request_login_code" if app_settings.LOGIN_BY_CODE_ENABLED else "account_login"


@method_decorator([csrf_protect, never_cache], name="dispatch")
class RequestLoginCodeView(RedirectAuthenticatedMixin, FormView):
    template_name = "account/request_login_code.html"

    def dispatch(self, request, *args, **kwargs):
        if not app_settings.LOGIN_BY_CODE_ENABLED:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("request_login_code", RequestLoginCodeForm)

    def form_valid(self, form):
        next_url = get_next_url(self.request)
        try:
            login_by_code.request_login_code(
                self.request, email=form.cleaned_data["email"], redirect_url=next_url
            )
        except FlowError as error:
            status = error.add_to(form)
            return self.render_to_response(self.get_context_data(form=form), status=status)
        return HttpResponseRedirect(with_next("account_confirm_login_code", next_url))


@method_decorator([sensitive_post_parameters("code"), csrf_protect, never_cache], name="dispatch")
class ConfirmLoginCodeView(FormView):
    template_name = "account/confirm_login_code.html"

    def dispatch(self, request, *args, **kwargs):
        if not login_code.is_reachable():
            raise Http404
        self.row = Process.pending(request)
        if self.row is None:
            Process.clear(request)
            return HttpResponseRedirect(reverse(login_by_code_url_name()))
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("confirm_login_code", ConfirmLoginCodeForm)

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "resend" and Process.can_resend(self.row):
            try:
                Process.resend(request, row=self.row)
            except FlowError as error:
                messages.error(request, error.message)
            else:
                get_adapter(request).add_message(
                    request,
                    messages.SUCCESS,
                    _("A new code was sent to %(email)s.") % {"email": self.row.email},
                )
            return HttpResponseRedirect(
                with_next("account_confirm_login_code", get_next_url(request))
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        initiated = Process.state(self.request).get("initiated_by_user", True)
        try:
            return login_by_code.confirm_login_code(self.request, code=form.cleaned_data["code"])
        except FlowError as error:
            if getattr(error, "attempts_left", False) or error.status == 429:
                status = error.add_to(form)
                return self.render_to_response(self.get_context_data(form=form), status=status)
            messages.error(self.request, error.message)
            Process.clear(self.request)
            target = login_by_code_url_name() if initiated else "account_login"
            return HttpResponseRedirect(reverse(target))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            email=self.row.email,
            can_resend=Process.can_resend(self.row),
            next=get_next_url(self.request),
            **kwargs,
        )


request_login_code = login_not_required(RequestLoginCodeView.as_view())
confirm_login_code = login_not_required(ConfirmLoginCodeView.as_view())


@method_decorator([sensitive_post_parameters("code"), csrf_protect, never_cache], name="dispatch")
class ConfirmEmailVerificationCodeView(FormView):
    """``/accounts/confirm-email/`` in by-code mode: type the code mailed for an address."""

    template_name = "account/confirm_email_verification_code.html"

    def dispatch(self, request, *args, **kwargs):
        self.row = EmailProcess.pending(request)
        if self.row is None:
            EmailProcess.clear(request)
            if request.user.is_authenticated:
                return HttpResponseRedirect(reverse("account_email"))
            if request.method == "POST":  # the code expired, was used, or never asked here
                return HttpResponseRedirect(reverse("account_login"))
            return auth.email_verification_sent(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("confirm_email_verification_code", ConfirmCodeForm)

    def form_valid(self, form):
        try:
            return email_verification_by_code.confirm_email_verification_code(
                self.request, code=form.cleaned_data["code"]
            )
        except FlowError as error:
            if getattr(error, "attempts_left", False) or error.status == 429:
                status = error.add_to(form)
                return self.render_to_response(self.get_context_data(form=form), status=status)
            messages.error(self.request, error.message)
            EmailProcess.clear(self.request)
            target = "account_email" if self.request.user.is_authenticated else "account_login"
            return HttpResponseRedirect(reverse(target))

    def get_context_data(self, **kwargs):
        return super().get_context_data(email=self.row.email, **kwargs)


_confirm_email_verification_code = ConfirmEmailVerificationCodeView.as_view()


@login_not_required
def email_verification_sent(request, *args, **kwargs):
    """allauth's ``account_email_verification_sent``: the "mail sent" page, or in by-code
    mode the page to type the code on."""
    if email_code.is_enabled():
        return _confirm_email_verification_code(request, *args, **kwargs)
    return auth.email_verification_sent(request, *args, **kwargs)


# --- Password reset by code ------------------------------------------------------------------


@method_decorator([sensitive_post_parameters("code"), csrf_protect, never_cache], name="dispatch")
class ConfirmPasswordResetCodeView(FormView):
    template_name = "account/confirm_password_reset_code.html"

    def dispatch(self, request, *args, **kwargs):
        if not password_reset_by_code.is_enabled():
            raise Http404
        self.row = ResetProcess.pending(request)
        if self.row is None:
            ResetProcess.clear(request)
            return HttpResponseRedirect(reverse("account_reset_password"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("confirm_password_reset_code", ConfirmCodeForm)

    def form_valid(self, form):
        try:
            password_reset_by_code.confirm_password_reset_code(
                self.request, code=form.cleaned_data["code"]
            )
        except FlowError as error:
            if getattr(error, "attempts_left", False) or error.status == 429:
                status = error.add_to(form)
                return self.render_to_response(self.get_context_data(form=form), status=status)
            messages.error(self.request, error.message)
            ResetProcess.clear(self.request)
            return HttpResponseRedirect(reverse("account_reset_password"))
        return HttpResponseRedirect(reverse("account_complete_password_reset"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(email=self.row.email, **kwargs)


@method_decorator(
    [sensitive_post_parameters("password1", "password2"), csrf_protect, never_cache],
    name="dispatch",
)
class CompletePasswordResetView(FormView):
    template_name = "account/password_reset_from_code.html"

    def dispatch(self, request, *args, **kwargs):
        if not password_reset_by_code.is_enabled():
            raise Http404
        self.reset_user = password_reset_by_code.get_confirmed_user(request)
        if self.reset_user is None:
            return HttpResponseRedirect(reverse("account_reset_password"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("reset_password_from_key", ResetPasswordKeyForm)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.reset_user}

    def form_valid(self, form):
        password_reset_by_code.complete_password_reset(
            self.request, user=self.reset_user, password=form.cleaned_data["password1"]
        )
        return HttpResponseRedirect(reverse("account_password_reset_completed"))


confirm_password_reset_code = login_not_required(ConfirmPasswordResetCodeView.as_view())
complete_password_reset = login_not_required(CompletePasswordResetView.as_view())


@login_not_required
def password_reset_done(request, *args, **kwargs):
    """``/accounts/password/reset/done/``: allauth's ``account_reset_password_done`` ("check
    your mail"), or in by-code mode ``account_password_reset_completed``."""
    if password_reset_by_code.is_enabled():
        return password.reset_password_from_key_done(request, *args, **kwargs)
    return password.reset_password_done(request, *args, **kwargs)
