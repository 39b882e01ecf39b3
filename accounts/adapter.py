"""The account adapter: where a site owner changes policy without editing the flows.

``ACCOUNT_ADAPTER`` names a subclass of :class:`DefaultAccountAdapter` (as in django-allauth);
the flows, forms and views ask ``get_adapter()`` whenever a decision is the site's to make:
who may sign up, which usernames and addresses are acceptable, how a new user is filled in,
how mail is sent, where users go after login and logout, which redirects are safe, which IP a
request came from, and how messages are shown. The defaults are this site's own behaviour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from accounts import app_settings
from accounts.internal.conf import import_class

if TYPE_CHECKING:
    from accounts.models import User

USER_AGENT_MAX_LENGTH = 300


class DefaultAccountAdapter:
    """Every hook a site owner may override; each default is what the site does today."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        self.request = request

    # --- Signup -------------------------------------------------------------------------------

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Whether new accounts may be created now. ``False`` shows the "signup closed" page
        (``account/signup_closed.html``, status 403) instead of the form.

        The default follows ``ACCOUNT_SIGNUP_OPEN``, and a closed signup stays open to a
        browser that followed a usable invitation link (created by staff in the admin).
        """
        if app_settings.SIGNUP_OPEN:
            return True
        from accounts.invitations import get_pending_invitation

        return get_pending_invitation(request) is not None

    def clean_username(self, username: str) -> str:
        """Validate a new username (already NFKC-normalised); raise ``ValidationError``.

        The default refuses reserved names, names mixing scripts, and names that look like an
        existing one (``"ape"`` spelt in Cyrillic when ``"ape"`` exists).
        """
        from django import forms

        from accounts.models import User
        from accounts.validators import (
            username_skeleton,
            validate_username_not_reserved,
            validate_username_single_script,
        )

        validate_username_not_reserved(username)
        validate_username_single_script(username)
        lookalike = username_skeleton(username)
        if User.objects.filter(username__iexact=username).exists() or (
            lookalike != username.casefold()
            and User.objects.filter(username__iexact=lookalike).exists()
        ):
            raise forms.ValidationError(
                _("A user with that username already exists."), code="username_taken"
            )
        return username

    def clean_email(self, email: str) -> str:
        """Validate an address typed at signup or when adding one; raise ``ValidationError``
        to refuse it (e.g. a blocked domain). The default accepts every well-formed address."""
        return email

    def new_user(self, request: HttpRequest) -> User:
        """An unsaved user instance for signup, writing to its owner in the language they
        signed up in (until they choose another)."""
        from accounts.i18n import supported_language
        from accounts.models import User

        return User(language=supported_language(getattr(request, "LANGUAGE_CODE", None)) or "")

    def populate_user(self, request: HttpRequest, user: User, data: dict[str, Any]) -> User:
        """Fill the new ``user`` from the signup data (the form's ``cleaned_data``).

        The default sets the username and email, and any of ``first_name`` / ``last_name``
        the signup form asked for. Override to store further fields.
        """
        user.username = data.get("username") or ""
        user.email = data.get("email") or ""
        for field in ("first_name", "last_name"):
            if data.get(field):
                setattr(user, field, data[field])
        return user

    # --- Redirects and requests ---------------------------------------------------------------

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Where a completed login goes when no safe ``next`` was given."""
        return settings.LOGIN_REDIRECT_URL

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        """Where logout goes when no safe ``next`` was given."""
        return settings.LOGOUT_REDIRECT_URL

    def is_safe_url(self, request: HttpRequest, url: str | None) -> bool:
        """Whether a ``next`` target may be followed: a path or a URL of this very host.

        A bare word such as ``next=home`` is refused: ``redirect()`` would take it for a URL
        name (and an unknown one is a 500).
        """
        return bool(
            url
            and url_has_allowed_host_and_scheme(
                url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            and (url.startswith("/") or urlsplit(url).netloc)
        )

    def get_client_ip(self, request: HttpRequest) -> str | None:
        """The client IP: ``REMOTE_ADDR``, or the right hop of ``X-Forwarded-For``.

        ``X-Forwarded-For`` is read only when ``ACCOUNT_TRUSTED_PROXY_COUNT`` says how many
        proxies in front of the site append to it; the address those proxies saw is then the
        N-th from the right. Anything else can be spoofed by the client.
        """
        count = app_settings.TRUSTED_PROXY_COUNT
        if count > 0:
            hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            hops = [h for h in hops if h]
            if len(hops) >= count:
                return hops[-count]
        return request.META.get("REMOTE_ADDR") or None

    def get_user_agent(self, request: HttpRequest) -> str:
        return (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX_LENGTH]

    # --- Messages -----------------------------------------------------------------------------

    def add_message(self, request: HttpRequest, level: int, message: str) -> None:
        """Show ``message`` on the next page (Django's messages framework by default).

        Not for the JSON API (``/_allauth/``): an app shows its own feedback, and messages
        left in the session would surface on the next HTML page, out of place.
        """
        if is_api_request(request):
            return
        messages.add_message(request, level, message)

    # --- Mail ---------------------------------------------------------------------------------

    def mail_context(self, request: HttpRequest | None) -> dict[str, Any]:
        """What every mail may say about the request: when, from which IP and browser."""
        return {
            "site_name": app_settings.SITE_NAME,
            "when": timezone.now(),
            "ip": self.get_client_ip(request) if request is not None else None,
            "user_agent": self.get_user_agent(request) if request is not None else "",
        }

    def render_mail(
        self, template_prefix: str, email: str, context: dict[str, Any], request=None
    ) -> EmailMultiAlternatives:
        """``<prefix>_subject.txt`` / ``_message.txt`` and, when it exists, ``_message.html``.

        Rendered in the recipient's language and time zone when the context names them
        (``user``); else in the current ones (the visitor's, for mail to an address that has no
        account). The worker sends what was rendered here, so retries keep the language.
        """
        from accounts.i18n import override_for_user

        recipient = context.get("user")
        with override_for_user(recipient if hasattr(recipient, "language") else None):
            return self._render_mail(template_prefix, email, context, request)

    def _render_mail(self, template_prefix, email, context, request) -> EmailMultiAlternatives:
        ctx = {**self.mail_context(request), **context}
        subject = render_to_string(f"{template_prefix}_subject.txt", ctx, request=request)
        subject = " ".join(subject.splitlines()).strip()
        body = render_to_string(f"{template_prefix}_message.txt", ctx, request=request)
        message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
        try:
            html = render_to_string(f"{template_prefix}_message.html", ctx, request=request)
        except TemplateDoesNotExist:
            html = None
        if html:
            message.attach_alternative(html, "text/html")
        return message

    def send_mail(
        self, template_prefix: str, email: str, context: dict[str, Any], request=None
    ) -> EmailMultiAlternatives:
        """Render one mail and put it in the outbox, within the caller's transaction.

        It goes to the mail backend right after the commit (nothing goes out for a flow that
        rolls back); a failing mail server never fails the flow: the mail stays queued and the
        task worker retries it (``accounts.outbox``). Rendering errors still raise.
        """
        from accounts.outbox.delivery import queue_mail

        message = self.render_mail(template_prefix, email, context, request=request)
        queue_mail(message, template=template_prefix)
        return message

    def send_notification_mail(
        self, template_prefix: str, email: str, context: dict[str, Any], request=None
    ) -> bool:
        """A security notice. Like every mail it is queued with the flow it reports on, so a
        failing mail server never fails that flow (nor changes its answer). Returns whether
        the mail was queued."""
        self.send_mail(template_prefix, email, context, request=request)
        return True


def is_api_request(request: HttpRequest | None) -> bool:
    """Whether ``request`` is one of the JSON API's (``/_allauth/``, ``accounts.headless``):
    its endpoints are marked with the methods they serve."""
    match = getattr(request, "resolver_match", None)
    return match is not None and hasattr(match.func, "headless_methods")


def get_adapter(request: HttpRequest | None = None) -> DefaultAccountAdapter:
    """The configured account adapter (``ACCOUNT_ADAPTER``)."""
    adapter_class = import_class("ACCOUNT_ADAPTER", app_settings.ADAPTER, DefaultAccountAdapter)
    return adapter_class(request)
