"""allauth's signup honeypot: a bot that filled the hidden field is answered as if it had
signed up, and nothing is created."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.signals import suspicious_activity


def pretend_bot_signup(request: HttpRequest) -> HttpResponse:
    """Answer like a signup awaiting verification; send ``suspicious_activity`` (reason
    ``"signup_honeypot"``, no user) so the attempt is audited."""
    suspicious_activity.send(
        sender=None, request=request, user=None, reason="signup_honeypot", details={}
    )
    return HttpResponseRedirect(reverse("account_email_verification_sent"))
