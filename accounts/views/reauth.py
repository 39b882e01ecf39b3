"""Reauthentication with the password (second factors: ``accounts.mfa``)."""

from django.contrib.auth.decorators import login_required
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts.exceptions import FlowError
from accounts.flows.reauthentication import reauthenticate_by_password
from accounts.forms import get_form_class
from accounts.forms.reauth import ReauthenticateForm
from accounts.httpkit import get_next_url
from accounts.mfa.utils import has_second_factor
from accounts.ratelimit import rate_limit, too_many_requests


@method_decorator(
    [login_required, sensitive_post_parameters("password"), never_cache], name="dispatch"
)
@method_decorator(rate_limit("reauthenticate"), name="post")
class ReauthenticateView(FormView):
    template_name = "account/reauthenticate.html"

    def get_form_class(self):
        return get_form_class("reauthenticate", ReauthenticateForm)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            return reauthenticate_by_password(
                self.request,
                password=form.cleaned_data["password"],
                redirect_url=get_next_url(self.request, "/"),
            )
        except FlowError as error:
            if error.status == 429:
                return too_many_requests(self.request)
            error.add_to(form)
            return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            next=get_next_url(self.request),
            has_second_factor=has_second_factor(self.request.user),
            **kwargs,
        )


reauthenticate = ReauthenticateView.as_view()
