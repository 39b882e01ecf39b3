"""Social login pages: start at a provider, its callback, connected accounts, social signup,
and the cancelled/error pages (allauth's templates)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.generic import FormView, TemplateView

from accounts.adapter import get_adapter as get_account_adapter
from accounts.authentication import did_recently_authenticate
from accounts.decorators import reauthenticate_redirect
from accounts.exceptions import FlowError
from accounts.httpkit import get_next_url
from accounts.ratelimit import rate_limit
from accounts.socialaccount import app_settings, flows, frontend
from accounts.socialaccount.adapter import get_provider, list_providers
from accounts.socialaccount.forms import DisconnectForm, SignupForm, get_form_class
from accounts.socialaccount.state import peek_state

ERROR_TEMPLATE = "socialaccount/authentication_error.html"


def render_error(request, error: FlowError, provider=None) -> HttpResponse:
    return render(
        request,
        ERROR_TEMPLATE,
        {"auth_error": {"code": error.code, "message": error.messages[0]}, "provider": provider},
        status=error.status,
    )


def _provider_or_404(request, kind: str, provider_id: str | None):
    provider = get_provider(request, provider_id or kind, kind=kind)
    if provider is None:
        raise Http404("No such provider.")
    return provider


def make_login_view(kind: str):
    """The ``<provider>/login/`` view: a GET shows a confirm page (unless
    ``SOCIALACCOUNT_LOGIN_ON_GET``), a POST sends the browser to the provider.

    ``process=connect`` needs a signed-in user who authenticated recently.
    """

    @csrf_protect
    @never_cache
    @rate_limit("login", methods=("GET", "POST"))
    def login_view(request, provider_id=None):
        provider = _provider_or_404(request, kind, provider_id)
        process = request.POST.get("process") or request.GET.get("process") or "login"
        if process not in ("login", "connect"):
            process = "login"
        next_url = get_next_url(request)
        if process == "connect":
            if not request.user.is_authenticated:
                return redirect(f"{reverse('account_login')}?next={request.path}")
            if not did_recently_authenticate(request):
                return reauthenticate_redirect(
                    request, next_url=reverse("socialaccount_connections")
                )
        if request.method != "POST" and not app_settings.LOGIN_ON_GET:
            return render(
                request,
                "socialaccount/login.html",
                {"provider": provider, "process": process, "next": next_url},
            )
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponse(status=405)
        try:
            url = flows.begin_login(request, provider=provider, process=process, next_url=next_url)
        except FlowError as error:
            return render_error(request, error, provider)
        # A hand-off page, not a 302: the login page's CSP (form-action 'self') would block a
        # form submission redirected to another origin.
        return render(request, "socialaccount/redirect.html", {"provider": provider, "url": url})

    return login_not_required(login_view)


def make_callback_view(kind: str):
    @never_cache
    # Each callback with a valid state costs calls to the provider: budgeted like a login.
    @rate_limit("login", methods=("GET",))
    def callback_view(request, provider_id=None):
        provider = _provider_or_404(request, kind, provider_id)
        started = peek_state(request, request.GET.get("state")) or {}
        try:
            response = flows.complete_login(request, provider=provider, params=request.GET)
        except FlowError as error:
            response = render_error(request, error, provider)
            if started.get("frontend"):
                response = frontend.answer(started, error=error.code)
        else:
            if started.get("frontend"):  # started by the headless API: back to the front end
                response = frontend.answer(started, response)
        # This URL carries the code and state: no page it leads to may see it as Referer.
        response["Referrer-Policy"] = "no-referrer"
        return response

    return login_not_required(callback_view)


@method_decorator([login_required, csrf_protect, never_cache], name="dispatch")
class ConnectionsView(FormView):
    """The connected accounts; a POST disconnects one (after a recent reauthentication)."""

    template_name = "socialaccount/connections.html"

    def get_form_class(self):
        return get_form_class("disconnect", DisconnectForm)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        user = self.request.user
        connected = {account.provider for account in user.socialaccount_set.all()}
        return super().get_context_data(
            accounts=user.socialaccount_set.order_by("pk"),
            providers=[p for p in list_providers(self.request) if p.provider_id not in connected],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not did_recently_authenticate(request):
            return reauthenticate_redirect(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        account = form.cleaned_data["account"]
        try:
            flows.disconnect(self.request, account=account)
        except FlowError as error:
            status = error.add_to(form)
            return self.render_to_response(self.get_context_data(form=form), status=status)
        get_account_adapter(self.request).add_message(
            self.request, 25, _("The account has been disconnected.")
        )
        return redirect("socialaccount_connections")


@method_decorator([csrf_protect, never_cache], name="dispatch")
@method_decorator(rate_limit("signup"), name="post")
class SignupView(FormView):
    """Finish a social signup the provider's data could not complete by itself."""

    template_name = "socialaccount/signup.html"

    def dispatch(self, request, *args, **kwargs):
        self.sociallogin = flows.get_pending_signup(request)
        if self.sociallogin is None:
            return redirect("account_login")
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return get_form_class("signup", SignupForm)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "sociallogin": self.sociallogin,
            "request": self.request,
        }

    def get_initial(self):
        from accounts.socialaccount.adapter import get_adapter

        return {
            "email": self.sociallogin.email,
            "username": get_adapter(self.request).suggest_username(self.request, self.sociallogin),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(sociallogin=self.sociallogin, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            return flows.complete_signup(
                self.request,
                self.sociallogin,
                username=data["username"],
                email=data["email"],
                data=data,
            )
        except FlowError as error:
            status = error.add_to(form)
            return self.render_to_response(self.get_context_data(form=form), status=status)


connections = ConnectionsView.as_view()
signup = login_not_required(SignupView.as_view())
login_cancelled = login_not_required(
    TemplateView.as_view(template_name="socialaccount/login_cancelled.html")
)


@login_not_required
def login_error(request):
    return render(
        request,
        ERROR_TEMPLATE,
        {"auth_error": {"code": "unknown", "message": flows.DEFAULT_ERROR}},
        status=400,
    )
