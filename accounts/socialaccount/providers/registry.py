"""The configured apps and their providers: ``SOCIALACCOUNT_PROVIDERS`` (read at request
time, allauth's layout) first, then ``SocialApp`` rows from the admin."""

from __future__ import annotations

import logging
from collections.abc import Callable

from accounts.socialaccount import app_settings
from accounts.socialaccount.providers.base import AppSpec, Provider
from accounts.socialaccount.providers.github import GitHubProvider
from accounts.socialaccount.providers.openid_connect import (
    GoogleProvider,
    MicrosoftProvider,
    OpenIDConnectProvider,
)

logger = logging.getLogger("accounts.socialaccount")

PROVIDER_CLASSES: dict[str, type[Provider]] = {
    cls.id: cls
    for cls in (OpenIDConnectProvider, GitHubProvider, GoogleProvider, MicrosoftProvider)
}


def apps_from_settings(only: str | None) -> list[AppSpec]:
    apps = []
    for provider, config in app_settings.PROVIDERS.items():
        if provider not in PROVIDER_CLASSES or (only and provider != only):
            continue
        shared = {k: v for k, v in config.items() if k not in ("APPS", "SCOPE", "AUTH_PARAMS")}
        if config.get("AUTH_PARAMS"):
            shared["auth_params"] = config["AUTH_PARAMS"]
        for app in config.get("APPS", []):
            provider_id = app.get("provider_id") or provider
            apps.append(
                AppSpec(
                    provider=provider,
                    provider_id=str(provider_id),
                    name=str(app.get("name") or PROVIDER_CLASSES[provider].name),
                    client_id=str(app["client_id"]),
                    secret=str(app.get("secret") or ""),
                    settings={**shared, **(app.get("settings") or {})},
                    scope=tuple(config.get("SCOPE") or ()),
                )
            )
    return apps


def apps_from_database(only: str | None, *, decrypt: Callable[[str], str]) -> list[AppSpec]:
    """``SocialApp`` rows whose secret ``decrypt`` can read (a row it cannot is skipped)."""
    from accounts.mfa.crypto import DecryptionError
    from accounts.socialaccount.models import SocialApp

    rows = SocialApp.objects.order_by("pk")
    if only:
        rows = rows.filter(provider=only)
    apps = []
    for row in rows:
        try:
            secret = decrypt(row.secret) if row.secret else ""
        except DecryptionError:
            logger.warning("Social app %s: its secret cannot be decrypted; skipped.", row.pk)
            continue
        settings = dict(row.settings or {})
        apps.append(
            AppSpec(
                provider=row.provider,
                provider_id=row.provider_id or row.provider,
                name=row.name,
                client_id=row.client_id,
                secret=secret,
                settings=settings,
                scope=tuple(settings.get("scope") or ()),
                pk=row.pk,
            )
        )
    return apps


def merge_apps(*groups: list[AppSpec]) -> list[AppSpec]:
    """Every app once: an id configured twice keeps its first (settings win)."""
    seen, apps = set(), []
    for group in groups:
        for app in group:
            if app.provider_id not in seen:
                seen.add(app.provider_id)
                apps.append(app)
    return apps


def make_provider(app: AppSpec) -> Provider:
    return PROVIDER_CLASSES[app.provider](
        app,
        timeout=app_settings.REQUESTS_TIMEOUT,
        cache_seconds=app_settings.DISCOVERY_CACHE_SECONDS,
    )
