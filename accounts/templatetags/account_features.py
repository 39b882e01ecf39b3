"""``{% account_feature "login_by_code" as on %}``: whether an optional feature is switched
on, so templates show its links and buttons only then."""

from django import template

from accounts import app_settings
from accounts.mfa import app_settings as mfa_settings

register = template.Library()

_FEATURES = {
    "login_by_code": lambda: app_settings.LOGIN_BY_CODE_ENABLED,
    "mfa_trust": lambda: mfa_settings.TRUST_ENABLED,
}


@register.simple_tag
def account_feature(name: str) -> bool:
    return bool(_FEATURES[name]())
