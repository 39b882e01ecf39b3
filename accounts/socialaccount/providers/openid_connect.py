"""OpenID Connect (any number of providers), with the Google and Microsoft presets.

Discovery from ``<server_url>/.well-known/openid-configuration``; authorization code flow
with PKCE (S256), ``state`` and ``nonce``; the ID token's signature is checked against the
provider's JWKS with joserfc (Authlib's JOSE library), refetching the keys once when a token
names a key id we have not seen (key rotation); ``iss``, ``aud``, ``azp``, ``exp``, ``iat``,
``nonce`` and ``sub`` are checked. Symmetric and ``none`` algorithms are refused.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from accounts.socialaccount.providers import oauth2
from accounts.socialaccount.providers.base import Identity, Provider, ProviderError

WELL_KNOWN = "/.well-known/openid-configuration"
ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
LEEWAY_SECONDS = 60
MAX_ID_TOKEN_AGE = 10 * 60  # an ID token issued longer ago than this is not fresh


def _secure_url(url: Any) -> bool:
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


class OpenIDConnectProvider(Provider):
    id = "openid_connect"
    name = "OpenID Connect"
    uses_nonce = True
    default_scope = ("openid", "profile", "email")

    def login_url_name(self):
        return "openid_connect_login", {"provider_id": self.provider_id}

    def callback_url_name(self):
        return "openid_connect_callback", {"provider_id": self.provider_id}

    # --- Configuration ----------------------------------------------------------------------

    @property
    def server_url(self) -> str:
        url = str(self.app.settings.get("server_url") or "").strip()
        if url.endswith(WELL_KNOWN):
            url = url[: -len(WELL_KNOWN)]
        return url.rstrip("/")

    def _cache_key(self, what: str) -> str:
        digest = hashlib.sha256(self.server_url.encode()).hexdigest()[:32]
        return f"socialaccount:oidc:{digest}:{what}"

    def configuration(self) -> dict[str, Any]:
        """The provider's discovery document (cached ``DISCOVERY_CACHE_SECONDS``)."""
        key = self._cache_key("configuration")
        config = cache.get(key)
        if config is None:
            config = oauth2.get_json(self.server_url + WELL_KNOWN, timeout=self.timeout)
            required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if not isinstance(config, dict) or not all(
                isinstance(config.get(name), str) for name in required
            ):
                raise ProviderError("bad_configuration", "discovery document incomplete")
            self.check_configuration(config)
            if self.cache_seconds:
                cache.set(key, config, self.cache_seconds)
        return config

    def check_configuration(self, config: dict) -> None:
        """The document's issuer is the configured one (OIDC Discovery §4.3) and its
        endpoints use HTTPS (plain HTTP only on this machine's loopback, for development)."""
        if not self.issuer_matches(config["issuer"]):
            raise ProviderError("bad_configuration", "issuer differs from server_url")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
            url = config.get(name)
            if url is not None and not _secure_url(url):
                raise ProviderError("bad_configuration", f"{name} is not https")

    def issuer_matches(self, issuer: str) -> bool:
        return issuer.rstrip("/") == self.server_url

    def check_authorization_response(self, params) -> None:
        """RFC 9207: an ``iss`` in the response must be this provider's; one the provider
        promised to send must be there (a mix-up attack otherwise)."""
        config = self.configuration()
        iss = params.get("iss")
        if iss is None:
            if config.get("authorization_response_iss_parameter_supported") is True:
                raise ProviderError("bad_issuer", "iss missing from the response")
        elif iss != config["issuer"]:
            raise ProviderError("bad_issuer", "iss of another provider")

    def jwks(self, *, refresh: bool = False) -> KeySet:
        key = self._cache_key("jwks")
        data = None if refresh else cache.get(key)
        if data is None:
            data = oauth2.get_json(self.configuration()["jwks_uri"], timeout=self.timeout)
            if self.cache_seconds:
                cache.set(key, data, self.cache_seconds)
        try:
            return KeySet.import_key_set(data)
        except (JoseError, ValueError, TypeError, KeyError) as error:
            raise ProviderError("bad_configuration", "unusable JWKS") from error

    def expected_issuer(self, config: dict, claims: dict) -> str:
        return config["issuer"]

    def scope(self) -> str:
        return " ".join(self.app.scope or self.default_scope)

    def _session(self, redirect_uri: str):
        method = self.app.settings.get("token_auth_method") or "client_secret_basic"
        return oauth2.make_session(
            client_id=self.app.client_id,
            client_secret=self.app.secret,
            redirect_uri=redirect_uri,
            scope=self.scope(),
            token_endpoint_auth_method=method,
        )

    # --- Protocol ---------------------------------------------------------------------------

    def authorization_url(self, *, redirect_uri, state, code_verifier, nonce):
        config = self.configuration()
        extra = dict(self.app.settings.get("auth_params") or {})
        return oauth2.authorization_url(
            self._session(redirect_uri),
            config["authorization_endpoint"],
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
            **extra,
        )

    def complete(self, *, redirect_uri, code, code_verifier, nonce) -> Identity:
        config = self.configuration()
        token = oauth2.exchange_code(
            self._session(redirect_uri),
            config["token_endpoint"],
            code=code,
            code_verifier=code_verifier,
            timeout=self.timeout,
        )
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderError("bad_id_token", "no ID token")
        claims = self.verify_id_token(id_token, config=config, nonce=nonce)
        data = dict(claims)
        if self.app.settings.get("fetch_userinfo", True) and config.get("userinfo_endpoint"):
            userinfo = oauth2.get_json(
                config["userinfo_endpoint"],
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {token['access_token']}"},
            )
            if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
                raise ProviderError("bad_userinfo", "userinfo subject differs")
            data = {**userinfo, **claims}
        return self.identity(data, token)

    def identity_from_id_token(self, id_token: str, access_token: str | None = None) -> Identity:
        """The identity in an ID token a client obtained by itself (headless
        ``auth/provider/token``): signature checked against the JWKS, ``iss``/``aud``/``exp``/
        ``iat`` as in :meth:`complete`. With the access token issued alongside, the userinfo
        (same ``sub`` required) completes the claims, as in :meth:`complete`. Nothing is
        stored."""
        config = self.configuration()
        claims = self.verify_id_token(id_token, config=config, nonce=None)
        data = dict(claims)
        fetch = self.app.settings.get("fetch_userinfo", True)
        if access_token and fetch and config.get("userinfo_endpoint"):
            userinfo = oauth2.get_json(
                config["userinfo_endpoint"],
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {access_token}"},
            )
            if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
                raise ProviderError("bad_userinfo", "userinfo subject differs")
            data = {**userinfo, **claims}
        return self.identity(data, {})

    def identity(self, data: dict, token: dict) -> Identity:
        email = str(data.get("email") or "")
        return Identity(
            uid=str(data["sub"]),
            extra_data=data,
            email=email,
            email_verified=bool(email) and _truthy(data.get("email_verified")),
            username_hints=[
                str(data.get(name) or "")
                for name in ("preferred_username", "nickname", "given_name")
                if data.get(name)
            ]
            + ([email.split("@")[0]] if email else []),
            first_name=str(data.get("given_name") or "")[:150],
            last_name=str(data.get("family_name") or "")[:150],
            token=token,
        )

    def verify_id_token(self, id_token: str, *, config: dict, nonce: str | None) -> dict:
        """The ID token's claims, once signature and claims are checked (``nonce=None``: an
        ID token the client obtained by itself, whose nonce this site never saw)."""
        supported = config.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [alg for alg in supported if alg in ALLOWED_ALGORITHMS] or ["RS256"]
        try:
            try:
                decoded = jwt.decode(id_token, self.jwks(), algorithms=algorithms)
            except InvalidKeyIdError:
                # A key id we do not know: the provider may have rotated its keys.
                decoded = jwt.decode(id_token, self.jwks(refresh=True), algorithms=algorithms)
        except JoseError as error:
            raise ProviderError("bad_id_token", f"signature: {error.error}") from error
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise ProviderError("bad_id_token", "malformed") from error
        claims = decoded.claims
        now = int(time.time())
        registry = jwt.JWTClaimsRegistry(
            now=now,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.expected_issuer(config, claims)},
            aud={"essential": True, "value": self.app.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            **({"nonce": {"essential": True, "value": nonce}} if nonce is not None else {}),
        )
        try:
            registry.validate(claims)
        except JoseError as error:
            raise ProviderError("bad_id_token", f"claims: {error.error}") from error
        except (ValueError, TypeError) as error:
            raise ProviderError("bad_id_token", "claims malformed") from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.app.client_id:
            raise ProviderError("bad_id_token", "azp")
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or iat < now - MAX_ID_TOKEN_AGE:
            raise ProviderError("bad_id_token", "iat too old")
        return claims


class GoogleProvider(OpenIDConnectProvider):
    """Google as an OpenID provider (allauth's ``google`` settings and URLs)."""

    id = "google"
    name = "Google"
    issuer_url = "https://accounts.google.com"

    def login_url_name(self):
        return "google_login", {}

    def callback_url_name(self):
        return "google_callback", {}

    @property
    def server_url(self) -> str:
        return str(self.app.settings.get("server_url") or self.issuer_url).rstrip("/")


class MicrosoftProvider(OpenIDConnectProvider):
    """Microsoft Entra ID (``settings["tenant"]``: a tenant id, ``common``,
    ``organizations`` or ``consumers``; the multi-tenant issuer names the user's tenant)."""

    id = "microsoft"
    name = "Microsoft"

    def login_url_name(self):
        return "microsoft_login", {}

    def callback_url_name(self):
        return "microsoft_callback", {}

    @property
    def server_url(self) -> str:
        if self.app.settings.get("server_url"):
            return str(self.app.settings["server_url"]).rstrip("/")
        tenant = self.app.settings.get("tenant") or "common"
        return f"https://login.microsoftonline.com/{tenant}/v2.0"

    def issuer_matches(self, issuer: str) -> bool:
        # The multi-tenant documents name "{tenantid}": checked against the token's ``tid``.
        if "{tenantid}" in issuer:
            return issuer.startswith("https://login.microsoftonline.com/")
        return super().issuer_matches(issuer)

    def check_authorization_response(self, params) -> None:
        if "{tenantid}" not in self.configuration()["issuer"]:
            super().check_authorization_response(params)

    def expected_issuer(self, config, claims):
        issuer = config["issuer"]
        if "{tenantid}" in issuer:
            return issuer.replace("{tenantid}", str(claims.get("tid") or "-"))
        return issuer
