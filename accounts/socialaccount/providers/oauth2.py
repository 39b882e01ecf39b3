"""HTTP to providers with Authlib (authorization URL with PKCE, code exchange) and requests.

Every call has a timeout; every network or protocol failure becomes a ``ProviderError``.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

from accounts.socialaccount.providers.base import ProviderError

USER_AGENT = "accounts-site-socialaccount"


def make_session(
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    scope: str,
    token_endpoint_auth_method: str = "client_secret_basic",  # noqa: S107 (a method name)
) -> OAuth2Session:
    session = OAuth2Session(
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=token_endpoint_auth_method,
    )
    session.headers["User-Agent"] = USER_AGENT
    return session


def authorization_url(session: OAuth2Session, endpoint: str, **params: Any) -> str:
    url, _state = session.create_authorization_url(endpoint, **params)
    return url


def exchange_code(
    session: OAuth2Session, endpoint: str, *, code: str, code_verifier: str, timeout: int
) -> dict[str, Any]:
    """The token response for ``code`` (PKCE verifier sent); raise ``ProviderError``."""
    try:
        token = session.fetch_token(
            endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            timeout=timeout,
        )
    except requests.Timeout as error:
        raise ProviderError("timeout", "token endpoint") from error
    except requests.RequestException as error:
        raise ProviderError("unreachable", "token endpoint") from error
    except AuthlibBaseError as error:
        raise ProviderError("token_refused", getattr(error, "error", "") or "") from error
    except ValueError as error:  # not JSON
        raise ProviderError("bad_response", "token endpoint") from error
    if not token.get("access_token"):
        raise ProviderError("bad_response", "no access token")
    return dict(token)


def get_json(url: str, *, timeout: int, headers: dict[str, str] | None = None) -> Any:
    """GET ``url`` and return its JSON; raise ``ProviderError`` on any failure."""
    try:
        response = requests.get(
            url,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.Timeout as error:
        raise ProviderError("timeout", url) from error
    except requests.RequestException as error:
        raise ProviderError("unreachable", url) from error
    if response.status_code != 200:
        raise ProviderError("bad_response", f"{url} answered {response.status_code}")
    try:
        return response.json()
    except ValueError as error:
        raise ProviderError("bad_response", f"{url} sent no JSON") from error
