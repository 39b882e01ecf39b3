"""What a person reads after signing up, signing in and signing out (issue 17, point 4).

Every test follows the redirects as a browser would and reads the messages of the page it
lands on: their words and their level.
"""

import re

import pytest
from django.contrib import messages
from django.core import mail
from django.test import override_settings

from accounts.models import EmailAddress
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.mfa import add_totp, current_code, mfa_login

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "carol",
    "email": "carol@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}
CHECK_INBOX = (
    "We have sent a confirmation mail to {email}. Check your inbox (and spam folder) and "
    "open the link to verify your address."
)
TWO_FACTOR_OFF = "Two-factor authentication is off"


def shown(response):
    """``[(level, text)]`` of the messages on the page the browser landed on."""
    assert response.status_code == 200, response.status_code
    return [(m.level, str(m)) for m in response.context["messages"]]


def texts(response):
    return [text for _level, text in shown(response)]


def sign_in(client, user, password=DEFAULT_PASSWORD):
    return client.post(
        "/accounts/login/", {"login": user.username, "password": password}, follow=True
    )


# --- Signup -----------------------------------------------------------------------------------


def test_signup_welcomes_and_says_to_check_the_inbox(client):
    response = client.post("/accounts/signup/", SIGNUP, follow=True)

    assert shown(response) == [
        (messages.SUCCESS, "Welcome, carol! Your account has been created."),
        (messages.INFO, CHECK_INBOX.format(email="carol@example.com")),
    ]
    assert len(mail.outbox) == 1
    # The welcome replaces the sign-in message and its nudges on this first page.
    assert not any(TWO_FACTOR_OFF in text or "signed in as" in text for text in texts(response))
    # ... and the check-your-inbox message is on the page itself.
    assert "carol@example.com. Check your inbox" in response.content.decode()


@override_settings(ACCOUNT_EMAIL_VERIFICATION="none")
def test_signup_without_verification_only_welcomes(client):
    response = client.post("/accounts/signup/", SIGNUP, follow=True)

    assert shown(response) == [(messages.SUCCESS, "Welcome, carol! Your account has been created.")]


@override_settings(ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED=True)
def test_signup_by_code_names_the_code(client):
    response = client.post("/accounts/signup/", SIGNUP, follow=True)

    assert (
        messages.INFO,
        "We have sent a code to carol@example.com. Check your inbox (and spam folder) and type "
        "the code to verify your address.",
    ) in shown(response)


# --- Signup with an address that has an account: no enumeration --------------------------------


def _signup_page(client, email, username):
    return client.post(
        "/accounts/signup/", {**SIGNUP, "username": username, "email": email}, follow=True
    )


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory", ACCOUNT_PREVENT_ENUMERATION=True)
def test_mandatory_signup_with_a_taken_address_reads_like_a_fresh_one(client, make_client):
    UserFactory(username="owner", email="taken@example.com")  # verified
    fresh = _signup_page(make_client(), "fresh@example.com", "newcomer1")
    taken = _signup_page(client, "taken@example.com", "newcomer2")

    assert shown(taken) == [(messages.INFO, CHECK_INBOX.format(email="taken@example.com"))]
    assert shown(fresh) == [(messages.INFO, CHECK_INBOX.format(email="fresh@example.com"))]
    assert taken.redirect_chain == fresh.redirect_chain
    # The pages differ only by the address typed (and the CSRF token of the form).
    assert _normalised(taken, "taken@example.com") == _normalised(fresh, "fresh@example.com")
    assert not EmailAddress.objects.filter(email="taken@example.com", user__username="newcomer2")


@override_settings(ACCOUNT_EMAIL_VERIFICATION="optional", ACCOUNT_PREVENT_ENUMERATION="strict")
def test_strict_signup_with_a_taken_address_reads_like_a_fresh_one(make_client):
    UserFactory(username="owner", email="taken@example.com")  # verified
    fresh = _signup_page(make_client(), "fresh@example.com", "newcomer1")
    taken = _signup_page(make_client(), "taken@example.com", "newcomer2")

    assert shown(fresh) == [
        (messages.SUCCESS, "Welcome, newcomer1! Your account has been created."),
        (messages.INFO, CHECK_INBOX.format(email="fresh@example.com")),
    ]
    assert shown(taken) == [
        (messages.SUCCESS, "Welcome, newcomer2! Your account has been created."),
        (messages.INFO, CHECK_INBOX.format(email="taken@example.com")),
    ]
    assert taken.redirect_chain == fresh.redirect_chain


def _normalised(response, email):
    html = response.content.decode().replace(email, "ADDRESS")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


# --- Sign-in ----------------------------------------------------------------------------------


def test_sign_in_says_so_and_suggests_two_factor(client):
    user = UserFactory(username="dora")

    response = sign_in(client, user)

    levels = shown(response)
    assert levels[0] == (messages.SUCCESS, "You are signed in as dora.")
    assert len(levels) == 2
    level, text = levels[1]
    assert level == messages.INFO
    assert text.startswith(TWO_FACTOR_OFF)
    assert '<a href="/accounts/2fa/" class="alert-link">Set up two-factor authentication</a>' in (
        text
    )
    assert "/accounts/2fa/" in response.content.decode()


def test_sign_in_with_two_factor_on_has_no_nudge(client):
    user = UserFactory(username="erin")
    _authenticator, secret = add_totp(user)

    response = mfa_login(client, user, current_code(secret))
    page = client.get(response["Location"])

    assert shown(page) == [(messages.SUCCESS, "You are signed in as erin.")]


def test_sign_in_with_an_unverified_address_offers_to_resend(client):
    user = UserFactory(username="fred", with_email=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    response = sign_in(client, user)

    levels = shown(response)
    assert levels[0] == (messages.SUCCESS, "You are signed in as fred.")
    assert len(levels) == 2  # the address first; no two-factor nudge on top of it
    level, text = levels[1]
    assert level == messages.WARNING
    assert "Your email address fred@example.com is not verified yet." in text
    assert 'action="/accounts/email/"' in text
    assert 'name="email" value="fred@example.com"' in text
    assert "Send the confirmation mail again" in text
    assert 'name="action_send"' in response.content.decode()

    # The button in the message works: the same POST the email page makes.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    client.handler.enforce_csrf_checks = True
    resent = client.post(
        "/accounts/email/",
        {"csrfmiddlewaretoken": token, "email": "fred@example.com", "action_send": "1"},
        follow=True,
    )
    assert (messages.SUCCESS, "Confirmation email sent to fred@example.com.") in shown(resent)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["fred@example.com"]


@override_settings(ACCOUNT_EMAIL_VERIFICATION="none")
def test_no_address_nudge_when_the_site_does_not_verify(client):
    user = UserFactory(username="gail", with_email=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)

    response = sign_in(client, user)

    assert not any("not verified" in text for text in texts(response))
    assert any(text.startswith(TWO_FACTOR_OFF) for text in texts(response))


@override_settings(MFA_SUPPORTED_TYPES=["recovery_codes"])
def test_no_two_factor_nudge_when_the_site_offers_none(client):
    user = UserFactory(username="hank")

    response = sign_in(client, user)

    assert shown(response) == [(messages.SUCCESS, "You are signed in as hank.")]


def test_failed_sign_in_says_nothing_more(client):
    user = UserFactory(username="ivan")

    response = client.post("/accounts/login/", {"login": "ivan", "password": "wrong password"})

    assert response.status_code == 200
    assert list(response.context["messages"]) == []
    assert "_auth_user_id" not in client.session
    assert not user.emailaddress_set.filter(verified=False).exists()


def test_the_json_api_leaves_no_message_for_the_next_page(client):
    user = UserFactory(username="jane")

    answer = client.post(
        "/_allauth/browser/v1/auth/login",
        {"username": "jane", "password": DEFAULT_PASSWORD},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    page = client.get("/")

    assert shown(page) == []
    assert int(client.session["_auth_user_id"]) == user.pk


# --- Sign-out ---------------------------------------------------------------------------------


def test_sign_out_says_so(auth_client):
    auth_client.get("/")  # the sign-in messages are read
    response = auth_client.post("/accounts/logout/", follow=True)

    assert shown(response) == [(messages.SUCCESS, "You have signed out.")]
    assert "_auth_user_id" not in auth_client.session
