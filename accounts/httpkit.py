"""Request helpers every flow and view uses; the policy behind them is the adapter's."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.adapter import get_adapter


def get_client_ip(request: HttpRequest) -> str | None:
    """The client's IP as the adapter sees it (``ACCOUNT_TRUSTED_PROXY_COUNT``)."""
    return get_adapter(request).get_client_ip(request)


def get_user_agent(request: HttpRequest) -> str:
    return get_adapter(request).get_user_agent(request)


def get_next_url(request: HttpRequest, default: str | None = None, field: str = "next"):
    """``next`` from POST or GET, only if the adapter finds it safe; else ``default``."""
    target = request.POST.get(field) or request.GET.get(field)
    if target and get_adapter(request).is_safe_url(request, target):
        return target
    return default


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """``path`` as a full URL of this site (for mails); the path alone without a request."""
    if request is None:
        return path
    return request.build_absolute_uri(path)
