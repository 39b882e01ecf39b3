"""What every provider shares: its app, the identity it reports, and its one error type.

Providers are request-free protocol code (like ``accounts/mfa/*/auth.py``): they build the
authorization URL and turn a code into a verified :class:`Identity`. Every failure of the
provider or of what it sent is a :class:`ProviderError` with a stable ``code``; the flows
turn it into the error page and create nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ProviderError(Exception):
    """The provider failed or sent something we must not trust (``code`` says which)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class AppSpec:
    """One configured app: from ``SOCIALACCOUNT_PROVIDERS`` (``pk`` None) or a ``SocialApp``."""

    provider: str  # "openid_connect", "github", "google", "microsoft"
    provider_id: str  # the id in URLs and in SocialAccount.provider
    name: str
    client_id: str
    secret: str
    settings: dict = field(default_factory=dict, hash=False, compare=False)
    scope: tuple[str, ...] = ()
    pk: int | None = None


@dataclass
class Identity:
    """What the provider said about the user, after every check passed."""

    uid: str
    extra_data: dict[str, Any]
    email: str = ""
    email_verified: bool = False
    username_hints: list[str] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""
    token: dict[str, Any] = field(default_factory=dict)


class Provider:
    """Base of the providers; subclasses set ``id``/``name`` and the two protocol steps."""

    id = ""
    name = ""
    uses_nonce = False

    def __init__(self, app: AppSpec, *, timeout: int, cache_seconds: int = 3600) -> None:
        self.app = app
        self.timeout = timeout
        self.cache_seconds = cache_seconds

    @property
    def provider_id(self) -> str:
        return self.app.provider_id

    @property
    def display_name(self) -> str:
        return self.app.name or self.name

    def login_url_name(self) -> tuple[str, dict]:
        return f"{self.id}_login", {}

    def callback_url_name(self) -> tuple[str, dict]:
        return f"{self.id}_callback", {}

    def authorization_url(
        self, *, redirect_uri: str, state: str, code_verifier: str, nonce: str
    ) -> str:
        raise NotImplementedError

    def check_authorization_response(self, params) -> None:
        """Checks of the redirect back, before the code is spent (RFC 9207 ``iss``)."""

    def complete(self, *, redirect_uri: str, code: str, code_verifier: str, nonce: str) -> Identity:
        raise NotImplementedError
