"""Download my data (GDPR articles 15 and 20): everything the site holds about the user.

The account core gathers its own data here; other apps add theirs through
``account_data_requested`` (the activity app adds the profile and the user's audit rows),
so the core never imports them. No secret is ever included: no password hash, no second-factor
secret or recovery code, no session key, no token.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils import timezone

from accounts import app_settings
from accounts.models import AccountDeletion, User
from accounts.signals import account_data_exported, account_data_requested

EXPORT_FORMAT_VERSION = 1


def _user_section(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "has_password": user.has_usable_password(),
    }


def _authenticator(authenticator) -> dict[str, Any]:
    """Metadata only: ``data`` holds the secrets, so only a key's name is taken from it."""
    item = {
        "type": authenticator.type,
        "created_at": authenticator.created_at,
        "last_used_at": authenticator.last_used_at,
    }
    if authenticator.type == "webauthn":
        item["name"] = (authenticator.data or {}).get("name", "")
    return item


def collect_user_data(request: HttpRequest, *, user: User) -> dict[str, Any]:
    """Everything held about ``user``, as JSON-ready data; other apps add their sections by
    receiving ``account_data_requested`` (sender=user.__class__; request, user, data)."""
    deletion = AccountDeletion.objects.filter(user=user).first()
    data: dict[str, Any] = {
        "format_version": EXPORT_FORMAT_VERSION,
        "site": app_settings.SITE_NAME,
        "exported_at": timezone.now(),
        "user": _user_section(user),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in user.emailaddress_set.order_by("pk")
        ],
        "sessions": [
            {
                "created_at": s.created_at,
                "last_seen_at": s.last_seen_at,
                "ip": s.ip,
                "user_agent": s.user_agent,
            }
            for s in user.session_records.order_by("created_at")
        ],
        "known_devices": [
            {"first_seen_at": d.first_seen_at, "last_seen_at": d.last_seen_at}
            for d in user.known_devices.order_by("first_seen_at")
        ],
        "authenticators": [_authenticator(a) for a in user.authenticators.order_by("pk")],
        # No social login yet: the section is there so the format need not change with it.
        "social_accounts": [],
        "deletion": {"requested_at": deletion.requested_at, "purge_after": deletion.purge_after}
        if deletion
        else None,
    }
    account_data_requested.send(sender=user.__class__, request=request, user=user, data=data)
    return data


def export_user_data(request: HttpRequest, *, user: User) -> str:
    """The JSON document of ``collect_user_data``; sends ``account_data_exported``
    (sender=user.__class__; request, user) so the export is audited."""
    document = json.dumps(collect_user_data(request, user=user), cls=DjangoJSONEncoder, indent=2)
    account_data_exported.send(sender=user.__class__, request=request, user=user)
    return document
