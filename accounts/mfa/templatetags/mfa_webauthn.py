"""Template tags of the security-key parts embedded in other pages."""

from django import template

from accounts.mfa.utils import keys_of

register = template.Library()


@register.simple_tag
def has_webauthn_keys(user):
    """Whether ``user`` can confirm with a security key (links on the reauthentication page)."""
    return bool(user.is_authenticated and keys_of(user).exists())
