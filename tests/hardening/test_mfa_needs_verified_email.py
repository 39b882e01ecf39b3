"""Point 12: turning on a second factor needs every address verified (allauth's default),
unless ``MFA_ALLOW_UNVERIFIED_EMAIL``; the pages say so."""

import pytest
from django.test import override_settings

from accounts.mfa.models import Authenticator
from accounts.models import EmailAddress
from tests.helpers.mfa import current_code, read_secret
from tests.helpers.webauthn import ADD_URL

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
NOTICE = "until every email address of yours is verified"


def add_unverified(user):
    return EmailAddress.objects.create(user=user, email="unproven@example.org", verified=False)


def test_activation_pages_refuse_while_an_address_is_unverified(auth_client, user):
    add_unverified(user)
    for url in (ACTIVATE, ADD_URL):
        response = auth_client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/"
    page = auth_client.get("/accounts/2fa/")
    assert NOTICE in page.content.decode()
    assert 'data-testid="mfa-needs-verified-email"' in page.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()


def test_an_address_added_after_the_qr_code_still_blocks_activation(auth_client, user):
    secret = read_secret(auth_client.get(ACTIVATE))
    add_unverified(user)
    response = auth_client.post(ACTIVATE, {"code": current_code(secret)})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    assert NOTICE in auth_client.get("/accounts/2fa/").content.decode()


def test_verified_addresses_only_activate(auth_client, user):
    secret = read_secret(auth_client.get(ACTIVATE))
    response = auth_client.post(ACTIVATE, {"code": current_code(secret)})
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=user, type="totp").exists()


@override_settings(MFA_ALLOW_UNVERIFIED_EMAIL=True)
def test_the_setting_allows_unverified_addresses(auth_client, user):
    add_unverified(user)
    assert (
        'data-testid="mfa-needs-verified-email"'
        not in auth_client.get("/accounts/2fa/").content.decode()
    )
    secret = read_secret(auth_client.get(ACTIVATE))
    response = auth_client.post(ACTIVATE, {"code": current_code(secret)})
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert auth_client.get(ADD_URL).status_code == 200


@override_settings(MFA_ALLOW_UNVERIFIED_EMAIL="yes")
def test_the_setting_is_validated():
    from accounts.mfa.checks import check_mfa_settings

    errors = [e for e in check_mfa_settings() if e.obj == "MFA_ALLOW_UNVERIFIED_EMAIL"]
    assert len(errors) == 1
    assert "True or False" in errors[0].msg
