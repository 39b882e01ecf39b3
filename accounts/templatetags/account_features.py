"""``{% account_feature "login_by_code" as on %}``: whether an optional feature is switched
on, so templates show its links and buttons only then."""

from django import template

from accounts import app_settings
from accounts.mfa import app_settings as mfa_settings
from accounts.mfa import switches

register = template.Library()

_FEATURES = {
    "login_by_code": lambda: app_settings.LOGIN_BY_CODE_ENABLED,
    "mfa_trust": lambda: mfa_settings.TRUST_ENABLED,
    "passkey_login": switches.passkey_login_enabled,
    "passkey_signup": switches.passkey_signup_enabled,
}


@register.simple_tag
def account_feature(name: str) -> bool:
    return bool(_FEATURES[name]())


@register.simple_tag
def supported_mfa_types() -> tuple[str, ...]:
    """``MFA_SUPPORTED_TYPES``: ``{% supported_mfa_types as supported %}``."""
    return mfa_settings.SUPPORTED_TYPES
