"""How the ``app`` client names its session: ``HEADLESS_TOKEN_STRATEGY``.

- :class:`SessionTokenStrategy` (default): the opaque ``X-Session-Token`` is the key of a
  server-side session. Revocable (ending the session ends the token), listed on the sessions
  page, subject to the idle and absolute timeouts like a cookie session.
- :class:`JWTTokenStrategy`: after a login the answer also carries an ``access_token`` (a
  short-lived JWT, sent as ``Authorization: Bearer ...``) and a ``refresh_token`` (a JWT for
  ``POST /_allauth/app/v1/tokens/refresh``). Both name their session by an *encrypted* id
  (the session key never travels in readable form), and are checked against the live session
  on every use: ending the session (logout, the sessions page, a password change elsewhere)
  ends the tokens at once. Refresh tokens rotate (``HEADLESS_JWT_ROTATE_REFRESH_TOKEN``);
  presenting an already-rotated one is taken as theft: the session is ended and
  ``suspicious_activity`` (reason ``"refresh_token_reuse"``) is sent.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid

import jwt
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.http import HttpRequest

from accounts.headless import app_settings

REFRESH_SESSION_KEY = "headless_jwt_refresh"
USED_REFRESH_KEPT = 20
ISSUER = "accounts-headless"


class TokenStrategy:
    """The default: nothing beyond the session token."""

    jwt = False

    def session_key_from_request(self, request: HttpRequest) -> str | bool | None:
        """The session key a request names by other means than ``X-Session-Token``: a key,
        ``None`` (names none) or ``False`` (names one that is not valid)."""
        return None

    def issue(self, request: HttpRequest) -> dict:
        """Extra ``meta`` for an answer whose session was just (re)authenticated."""
        return {}


class SessionTokenStrategy(TokenStrategy):
    pass


def _fernet() -> Fernet:
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"accounts.headless", info=b"jwt-session-id"
    ).derive(settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def seal_session_key(key: str) -> str:
    return _fernet().encrypt(key.encode()).decode("ascii")


def open_session_key(sealed: str) -> str | None:
    try:
        return _fernet().decrypt(str(sealed).encode("ascii")).decode()
    except (InvalidToken, UnicodeError, TypeError, ValueError):
        return None


class InvalidRefreshToken(Exception):
    pass


class RefreshTokenReused(Exception):
    def __init__(self, session_key: str):
        self.session_key = session_key


class JWTTokenStrategy(TokenStrategy):
    jwt = True

    # --- signing ----------------------------------------------------------------------------

    def _encode(self, claims: dict) -> str:
        return jwt.encode(claims, app_settings.JWT_PRIVATE_KEY, algorithm=self._algorithm())

    def _decode(self, token: str, *, use: str) -> dict | None:
        try:
            claims = jwt.decode(
                token,
                self._verification_key(),
                algorithms=[self._algorithm()],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sid", "token_use", "iss"]},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("token_use") != use:
            return None
        return claims

    @staticmethod
    def _algorithm() -> str:
        return app_settings.JWT_ALGORITHM

    def _verification_key(self):
        algorithm = self._algorithm()
        key = app_settings.JWT_PRIVATE_KEY
        if algorithm.startswith("HS"):
            return key
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        return load_pem_private_key(key.encode(), password=None).public_key()

    def _claims(self, request, *, use: str, lifetime: int, jti: str) -> dict:
        now = int(time.time())
        return {
            "iss": ISSUER,
            "sub": str(request.user.pk),
            "sid": seal_session_key(request.session.session_key),
            "token_use": use,
            "jti": jti,
            "iat": now,
            "exp": now + lifetime,
        }

    # --- the strategy -----------------------------------------------------------------------

    def session_key_from_request(self, request):
        header = request.headers.get("Authorization", "")
        scheme = app_settings.JWT_AUTHORIZATION_HEADER_SCHEME
        if not header:
            return None
        prefix = f"{scheme} "
        if not header.startswith(prefix) or len(header) > 8192:
            return False
        claims = self._decode(header[len(prefix) :].strip(), use="access")
        if claims is None:
            return False
        key = open_session_key(claims["sid"])
        return key or False

    def issue(self, request):
        """A new access token, and a new refresh token (the previous one becomes "used")."""
        if request.session.session_key is None:
            request.session.save()
        access = self._encode(
            self._claims(
                request,
                use="access",
                lifetime=app_settings.JWT_ACCESS_TOKEN_EXPIRES_IN,
                jti=uuid.uuid4().hex,
            )
        )
        return {"access_token": access, "refresh_token": self._new_refresh(request)}

    def _new_refresh(self, request) -> str:
        state = dict(request.session.get(REFRESH_SESSION_KEY) or {})
        used = list(state.get("used") or [])
        if state.get("current"):
            used = [*used, state["current"]][-USED_REFRESH_KEPT:]
        jti = secrets.token_hex(16)
        request.session[REFRESH_SESSION_KEY] = {"current": jti, "used": used}
        return self._encode(
            self._claims(
                request,
                use="refresh",
                lifetime=app_settings.JWT_REFRESH_TOKEN_EXPIRES_IN,
                jti=jti,
            )
        )

    def session_key_of_refresh(self, token: str) -> tuple[str, str]:
        """``(session_key, jti)`` of a well-signed, unexpired refresh token."""
        claims = self._decode(token, use="refresh")
        key = open_session_key(claims["sid"]) if claims else None
        if not key:
            raise InvalidRefreshToken
        return key, str(claims.get("jti", ""))

    def refresh(self, request, *, jti: str) -> dict:
        """Trade the refresh token ``jti`` of ``request.session`` for new tokens.

        Raises ``RefreshTokenReused`` for a rotated-out token, ``InvalidRefreshToken`` for
        anything else that is not the current one.
        """
        state = request.session.get(REFRESH_SESSION_KEY) or {}
        if jti and jti in (state.get("used") or []):
            raise RefreshTokenReused(request.session.session_key)
        if not jti or jti != state.get("current"):
            raise InvalidRefreshToken
        access = self._encode(
            self._claims(
                request,
                use="access",
                lifetime=app_settings.JWT_ACCESS_TOKEN_EXPIRES_IN,
                jti=uuid.uuid4().hex,
            )
        )
        tokens = {"access_token": access}
        if app_settings.JWT_ROTATE_REFRESH_TOKEN:
            tokens["refresh_token"] = self._new_refresh(request)
        return tokens


def get_strategy() -> TokenStrategy:
    from accounts.internal.conf import import_class

    return import_class("HEADLESS_TOKEN_STRATEGY", app_settings.TOKEN_STRATEGY, TokenStrategy)()


def end_session_after_reuse(request: HttpRequest) -> None:
    """A rotated-out refresh token came back: someone kept a copy. End the session (every
    token of it dies) and report it."""
    from accounts.authentication import set_logout_reason
    from accounts.flows.logout import logout_user
    from accounts.signals import suspicious_activity

    user = request.user
    suspicious_activity.send(
        sender=user.__class__,
        request=request,
        user=user,
        reason="refresh_token_reuse",
        details={},
    )
    set_logout_reason(request, "refresh_token_reuse")
    logout_user(request)
