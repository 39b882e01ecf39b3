"""Changing the password over HTTP: the signal, the sessions that end and the one that stays."""

import re
from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import signals
from accounts.models import User
from accounts.usersessions.models import UserSession
from accounts.usersessions.store import end_sessions
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/accounts/password/change/"
NEW_PASSWORD = "a brand new passphrase 42"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def change(client, old=DEFAULT_PASSWORD, new=NEW_PASSWORD, new2=None, **extra):
    data = {"oldpassword": old, "password1": new, "password2": new if new2 is None else new2}
    return client.post(URL, data, **extra)


def is_logged_in_as(client, user):
    """Ask the server: a page for logged-in users answers 200 only to a live session."""
    response = client.get(URL)
    return response.status_code == 200 and response.wsgi_request.user.pk == user.pk


def make_unrelated_sessions(count):
    """``count`` live sessions (store entry and record) of users other than alice."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    others = [User.objects.get_or_create(username=f"other{i}")[0] for i in range(10)]
    records = []
    for i in range(count):
        owner = others[i % len(others)]
        store = store_class()
        store["_auth_user_id"] = str(owner.pk)
        store.create()
        records.append(UserSession(user=owner, session_key=store.session_key))
    UserSession.objects.bulk_create(records)
    return records


def test_change_sends_password_changed_and_keeps_this_session(
    client, make_client, user, signal_catcher
):
    login_client(client, user)
    old_key = client.session.session_key
    changed = signal_catcher(signals.password_changed)
    ended = signal_catcher(signals.sessions_ended)

    response = change(client)

    assert response.status_code == 302 and response["Location"] == URL
    changed.assert_called_once_with(
        signal=signals.password_changed, sender=User, request=mock.ANY, user=user
    )
    ended.assert_not_called()  # no other session to end
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != old_key
    assert "Your password was changed." in client.get(URL).content.decode()
    assert is_logged_in_as(client, user)
    # The record followed the session to its new key; the old key is dead.
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        new_key
    ]
    replay = make_client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    assert replay.get(URL).status_code == 302


def test_change_ends_other_sessions_only(make_client, user, other_user, signal_catcher):
    """After a change in A, B (same user) is anonymous on its next request; A and bob stay."""
    a = login_client(make_client(), user)
    b = login_client(make_client(), user)
    bob = login_client(make_client(), other_user)
    ended = signal_catcher(signals.sessions_ended)

    assert change(a).status_code == 302

    response = b.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert is_logged_in_as(a, user)
    assert is_logged_in_as(bob, other_user)
    ended.assert_called_once_with(
        signal=signals.sessions_ended,
        sender=User,
        request=mock.ANY,
        user=user,
        actor=user,
        count=1,
        scope="others",
    )
    assert UserSession.objects.filter(user=user).count() == 1


def test_change_mails_a_notice_without_secrets(client, user, mailoutbox):
    login_client(client, user)
    mailoutbox.clear()

    change(client, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.7")

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"]
    assert "password was changed" in message.subject.lower()
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert "203.0.113.7" in body
        assert "Firefox on Linux" in body  # the browser in words, not the raw user agent
        assert re.search(r"\d{1,2} \w+ \d{4}, \d\d:\d\d", body)
        assert NEW_PASSWORD not in body and DEFAULT_PASSWORD not in body
        assert "http" not in body


@pytest.mark.parametrize(
    "data,field",
    [
        ({"oldpassword": "not my password", "password1": NEW_PASSWORD}, "oldpassword"),
        ({"oldpassword": "", "password1": NEW_PASSWORD}, "oldpassword"),
        ({"password1": NEW_PASSWORD, "password2": "something else entirely"}, "password2"),
        ({"password1": "short", "password2": "short"}, "password1"),
        ({"password1": "password123", "password2": "password123"}, "password1"),
        ({"password1": "x" * 10_000, "password2": "x" * 10_000}, "password1"),
        ({"oldpassword": "x" * 10_000, "password1": NEW_PASSWORD}, "oldpassword"),
        (
            {"password1": "nul\x00byte passphrase", "password2": "nul\x00byte passphrase"},
            "password1",
        ),
        ({"oldpassword": "nul\x00byte"}, "oldpassword"),
    ],
)
def test_invalid_change_changes_nothing(client, user, data, field, signal_catcher, mailoutbox):
    login_client(client, user)
    mailoutbox.clear()
    changed = signal_catcher(signals.password_changed)
    ended = signal_catcher(signals.sessions_ended)
    key = client.session.session_key
    payload = {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, **data}
    payload.setdefault("password2", payload["password1"])

    response = client.post(URL, payload)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    changed.assert_not_called()
    ended.assert_not_called()
    assert mailoutbox == []
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert client.session.session_key == key


def test_huge_passwords_never_reach_the_hasher(client, user):
    login_client(client, user)
    with (
        mock.patch.object(MD5PasswordHasher, "verify") as verify,
        mock.patch.object(MD5PasswordHasher, "encode") as encode,
    ):
        response = change(client, old="y" * 10_000, new="x" * 10_000)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"oldpassword", "password1", "password2"}
    verify.assert_not_called()
    encode.assert_not_called()


def test_change_is_rate_limited_per_user(client, user, signal_catcher):
    login_client(client, user)
    changed = signal_catcher(signals.password_changed)
    limited = signal_catcher(signals.rate_limited)
    for _ in range(5):
        assert change(client, old="a wrong guess").status_code == 200
    limited.assert_not_called()

    response = change(client)  # even the right password: the budget is spent

    assert response.status_code == 429
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=mock.ANY,
        action="change_password",
        user=user,
    )
    changed.assert_not_called()
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_change_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_user_without_usable_password_is_sent_to_set(client, signal_catcher):
    nopw = UserFactory(username="nopw", password=None)
    client.force_login(nopw)
    changed = signal_catcher(signals.password_changed)
    assert client.get(URL)["Location"] == "/accounts/password/set/"
    response = change(client, old="")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/set/"
    changed.assert_not_called()


def test_change_page_has_password_manager_friendly_inputs(client, user):
    login_client(client, user)
    html = client.get(URL).content.decode()
    inputs = re.findall(r"<input[^>]*type=\"password\"[^>]*>", html)
    assert len(inputs) == 3
    assert 'autocomplete="current-password"' in inputs[0]
    assert all('autocomplete="new-password"' in i for i in inputs[1:])
    assert not any("maxlength" in i for i in inputs)


def test_change_keeps_the_old_password_on_a_failing_save(client, user):
    """A failure mid-flow rolls back: the old password still works, the session is intact."""
    login_client(client, user)
    client.raise_request_exception = False
    with mock.patch.object(User, "save", side_effect=RuntimeError("disk full")):
        assert change(client).status_code == 500
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert is_logged_in_as(client, user)


# --- Ending the other sessions does not depend on the size of the session store -----------


def store_queries_per_session():
    """Deleting one session: a SELECT and a DELETE in a DB-backed store, none in a cache."""
    engine = settings.SESSION_ENGINE.rsplit(".", 1)[-1]
    return 2 if engine in {"db", "cached_db"} else 0


@pytest.mark.parametrize("unrelated", [1, 200])
def test_ending_other_sessions_queries_do_not_grow_with_the_store(
    make_client, user, unrelated, django_assert_num_queries
):
    """Read alice's records (1), delete her 2 other sessions, delete their records (1)."""
    a = login_client(make_client(), user)
    login_client(make_client(), user)
    login_client(make_client(), user)
    make_unrelated_sessions(unrelated)

    with (
        CaptureQueriesContext(connection) as captured,
        django_assert_num_queries(2 + 2 * store_queries_per_session()),
    ):
        ended = end_sessions(user, keep_session_key=a.session.session_key)

    assert ended == 2
    assert UserSession.objects.exclude(user=user).count() == unrelated
    # No query reads the session table without naming the keys it wants.
    for query in captured.captured_queries:
        if "django_session" in query["sql"]:
            assert '"session_key" = ' in query["sql"] or '"session_key" IN ' in query["sql"]


def test_a_change_costs_the_same_queries_with_1_or_200_unrelated_sessions(
    make_client, user, outbox_sweep_scheduled
):
    """The whole change request, alice with one other session each time, store growing (the
    outbox's sweep scheduled already, so neither notice mail schedules one)."""
    counts = []
    for unrelated, old, new in [
        (1, DEFAULT_PASSWORD, NEW_PASSWORD),
        (199, NEW_PASSWORD, "yet another passphrase 7"),
    ]:
        make_unrelated_sessions(unrelated)
        a = login_client(make_client(), user, old)
        login_client(make_client(), user, old)
        a.get(URL)
        with CaptureQueriesContext(connection) as captured:
            assert change(a, old=old, new=new).status_code == 302
        counts.append(len(captured.captured_queries))
        a.post("/accounts/logout/")  # alice is back to no session before the next round
    assert UserSession.objects.exclude(user=user).count() == 200
    assert counts[0] == counts[1]
