"""A software WebAuthn authenticator for server-side tests.

It holds a P-256 key made with ``cryptography`` and builds the bytes a browser and
authenticator would send: ``clientDataJSON``, ``authenticatorData`` (rpIdHash, flags, sign
count, attested credential data with a COSE key), an attestation object of format "none"
and an ES256 assertion signature. It is written from the WebAuthn spec, not with ``fido2``,
so the server code is checked against an independent encoder. Every field can be bent to
make a bad response (wrong origin, rpId, type, challenge, flags, count, user handle).
"""

import base64
import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cbor(value):
    """Minimal canonical CBOR (RFC 8949) for ints, byte and text strings and maps."""

    def head(major, length):
        if length < 24:
            return bytes([major << 5 | length])
        for extra, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
            if length < 1 << (8 * struct.calcsize(fmt)):
                return bytes([major << 5 | extra]) + struct.pack(fmt, length)
        raise ValueError("too long")

    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode()
        return head(3, len(data)) + data
    if isinstance(value, dict):
        items = sorted((cbor(k), cbor(v)) for k, v in value.items())
        return head(5, len(items)) + b"".join(k + v for k, v in items)
    raise TypeError(type(value))


class SoftAuthenticator:
    """One credential on a software authenticator.

    ``rp_id`` and ``origin`` default to what the Django test client is (https://testserver).
    """

    def __init__(self, *, rp_id="testserver", origin="https://testserver", credential_id=None):
        self.rp_id = rp_id
        self.origin = origin
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = credential_id if credential_id is not None else os.urandom(32)
        self.sign_count = 0
        self.user_handle = None

    def cose_public_key(self):
        numbers = self.private_key.public_key().public_numbers()
        # kty EC2, alg ES256, crv P-256, x, y (RFC 9053)
        return cbor(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def attested_credential_data(self, credential_id=None):
        """AAGUID (zeros), credential id length and id, COSE public key (WebAuthn §6.5.1)."""
        credential_id = credential_id if credential_id is not None else self.credential_id
        return (
            b"\0" * 16
            + struct.pack(">H", len(credential_id))
            + credential_id
            + self.cose_public_key()
        )

    def client_data(self, *, type, challenge, origin=None):
        return json.dumps(
            {
                "type": type,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def authenticator_data(self, *, rp_id=None, up=True, uv=True, sign_count=0, attested=None):
        flags = (FLAG_UP if up else 0) | (FLAG_UV if uv else 0) | (FLAG_AT if attested else 0)
        rp_id_hash = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        return rp_id_hash + struct.pack(">BI", flags, sign_count) + (attested or b"")

    def create(
        self,
        options,
        *,
        origin=None,
        rp_id=None,
        type="webauthn.create",
        challenge=None,
        up=True,
        uv=True,
        credential_id=None,
        raw_id=None,
        transports=("internal",),
    ):
        """A ``navigator.credentials.create()`` answer (RegistrationResponseJSON).

        ``options`` is the ``publicKey`` dict the server rendered.
        """
        credential_id = credential_id if credential_id is not None else self.credential_id
        self.user_handle = b64url_decode(options["user"]["id"])
        attested = self.attested_credential_data(credential_id)
        auth_data = self.authenticator_data(
            rp_id=rp_id, up=up, uv=uv, sign_count=self.sign_count, attested=attested
        )
        client_data = self.client_data(
            type=type, challenge=challenge or options["challenge"], origin=origin
        )
        attestation_object = cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        raw_id = raw_id if raw_id is not None else credential_id
        return {
            "id": b64url(raw_id),
            "rawId": b64url(raw_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation_object),
                "transports": list(transports),
            },
        }

    def get(
        self,
        options,
        *,
        origin=None,
        rp_id=None,
        type="webauthn.get",
        challenge=None,
        up=True,
        uv=True,
        sign_count=None,
        user_handle=None,
        credential_id=None,
    ):
        """A ``navigator.credentials.get()`` answer (AuthenticationResponseJSON).

        The sign count goes up by one each time unless ``sign_count`` is given.
        """
        if sign_count is None:
            self.sign_count += 1
            sign_count = self.sign_count
        auth_data = self.authenticator_data(rp_id=rp_id, up=up, uv=uv, sign_count=sign_count)
        client_data = self.client_data(
            type=type, challenge=challenge or options["challenge"], origin=origin
        )
        signature = self.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        credential_id = credential_id if credential_id is not None else self.credential_id
        handle = user_handle if user_handle is not None else self.user_handle
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if handle is not None:
            response["userHandle"] = b64url(handle)
        return {
            "id": b64url(credential_id),
            "rawId": b64url(credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": response,
        }
