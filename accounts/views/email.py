"""The email-addresses page and the confirmation link."""

from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import BadRequest, ValidationError
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts import app_settings
from accounts.decorators import reauthentication_required
from accounts.email_confirmation import EmailConfirmation
from accounts.exceptions import FlowError
from accounts.flows import manage_email
from accounts.flows.email_code import redirect_to_code_entry
from accounts.forms import get_form_class
from accounts.forms.email import AddEmailForm, EmailActionForm, user_addresses

ACTIONS = ("action_add", "action_send", "action_remove", "action_primary")
# Not one of allauth's actions: the step before ``action_remove`` (a page that asks "remove
# this address?"). It changes nothing, so a client posting ``action_remove`` directly (allauth's
# form, the tests) still removes at once; the page's own Remove button goes through it.
ASK_REMOVE = "ask_remove"

reauth_required = method_decorator(reauthentication_required)


def _add_flow_error(form, error) -> int:
    """Show a flow's refusal on the form; return the status to answer with.

    A veto by an ``_add_email`` receiver is a plain ``ValidationError``: shown under the
    address (or where a dict-shaped one says).
    """
    if isinstance(error, FlowError):
        return error.add_to(form)
    form.add_error(None if hasattr(error, "error_dict") else "email", error)
    return 200


@method_decorator([login_required, never_cache], name="dispatch")
class EmailView(View):
    """List the user's addresses; POST one of the four actions (adding, removing and making
    primary need a recent authentication, as they change how the account is recovered)."""

    template_name = "account/email.html"

    def get(self, request):
        return self.render_page(request)

    def post(self, request):
        if ASK_REMOVE in request.POST:
            return self.ask_remove(request)
        action = next((name for name in ACTIONS if name in request.POST), None)
        if action is None:
            raise BadRequest("No action.")
        return getattr(self, action)(request)

    @staticmethod
    def add_form_class():
        return get_form_class("add_email", AddEmailForm)

    @reauth_required
    def action_add(self, request):
        form = self.add_form_class()(request.POST, user=request.user)
        status = 200
        if form.is_valid():
            try:
                manage_email.add_email(request, user=request.user, email=form.cleaned_data["email"])
            except ValidationError as error:
                status = _add_flow_error(form, error)
            else:
                return redirect_to_code_entry(request, redirect("account_email"))
        return self.render_page(request, add_form=form, status=status)

    def action_send(self, request):
        return redirect_to_code_entry(request, self._act(request, manage_email.resend_verification))

    @reauth_required
    def action_remove(self, request):
        return self._act(request, manage_email.remove_email)

    @reauth_required
    def action_primary(self, request):
        return self._act(request, manage_email.mark_primary)

    def ask_remove(self, request):
        """Confirm before removing: the address (one of the user's own, else the page's usual
        "not one of your addresses") and a button that posts ``action_remove``."""
        form = EmailActionForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_page(request, action_form=form)
        context = {"address": form.cleaned_data["email"]}
        return render(request, "account/email_remove.html", context)

    def _act(self, request, flow):
        form = EmailActionForm(request.POST, user=request.user)
        status = 200
        if form.is_valid():
            try:
                flow(request, user=request.user, email_address=form.cleaned_data["email"])
            except ValidationError as error:
                status = _add_flow_error(form, error)
            else:
                return redirect("account_email")
        return self.render_page(request, action_form=form, status=status)

    def render_page(self, request, *, action_form=None, add_form=None, status=200):
        user = request.user
        addresses = list(user_addresses(user))
        limit = app_settings.MAX_EMAIL_ADDRESSES
        for address in addresses:
            # What each row offers; the flows still refuse anything else if it is posted.
            address.can_make_primary = address.verified and not address.primary
            address.can_resend = not address.verified
            address.can_remove = not address.primary or (
                len(addresses) == 1 and app_settings.ALLOW_REMOVING_LAST_EMAIL
            )
        context = {
            "addresses": addresses,
            "action_form": action_form or EmailActionForm(user=user),
            "add_form": add_form or self.add_form_class()(user=user),
            "max_addresses": limit,
            "can_add": len(addresses) < limit,
        }
        return render(request, self.template_name, context, status=status)


@method_decorator([login_not_required, never_cache], name="dispatch")
class ConfirmEmailView(View):
    """GET shows the address and a button and changes nothing; POST confirms.

    A bad, expired or stale key gets a friendly page (404) that says how to get a new link.
    """

    template_name = "account/email_confirm.html"

    def get(self, request, key):
        confirmation = EmailConfirmation.from_key(key)
        if confirmation is None:
            return self.invalid(request)
        return self.render_page(request, confirmation)

    def post(self, request, key):
        confirmation = EmailConfirmation.from_key(key)
        if confirmation is None:
            return self.invalid(request)
        result = manage_email.confirm_email(request, confirmation=confirmation)
        if result == manage_email.Verification.GONE:
            return self.invalid(request)
        if result == manage_email.Verification.TAKEN:
            return self.render_page(request, confirmation, status=409, taken=True)
        owner = confirmation.email_address.user_id
        if request.user.is_authenticated:
            return redirect("account_email" if request.user.pk == owner else "home")
        return redirect("account_login")

    def invalid(self, request):
        return self.render_page(request, None, status=404)

    def render_page(self, request, confirmation, *, status=200, **extra):
        context = {
            "confirmation": confirmation,
            "expire_days": app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS,
            **extra,
        }
        return render(request, self.template_name, context, status=status)


email = EmailView.as_view()
confirm_email = ConfirmEmailView.as_view()
