"""System checks of the account core's settings: ``manage.py check`` names every bad value."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts import app_settings
from accounts.internal.conf import check_app_settings, form_overrides_errors, import_class

# The names ACCOUNT_FORMS accepts (allauth's names for the same forms).
FORM_NAMES = (
    "add_email",
    "change_password",
    "confirm_email_verification_code",
    "confirm_login_code",
    "confirm_password_reset_code",
    "login",
    "reauthenticate",
    "request_login_code",
    "reset_password",
    "reset_password_from_key",
    "set_password",
    "signup",
)


@checks.register(checks.Tags.compatibility)
def check_account_settings(app_configs=None, **kwargs):
    errors = check_app_settings(app_settings._app_settings, check_id="accounts.E001")
    if any(error.obj in ("ACCOUNT_ADAPTER", "ACCOUNT_FORMS") for error in errors):
        return errors
    from accounts.adapter import DefaultAccountAdapter

    try:
        import_class("ACCOUNT_ADAPTER", app_settings.ADAPTER, DefaultAccountAdapter)
    except ImproperlyConfigured as error:
        errors.append(checks.Error(str(error), id="accounts.E002", obj="ACCOUNT_ADAPTER"))
    errors += form_overrides_errors(
        "ACCOUNT_FORMS", app_settings.FORMS, FORM_NAMES, check_id="accounts.E003"
    )
    return errors
