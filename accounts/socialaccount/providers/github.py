"""GitHub: OAuth 2 (not OpenID Connect) with PKCE; identity from its REST API.

``SOCIALACCOUNT_PROVIDERS["github"]["GITHUB_URL"]`` (allauth's setting) points at GitHub
Enterprise (API under ``/api/v3``). An address counts as verified only when GitHub's
``/user/emails`` says ``verified``.
"""

from __future__ import annotations

from accounts.socialaccount.providers import oauth2
from accounts.socialaccount.providers.base import Identity, Provider, ProviderError

GITHUB_URL = "https://github.com"


class GitHubProvider(Provider):
    id = "github"
    name = "GitHub"
    default_scope = ("read:user", "user:email")

    @property
    def web_url(self) -> str:
        return str(self.app.settings.get("GITHUB_URL") or GITHUB_URL).rstrip("/")

    @property
    def api_url(self) -> str:
        if self.web_url == GITHUB_URL:
            return "https://api.github.com"
        return f"{self.web_url}/api/v3"

    def _session(self, redirect_uri: str):
        return oauth2.make_session(
            client_id=self.app.client_id,
            client_secret=self.app.secret,
            redirect_uri=redirect_uri,
            scope=" ".join(self.app.scope or self.default_scope),
            token_endpoint_auth_method="client_secret_post",
        )

    def authorization_url(self, *, redirect_uri, state, code_verifier, nonce):
        return oauth2.authorization_url(
            self._session(redirect_uri),
            f"{self.web_url}/login/oauth/authorize",
            state=state,
            code_verifier=code_verifier,
        )

    def complete(self, *, redirect_uri, code, code_verifier, nonce) -> Identity:
        token = oauth2.exchange_code(
            self._session(redirect_uri),
            f"{self.web_url}/login/oauth/access_token",
            code=code,
            code_verifier=code_verifier,
            timeout=self.timeout,
        )
        headers = {
            "Authorization": f"Bearer {token['access_token']}",
            "Accept": "application/vnd.github+json",
        }
        user = oauth2.get_json(f"{self.api_url}/user", timeout=self.timeout, headers=headers)
        if not isinstance(user, dict) or not user.get("id"):
            raise ProviderError("bad_response", "user without id")
        emails = oauth2.get_json(
            f"{self.api_url}/user/emails", timeout=self.timeout, headers=headers
        )
        chosen = None
        if isinstance(emails, list):
            good = [e for e in emails if isinstance(e, dict) and e.get("email")]
            chosen = next((e for e in good if e.get("primary") and e.get("verified")), None)
            chosen = chosen or next((e for e in good if e.get("verified")), None)
        email = str(chosen["email"]) if chosen else ""
        name = str(user.get("name") or "")
        first, _, last = name.partition(" ")
        return Identity(
            uid=str(user["id"]),
            extra_data=user,
            email=email,
            email_verified=bool(chosen),
            username_hints=[str(user.get("login") or "")],
            first_name=first[:150],
            last_name=last[:150],
            token=token,
        )
