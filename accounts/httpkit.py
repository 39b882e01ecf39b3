"""Request helpers: the client's IP and user agent, and safe redirect targets."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

USER_AGENT_MAX_LENGTH = 300


def get_client_ip(request):
    """The client IP: ``REMOTE_ADDR``, or the right hop of ``X-Forwarded-For``.

    ``X-Forwarded-For`` is read only when ``ACCOUNT_TRUSTED_PROXY_COUNT`` says how many
    proxies in front of the site append to it; the address those proxies saw is then the
    N-th from the right. Anything else can be spoofed by the client.
    """
    count = getattr(settings, "ACCOUNT_TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None


def get_user_agent(request):
    return (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX_LENGTH]


def get_next_url(request, default=None, field="next"):
    """``next`` from POST or GET, only if it points to this host; else ``default``.

    Only a path (``/...``) or a full URL of this host: a bare word such as ``next=home`` would
    be taken by ``redirect()`` for a URL name (and an unknown one is a 500).
    """
    target = request.POST.get(field) or request.GET.get(field)
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and (target.startswith("/") or urlsplit(target).netloc)
    ):
        return target
    return default
