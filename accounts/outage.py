"""Answering a cache outage on a guessable action with a clear 503 (see ``accounts.ratelimit``).

``ratelimit.consume`` raises ``CacheUnavailable`` when the counters of a guessable action
cannot be read. It is not a ``FlowError`` on purpose: no view turns it into a form error, so
it leaves the view, whose transaction (``ATOMIC_REQUESTS``) rolls back, and arrives here.
"""

from django.shortcuts import render

from accounts.ratelimit import CacheUnavailable

RETRY_AFTER_SECONDS = 60


class CacheOutageMiddleware:
    """Turn ``CacheUnavailable`` into the 503 page with ``Retry-After``; last in MIDDLEWARE,
    so it sees the view's exception first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CacheUnavailable):
            return None
        response = render(request, "503.html", {"retry_after": RETRY_AFTER_SECONDS}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
