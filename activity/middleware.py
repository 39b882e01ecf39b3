"""Keep a ``?ref=`` campaign value in the session until signup records it on the profile."""

import re

from activity.services import REFERRAL_SESSION_KEY

_REFERRAL_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ReferralMiddleware:
    """Store the first valid ``?ref=`` an anonymous visitor arrives with (first touch wins).

    Only a short token of letters, digits, ``_``, ``.`` and ``-`` is kept, so the session never
    holds arbitrary attacker text. Logged-in users are ignored: they have signed up already.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ref = request.GET.get("ref")
        if ref and _REFERRAL_RE.match(ref) and not request.user.is_authenticated:
            request.session.setdefault(REFERRAL_SESSION_KEY, ref)
        return self.get_response(request)
