"""Signup, login, logout and the pages around them."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, TemplateView

from accounts import app_settings
from accounts.adapter import get_adapter
from accounts.exceptions import FlowError
from accounts.flows.honeypot import pretend_bot_signup
from accounts.flows.invitations import get_pending_invitation, open_invitation
from accounts.flows.login import login_by_password
from accounts.flows.logout import sign_out
from accounts.flows.signup import complete_signup
from accounts.forms import get_form_class
from accounts.forms.auth import LoginForm, SignupForm
from accounts.forms.policies import honeypot_filled
from accounts.httpkit import get_next_url
from accounts.ratelimit import rate_limit

sensitive = method_decorator(
    [
        sensitive_post_parameters("password", "password1", "password2", "oldpassword"),
        csrf_protect,
        never_cache,
    ],
    name="dispatch",
)


class RedirectAuthenticatedMixin:
    """A signed-in session must not run another account's signup or password step: its
    authentication record would count as this session's recent reauthentication."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            adapter = get_adapter(request)
            return redirect(get_next_url(request, adapter.get_login_redirect_url(request)))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=get_next_url(self.request), **kwargs)

    def redirect_url(self):
        adapter = get_adapter(self.request)
        return get_next_url(self.request, adapter.get_login_redirect_url(self.request))


@sensitive
@method_decorator(rate_limit("signup"), name="dispatch")
class SignupView(RedirectAuthenticatedMixin, FormView):
    template_name = "account/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated and not get_adapter(request).is_open_for_signup(
            request
        ):
            return render(request, "account/signup_closed.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("signup", SignupForm)

    def get_initial(self):
        invitation = get_pending_invitation(self.request)
        return {"email": invitation.email} if invitation and invitation.email else {}

    def form_valid(self, form):
        if honeypot_filled(form):
            return pretend_bot_signup(self.request)
        data = form.cleaned_data
        try:
            return complete_signup(
                self.request,
                username=data.get("username") or "",  # ACCOUNT_SIGNUP_FIELDS may leave out
                email=data.get("email") or "",
                password=data["password1"],
                redirect_url=self.redirect_url(),
                data=data,
            )
        except FlowError as error:
            if error.field in form.fields:  # the username taken by a concurrent signup
                status = error.add_to(form)
                return self.render_to_response(self.get_context_data(form=form), status=status)
            # the invitation was used meanwhile, or is for another
            return render(
                self.request, "account/signup_closed.html", {"error": error.message}, status=403
            )


@sensitive
@method_decorator(rate_limit("login"), name="dispatch")
class LoginView(RedirectAuthenticatedMixin, FormView):
    template_name = "account/login.html"

    def get_form_class(self):
        return get_form_class("login", LoginForm)

    def form_valid(self, form):
        try:
            return login_by_password(
                self.request,
                login=form.cleaned_data["login"],
                password=form.cleaned_data["password"],
                redirect_url=self.redirect_url(),
                remember=bool(form.cleaned_data.get("remember")),
            )
        except FlowError as error:
            status = error.add_to(form)
            return self.render_to_response(self.get_context_data(form=form), status=status)


@method_decorator([csrf_protect, never_cache], name="dispatch")
class LogoutView(TemplateView):
    template_name = "account/logout.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(get_adapter(request).get_logout_redirect_url(request))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        target = get_next_url(request, get_adapter(request).get_logout_redirect_url(request))
        sign_out(request)
        response = redirect(target)
        # The browser drops cached account pages and script storage of this site. Not
        # "cookies": it would clear every subdomain's cookies (the session cookie is
        # already deleted by the session middleware).
        if app_settings.LOGOUT_CLEAR_SITE_DATA:
            response["Clear-Site-Data"] = app_settings.LOGOUT_CLEAR_SITE_DATA
        return response


@login_not_required
@never_cache
def invitation(request, key):
    """An invitation link: remembered in the session (opening signup), then to signup."""
    try:
        open_invitation(request, key=key)
    except FlowError as error:
        context = {"error": error.message}
        return render(request, "account/signup_closed.html", context, status=error.status)
    return redirect("account_signup")


signup = login_not_required(SignupView.as_view())
login = login_not_required(LoginView.as_view())
logout = LogoutView.as_view()
inactive = TemplateView.as_view(template_name="account/account_inactive.html")
email_verification_sent = TemplateView.as_view(template_name="account/verification_sent.html")
