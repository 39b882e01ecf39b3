"""Refusals by a rate limit or lockout: the trace staff see on the activity dashboard."""

from accounts.signals import rate_limited


def report_rate_limited(request, *, action, user=None):
    """Send ``rate_limited`` for a refused request.

    ``action`` is the ``accounts.ratelimit`` action whose budget was used up; ``user`` is the
    account the attempt aimed at when it is known (the resolved login, the logged-in user).
    """
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    rate_limited.send(sender=None, request=request, action=action, user=user)
