"""System checks of the user-session settings.

Their values (``ACCOUNT_SESSION_IDLE_TIMEOUT``, ``ACCOUNT_SESSION_ABSOLUTE_LIFETIME``,
``ACCOUNT_SESSION_LAST_SEEN_INTERVAL``) live in ``accounts.app_settings`` under the names
they have always had; this adds the check that relates them to Django's cookie age.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts import app_settings


@checks.register(checks.Tags.compatibility)
def check_session_settings(app_configs=None, **kwargs):
    try:
        idle = app_settings.SESSION_IDLE_TIMEOUT
    except ImproperlyConfigured:
        return []  # reported by the account core's check
    if idle > settings.SESSION_COOKIE_AGE:
        return [
            checks.Warning(
                f"ACCOUNT_SESSION_IDLE_TIMEOUT ({idle}) exceeds SESSION_COOKIE_AGE "
                f"({settings.SESSION_COOKIE_AGE}): sessions end at the cookie age first.",
                id="usersessions.W001",
            )
        ]
    return []
