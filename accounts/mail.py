"""Rendering and sending the account mails (text and HTML, subjects from templates)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.httpkit import get_client_ip, get_user_agent


def request_context(request):
    """What a security notice says about the request: when, from which IP and browser."""
    return {
        "site_name": settings.SITE_NAME,
        "when": timezone.now(),
        "ip": get_client_ip(request) if request is not None else None,
        "user_agent": get_user_agent(request) if request is not None else "",
    }


def absolute_url(request, path):
    if request is None:
        return path
    return request.build_absolute_uri(path)


def send_mail(template_prefix, to, context, request=None):
    """Send ``account/email/<prefix>_subject.txt`` / ``_message.txt`` / ``_message.html``.

    The HTML part is optional: it is attached when the template exists.
    """
    ctx = {**request_context(request), **context}
    subject = render_to_string(f"{template_prefix}_subject.txt", ctx, request=request)
    subject = " ".join(subject.splitlines()).strip()
    body = render_to_string(f"{template_prefix}_message.txt", ctx, request=request)
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    try:
        html = render_to_string(f"{template_prefix}_message.html", ctx, request=request)
    except TemplateDoesNotExist:
        html = None
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    return message
