"""Looking users up by what they type: a username or an email address."""

from accounts import app_settings
from accounts.models import EmailAddress, User


def normalize_login(value):
    """NFKC-normalise and strip what was typed in a login field."""
    return User.normalize_username(value or "").strip()


def is_email_login(value):
    return "@" in value


# Per-request memo of ``find_user_by_login``: the login form, the auth backend and the
# failed-login audit receiver all resolve the same typed value in one request.
_LOOKUPS_ATTR = "_account_login_lookups"


def find_user_by_login(value, *, request=None):
    """Return the user a login value names, or ``None``.

    An email matches a verified address first, then any address of an account, then the
    ``User.email`` mirror (for users created by ``createsuperuser``), and last a username:
    signup accepts ``@`` in usernames, so, as allauth does, a value that looks like an email
    but names no address is tried as a username too. With ``request``, the
    answer is remembered for that request, so one login attempt looks the account up once.
    """
    value = normalize_login(value)
    if not value or len(value) > 254 or "\x00" in value:
        return None
    if request is None:
        return _lookup(value)
    lookups = getattr(request, _LOOKUPS_ATTR, None)
    if lookups is None:
        lookups = {}
        setattr(request, _LOOKUPS_ATTR, lookups)
    if value not in lookups:
        lookups[value] = _lookup(value)
    return lookups[value]


def _lookup(value):
    methods = app_settings.LOGIN_METHODS
    if not is_email_login(value) or "email" not in methods:
        if "username" not in methods:
            return None
        return User.objects.filter(username__iexact=value).first()
    address = (
        EmailAddress.objects.matching(value)
        .select_related("user")
        .order_by("-verified", "-primary", "pk")
        .first()
    )
    if address is not None:
        return address.user
    user = User.objects.filter(email__iexact=value).order_by("pk").first()
    if user is not None:
        return user
    return User.objects.filter(username__iexact=value).first()
