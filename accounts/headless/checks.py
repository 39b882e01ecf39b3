"""System checks of the ``HEADLESS_*`` settings and of what the API needs from Django's."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts.headless import app_settings
from accounts.internal.conf import check_app_settings


@checks.register(checks.Tags.compatibility)
def check_headless_settings(app_configs=None, **kwargs):
    errors = check_app_settings(app_settings._app_settings, check_id="headless.E001")
    if errors:
        return errors
    try:
        clients = app_settings.CLIENTS
        readable = app_settings.CSRF_COOKIE_NAME
    except ImproperlyConfigured:  # pragma: no cover - reported above
        return errors
    errors += _jwt_errors()
    if "app" in clients and settings.SESSION_ENGINE.endswith("signed_cookies"):
        errors.append(
            checks.Error(
                "The app client's session tokens are session keys: a server-side session "
                "engine is needed (not signed_cookies).",
                id="headless.E002",
                obj="SESSION_ENGINE",
            )
        )
    if "browser" in clients and readable and readable == settings.CSRF_COOKIE_NAME:
        errors.append(
            checks.Warning(
                f"HEADLESS_CSRF_COOKIE_NAME equals CSRF_COOKIE_NAME ({readable!r}): the readable "
                "token cookie is not written (it would replace the HttpOnly CSRF cookie), so "
                "browser clients cannot read a CSRF token from a cookie.",
                hint="Give HEADLESS_CSRF_COOKIE_NAME another name (allauth's client reads "
                "'csrftoken'; production names the real cookie '__Host-csrftoken').",
                id="headless.W001",
                obj="HEADLESS_CSRF_COOKIE_NAME",
            )
        )
    return errors


def _jwt_errors():
    from accounts.headless.tokens import JWTTokenStrategy, get_strategy

    try:
        strategy = get_strategy()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="headless.E003", obj="HEADLESS_TOKEN_STRATEGY")]
    if not isinstance(strategy, JWTTokenStrategy):
        return []
    key, algorithm = app_settings.JWT_PRIVATE_KEY, app_settings.JWT_ALGORITHM
    if not key:
        return [
            checks.Error(
                "The JWT token strategy needs HEADLESS_JWT_PRIVATE_KEY.",
                id="headless.E004",
                obj="HEADLESS_JWT_PRIVATE_KEY",
            )
        ]
    if algorithm.startswith("HS"):
        if len(key) < 32:
            return [
                checks.Error(
                    "HEADLESS_JWT_PRIVATE_KEY must be at least 32 characters for HS algorithms.",
                    id="headless.E004",
                    obj="HEADLESS_JWT_PRIVATE_KEY",
                )
            ]
        return []
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        load_pem_private_key(key.encode(), password=None)
    except (ValueError, TypeError):
        return [
            checks.Error(
                f"HEADLESS_JWT_PRIVATE_KEY is not a PEM private key (needed for {algorithm}).",
                id="headless.E004",
                obj="HEADLESS_JWT_PRIVATE_KEY",
            )
        ]
    return []
