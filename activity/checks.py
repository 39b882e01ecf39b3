"""System checks of the ``ACTIVITY_*`` settings."""

from django.core import checks

from accounts.internal.conf import check_app_settings
from activity import app_settings


@checks.register(checks.Tags.compatibility)
def check_activity_settings(app_configs=None, **kwargs):
    return check_app_settings(app_settings._app_settings, check_id="activity.E001")
