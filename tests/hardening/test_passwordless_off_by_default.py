"""With every setting at its default, none of the passwordless features is reachable."""

import pytest

from accounts.models import VerificationCode
from tests.helpers.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PAGES = [
    "/accounts/login/code/",
    "/accounts/login/code/confirm/",
    "/accounts/password/reset/confirm/",
    "/accounts/password/reset/complete/",
    "/accounts/signup/passkey/",
    "/accounts/2fa/webauthn/signup/",
    "/accounts/2fa/trust/",
    "/accounts/2fa/trust/revoke/",
]


@pytest.mark.parametrize("url", NEW_PAGES)
def test_new_pages_answer_404(client, url):
    assert client.get(url).status_code == 404
    assert client.post(url, {"email": "alice@example.com", "code": "BCDF-GHJK"}).status_code == 404


@pytest.mark.parametrize("url", ["/accounts/2fa/trust/revoke/", "/accounts/login/code/"])
def test_new_pages_answer_404_when_signed_in(auth_client, url):
    assert auth_client.post(url).status_code == 404


def test_default_flows_issue_no_codes(client, user):
    client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    client.post("/accounts/logout/")
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    signup = {
        "username": "newbie",
        "email": "newbie@example.com",
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
    }
    client.post("/accounts/signup/", signup)
    assert not VerificationCode.objects.exists()
    assert "mfa_trusted" not in client.cookies
    page = client.get("/accounts/login/").content.decode()
    assert "/accounts/login/code/" not in page and "/accounts/signup/passkey/" not in page
