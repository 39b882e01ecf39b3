"""Looking users up by what they type: a username or an email address."""

from django.db.models.functions import Lower

from accounts.models import EmailAddress, User


def normalize_login(value):
    """NFKC-normalise and strip what was typed in a login field."""
    return User.normalize_username(value or "").strip()


def is_email_login(value):
    return "@" in value


def find_user_by_login(value):
    """Return the user a login value names, or ``None``.

    An email matches a verified address first, then any address of an account, then the
    ``User.email`` mirror (for users created by ``createsuperuser``).
    """
    value = normalize_login(value)
    if not value or len(value) > 254 or "\x00" in value:
        return None
    if not is_email_login(value):
        return User.objects.filter(username__iexact=value).first()
    lowered = value.lower()
    address = (
        EmailAddress.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower=lowered)
        .select_related("user")
        .order_by("-verified", "-primary", "pk")
        .first()
    )
    if address is not None:
        return address.user
    return User.objects.filter(email__iexact=value).order_by("pk").first()
