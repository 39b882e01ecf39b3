"""Signup, login, logout and the pages around them."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from accounts import ratelimit
from accounts.flows.abuse import report_password_after_failures, report_rate_limited
from accounts.flows.login import complete_password_step
from accounts.flows.logout import logout_user
from accounts.flows.signup import complete_signup
from accounts.forms.auth import LoginForm, SignupForm
from accounts.httpkit import get_next_url

sensitive = method_decorator(
    [sensitive_post_parameters("password", "password1", "password2"), csrf_protect, never_cache],
    name="dispatch",
)


def too_many_requests(request, template_name="429.html", context=None):
    """The friendly "wait a few minutes" page, with status 429."""
    return render(request, template_name, context or {}, status=429)


@sensitive
class SignupView(FormView):
    template_name = "account/signup.html"
    form_class = SignupForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(get_next_url(request, settings.LOGIN_REDIRECT_URL))
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not ratelimit.consume(request, "signup"):
            report_rate_limited(request, action="signup")
            return too_many_requests(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        return complete_signup(
            self.request,
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            redirect_url=get_next_url(self.request, settings.LOGIN_REDIRECT_URL),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=get_next_url(self.request), **kwargs)


@sensitive
class LoginView(FormView):
    template_name = "account/login.html"
    form_class = LoginForm

    def dispatch(self, request, *args, **kwargs):
        # A signed-in session must not run another account's password step: its
        # authentication record would count as this session's recent reauthentication.
        if request.user.is_authenticated:
            return redirect(get_next_url(request, settings.LOGIN_REDIRECT_URL))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def post(self, request, *args, **kwargs):
        if not ratelimit.consume(request, "login"):
            report_rate_limited(request, action="login")
            return too_many_requests(request)
        form = self.get_form()
        valid = form.is_valid()
        if form.rate_limited is not None:
            # The same page with the error, status 429; the password was not checked.
            refused = form.rate_limited
            report_rate_limited(request, action=refused.action, user=refused.user)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.inactive_user is not None:
            return redirect("account_inactive")
        return self.form_valid(form) if valid else self.form_invalid(form)

    def form_valid(self, form):
        if form.failed_attempts >= getattr(settings, "ACCOUNT_SUSPICIOUS_LOGIN_FAILURES", 3):
            report_password_after_failures(
                self.request, user=form.user, failed_attempts=form.failed_attempts
            )
        return complete_password_step(
            self.request,
            user=form.user,
            login=form.cleaned_data["login"],
            redirect_url=get_next_url(self.request, settings.LOGIN_REDIRECT_URL),
            remember=bool(form.cleaned_data.get("remember")),
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=get_next_url(self.request), **kwargs)


@method_decorator([csrf_protect, never_cache], name="dispatch")
class LogoutView(TemplateView):
    template_name = "account/logout.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        target = get_next_url(request, settings.LOGOUT_REDIRECT_URL)
        logout_user(request)
        response = redirect(target)
        # The browser drops cached account pages and script storage of this site. Not
        # "cookies": it would clear every subdomain's cookies (the session cookie is
        # already deleted by the session middleware).
        clear = getattr(settings, "ACCOUNT_LOGOUT_CLEAR_SITE_DATA", '"cache", "storage"')
        if clear:
            response["Clear-Site-Data"] = clear
        return response


signup = login_not_required(SignupView.as_view())
login = login_not_required(LoginView.as_view())
logout = LogoutView.as_view()
inactive = TemplateView.as_view(template_name="account/account_inactive.html")
email_verification_sent = TemplateView.as_view(template_name="account/verification_sent.html")
