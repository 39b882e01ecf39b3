"""WebAuthn relying party: options, challenges kept in the session, and response checks.

The cryptography and the WebAuthn verification steps (type, challenge, origin, rpIdHash, user
presence and verification, signature) are ``fido2``'s ``Fido2Server``. This module adds what
``fido2`` leaves to the relying party:

- the RP id (``MFA_WEBAUTHN_RP_ID``, else the request host without port) and a strict origin
  check: the origin must be this very site (scheme, host and port of the request);
- challenges (32 random bytes) live in the session, bound to a purpose and a user, are popped
  on first use whatever the outcome, and expire after ``STATE_TIMEOUT`` seconds;
- credential ids are bounded (1023 bytes) and must match the attested credential;
- a discoverable (passkey) assertion must carry the user handle of the credential's owner.

Nothing here sends signals or writes rows: that is ``accounts.mfa.webauthn.flows``.
"""

import os
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port
from django.utils.translation import gettext
from fido2.rpid import verify_rp_id
from fido2.server import Fido2Server
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestedCredentialData,
    AuthenticationResponse,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialRpEntity,
    PublicKeyCredentialType,
    PublicKeyCredentialUserEntity,
    RegistrationResponse,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.exceptions import FlowError
from accounts.mfa import app_settings
from accounts.mfa.adapter import get_adapter

STATE_SESSION_KEY = "mfa_webauthn_state"
STATE_TIMEOUT = 5 * 60
CHALLENGE_BYTES = 32
MAX_CREDENTIAL_ID_BYTES = 1023
KNOWN_TRANSPORTS = {"ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"}

# Purposes of a challenge; a challenge issued for one cannot complete another.
REGISTER = "register"
LOGIN = "login"
AUTHENTICATE = "authenticate"
REAUTHENTICATE = "reauthenticate"


class WebAuthnError(FlowError):
    """A WebAuthn response was refused. ``authenticator`` is the key it named, when known."""

    def __init__(self, message, code, authenticator=None):
        super().__init__(message, code=code)
        self.message = message
        self.authenticator = authenticator


@dataclass(frozen=True)
class Assertion:
    """A verified assertion: which key signed, and what its authenticator data said."""

    authenticator: object
    sign_count: int
    user_verified: bool


# --- Relying party ----------------------------------------------------------------------------


def get_rp_id(request):
    """The configured RP id, or (development) the request's host without its port."""
    configured = app_settings.WEBAUTHN_RP_ID
    if configured:
        return configured
    return split_domain_port(request.get_host())[0]


def get_origin(request):
    """The origin the browser reports for a page of this site: ``scheme://host[:port]``."""
    return f"{request.scheme}://{request.get_host()}"


def allows_insecure_origin():
    """Plain-http origins (other than localhost) are for local development only, never prod."""
    return bool(app_settings.WEBAUTHN_ALLOW_INSECURE_ORIGIN and settings.DEBUG)


def origin_verifier(request, rp_id):
    """The origin must be this request's own origin and allowed for ``rp_id``.

    ``fido2``'s rule (https, or http on localhost; host equal to the RP id or a subdomain of
    it) alone would accept an assertion made on any sibling subdomain; requiring the exact
    origin of the site shuts that out.
    """
    expected = get_origin(request)

    def verify(origin):
        if not isinstance(origin, str) or origin != expected:
            return False
        if verify_rp_id(rp_id, origin):
            return True
        host = urlsplit(origin).hostname or ""
        return allows_insecure_origin() and (host == rp_id or host.endswith("." + rp_id))

    return verify


def get_server(request):
    rp_id = get_rp_id(request)
    rp = PublicKeyCredentialRpEntity(id=rp_id, name=get_adapter(request).get_webauthn_rp_name())
    return Fido2Server(rp, attestation="none", verify_origin=origin_verifier(request, rp_id))


def second_factor_user_verification():
    """UV policy when a key is a second factor (the password was the first): a setting."""
    return UserVerificationRequirement(str(app_settings.WEBAUTHN_USER_VERIFICATION))


def user_handle(user):
    """The WebAuthn user handle of ``user``: opaque to the authenticator, no personal data."""
    return str(user.pk).encode()


def _descriptor(authenticator):
    data = authenticator.data
    return PublicKeyCredentialDescriptor(
        type=PublicKeyCredentialType.PUBLIC_KEY,
        id=websafe_decode(data["credential_id"]),
        transports=data.get("transports") or None,
    )


def _credential(authenticator):
    return AttestedCredentialData(websafe_decode(authenticator.data["credential"]))


# --- Challenges in the session ------------------------------------------------------------------


def _store_state(request, purpose, state, user=None):
    states = dict(request.session.get(STATE_SESSION_KEY) or {})
    states[purpose] = {
        "challenge": state["challenge"],
        "user_verification": state["user_verification"] and str(state["user_verification"]),
        "user_id": user.pk if user is not None else None,
        "at": time.time(),
    }
    request.session[STATE_SESSION_KEY] = states


def pop_state(request, purpose, user=None):
    """Take the pending challenge of ``purpose`` out of the session (single use).

    Raises when there is none, it is older than ``STATE_TIMEOUT`` or was issued to another
    user.
    """
    states = dict(request.session.get(STATE_SESSION_KEY) or {})
    record = states.pop(purpose, None)
    request.session[STATE_SESSION_KEY] = states
    expected_user_id = user.pk if user is not None else None
    if (
        not record
        or time.time() - record.get("at", 0) > STATE_TIMEOUT
        or record.get("user_id") != expected_user_id
    ):
        raise WebAuthnError(
            gettext("This request expired or was already used. Please try again."), "no_challenge"
        )
    return {"challenge": record["challenge"], "user_verification": record["user_verification"]}


def _challenge():
    return os.urandom(CHALLENGE_BYTES)


# --- Registration -------------------------------------------------------------------------------


def begin_registration(request, *, user, existing):
    """Options for ``navigator.credentials.create``: one set per kind of key, one challenge.

    ``key`` registers a security key (a second factor, UV per policy); ``passkey`` asks for a
    discoverable credential with user verification. The browser picks one by the form's
    "passkey" box; the server enforces the choice at ``complete_registration``.
    """
    server = get_server(request)
    entity = PublicKeyCredentialUserEntity(
        id=user_handle(user), name=user.get_username(), display_name=user.get_username()
    )
    credentials = [_descriptor(a) for a in existing if "credential_id" in a.data]
    challenge = _challenge()
    key_options, state = server.register_begin(
        entity,
        credentials,
        resident_key_requirement=ResidentKeyRequirement.DISCOURAGED,
        user_verification=second_factor_user_verification(),
        challenge=challenge,
    )
    passkey_options, _ = server.register_begin(
        entity,
        credentials,
        resident_key_requirement=ResidentKeyRequirement.REQUIRED,
        user_verification=UserVerificationRequirement.REQUIRED,
        challenge=challenge,
    )
    _store_state(request, REGISTER, state, user=user)
    return {"key": dict(key_options.public_key), "passkey": dict(passkey_options.public_key)}


def complete_registration(request, *, user, response, passwordless):
    """Verify a ``create()`` response; return the data to store for the new credential.

    A passkey (``passwordless``) must have been created with user verification.
    """
    state = pop_state(request, REGISTER, user=user)
    if passwordless:
        state["user_verification"] = UserVerificationRequirement.REQUIRED
    try:
        registration = RegistrationResponse.from_dict(response)
    except Exception as error:
        raise WebAuthnError(gettext("The key's answer could not be read."), "malformed") from error
    if len(registration.raw_id) > MAX_CREDENTIAL_ID_BYTES:
        raise WebAuthnError(
            gettext("This key's credential id is too long."), "credential_id_too_long"
        )
    try:
        auth_data = get_server(request).register_complete(state, registration)
    except Exception as error:
        raise WebAuthnError(gettext("The key could not be verified."), "invalid") from error
    credential = auth_data.credential_data
    if credential is None or credential.credential_id != registration.raw_id:
        raise WebAuthnError(gettext("The key could not be verified."), "invalid")
    transports = (response.get("response") or {}).get("transports") or []
    return {
        "credential_id": websafe_encode(credential.credential_id),
        "credential": websafe_encode(bytes(credential)),
        "sign_count": auth_data.counter,
        "transports": sorted({t for t in transports if t in KNOWN_TRANSPORTS}),
        "user_verified": auth_data.is_user_verified(),
    }


# --- Authentication -----------------------------------------------------------------------------


def begin_authentication(request, *, purpose, user=None, authenticators=None):
    """Options for ``navigator.credentials.get``.

    With ``user`` (second factor, reauthentication) only that user's keys are allowed and
    user verification follows the policy; without (passkey login) the browser offers its
    discoverable credentials and user verification is required.
    """
    if user is None:
        credentials, uv = None, UserVerificationRequirement.REQUIRED
    else:
        credentials = [_descriptor(a) for a in authenticators if "credential_id" in a.data]
        uv = second_factor_user_verification()
    options, state = get_server(request).authenticate_begin(
        credentials, user_verification=uv, challenge=_challenge()
    )
    _store_state(request, purpose, state, user=user)
    return dict(options.public_key)


def credential_id_of(response):
    """The base64url credential id a ``get()`` response names, or ``None`` if unreadable."""
    try:
        return websafe_encode(AuthenticationResponse.from_dict(response).raw_id)
    except Exception:
        return None


def verify_assertion(request, *, purpose, response, candidates, user=None):
    """Check a ``get()`` response against the challenge of ``purpose`` and the candidate keys.

    ``candidates`` is a queryset of WebAuthn authenticators the response may name (the
    user's own, or everyone's for passkey login). Passkey login (``user`` is ``None``) also
    requires the user handle of the key's owner. Returns an :class:`Assertion`.
    """
    state = pop_state(request, purpose, user=user)
    try:
        assertion = AuthenticationResponse.from_dict(response)
    except Exception as error:
        raise WebAuthnError(gettext("The key's answer could not be read."), "malformed") from error
    authenticator = candidates.filter(data__credential_id=websafe_encode(assertion.raw_id)).first()
    if authenticator is None:
        raise WebAuthnError(gettext("This key is not registered for this account."), "unknown_key")
    try:
        get_server(request).authenticate_complete(state, [_credential(authenticator)], assertion)
    except Exception as error:
        raise WebAuthnError(
            gettext("The key could not be verified."), "invalid", authenticator=authenticator
        ) from error
    if user is None and assertion.response.user_handle != user_handle(authenticator.user):
        raise WebAuthnError(
            gettext("The key could not be verified."), "user_handle", authenticator=authenticator
        )
    auth_data = assertion.response.authenticator_data
    return Assertion(
        authenticator=authenticator,
        sign_count=auth_data.counter,
        user_verified=auth_data.is_user_verified(),
    )


def sign_count_is_valid(stored, received):
    """WebAuthn §7.2: if either count is non-zero, the new one must be greater (else a clone?).

    Keys that keep no counter (many passkeys) report 0 every time, which is fine.
    """
    if stored == 0 and received == 0:
        return True
    return received > stored
