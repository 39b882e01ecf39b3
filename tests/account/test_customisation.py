"""A site changes policy through ACCOUNT_ADAPTER / MFA_ADAPTER and forms through
ACCOUNT_FORMS, without touching the flows (the test site lives in tests/site_custom/)."""

import pytest
from django.test import override_settings

from accounts import signals
from accounts.models import User
from tests.helpers.clients import login_client

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}
POLICY = {
    "ACCOUNT_ADAPTER": "tests.site_custom.adapter.PolicyAdapter",
    "ACCOUNT_FORMS": {"signup": "tests.site_custom.forms.NameSignupForm"},
}


@override_settings(ACCOUNT_ADAPTER="tests.site_custom.adapter.ClosedAdapter")
def test_closed_signup_shows_the_closed_page_and_creates_nobody(client, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    page = client.get("/accounts/signup/")
    assert page.status_code == 403
    assert "sign up is currently closed" in page.content.decode()
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 403
    assert not User.objects.filter(username="carol").exists()
    signed_up.assert_not_called()


@override_settings(**POLICY)
def test_the_overridden_form_adds_a_field_the_adapter_saves(client, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    page = client.get("/accounts/signup/").content.decode()
    assert 'name="nickname"' in page
    missing = client.post("/accounts/signup/", SIGNUP)
    assert missing.status_code == 200
    assert missing.context["form"].errors["nickname"] == ["This field is required."]
    response = client.post("/accounts/signup/", {**SIGNUP, "nickname": "Caz"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/email/"  # the adapter's login redirect
    carol = User.objects.get(username="carol")
    assert carol.first_name == "Caz"
    signed_up.assert_called_once()


@override_settings(**POLICY)
def test_the_adapter_refuses_an_address_at_signup_and_when_adding_one(client, user):
    response = client.post(
        "/accounts/signup/", {**SIGNUP, "email": "carol@blocked.example", "nickname": "Caz"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Addresses at blocked.example are not accepted."
    ]
    assert not User.objects.filter(username="carol").exists()
    login_client(client, user)
    added = client.post("/accounts/email/", {"email": "me@blocked.example", "action_add": "1"})
    assert added.status_code == 200
    assert "Addresses at blocked.example are not accepted." in added.content.decode()
    assert not user.emailaddress_set.filter(email="me@blocked.example").exists()


def test_without_overrides_the_defaults_apply(client):
    page = client.get("/accounts/signup/").content.decode()
    assert 'name="nickname"' not in page
    response = client.post("/accounts/signup/", SIGNUP)
    assert response["Location"] == "/"


@override_settings(MFA_ADAPTER="tests.site_custom.adapter.LabelledMFAAdapter")
def test_the_mfa_adapter_names_the_issuer_and_label_of_new_authenticator_apps(client, user):
    login_client(client, user)
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    assert "Account: alice@example-corp at Example Corp." in page


def test_by_default_authenticator_apps_show_the_username_and_site_name(client, user):
    login_client(client, user)
    page = client.get("/accounts/2fa/totp/activate/").content.decode()
    assert "Account: alice at Account site." in page
