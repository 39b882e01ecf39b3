"""The language and time zone a user reads the site and their mail in (accounts/i18n.py)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


def remember_detected_timezone(request: HttpRequest, *, zone: str) -> None:
    """Keep the zone the browser reported for a user who has none yet, for their mail."""
    User.objects.filter(pk=request.user.pk, timezone="").update(timezone=zone)
    request.user.timezone = zone


def change_preferences(
    request: HttpRequest, *, language: str | None = None, zone: str | None = None
) -> None:
    """Save the user's chosen language and/or time zone (blank: follow the browser)."""
    fields = []
    if language is not None:
        request.user.language = language
        fields.append("language")
    if zone is not None:
        request.user.timezone = zone
        fields.append("timezone")
    if fields:
        request.user.save(update_fields=fields)
