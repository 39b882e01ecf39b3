"""System checks of the ``SOCIALACCOUNT_*`` settings."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts.internal.conf import check_app_settings, form_overrides_errors, import_class
from accounts.socialaccount import app_settings

FORM_NAMES = ("signup", "disconnect")
KNOWN_PROVIDERS = ("openid_connect", "github", "google", "microsoft")


@checks.register(checks.Tags.compatibility)
def check_socialaccount_settings(app_configs=None, **kwargs):
    errors = check_app_settings(app_settings._app_settings, check_id="socialaccount.E001")
    if any(error.obj in ("SOCIALACCOUNT_ADAPTER", "SOCIALACCOUNT_FORMS") for error in errors):
        return errors
    from accounts.socialaccount.adapter import DefaultSocialAccountAdapter

    try:
        import_class("SOCIALACCOUNT_ADAPTER", app_settings.ADAPTER, DefaultSocialAccountAdapter)
    except ImproperlyConfigured as error:
        errors.append(
            checks.Error(str(error), id="socialaccount.E002", obj="SOCIALACCOUNT_ADAPTER")
        )
    errors += form_overrides_errors(
        "SOCIALACCOUNT_FORMS", app_settings.FORMS, FORM_NAMES, check_id="socialaccount.E003"
    )
    if not any(error.obj == "SOCIALACCOUNT_PROVIDERS" for error in errors):
        for name in app_settings.PROVIDERS:
            if name not in KNOWN_PROVIDERS:
                errors.append(
                    checks.Error(
                        f"SOCIALACCOUNT_PROVIDERS: unknown provider {name!r} "
                        f"(known: {', '.join(KNOWN_PROVIDERS)}).",
                        id="socialaccount.E004",
                        obj="SOCIALACCOUNT_PROVIDERS",
                    )
                )
    if any(error.obj == "SOCIALACCOUNT_PROVIDERS" for error in errors):
        return errors
    return errors + multi_tenant_warnings()


def multi_tenant_warnings() -> list[checks.Warning]:
    """A Microsoft app without a tenant accepts every Entra tenant and personal accounts."""
    warnings = []
    for app in app_settings.PROVIDERS.get("microsoft", {}).get("APPS", []):
        tenant = (app.get("settings") or {}).get("tenant") or "common"
        if tenant in ("common", "organizations", "consumers"):
            warnings.append(
                checks.Warning(
                    f'SOCIALACCOUNT_PROVIDERS["microsoft"]: tenant {tenant!r} accepts accounts '
                    "of any organisation; set your tenant id unless that is intended.",
                    id="socialaccount.W001",
                    obj="SOCIALACCOUNT_PROVIDERS",
                )
            )
    return warnings
