"""Helpers shared by the second-factor tests: give a user factors, log in in two steps."""

import re
import time

import pyotp

from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes import auth as recovery_codes
from accounts.mfa.totp import auth as totp
from tests.helpers.factories import DEFAULT_PASSWORD

SECRET_RE = re.compile(r'data-testid="totp-secret" data-secret="([A-Z2-7]+)"')
# 2031-01-01 12:00:10 UTC: ten seconds into a TOTP step, so +/- a few seconds stay in it.
T0 = 1925035200 + 10
assert T0 % 30 == 10


def code_at(secret, at, steps=0):
    """The code an app shows at ``at`` (+ ``steps`` periods), computed independently of the
    server's window logic."""
    return pyotp.TOTP(secret).at(int(at) + steps * 30)


def current_code(secret, steps=0):
    return code_at(secret, time.time(), steps)


def add_totp(user, secret=None, last_step=None):
    secret = secret or totp.generate_secret()
    authenticator = Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data=totp.build_data(secret, last_step=last_step)
    )
    return authenticator, secret


def add_recovery_codes(user):
    codes = recovery_codes.generate_codes()
    authenticator = Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data=recovery_codes.build_data(codes)
    )
    return authenticator, codes


def add_webauthn(user):
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Test key"}
    )


def start_login(client, user, password=DEFAULT_PASSWORD, next_url=None):
    """The password step; the login must now wait for the second factor."""
    data = {"login": user.username, "password": password}
    if next_url:
        data["next"] = next_url
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    return response


def send_code(client, code):
    return client.post("/accounts/2fa/authenticate/", {"code": code})


def mfa_login(client, user, code, password=DEFAULT_PASSWORD):
    start_login(client, user, password)
    response = send_code(client, code)
    assert response.status_code == 302, response.content[:800]
    assert int(client.session["_auth_user_id"]) == user.pk
    return response


def read_secret(response):
    match = SECRET_RE.search(response.content.decode())
    assert match, "no secret on the page"
    return match.group(1)


def shown_codes(response):
    return re.findall(r"<code[^>]*>(\d{8})</code>", response.content.decode())


class DeletedAuthenticator:
    """Matches the instance a removal signal carries: by class, type, owner, and that it
    still names its pk (so receivers can tell which one went) while its row is gone."""

    def __init__(self, type_, user):
        self.type, self.user = type_, user

    def __eq__(self, other):
        return (
            isinstance(other, Authenticator)
            and other.type == self.type
            and other.user_id == self.user.pk
            and other.pk is not None
            and not Authenticator.objects.filter(pk=other.pk).exists()
        )

    def __repr__(self):
        return f"<deleted {self.type} authenticator of {self.user}>"
