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
    "preferences",
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
    crossed = ("ACCOUNT_SIGNUP_FIELDS", "ACCOUNT_LOGIN_METHODS", "ACCOUNT_EMAIL_VERIFICATION")
    if not any(e.obj in crossed for e in errors):
        errors += signup_and_login_errors()
    return errors


def signup_and_login_errors() -> list[checks.Error]:
    """Every account signup creates must be able to log in with ``ACCOUNT_LOGIN_METHODS``."""
    fields, methods = app_settings.SIGNUP_FIELDS, app_settings.LOGIN_METHODS
    problems = []
    for method in sorted(methods):
        if method not in fields:
            problems.append(
                f'ACCOUNT_LOGIN_METHODS has "{method}" but ACCOUNT_SIGNUP_FIELDS has no '
                f'"{method}" field.'
            )
    if not any(fields.get(method, {}).get("required") for method in methods):
        login_with = " or ".join(f'"{m}*"' for m in sorted(methods))
        problems.append(
            f"ACCOUNT_SIGNUP_FIELDS must require a field users log in with ({login_with}), "
            "or some accounts could never log in."
        )
    if (
        app_settings.EMAIL_VERIFICATION == app_settings.EmailVerification.MANDATORY
        and not fields.get("email", {}).get("required")
    ):
        problems.append(
            'ACCOUNT_EMAIL_VERIFICATION = "mandatory" needs "email*" in ACCOUNT_SIGNUP_FIELDS.'
        )
    return [checks.Error(p, id="accounts.E004", obj="ACCOUNT_SIGNUP_FIELDS") for p in problems]
