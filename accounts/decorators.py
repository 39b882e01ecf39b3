"""The two reauthentication policies, named for what they check.

- ``reauthentication_required``: any recent authentication (password, code or key) within
  ``ACCOUNT_REAUTHENTICATION_TIMEOUT``; otherwise the user confirms on
  ``account_reauthenticate`` and comes back.
- ``factor_reauthentication_required``: for a user with a second factor, a recent use of a
  *second factor* (``mfa_reauthenticate``): a recent password alone must not let anyone change
  the factors protecting the account. A user without one falls back to the first policy, or
  passes when ``password_fallback=False`` (setting a first password: there is none to ask).

A POST without recent authentication changes nothing; the user comes back to the page (its
GET URL) and repeats the action.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from accounts.authentication import Level, did_recently_authenticate


def reauthenticate_redirect(
    request: HttpRequest, url_name: str = "account_reauthenticate", next_url: str | None = None
) -> HttpResponseRedirect:
    target = next_url or request.path
    return HttpResponseRedirect(f"{reverse(url_name)}?{urlencode({'next': target})}")


def reauthentication_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not did_recently_authenticate(request):
            return reauthenticate_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


def factor_reauthentication_required(
    view: Callable | None = None, *, password_fallback: bool = True
) -> Callable:
    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            from accounts.mfa.utils import has_second_factor

            if has_second_factor(request.user):
                if not did_recently_authenticate(request, level=Level.FACTOR):
                    return reauthenticate_redirect(request, "mfa_reauthenticate")
            elif password_fallback and not did_recently_authenticate(request):
                return reauthenticate_redirect(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator
