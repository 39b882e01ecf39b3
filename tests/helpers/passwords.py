"""Password helpers: login attempts, the reset mail and link, setting a first password."""

import re

from accounts.usersessions.models import UserSession

RESET_URL = "/accounts/password/reset/"
SET_URL = "/accounts/password/set/"
NEW_RESET_PASSWORD = "a fresh passphrase after reset"
FIRST_PASSWORD = "my very first passphrase"
LINK_RE = re.compile(r"https?://testserver(/accounts/password/reset/key/([0-9a-z]+)-([^/\s]+)/)")


def post_login(make_client, login, password, ip="10.0.0.1"):
    client = make_client(REMOTE_ADDR=ip)
    return client, client.post("/accounts/login/", {"login": login, "password": password})


def fail_login(make_client, login, ip):
    _, response = post_login(make_client, login, "wrong password", ip)
    assert response.status_code == 200, response.status_code
    assert "do not match" in response.content.decode()


def request_reset(client, email="alice@example.com", **extra):
    return client.post(RESET_URL, {"email": email}, **extra)


def reset_link(message):
    """``(path, uidb36, key)`` of the link in a reset mail (text part; the HTML has the same)."""
    match = LINK_RE.search(message.body)
    assert match, message.body
    assert match.group(1) in message.alternatives[0][0]
    return match.group(1), match.group(2), match.group(3)


def mailed_link(client, mailoutbox, email="alice@example.com"):
    mailoutbox.clear()
    assert request_reset(client, email).status_code == 302
    assert len(mailoutbox) == 1
    return reset_link(mailoutbox[0])


def set_password_url(uidb36):
    return f"/accounts/password/reset/key/{uidb36}-set-password/"


def complete_reset(client, path, uidb36, password=NEW_RESET_PASSWORD):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == set_password_url(uidb36)
    return client.post(set_password_url(uidb36), {"password1": password, "password2": password})


def login_without_password(client, user):
    """Log in as a password-less user and record the session as a real login would."""
    client.force_login(user)
    UserSession.objects.create(user=user, session_key=client.session.session_key)
    return client


def set_password(client, password=FIRST_PASSWORD, password2=None, **extra):
    data = {"password1": password, "password2": password if password2 is None else password2}
    return client.post(SET_URL, data, **extra)
