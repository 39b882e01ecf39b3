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
    errors += passkey_signup_errors()
    return errors


def passkey_signup_errors() -> list[checks.Error]:
    """Passkey signup creates accounts without a password: the address must be proven by a
    code before the passkey is made (allauth's requirement), and passkeys must be on."""
    from accounts import app_settings as account_settings
    from accounts.app_settings import EmailVerification

    try:
        if not app_settings.PASSKEY_SIGNUP_ENABLED:
            return []
        ok = (
            account_settings.EMAIL_VERIFICATION == EmailVerification.MANDATORY
            and account_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED
            and "webauthn" in app_settings.SUPPORTED_TYPES
        )
    except ImproperlyConfigured:
        return []  # reported with the setting's own check
    if ok:
        return []
    message = (
        'MFA_PASSKEY_SIGNUP_ENABLED needs ACCOUNT_EMAIL_VERIFICATION = "mandatory", '
        'ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True and "webauthn" in '
        "MFA_SUPPORTED_TYPES."
    )
    return [checks.Error(message, id="mfa.E004", obj="MFA_PASSKEY_SIGNUP_ENABLED")]
