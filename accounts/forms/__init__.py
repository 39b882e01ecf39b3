"""The account forms: validation only; the flows do the work.

``get_form_class(name, default)`` honours ``ACCOUNT_FORMS`` (allauth's names), so a site can
swap in a subclass with extra fields or rules without touching the views.
"""

from accounts import app_settings
from accounts.internal.conf import get_form_class as _get_form_class


def get_form_class(name: str, default: type) -> type:
    return _get_form_class(app_settings.FORMS, "ACCOUNT_FORMS", name, default)
