"""Recent authentication: when a sensitive action needs the user to prove it is them again."""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.flows.login import AUTHENTICATION_RECORDS_SESSION_KEY


def last_authenticated_at(request):
    records = request.session.get(AUTHENTICATION_RECORDS_SESSION_KEY) or []
    return max((r.get("at", 0) for r in records), default=0)


def did_recently_authenticate(request):
    """True when the user authenticated (or reauthenticated) within the configured window."""
    if not request.user.is_authenticated:
        return False
    return time.time() - last_authenticated_at(request) <= settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def reauthenticate_redirect(request, next_url=None):
    target = next_url or request.get_full_path()
    return HttpResponseRedirect(
        f"{reverse('account_reauthenticate')}?{urlencode({'next': target})}"
    )


def reauthentication_required(view):
    """Send the user to reauthenticate first, then back to the page that asked (``next``).

    A POST without recent authentication changes nothing; the user comes back to the page
    (its GET URL) and repeats the action.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not did_recently_authenticate(request):
            return reauthenticate_redirect(request, request.path)
        return view(request, *args, **kwargs)

    return wrapped
