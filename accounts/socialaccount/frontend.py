"""Where the callback answers when the headless API started the login: the front end's
``callback_url``, whatever happened (allauth's semantics).

The front end then reads the session (``auth/session``): signed in, or a pending step
(second factor, address verification, ``provider_signup``). A failure adds ``?error=<code>``
(``cancelled`` when the user refused at the provider).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

REDIRECTS = (301, 302, 303, 307, 308)


def with_error(url: str, code: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "error"]
    query.append(("error", code))
    return urlunsplit(parts._replace(query=urlencode(query)))


def answer(state: dict, response: HttpResponse | None = None, *, error: str | None = None):
    """The redirect to the front end for the flow's ``response`` (or its ``error`` code)."""
    url = state.get("next") or "/"
    if error is None and response is not None:
        location = response.get("Location") if response.status_code in REDIRECTS else None
        if location == reverse("socialaccount_login_cancelled"):
            error = "cancelled"
        elif location == reverse("account_inactive"):
            error = "account_inactive"
        elif location is None:
            error = "signup_closed" if response.status_code == 403 else "unknown"
    return HttpResponseRedirect(with_error(url, error) if error else url)
