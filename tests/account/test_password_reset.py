"""Resetting a password by emailed link over HTTP: no enumeration, key handling, sessions."""

import datetime as dt
import re
import smtplib
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.mail.backends.locmem import EmailBackend
from django.utils.http import int_to_base36

from accounts import signals
from accounts.flows.password_reset import RESET_KEY_SESSION_KEY
from accounts.models import EmailAddress, User
from accounts.usersessions.models import UserSession
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.passwords import (
    LINK_RE,
    complete_reset,
    mailed_link,
    request_reset,
    reset_link,
    set_password_url,
)
from tests.helpers.passwords import NEW_RESET_PASSWORD as NEW_PASSWORD

pytestmark = pytest.mark.django_db

URL = "/accounts/password/reset/"
DONE_URL = "/accounts/password/reset/done/"
KEY_DONE_URL = "/accounts/password/reset/key/done/"


def can_log_in(make_client, login, password):
    client = make_client()
    response = client.post("/accounts/login/", {"login": login, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


# --- Requesting a link ----------------------------------------------------------------------


def test_request_mails_a_link_for_a_known_address(client, user, mailoutbox, signal_catcher):
    reset = signal_catcher(signals.password_reset)

    response = request_reset(client)

    assert response.status_code == 302 and response["Location"] == DONE_URL
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"]
    assert "reset your password" in message.subject.lower()
    _, uidb36, key = reset_link(message)
    assert int(uidb36, 36) == user.pk and key != "set-password"
    reset.assert_not_called()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)  # asking changes nothing


def test_known_and_unknown_addresses_get_the_same_answer(make_client, user, mailoutbox):
    """Same status, redirect, page and cookies; only the mail differs (it goes to the owner)."""
    answers = []
    for email in ["alice@example.com", "nobody@example.com"]:
        client = make_client()
        client.get(URL)
        response = request_reset(client, email)
        page = client.get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                sorted(response.cookies),
                page.status_code,
                [t.name for t in page.templates],
                # The language switcher's form carries a CSRF token, masked anew on each page.
                re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode()),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, DONE_URL)
    assert [m.to for m in mailoutbox] == [["alice@example.com"], ["nobody@example.com"]]
    assert LINK_RE.search(mailoutbox[0].body)
    unknown = mailoutbox[1]
    assert "No account uses this address" in unknown.body
    assert not LINK_RE.search(unknown.body)


def test_inactive_account_is_treated_as_unknown(client, user, mailoutbox):
    UserFactory(username="dora", email="dora@example.com", is_active=False)
    response = request_reset(client, "dora@example.com")
    assert response.status_code == 302 and response["Location"] == DONE_URL
    assert len(mailoutbox) == 1
    assert "No account uses this address" in mailoutbox[0].body


def test_address_case_is_ignored_and_the_mail_goes_to_the_stored_address(client, user, mailoutbox):
    request_reset(client, "ALICE@Example.COM")
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert LINK_RE.search(mailoutbox[0].body)


@pytest.mark.parametrize("lookalike", ["alıce@example.com", "ALİCE@example.com"])
def test_unicode_lookalikes_never_reach_alice(client, user, lookalike, mailoutbox):
    request_reset(client, lookalike)
    assert all(m.to != ["alice@example.com"] for m in mailoutbox)
    assert not any(LINK_RE.search(m.body) for m in mailoutbox)


def test_secondary_and_unverified_addresses_reach_their_account(client, user, mailoutbox):
    EmailAddress.objects.create(user=user, email="Alice.Work@example.org", verified=False)
    request_reset(client, "alice.work@example.org")
    assert [m.to for m in mailoutbox] == [["Alice.Work@example.org"]]
    _, uidb36, _ = reset_link(mailoutbox[0])
    assert int(uidb36, 36) == user.pk


def test_a_verified_owner_wins_over_an_unverified_claim(client, user, mailoutbox):
    """bob listing alice's address unverified gets no link to it."""
    bob = UserFactory(username="bob", email="bob@example.com")
    EmailAddress.objects.create(user=bob, email="alice@example.com", verified=False)
    request_reset(client)
    assert len(mailoutbox) == 1
    _, uidb36, _ = reset_link(mailoutbox[0])
    assert int(uidb36, 36) == user.pk


def test_user_without_address_rows_is_found_by_user_email(client, mailoutbox):
    admin = UserFactory(username="root", email="root@example.com", with_email=False)
    request_reset(client, "root@example.com")
    _, uidb36, _ = reset_link(mailoutbox[0])
    assert int(uidb36, 36) == admin.pk


@pytest.mark.parametrize(
    "email", ["not an address", "", "a" * 10_000 + "@example.com", "ali\x00ce@example.com"]
)
def test_bad_address_is_a_form_error(client, user, email, mailoutbox):
    response = request_reset(client, email)
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert mailoutbox == []


def test_reset_requests_are_limited_per_address(client, user, mailoutbox, signal_catcher):
    limited = signal_catcher(signals.rate_limited)
    for _ in range(5):
        assert request_reset(client, "Alice@example.com").status_code == 302
    limited.assert_not_called()

    response = request_reset(client, "alice@example.com")

    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert len(mailoutbox) == 5
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=mock.ANY,
        action="reset_password",
        user=user,
    )
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_reset_requests_are_limited_per_ip(client, mailoutbox, signal_catcher):
    limited = signal_catcher(signals.rate_limited)
    for i in range(20):
        assert request_reset(client, f"person{i}@example.com").status_code == 302
    response = request_reset(client, "person20@example.com")
    assert response.status_code == 429
    assert len(mailoutbox) == 20
    assert limited.call_args.kwargs["user"] is None


def test_a_failing_mail_server_changes_nothing_in_the_answer(client, user, caplog):
    with mock.patch.object(
        EmailBackend, "send_messages", side_effect=smtplib.SMTPException("down")
    ):
        known = request_reset(client, "alice@example.com")
        unknown = request_reset(client, "nobody@example.com")
    assert (known.status_code, known["Location"]) == (302, DONE_URL)
    assert (unknown.status_code, unknown["Location"]) == (302, DONE_URL)
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == [
        "Could not send the password_reset_key mail.",
        "Could not send the unknown_account mail.",
    ]


def test_done_page_is_finished(client):
    html = client.get(DONE_URL).content.decode()
    assert "Check your email" in html and "60 minutes" in html


# --- Following the link ---------------------------------------------------------------------


def test_link_moves_the_key_into_the_session_and_out_of_the_url(client, user, mailoutbox):
    path, uidb36, key = mailed_link(client, mailoutbox)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == set_password_url(uidb36)
    assert key not in response["Location"]
    assert client.session[RESET_KEY_SESSION_KEY] == {"uidb36": uidb36, "key": key}
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert key not in html
    assert 'name="password1"' in html and 'autocomplete="new-password"' in html
    assert page["Referrer-Policy"] in {"same-origin", "no-referrer"}


def test_completing_the_reset(make_client, user, mailoutbox, signal_catcher):
    client = make_client(HTTP_USER_AGENT="ResetBrowser/3.0", REMOTE_ADDR="192.0.2.44")
    path, uidb36, key = mailed_link(client, mailoutbox)
    mailoutbox.clear()
    reset = signal_catcher(signals.password_reset)
    changed = signal_catcher(signals.password_changed)

    response = complete_reset(client, path, uidb36)

    assert response.status_code == 302 and response["Location"] == KEY_DONE_URL
    reset.assert_called_once_with(
        signal=signals.password_reset, sender=User, request=mock.ANY, user=user
    )
    changed.assert_not_called()
    # Nobody is logged in by a reset.
    assert "_auth_user_id" not in client.session
    assert RESET_KEY_SESSION_KEY not in client.session
    assert client.get("/accounts/password/change/")["Location"].startswith("/accounts/login/")
    assert "Your password is reset" in client.get(KEY_DONE_URL).content.decode()
    assert can_log_in(make_client, "alice", NEW_PASSWORD)
    assert not can_log_in(make_client, "alice", DEFAULT_PASSWORD)
    # The notice: time, IP, browser; no password, no link.
    assert len(mailoutbox) == 1
    notice = mailoutbox[0]
    assert notice.to == ["alice@example.com"]
    assert "password was reset" in notice.subject.lower()
    for body in (notice.body, notice.alternatives[0][0]):
        assert "192.0.2.44" in body and "ResetBrowser/3.0" in body
        assert re.search(r"\d{1,2} \w+ \d{4}, \d\d:\d\d", body)
        assert NEW_PASSWORD not in body and key not in body and "http" not in body


def test_reset_ends_every_session_of_the_user(
    make_client, user, other_user, mailoutbox, signal_catcher
):
    """A and B logged in as alice; C completes the reset: A and B are anonymous, bob stays."""
    a = login_client(make_client(), user)
    b = login_client(make_client(), user)
    bob = login_client(make_client(), other_user)
    c = make_client()
    path, uidb36, _ = mailed_link(c, mailoutbox)
    ended = signal_catcher(signals.sessions_ended)

    assert complete_reset(c, path, uidb36).status_code == 302

    for client in (a, b):
        response = client.get("/accounts/password/change/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert bob.get("/accounts/password/change/").status_code == 200
    assert not UserSession.objects.filter(user=user).exists()
    ended.assert_called_once_with(
        signal=signals.sessions_ended,
        sender=User,
        request=mock.ANY,
        user=user,
        actor=user,
        count=2,
        scope="all",
    )


def test_reset_from_the_users_own_logged_in_browser_ends_that_session_too(client, user, mailoutbox):
    login_client(client, user)
    path, uidb36, _ = mailed_link(client, mailoutbox)

    response = complete_reset(client, path, uidb36)

    assert response.status_code == 302 and response["Location"] == KEY_DONE_URL
    assert "_auth_user_id" not in client.session
    assert client.get("/accounts/password/change/").status_code == 302


def test_the_link_works_once(make_client, user, mailoutbox, signal_catcher):
    client = make_client()
    path, uidb36, _ = mailed_link(client, mailoutbox)
    assert complete_reset(client, path, uidb36).status_code == 302
    reset = signal_catcher(signals.password_reset)

    again = make_client()
    response = again.get(path, follow=True)

    assert response.status_code == 200
    assert response.context["token_fail"] is True
    assert 'name="password1"' not in response.content.decode()
    response = again.post(
        set_password_url(uidb36),
        {"password1": "third passphrase!", "password2": "third passphrase!"},
    )
    assert response.context["token_fail"] is True
    reset.assert_not_called()
    assert can_log_in(make_client, "alice", NEW_PASSWORD)


def assert_link_is_dead(client, path, uidb36, signal_catcher, user):
    reset = signal_catcher(signals.password_reset)
    hash_before = User.objects.get(pk=user.pk).password
    response = client.get(path, follow=True)
    assert response.context["token_fail"] is True
    assert "This link no longer works" in response.content.decode()
    response = client.post(
        set_password_url(uidb36), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.context["token_fail"] is True
    reset.assert_not_called()
    assert User.objects.get(pk=user.pk).password == hash_before


def test_the_link_expires_after_the_timeout(make_client, user, mailoutbox, signal_catcher):
    assert settings.PASSWORD_RESET_TIMEOUT <= 3600
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        path, uidb36, _ = mailed_link(make_client(), mailoutbox)
    with time_machine.travel(start + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)):
        assert_link_is_dead(make_client(), path, uidb36, signal_catcher, user)


def test_the_link_still_works_just_before_the_timeout(make_client, user, mailoutbox):
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        path, uidb36, _ = mailed_link(make_client(), mailoutbox)
    with time_machine.travel(start + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60)):
        assert complete_reset(make_client(), path, uidb36)["Location"] == KEY_DONE_URL


def test_a_later_login_voids_the_link(make_client, user, mailoutbox, signal_catcher):
    path, uidb36, _ = mailed_link(make_client(), mailoutbox)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=5)):
        login_client(make_client(), user)
        assert_link_is_dead(make_client(), path, uidb36, signal_catcher, user)


def test_a_later_password_change_voids_the_link(make_client, user, mailoutbox, signal_catcher):
    path, uidb36, _ = mailed_link(make_client(), mailoutbox)
    user.set_password("changed in the meantime")
    user.save()
    assert_link_is_dead(make_client(), path, uidb36, signal_catcher, user)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda uid, key: (uid, key[:-1] + ("a" if key[-1] != "a" else "b")),
        lambda uid, key: (uid, "x" * 10_000),
        lambda uid, key: (uid, "nul%00" + key),
        lambda uid, key: (int_to_base36(int(uid, 36) + 1), key),
        lambda uid, key: ("zzzzzzzzzzzzz", key),
        lambda uid, key: ("z" * 20, key),
    ],
    ids=["key", "long-key", "nul-key", "other-user", "huge-uid", "overlong-uid"],
)
def test_a_tampered_link_is_refused(
    make_client, user, other_user, tamper, mailoutbox, signal_catcher
):
    _, uidb36, key = mailed_link(make_client(), mailoutbox)
    uid, bad_key = tamper(uidb36, key)
    path = f"/accounts/password/reset/key/{uid}-{bad_key}/"
    assert_link_is_dead(make_client(), path, uid, signal_catcher, user)
    assert_link_is_dead(make_client(), path, uid, signal_catcher, other_user)


def test_a_key_from_another_link_does_not_unlock_a_form(make_client, user, other_user, mailoutbox):
    """The stashed key belongs to alice's uid; the form URL for bob's uid stays shut."""
    client = make_client()
    path, uidb36, _ = mailed_link(client, mailoutbox)
    client.get(path)
    assert client.session[RESET_KEY_SESSION_KEY]["uidb36"] == uidb36
    bob_uid = int_to_base36(other_user.pk)
    response = client.get(set_password_url(bob_uid))
    assert response.context["token_fail"] is True


def test_an_invalid_new_password_keeps_the_link_usable(
    make_client, user, mailoutbox, signal_catcher
):
    client = make_client()
    path, uidb36, _ = mailed_link(client, mailoutbox)
    client.get(path)
    reset = signal_catcher(signals.password_reset)
    for password1, password2 in [
        ("short", "short"),
        (NEW_PASSWORD, "a different passphrase"),
        ("x" * 10_000, "x" * 10_000),
        ("with\x00nul passphrase", "with\x00nul passphrase"),
    ]:
        response = client.post(
            set_password_url(uidb36), {"password1": password1, "password2": password2}
        )
        assert response.status_code == 200
        assert response.context["form"].errors
    reset.assert_not_called()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    response = client.post(
        set_password_url(uidb36), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response["Location"] == KEY_DONE_URL
    reset.assert_called_once()


def test_opening_links_is_rate_limited_per_ip(client, user, signal_catcher, caplog):
    """Key checks are limited on the key-free URL, so the logged 429 never shows a key."""
    limited = signal_catcher(signals.rate_limited)
    for i in range(20):
        response = client.get(f"/accounts/password/reset/key/{i + 1}-guess{i}/", follow=True)
        assert response.status_code == 200
    response = client.get("/accounts/password/reset/key/1-guess20/", follow=True)
    assert response.status_code == 429
    assert response.redirect_chain == [("/accounts/password/reset/key/1-set-password/", 302)]
    assert "guess" not in caplog.text
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=mock.ANY,
        action="reset_password_from_key",
        user=None,
    )


def test_the_key_url_takes_no_post(client, user, mailoutbox):
    path, _, _ = mailed_link(client, mailoutbox)
    response = client.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 405
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_reset_lifts_a_login_lockout(make_client, user, mailoutbox):
    """Locked out by wrong passwords, alice resets and signs in at once with the new one."""
    attacker = make_client()
    for _ in range(5):
        attacker.post("/accounts/login/", {"login": "alice", "password": "wrong guess!"})
    locked = make_client().post(
        "/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD}
    )
    assert "Too many failed login attempts" in locked.content.decode()

    client = make_client()
    path, uidb36, _ = mailed_link(client, mailoutbox)  # requesting still works while locked
    assert complete_reset(client, path, uidb36)["Location"] == KEY_DONE_URL

    assert can_log_in(make_client, "alice", NEW_PASSWORD)
