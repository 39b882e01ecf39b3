"""WebAuthn helpers: URLs, an https client, reading embedded options, stored keys."""

import json
import re

from django.test import Client

from accounts.mfa.models import Authenticator
from tests.helpers.webauthn_soft import b64url

LIST_URL = "/accounts/2fa/webauthn/"
ADD_URL = "/accounts/2fa/webauthn/add/"
LOGIN_URL = "/accounts/2fa/webauthn/login/"
REAUTH_URL = "/accounts/2fa/webauthn/reauthenticate/"
SECOND_STEP_URL = "/accounts/2fa/authenticate/"
FACTOR_REAUTH_URL = "/accounts/2fa/reauthenticate/"


class HttpsClient(Client):
    """A test client whose every request arrives over https."""

    def request(self, **request):
        request["wsgi.url_scheme"] = "https"
        request["SERVER_PORT"] = "443"
        return super().request(**request)


def options_in(response, element_id="webauthn-options"):
    """The WebAuthn options a page embedded with ``json_script``."""
    html = response.content.decode()
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def make_key(user, soft, *, sign_count=0, passwordless=True, name="Key"):
    """A key stored as registration stores it (registration itself is tested over HTTP)."""
    soft.user_handle = str(user.pk).encode()
    return Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={
            "credential_id": b64url(soft.credential_id),
            "credential": b64url(soft.attested_credential_data()),
            "sign_count": sign_count,
            "transports": ["internal"],
            "name": name,
            "passwordless": passwordless,
        },
    )


def post_credential(client, url, credential, **extra):
    return client.post(url, {"credential": json.dumps(credential), **extra})
