"""View guards for the MFA feature switches: a feature switched off answers 404, so its pages
are unreachable (the templates hide its links and buttons, see ``account_features``)."""

import functools

from django.http import Http404

from accounts.mfa import app_settings


def type_supported(type_: str) -> bool:
    return type_ in app_settings.SUPPORTED_TYPES


def passkey_login_enabled() -> bool:
    return app_settings.PASSKEY_LOGIN_ENABLED and type_supported("webauthn")


def passkey_signup_enabled() -> bool:
    return app_settings.PASSKEY_SIGNUP_ENABLED and type_supported("webauthn")


def only_if(is_on):
    """Wrap a view so it answers 404 unless ``is_on()`` (read at each request)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not is_on():
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def for_type(type_: str):
    return only_if(lambda: type_supported(type_))
