"""Reauthentication with the password (second factors: views/mfa.py and views/webauthn.py)."""

from django.contrib.auth.decorators import login_required
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts import ratelimit
from accounts.flows.abuse import report_rate_limited
from accounts.flows.login import has_second_factor
from accounts.flows.reauthentication import reauthenticate_by_password
from accounts.forms.reauth import ReauthenticateForm
from accounts.httpkit import get_next_url
from accounts.views.auth import too_many_requests


@method_decorator(
    [login_required, sensitive_post_parameters("password"), never_cache], name="dispatch"
)
class ReauthenticateView(FormView):
    template_name = "account/reauthenticate.html"
    form_class = ReauthenticateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def post(self, request, *args, **kwargs):
        # Wrong passwords here count against the account's login budget too: a stolen
        # session gets no more guesses at the password than the login form gives.
        for action, key in (("reauthenticate", None), ("login_failed", self.failure_key)):
            if not ratelimit.consume(request, action, key=key):
                report_rate_limited(request, action=action, user=request.user)
                return too_many_requests(request)
        return super().post(request, *args, **kwargs)

    @property
    def failure_key(self):
        return f"user:{self.request.user.pk}"

    def form_valid(self, form):
        ratelimit.rollback(self.request, "login_failed", key=self.failure_key)
        ratelimit.clear(self.request, "login_failed", key=self.failure_key)
        return reauthenticate_by_password(
            self.request, redirect_url=get_next_url(self.request, "/")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            next=get_next_url(self.request),
            has_second_factor=has_second_factor(self.request.user),
            **kwargs,
        )


reauthenticate = ReauthenticateView.as_view()
