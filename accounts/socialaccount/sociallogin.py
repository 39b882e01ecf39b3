"""``SocialLogin``: one answer of a provider on its way to a login, signup or connect.

The object receivers of ``pre_social_login``, ``social_account_added`` and
``social_account_updated`` (and of ``user_signed_up`` / ``user_logged_in`` after a social
login) get, as in allauth: ``.account`` (a ``SocialAccount``, saved once connected),
``.user``, ``.token`` (a ``SocialToken`` or ``None``), ``.email_addresses``, ``.state``
(``process``: ``"login"`` or ``"connect"``, ``next``), ``.is_existing``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import EmailAddress, User
from accounts.socialaccount.models import SocialAccount, SocialToken
from accounts.socialaccount.providers.base import Identity, Provider


class SocialLogin:
    def __init__(
        self,
        *,
        provider_id: str,
        provider_name: str,
        identity: Identity,
        state: dict[str, Any],
        app_pk: int | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.provider_name = provider_name
        self.identity = identity
        self.state = state
        self.app_pk = app_pk
        self.user: User = User()
        self.account = SocialAccount(
            provider=provider_id, uid=identity.uid, extra_data=identity.extra_data
        )
        self.token: SocialToken | None = None
        self.email_addresses = (
            [EmailAddress(email=identity.email, verified=identity.email_verified, primary=True)]
            if identity.email
            else []
        )

    @classmethod
    def from_provider(cls, provider: Provider, identity: Identity, state: dict) -> SocialLogin:
        return cls(
            provider_id=provider.provider_id,
            provider_name=provider.display_name,
            identity=identity,
            state=state,
            app_pk=provider.app.pk,
        )

    @property
    def is_existing(self) -> bool:
        """The social account is already connected to a user."""
        return self.account.pk is not None

    @property
    def email(self) -> str:
        return self.identity.email

    @property
    def email_verified(self) -> bool:
        return self.identity.email_verified

    def username_candidates(self) -> list[str]:
        return [hint for hint in self.identity.username_hints if hint]

    def make_token(self, encrypt) -> SocialToken | None:
        """An unsaved ``SocialToken`` with the tokens encrypted by ``encrypt``."""
        token = self.identity.token or {}
        if not token.get("access_token"):
            return None
        expires_at = None
        if isinstance(token.get("expires_in"), int | float):
            expires_at = timezone.now() + timedelta(seconds=int(token["expires_in"]))
        return SocialToken(
            app_id=self.app_pk,
            token=encrypt(str(token["access_token"])),
            token_secret=encrypt(str(token["refresh_token"])) if token.get("refresh_token") else "",
            expires_at=expires_at,
        )

    # --- Kept in the session while the social signup form is shown (no tokens) ---------------

    def serialize(self) -> dict[str, Any]:
        identity = self.identity
        return {
            "provider_id": self.provider_id,
            "provider_name": self.provider_name,
            "app_pk": self.app_pk,
            "state": self.state,
            "identity": {
                "uid": identity.uid,
                "extra_data": identity.extra_data,
                "email": identity.email,
                "email_verified": identity.email_verified,
                "username_hints": identity.username_hints,
                "first_name": identity.first_name,
                "last_name": identity.last_name,
            },
        }

    @classmethod
    def restore(cls, data: Any, *, user: User) -> SocialLogin | None:
        """A social login of ``user`` kept while a second factor was asked, with its saved
        account (``None`` if it is gone or belongs to someone else meanwhile)."""
        sociallogin = cls.deserialize(data)
        if sociallogin is None:
            return None
        account = SocialAccount.objects.filter(
            provider=sociallogin.provider_id, uid=sociallogin.account.uid, user=user
        ).first()
        if account is not None:
            sociallogin.account = account
        sociallogin.user = user
        return sociallogin

    @classmethod
    def deserialize(cls, data: Any) -> SocialLogin | None:
        try:
            return cls(
                provider_id=str(data["provider_id"]),
                provider_name=str(data["provider_name"]),
                identity=Identity(**data["identity"]),
                state=dict(data["state"]),
                app_pk=data.get("app_pk"),
            )
        except (KeyError, TypeError, ValueError):
            return None
