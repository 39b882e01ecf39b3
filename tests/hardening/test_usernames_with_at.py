"""Point 11: a username containing ``@`` can log in by that username (allauth tries the
username too when a login value with ``@`` names no address)."""

import pytest

from accounts import signals
from accounts.models import User
from tests.helpers.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase"


def test_signup_with_an_at_username_then_log_in_by_that_username(make_client, signal_catcher):
    signup = make_client().post(
        "/accounts/signup/",
        {
            "username": "bob@home",
            "email": "bob.real@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert signup.status_code == 302
    user = User.objects.get(username="bob@home")

    step = signal_catcher(signals.authentication_step_completed)
    browser = make_client()
    response = browser.post("/accounts/login/", {"login": "Bob@Home", "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    assert browser.session["_auth_user_id"] == str(user.pk)
    # Reported as a login by username, not by email.
    assert step.call_args.kwargs["username"] == "Bob@Home"
    assert "email" not in step.call_args.kwargs
    # The address logs in as well.
    other = make_client()
    response = other.post(
        "/accounts/login/", {"login": "bob.real@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(user.pk)


def test_an_address_wins_over_a_username_spelt_the_same(make_client):
    owner = UserFactory(username="carol", email="shared@example.com")
    UserFactory(username="shared@example.com", email="else@example.com")
    browser = make_client()
    response = browser.post(
        "/accounts/login/",
        {"login": "shared@example.com", "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(owner.pk)


def test_wrong_password_for_an_at_username_is_an_ordinary_failure(make_client):
    UserFactory(username="dan@lab", email="dan@example.com")
    response = make_client().post("/accounts/login/", {"login": "dan@lab", "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
