"""Security keys and passkeys over HTTP, with a software authenticator (tests/webauthn_soft.py).

Covers registration, the three kinds of assertion (passkey login, second login step,
reauthentication) and their refusals (F9-F13 of the security checklist): wrong origin, rpId
hash or type, an http origin, replayed, stale or foreign challenges, missing user presence,
missing user verification for passkeys, non-increasing sign counts, duplicate, oversized and
foreign credential ids. Each checks the signals sent, or that none were.

The client speaks https (``https://testserver``), the origin a browser would report.
"""

import json
import re
import subprocess
import sys
from datetime import timedelta
from unittest import mock
from urllib.parse import quote

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django.utils import timezone

from accounts import app_settings as account_settings
from accounts import signals
from accounts.mfa.models import Authenticator
from accounts.mfa.recovery_codes import auth as recovery_codes
from accounts.mfa.webauthn.auth import allows_insecure_origin
from accounts.models import User
from accounts.usersessions.models import UserSession
from tests.helpers.clients import login_client
from tests.helpers.factories import AuthenticatorFactory, UserFactory
from tests.helpers.mfa import add_totp, shown_codes
from tests.helpers.webauthn import (
    ADD_URL,
    FACTOR_REAUTH_URL,
    LIST_URL,
    LOGIN_URL,
    REAUTH_URL,
    SECOND_STEP_URL,
    HttpsClient,
    make_key,
    options_in,
    post_credential,
)
from tests.helpers.webauthn_soft import SoftAuthenticator, b64url, b64url_decode

pytestmark = pytest.mark.django_db

CODES_SHOWN_ONCE = "mfa/recovery_codes/generated.html"


@pytest.fixture
def browser():
    return HttpsClient()


@pytest.fixture
def alice_client(user, password):
    return login_client(HttpsClient(), user, password)


@pytest.fixture
def soft():
    return SoftAuthenticator()


def catch_all(signal_catcher, *names):
    return {name: signal_catcher(getattr(signals, name)) for name in names}


MFA_SIGNALS = (
    "authenticator_added",
    "authenticator_used",
    "authentication_failed",
    "authentication_step_completed",
    "user_logged_in",
    "suspicious_activity",
)


def template_names(response):
    return [t.name for t in response.templates]


def asks_for_a_second_factor(response, next_url):
    """Sent to confirm with a second factor (F8), then back to ``next_url``."""
    return response.status_code == 302 and response["Location"] == (
        f"{FACTOR_REAUTH_URL}?next={quote(next_url, safe='')}"
    )


def reauthenticate_with_key(client, soft, next_url):
    """Confirm it's you with ``soft``'s key through the real page, as a browser would.

    Key management asks a user who has a second factor for a recent use of it (F8); tests
    about managing keys get there this way.
    """
    options = options_in(client.get(f"{REAUTH_URL}?next={quote(next_url)}"))
    response = post_credential(client, REAUTH_URL, soft.get(options), next=next_url)
    assert response.status_code == 302 and response["Location"] == next_url


# --- Registration ---------------------------------------------------------------------------------


def test_add_key_stores_the_credential_and_sends_authenticator_added(
    alice_client, user, soft, signal_catcher, mailoutbox
):
    added = signal_catcher(signals.authenticator_added)
    page = alice_client.get(ADD_URL)
    assert page.status_code == 200
    options = options_in(page)
    key_options = options["key"]
    assert key_options["rp"]["id"] == "testserver"
    assert b64url_decode(key_options["user"]["id"]) == str(user.pk).encode()
    assert len(b64url_decode(key_options["challenge"])) >= 16
    assert key_options["authenticatorSelection"]["residentKey"] == "discouraged"
    assert options["passkey"]["challenge"] == key_options["challenge"]

    response = alice_client.post(
        ADD_URL,
        {"name": "Blue key", "credential": json.dumps(soft.create(key_options, uv=False))},
    )

    # Her first second factor: the answer shows her new recovery codes (tested below).
    assert response.status_code == 200
    assert CODES_SHOWN_ONCE in template_names(response)
    authenticator = Authenticator.objects.get(user=user, type="webauthn")
    assert authenticator.data == {
        "credential_id": b64url(soft.credential_id),
        "credential": b64url(soft.attested_credential_data()),
        "sign_count": 0,
        "transports": ["internal"],
        "user_verified": False,
        "name": "Blue key",
        "passwordless": False,
    }
    calls = [c for c in added.call_args_list if c.kwargs["authenticator"] == authenticator]
    assert calls == [
        mock.call(
            signal=signals.authenticator_added,
            sender=Authenticator,
            request=mock.ANY,
            user=user,
            authenticator=authenticator,
        )
    ]
    assert [m.subject for m in mailoutbox][-1].endswith("A security key was added to your account")
    assert "Blue key" in mailoutbox[-1].body
    listing = alice_client.get(LIST_URL).content.decode()
    assert "Blue key" in listing and "Security key" in listing


def test_the_first_key_shows_new_recovery_codes_once_and_a_second_key_none(
    alice_client, user, signal_catcher
):
    added = signal_catcher(signals.authenticator_added)
    first, second = SoftAuthenticator(), SoftAuthenticator()
    options = options_in(alice_client.get(ADD_URL))["key"]

    response = post_credential(alice_client, ADD_URL, first.create(options), name="First")

    assert response.status_code == 200
    assert CODES_SHOWN_ONCE in template_names(response)
    codes = shown_codes(response)
    assert len(codes) == 10 == len(set(codes))
    key = Authenticator.objects.get(user=user, type="webauthn")
    stored = Authenticator.objects.get(user=user, type="recovery_codes")
    assert [c.kwargs["authenticator"] for c in added.call_args_list] == [key, stored]
    # Registering counted as using the key: downloading the codes right after needs no
    # further confirmation, and the download holds exactly the codes shown.
    record = alice_client.session["account_authentication_records"][-1]
    assert record == {
        "method": "webauthn",
        "type": "webauthn",
        "id": key.pk,
        "enrolled": True,
        "at": mock.ANY,
    }
    download = alice_client.get("/accounts/2fa/recovery-codes/download/")
    assert download.status_code == 200
    assert all(code in download.content.decode() for code in codes)
    # Shown once: the recovery-codes page does not show them again.
    page = alice_client.get("/accounts/2fa/recovery-codes/")
    assert page.status_code == 200
    assert not any(code in page.content.decode() for code in codes)

    options = options_in(alice_client.get(ADD_URL))["key"]
    response = post_credential(alice_client, ADD_URL, second.create(options), name="Second")

    assert response.status_code == 302 and response["Location"] == LIST_URL
    second_key = Authenticator.objects.get(user=user, data__name="Second")
    assert [c.kwargs["authenticator"] for c in added.call_args_list[2:]] == [second_key]
    assert list(Authenticator.objects.filter(user=user, type="recovery_codes")) == [stored]
    stored_now = Authenticator.objects.get(pk=stored.pk)
    assert stored_now.data == stored.data
    assert recovery_codes.use_code(stored_now, codes[0])


def test_add_passkey_requires_user_verification(alice_client, user, soft, signal_catcher):
    added = signal_catcher(signals.authenticator_added)
    options = options_in(alice_client.get(ADD_URL))["passkey"]
    assert options["authenticatorSelection"] == {
        "residentKey": "required",
        "requireResidentKey": True,
        "userVerification": "required",
    }
    response = post_credential(
        alice_client, ADD_URL, soft.create(options, uv=False), name="Phone", passwordless="on"
    )
    assert response.status_code == 200
    assert "could not be verified" in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()
    added.assert_not_called()

    options = options_in(alice_client.get(ADD_URL))["passkey"]
    response = post_credential(
        alice_client, ADD_URL, soft.create(options), name="Phone", passwordless="on"
    )
    assert response.status_code == 200 and CODES_SHOWN_ONCE in template_names(response)
    assert Authenticator.objects.get(user=user, type="webauthn").data["passwordless"] is True


@pytest.mark.parametrize(
    "bad",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://testserver"},
        {"rp_id": "evil.example"},
        {"type": "webauthn.get"},
        {"challenge": b64url(b"x" * 32)},
        {"up": False},
    ],
    ids=["evil-origin", "http-origin", "rp-id-hash", "type", "challenge", "no-user-presence"],
)
def test_bad_registrations_are_refused(alice_client, user, soft, signal_catcher, bad, mailoutbox):
    added = signal_catcher(signals.authenticator_added)
    options = options_in(alice_client.get(ADD_URL))["key"]
    response = post_credential(alice_client, ADD_URL, soft.create(options, **bad), name="Key")
    assert response.status_code == 200
    assert "could not be verified" in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()
    added.assert_not_called()
    assert mailoutbox == []


def test_a_registration_response_cannot_be_replayed(alice_client, user, soft, signal_catcher):
    options = options_in(alice_client.get(ADD_URL))["key"]
    credential = soft.create(options)
    response = post_credential(alice_client, ADD_URL, credential, name="Key")
    assert response.status_code == 200 and CODES_SHOWN_ONCE in template_names(response)
    Authenticator.objects.filter(user=user).delete()
    added = signal_catcher(signals.authenticator_added)
    response = post_credential(alice_client, ADD_URL, credential, name="Key")
    assert "expired or was already used" in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()
    added.assert_not_called()


def test_a_credential_id_registered_to_someone_else_is_refused(
    alice_client, user, other_user, soft, signal_catcher
):
    make_key(other_user, soft, passwordless=False)
    added = signal_catcher(signals.authenticator_added)
    options = options_in(alice_client.get(ADD_URL))["key"]
    response = post_credential(alice_client, ADD_URL, soft.create(options), name="Key")
    assert "already registered" in response.content.decode()
    assert not Authenticator.objects.filter(user=user).exists()
    assert Authenticator.objects.get(type="webauthn").user == other_user
    added.assert_not_called()


@pytest.mark.parametrize("length,accepted", [(1023, True), (1024, False)])
def test_credential_id_length_is_bounded(alice_client, user, length, accepted):
    soft = SoftAuthenticator(credential_id=b"\x01" * length)
    options = options_in(alice_client.get(ADD_URL))["key"]
    response = post_credential(alice_client, ADD_URL, soft.create(options), name="Key")
    assert Authenticator.objects.filter(user=user).exists() is accepted
    if not accepted:
        assert "too long" in response.content.decode()


def test_raw_id_must_match_the_attested_credential(alice_client, user, soft):
    options = options_in(alice_client.get(ADD_URL))["key"]
    response = post_credential(
        alice_client, ADD_URL, soft.create(options, raw_id=b"other id"), name="Key"
    )
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "value,message",
    [
        ("", "did not send its answer"),
        ("not json", "unreadable answer"),
        ("[1, 2]", "unreadable answer"),
        ('{"id": "x"}', "answer could not be read"),
    ],
)
def test_unreadable_credentials_are_form_errors(alice_client, user, value, message):
    alice_client.get(ADD_URL)
    response = alice_client.post(ADD_URL, {"name": "Key", "credential": value})
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html.replace("&#x27;", "'")
    # The answer is never echoed back, so the next try runs a new ceremony.
    assert '<input type="hidden" name="credential" id="id_credential">' in html
    assert not Authenticator.objects.filter(user=user).exists()


def test_adding_a_key_needs_recent_authentication(alice_client, user, soft):
    options = options_in(alice_client.get(ADD_URL))["key"]
    later = timezone.now() + timedelta(seconds=account_settings.REAUTHENTICATION_TIMEOUT + 5)
    with time_machine.travel(later):
        response = post_credential(alice_client, ADD_URL, soft.create(options), name="Key")
        assert response.status_code == 302
        assert (
            response["Location"]
            == "/accounts/reauthenticate/?next=%2Faccounts%2F2fa%2Fwebauthn%2Fadd%2F"
        )
        assert alice_client.get(ADD_URL)["Location"].startswith("/accounts/reauthenticate/")
    assert not Authenticator.objects.filter(user=user).exists()


def test_anonymous_users_are_sent_to_login(browser):
    for url in (LIST_URL, ADD_URL, REAUTH_URL):
        assert browser.get(url)["Location"].startswith("/accounts/login/")


# --- List, rename, remove -------------------------------------------------------------------------


def test_list_shows_only_own_keys(alice_client, user, other_user):
    make_key(user, SoftAuthenticator(), name="Alice key")
    make_key(other_user, SoftAuthenticator(), name="Bob key")
    html = alice_client.get(LIST_URL).content.decode()
    assert "Alice key" in html and "Bob key" not in html
    assert "Passkey" in html


def test_rename_own_key_only(alice_client, user, other_user, soft):
    mine = make_key(user, soft, name="Old")
    theirs = make_key(other_user, SoftAuthenticator(), name="Bob key")
    reauthenticate_with_key(alice_client, soft, LIST_URL)
    assert alice_client.get(f"/accounts/2fa/webauthn/keys/{mine.pk}/edit/").status_code == 200
    response = alice_client.post(f"/accounts/2fa/webauthn/keys/{mine.pk}/edit/", {"name": "New"})
    assert response["Location"] == LIST_URL
    mine.refresh_from_db()
    assert mine.data["name"] == "New" and mine.data["credential_id"]
    response = alice_client.post(f"/accounts/2fa/webauthn/keys/{theirs.pk}/edit/", {"name": "X"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.data["name"] == "Bob key"


def test_remove_own_key(alice_client, user, signal_catcher, mailoutbox):
    removed = signal_catcher(signals.authenticator_removed)
    AuthenticatorFactory(user=user, type="totp")
    spare = SoftAuthenticator()
    key = make_key(user, spare, name="Spare")
    pk = key.pk
    url = f"/accounts/2fa/webauthn/keys/{pk}/remove/"
    reauthenticate_with_key(alice_client, spare, url)
    assert "Remove “Spare”?" in alice_client.get(url).content.decode()
    assert Authenticator.objects.filter(pk=pk).exists()

    response = alice_client.post(url)

    assert response["Location"] == LIST_URL
    assert not Authenticator.objects.filter(pk=pk).exists()
    removed.assert_called_once_with(
        signal=signals.authenticator_removed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=mock.ANY,
    )
    assert removed.call_args.kwargs["authenticator"].pk == pk
    assert mailoutbox[-1].subject.endswith("A security key was removed from your account")


def test_cannot_remove_someone_elses_key(alice_client, other_user, signal_catcher):
    removed = signal_catcher(signals.authenticator_removed)
    theirs = make_key(other_user, SoftAuthenticator())
    response = alice_client.post(f"/accounts/2fa/webauthn/keys/{theirs.pk}/remove/")
    assert response.status_code == 404
    assert Authenticator.objects.filter(pk=theirs.pk).exists()
    removed.assert_not_called()


def test_removing_needs_recent_authentication_and_post(alice_client, user, soft, signal_catcher):
    removed = signal_catcher(signals.authenticator_removed)
    key = make_key(user, soft)
    url = f"/accounts/2fa/webauthn/keys/{key.pk}/remove/"
    reauthenticate_with_key(alice_client, soft, url)
    later = timezone.now() + timedelta(seconds=account_settings.REAUTHENTICATION_TIMEOUT + 5)
    with time_machine.travel(later):
        response = alice_client.post(url)
    assert asks_for_a_second_factor(response, url)
    assert alice_client.put(url).status_code == 405
    assert Authenticator.objects.filter(pk=key.pk).exists()
    removed.assert_not_called()


def test_a_password_alone_does_not_let_a_key_holder_manage_keys(
    alice_client, user, password, soft, signal_catcher
):
    """F8: once she has a key, only a recent use of a second factor lets her change them."""
    key = make_key(user, soft, name="Blue key")
    edit_url = f"/accounts/2fa/webauthn/keys/{key.pk}/edit/"
    remove_url = f"/accounts/2fa/webauthn/keys/{key.pk}/remove/"
    caught = catch_all(signal_catcher, "authenticator_added", "authenticator_removed")
    response = alice_client.post(
        "/accounts/reauthenticate/", {"password": password, "next": remove_url}
    )
    assert response.status_code == 302 and response["Location"] == remove_url

    for url in (ADD_URL, edit_url, remove_url):
        assert asks_for_a_second_factor(alice_client.get(url), url)
    made_up = SoftAuthenticator().create(
        {"challenge": b64url(b"c" * 32), "user": {"id": b64url(str(user.pk).encode())}}
    )
    assert asks_for_a_second_factor(
        post_credential(alice_client, ADD_URL, made_up, name="Sneaky"), ADD_URL
    )
    assert asks_for_a_second_factor(alice_client.post(edit_url, {"name": "Renamed"}), edit_url)
    assert asks_for_a_second_factor(alice_client.post(remove_url), remove_url)
    assert list(Authenticator.objects.filter(user=user)) == [key]
    key.refresh_from_db()
    assert key.data["name"] == "Blue key"
    for receiver in caught.values():
        receiver.assert_not_called()

    reauthenticate_with_key(alice_client, soft, remove_url)

    assert alice_client.get(ADD_URL).status_code == 200
    assert alice_client.get(edit_url).status_code == 200
    response = alice_client.post(remove_url)
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert not Authenticator.objects.filter(pk=key.pk).exists()
    assert caught["authenticator_removed"].call_args.kwargs["authenticator"].pk == key.pk
    caught["authenticator_added"].assert_not_called()


def test_removing_the_last_second_factor_deletes_the_recovery_codes(
    alice_client, user, signal_catcher
):
    removed = signal_catcher(signals.authenticator_removed)
    codes = AuthenticatorFactory(user=user, type="recovery_codes")
    soft = SoftAuthenticator()
    first, second = make_key(user, soft), make_key(user, SoftAuthenticator())
    reauthenticate_with_key(alice_client, soft, LIST_URL)

    alice_client.post(f"/accounts/2fa/webauthn/keys/{first.pk}/remove/")
    assert Authenticator.objects.filter(pk=codes.pk).exists()

    alice_client.post(f"/accounts/2fa/webauthn/keys/{second.pk}/remove/")
    assert not Authenticator.objects.filter(user=user).exists()
    assert [c.kwargs["authenticator"].pk for c in removed.call_args_list] == [
        first.pk,
        second.pk,
        codes.pk,
    ]


# --- Challenges (F9) ------------------------------------------------------------------------------


def test_each_begin_issues_a_new_random_challenge(browser):
    first = options_in(browser.get(LOGIN_URL))["challenge"]
    second = options_in(browser.get(LOGIN_URL))["challenge"]
    assert first != second
    assert len(b64url_decode(first)) >= 16 and len(b64url_decode(second)) >= 16


def test_passkey_login_options_ask_for_user_verification(browser):
    options = options_in(browser.get(LOGIN_URL))
    assert options["userVerification"] == "required"
    assert options["rpId"] == "testserver"
    assert not options.get("allowCredentials")


def test_an_assertion_for_an_earlier_challenge_fails(browser, user, soft, signal_catcher):
    make_key(user, soft)
    caught = catch_all(signal_catcher, *MFA_SIGNALS)
    earlier = options_in(browser.get(LOGIN_URL))
    browser.get(LOGIN_URL)
    response = post_credential(browser, LOGIN_URL, soft.get(earlier))
    assert "could not be verified" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    caught["user_logged_in"].assert_not_called()
    caught["authentication_step_completed"].assert_not_called()


def test_a_complete_without_begin_fails(browser, user, soft, signal_catcher):
    make_key(user, soft)
    logged_in = signal_catcher(signals.user_logged_in)
    options = {"challenge": b64url(b"c" * 32)}
    response = post_credential(browser, LOGIN_URL, soft.get(options))
    assert "expired or was already used" in response.content.decode()
    logged_in.assert_not_called()


def test_a_challenge_expires_after_five_minutes(browser, user, soft, signal_catcher):
    make_key(user, soft)
    logged_in = signal_catcher(signals.user_logged_in)
    options = options_in(browser.get(LOGIN_URL))
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=5)):
        response = post_credential(browser, LOGIN_URL, soft.get(options))
    assert "expired or was already used" in response.content.decode()
    logged_in.assert_not_called()


def test_an_accepted_assertion_cannot_be_replayed(make_client, user, soft, signal_catcher):
    make_key(user, soft)
    first, second = HttpsClient(), HttpsClient()
    assertion = soft.get(options_in(first.get(LOGIN_URL)))
    assert post_credential(first, LOGIN_URL, assertion).status_code == 302
    logged_in = signal_catcher(signals.user_logged_in)
    # Another browser with its own challenge, and the same browser after signing out.
    second.get(LOGIN_URL)
    assert post_credential(second, LOGIN_URL, assertion).status_code == 200
    first.post("/accounts/logout/")
    assert post_credential(first, LOGIN_URL, assertion).status_code == 200
    logged_in.assert_not_called()


# --- Passkey login --------------------------------------------------------------------------------


def test_passkey_login_signs_in_without_password(browser, user, soft, signal_catcher):
    key = make_key(user, soft, sign_count=3)
    caught = catch_all(signal_catcher, *MFA_SIGNALS)
    options = options_in(browser.get(f"{LOGIN_URL}?next=/accounts/email/"))

    response = post_credential(
        browser, LOGIN_URL, soft.get(options, sign_count=4), next="/accounts/email/"
    )

    assert response.status_code == 302 and response["Location"] == "/accounts/email/"
    assert int(browser.session["_auth_user_id"]) == user.pk
    assert UserSession.objects.filter(user=user).count() == 1
    caught["authentication_step_completed"].assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="webauthn",
        type="webauthn",
        id=key.pk,
        passwordless=True,
    )
    caught["authenticator_used"].assert_called_once_with(
        signal=signals.authenticator_used,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=key,
        reauthenticated=False,
        passwordless=True,
    )
    caught["user_logged_in"].assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=response, user=user
    )
    caught["authentication_failed"].assert_not_called()
    key.refresh_from_db()
    assert key.data["sign_count"] == 4 and key.last_used_at is not None
    assert browser.session["account_authentication_records"][-1]["method"] == "webauthn"


@pytest.mark.parametrize(
    "bad,kind",
    [
        ({"uv": False}, "no-user-verification"),
        ({"up": False}, "no-user-presence"),
        ({"origin": "https://evil.example"}, "evil-origin"),
        ({"origin": "http://testserver"}, "http-origin"),
        ({"rp_id": "evil.example"}, "rp-id-hash"),
        ({"type": "webauthn.create"}, "type"),
        ({"challenge": b64url(b"z" * 32)}, "challenge"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_passkey_logins_are_refused(browser, user, soft, signal_catcher, bad, kind):
    key = make_key(user, soft)
    caught = catch_all(signal_catcher, *MFA_SIGNALS)
    options = options_in(browser.get(LOGIN_URL))
    response = post_credential(browser, LOGIN_URL, soft.get(options, **bad))
    assert response.status_code == 200
    assert "could not be verified" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    caught["authentication_failed"].assert_called_once_with(
        signal=signals.authentication_failed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=key,
        reauthentication=False,
    )
    for name in ("authentication_step_completed", "authenticator_used", "user_logged_in"):
        caught[name].assert_not_called()
    key.refresh_from_db()
    assert key.data["sign_count"] == 0 and key.last_used_at is None


def test_http_request_with_http_origin_is_refused(user, soft, signal_catcher):
    """Only https (or http://localhost) origins: a plain-http site cannot use keys."""
    make_key(user, soft)
    client = Client()
    logged_in = signal_catcher(signals.user_logged_in)
    options = options_in(client.get(LOGIN_URL))
    response = post_credential(client, LOGIN_URL, soft.get(options, origin="http://testserver"))
    assert "could not be verified" in response.content.decode()
    logged_in.assert_not_called()


def test_the_insecure_origin_switch_is_off_in_production():
    code = "from accounts.mfa.webauthn.auth import allows_insecure_origin as a; print(a())"
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 50,
        "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN": "1",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    assert result.stdout.strip() == "False"
    assert allows_insecure_origin() is False


@pytest.mark.parametrize("debug,accepted", [(False, False), (True, True)])
def test_insecure_origin_switch_only_works_with_debug(user, soft, debug, accepted):
    soft.origin = "http://testserver"
    make_key(user, soft)
    client = Client()
    with override_settings(MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN=True, DEBUG=debug):
        options = options_in(client.get(LOGIN_URL))
        response = post_credential(client, LOGIN_URL, soft.get(options))
    assert (response.status_code == 302) is accepted


def test_rp_id_comes_from_the_setting(browser, user, soft, signal_catcher):
    make_key(user, soft)
    logged_in = signal_catcher(signals.user_logged_in)
    with override_settings(MFA_WEBAUTHN_RP_ID="example.com"):
        options = options_in(browser.get(LOGIN_URL))
        assert options["rpId"] == "example.com"
        # Signed for example.com but from https://testserver, which example.com does not cover.
        post_credential(browser, LOGIN_URL, soft.get(options, rp_id="example.com"))
    logged_in.assert_not_called()


@pytest.mark.parametrize(
    "origin,accepted",
    [("https://accounts.example.com", True), ("https://other.example.com", False)],
)
def test_origin_must_be_this_site_not_a_sibling_under_the_rp_id(user, origin, accepted):
    """With RP id example.com, a page on another subdomain cannot sign in to this site."""
    soft = SoftAuthenticator(rp_id="example.com", origin=origin)
    make_key(user, soft)
    client = HttpsClient(HTTP_HOST="accounts.example.com")
    with override_settings(
        MFA_WEBAUTHN_RP_ID="example.com", ALLOWED_HOSTS=["accounts.example.com"]
    ):
        options = options_in(client.get(LOGIN_URL))
        response = post_credential(client, LOGIN_URL, soft.get(options))
    assert (response.status_code == 302) is accepted


def test_rp_id_defaults_to_the_host_without_port(rf):
    from accounts.mfa.webauthn.auth import get_rp_id

    request = rf.get("/", HTTP_HOST="localhost:8123")
    assert get_rp_id(request) == "localhost"


def test_passkey_login_with_anothers_credential_and_own_user_handle_fails(
    browser, user, other_user, soft, signal_catcher
):
    bobs = make_key(other_user, soft)
    caught = catch_all(signal_catcher, *MFA_SIGNALS)
    options = options_in(browser.get(LOGIN_URL))
    response = post_credential(
        browser, LOGIN_URL, soft.get(options, user_handle=str(user.pk).encode())
    )
    assert "could not be verified" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    caught["authentication_failed"].assert_called_once_with(
        signal=signals.authentication_failed,
        sender=Authenticator,
        request=mock.ANY,
        user=other_user,
        authenticator=bobs,
        reauthentication=False,
    )
    caught["user_logged_in"].assert_not_called()


def test_passkey_login_without_user_handle_fails(browser, user, soft, signal_catcher):
    make_key(user, soft)
    logged_in = signal_catcher(signals.user_logged_in)
    options = options_in(browser.get(LOGIN_URL))
    soft.user_handle = None
    assertion = soft.get(options)
    assert "userHandle" not in assertion["response"]
    post_credential(browser, LOGIN_URL, assertion)
    logged_in.assert_not_called()


def test_unknown_passkey_fails_without_naming_anyone(browser, user, signal_catcher):
    caught = catch_all(signal_catcher, *MFA_SIGNALS)
    stranger = SoftAuthenticator()
    stranger.user_handle = str(user.pk).encode()
    options = options_in(browser.get(LOGIN_URL))
    response = post_credential(browser, LOGIN_URL, stranger.get(options))
    assert "not registered" in response.content.decode()
    for receiver in caught.values():
        receiver.assert_not_called()


def test_inactive_user_cannot_sign_in_with_a_passkey(browser, soft, signal_catcher):
    sleepy = UserFactory(username="sleepy", is_active=False)
    make_key(sleepy, soft)
    logged_in = signal_catcher(signals.user_logged_in)
    options = options_in(browser.get(LOGIN_URL))
    response = post_credential(browser, LOGIN_URL, soft.get(options))
    assert response["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in browser.session
    logged_in.assert_not_called()


def test_passkey_login_is_rate_limited_per_ip(browser, user, soft, signal_catcher):
    make_key(user, soft)
    limited = signal_catcher(signals.rate_limited)
    for _ in range(10):
        browser.get(LOGIN_URL)
        assert browser.post(LOGIN_URL, {"credential": "{}"}).status_code == 200
    options = options_in(browser.get(LOGIN_URL))
    response = post_credential(browser, LOGIN_URL, soft.get(options))
    assert response.status_code == 429
    assert "_auth_user_id" not in browser.session
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=mock.ANY,
        action="login_webauthn",
        user=None,
    )


def test_passkey_login_needs_csrf_token(user, soft):
    make_key(user, soft)
    client = HttpsClient(enforce_csrf_checks=True)
    page = client.get(LOGIN_URL)
    options = options_in(page)
    referer = {"HTTP_REFERER": "https://testserver/accounts/2fa/webauthn/login/"}
    response = client.post(LOGIN_URL, {"credential": json.dumps(soft.get(options))}, **referer)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    options = options_in(client.get(LOGIN_URL))
    response = client.post(
        LOGIN_URL,
        {"credential": json.dumps(soft.get(options)), "csrfmiddlewaretoken": token},
        **referer,
    )
    assert response.status_code == 302


def test_signed_in_users_skip_the_passkey_page(alice_client):
    assert alice_client.get(LOGIN_URL)["Location"] == "/"


def test_login_page_links_to_passkey_login(browser):
    html = browser.get("/accounts/login/").content.decode()
    assert 'action="/accounts/2fa/webauthn/login/"' in html
    assert "Sign in with a passkey" in html


def test_passkey_page_loads_the_script_without_inline_code(browser):
    html = browser.get(LOGIN_URL).content.decode()
    assert '<script src="/static/js/webauthn.js" defer></script>' in html
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == []
    assert finders.find("js/webauthn.js")


# --- Sign count (F12) -----------------------------------------------------------------------------


def test_a_lower_sign_count_is_refused_as_a_possible_clone(browser, user, soft, signal_catcher):
    key = make_key(user, soft, sign_count=10)
    caught = catch_all(signal_catcher, *MFA_SIGNALS)
    options = options_in(browser.get(LOGIN_URL))

    response = post_credential(browser, LOGIN_URL, soft.get(options, sign_count=5))

    assert "may have been copied" in response.content.decode()
    assert "_auth_user_id" not in browser.session
    caught["suspicious_activity"].assert_called_once_with(
        signal=signals.suspicious_activity,
        sender=User,
        request=mock.ANY,
        user=user,
        reason="webauthn_sign_count",
        details={"authenticator_id": key.pk, "stored_sign_count": 10, "received_sign_count": 5},
    )
    caught["authentication_failed"].assert_called_once_with(
        signal=signals.authentication_failed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=key,
        reauthentication=False,
    )
    for name in ("authentication_step_completed", "authenticator_used", "user_logged_in"):
        caught[name].assert_not_called()
    key.refresh_from_db()
    assert key.data["sign_count"] == 10


@pytest.mark.parametrize(
    "stored,received,accepted",
    [(10, 10, False), (10, 0, False), (10, 11, True), (0, 0, True), (0, 1, True)],
)
def test_sign_count_rules(browser, user, soft, signal_catcher, stored, received, accepted):
    key = make_key(user, soft, sign_count=stored)
    suspicious = signal_catcher(signals.suspicious_activity)
    options = options_in(browser.get(LOGIN_URL))
    response = post_credential(browser, LOGIN_URL, soft.get(options, sign_count=received))
    assert (response.status_code == 302) is accepted
    assert suspicious.called is not accepted
    key.refresh_from_db()
    assert key.data["sign_count"] == (received if accepted else stored)


# --- Second login step ----------------------------------------------------------------------------


@pytest.fixture
def second_step():
    """The second-step page (/accounts/2fa/authenticate/) is the real one."""


def start_password_login(client, user, password):
    response = client.post("/accounts/login/", {"login": user.username, "password": password})
    assert response["Location"] == SECOND_STEP_URL
    return options_in(client.get(SECOND_STEP_URL), "webauthn-authenticate-options")


def test_second_step_with_a_security_key(second_step, browser, user, password, signal_catcher):
    soft = SoftAuthenticator()
    key = make_key(user, soft, passwordless=False)
    options = start_password_login(browser, user, password)
    assert [d["id"] for d in options["allowCredentials"]] == [b64url(soft.credential_id)]
    assert options["userVerification"] == "preferred"
    caught = catch_all(signal_catcher, *MFA_SIGNALS)

    response = post_credential(browser, SECOND_STEP_URL, soft.get(options, uv=False))

    assert response["Location"] == "/"
    assert int(browser.session["_auth_user_id"]) == user.pk
    caught["authentication_step_completed"].assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="webauthn",
        type="webauthn",
        id=key.pk,
    )
    caught["authenticator_used"].assert_called_once_with(
        signal=signals.authenticator_used,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=key,
        reauthenticated=False,
        passwordless=False,
    )
    caught["user_logged_in"].assert_called_once_with(
        signal=signals.user_logged_in, sender=User, request=mock.ANY, response=response, user=user
    )
    caught["authentication_failed"].assert_not_called()


def test_second_step_with_anothers_key_fails(
    second_step, browser, user, other_user, password, signal_catcher
):
    make_key(user, SoftAuthenticator(), passwordless=False)
    bobs = SoftAuthenticator()
    make_key(other_user, bobs)
    options = start_password_login(browser, user, password)
    caught = catch_all(signal_catcher, *MFA_SIGNALS)

    response = post_credential(browser, SECOND_STEP_URL, bobs.get(options))

    assert response["Location"] == SECOND_STEP_URL
    assert "_auth_user_id" not in browser.session
    caught["authentication_failed"].assert_called_once_with(
        signal=signals.authentication_failed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=None,
        reauthentication=False,
    )
    for name in ("authentication_step_completed", "authenticator_used", "user_logged_in"):
        caught[name].assert_not_called()
    page = browser.get(SECOND_STEP_URL).content.decode()
    assert "not registered for this account" in page


def test_second_step_refuses_a_lower_sign_count(
    second_step, browser, user, password, signal_catcher
):
    soft = SoftAuthenticator()
    make_key(user, soft, sign_count=7, passwordless=False)
    options = start_password_login(browser, user, password)
    suspicious = signal_catcher(signals.suspicious_activity)
    logged_in = signal_catcher(signals.user_logged_in)
    post_credential(browser, SECOND_STEP_URL, soft.get(options, sign_count=7))
    assert suspicious.call_args.kwargs["reason"] == "webauthn_sign_count"
    logged_in.assert_not_called()


def test_second_step_failures_are_rate_limited(
    second_step, browser, user, password, signal_catcher
):
    soft = SoftAuthenticator()
    make_key(user, soft, passwordless=False)
    start_password_login(browser, user, password)
    for _ in range(5):
        browser.post(SECOND_STEP_URL, {"credential": "{}"})
    limited = signal_catcher(signals.rate_limited)
    options = options_in(browser.get(SECOND_STEP_URL), "webauthn-authenticate-options")
    response = post_credential(browser, SECOND_STEP_URL, soft.get(options))
    assert response.status_code == 429
    assert "_auth_user_id" not in browser.session
    limited.assert_called_once_with(
        signal=signals.rate_limited,
        sender=None,
        request=mock.ANY,
        action="mfa_failed",
        user=user,
    )


def test_wrong_codes_and_wrong_keys_share_one_budget(
    second_step, browser, user, password, signal_catcher
):
    """3 wrong TOTP codes + 2 bad key assertions use up the account's 5 tries together."""
    soft = SoftAuthenticator()
    make_key(user, soft, passwordless=False)
    add_totp(user)
    start_password_login(browser, user, password)
    for _ in range(3):
        browser.post(SECOND_STEP_URL, {"code": "000000"})
    for _ in range(2):
        browser.post(SECOND_STEP_URL, {"credential": "{}"})
    limited = signal_catcher(signals.rate_limited)
    options = options_in(browser.get(SECOND_STEP_URL), "webauthn-authenticate-options")
    response = post_credential(browser, SECOND_STEP_URL, soft.get(options))
    assert response.status_code == 429
    assert "_auth_user_id" not in browser.session
    assert limited.call_args.kwargs["action"] == "mfa_failed"


def test_second_step_page_offers_no_key_to_users_without_one(second_step, browser, user, password):
    AuthenticatorFactory(user=user, type="totp")
    browser.post("/accounts/login/", {"login": user.username, "password": password})
    html = browser.get(SECOND_STEP_URL).content.decode()
    assert "webauthn-authenticate-options" not in html


# --- Reauthentication -----------------------------------------------------------------------------


def test_reauthenticate_with_a_key(alice_client, user, signal_catcher):
    soft = SoftAuthenticator()
    key = make_key(user, soft, passwordless=False)
    later = timezone.now() + timedelta(seconds=account_settings.REAUTHENTICATION_TIMEOUT + 5)
    with time_machine.travel(later):
        assert asks_for_a_second_factor(alice_client.get(ADD_URL), ADD_URL)
        # Without a code factor, the second-factor page sends her on to the key page.
        response = alice_client.get(f"{FACTOR_REAUTH_URL}?next={quote(ADD_URL)}")
        assert response["Location"] == f"{REAUTH_URL}?next={quote(ADD_URL, safe='')}"
        reauth_page = alice_client.get("/accounts/reauthenticate/?next=/accounts/2fa/webauthn/add/")
        assert 'data-testid="reauthenticate-webauthn"' in reauth_page.content.decode()
        options = options_in(alice_client.get(f"{REAUTH_URL}?next={ADD_URL}"))
        caught = catch_all(signal_catcher, *MFA_SIGNALS)
        old_key = alice_client.session.session_key

        response = post_credential(alice_client, REAUTH_URL, soft.get(options), next=ADD_URL)

        assert response["Location"] == ADD_URL
        assert alice_client.session.session_key != old_key
        assert alice_client.get(ADD_URL).status_code == 200
    caught["authentication_step_completed"].assert_called_once_with(
        signal=signals.authentication_step_completed,
        sender=User,
        request=mock.ANY,
        user=user,
        method="webauthn",
        type="webauthn",
        id=key.pk,
        reauthenticated=True,
    )
    caught["authenticator_used"].assert_called_once_with(
        signal=signals.authenticator_used,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=key,
        reauthenticated=True,
        passwordless=False,
    )
    caught["user_logged_in"].assert_not_called()


def test_failed_reauthentication_sends_authentication_failed(alice_client, user, signal_catcher):
    soft = SoftAuthenticator()
    key = make_key(user, soft, passwordless=False)
    options = options_in(alice_client.get(REAUTH_URL))
    caught = catch_all(signal_catcher, *MFA_SIGNALS)
    response = post_credential(alice_client, REAUTH_URL, soft.get(options, up=False))
    assert response.status_code == 200
    caught["authentication_failed"].assert_called_once_with(
        signal=signals.authentication_failed,
        sender=Authenticator,
        request=mock.ANY,
        user=user,
        authenticator=key,
        reauthentication=True,
    )
    caught["authentication_step_completed"].assert_not_called()
    caught["authenticator_used"].assert_not_called()


def test_reauthenticate_page_without_keys(alice_client):
    html = alice_client.get(REAUTH_URL).content.decode()
    assert 'data-testid="webauthn-no-keys"' in html
    assert "webauthn-options" not in html
