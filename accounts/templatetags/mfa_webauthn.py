"""Template tags of the security-key parts embedded in other pages."""

from django import template

from accounts.flows.login import get_pending_login
from accounts.flows.webauthn import begin_second_factor, keys_of

register = template.Library()


@register.simple_tag(takes_context=True)
def webauthn_second_factor_options(context):
    """Options for the pending login's security keys, or ``None`` when there are none.

    The second-step page (``mfa/authenticate.html``, views/mfa.py) includes
    ``mfa/_webauthn_authenticate.html``, which calls this: the page keeps no WebAuthn code of
    its own, and each rendering issues a fresh single-use challenge in the session.
    """
    request = context.get("request")
    if request is None:
        return None
    user, _state = get_pending_login(request)
    if user is None:
        return None
    return begin_second_factor(request, user=user)


@register.simple_tag
def has_webauthn_keys(user):
    """Whether ``user`` can confirm with a security key (links on the reauthentication page)."""
    return bool(user.is_authenticated and keys_of(user).exists())
