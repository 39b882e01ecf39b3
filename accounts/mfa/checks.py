"""System checks of the ``MFA_*`` settings."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts.internal.conf import check_app_settings, form_overrides_errors, import_class
from accounts.mfa import app_settings

FORM_NAMES = ("activate_totp", "add_webauthn", "authenticate", "reauthenticate")


@checks.register(checks.Tags.compatibility)
def check_mfa_settings(app_configs=None, **kwargs):
    errors = check_app_settings(app_settings._app_settings, check_id="mfa.E001")
    if any(error.obj in ("MFA_ADAPTER", "MFA_FORMS") for error in errors):
        return errors
    from accounts.mfa.adapter import DefaultMFAAdapter

    try:
        import_class("MFA_ADAPTER", app_settings.ADAPTER, DefaultMFAAdapter)
    except ImproperlyConfigured as error:
        errors.append(checks.Error(str(error), id="mfa.E002", obj="MFA_ADAPTER"))
    errors += form_overrides_errors(
        "MFA_FORMS", app_settings.FORMS, FORM_NAMES, check_id="mfa.E003"
    )
    return errors
