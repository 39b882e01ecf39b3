"""Property-based fuzz of every account endpoint that takes a POST (checklist I1, I2, I11).

Each example starts from a fresh state inside a savepoint (rolled back afterwards) where the
endpoint does real work: a signed-in user with a recent authentication (and, for factor
pages, a recent second factor), a pending second step, or nobody. Every field gets arbitrary
text, huge values, NUL and control characters, JSON-looking junk, or a list of values;
path parameters (confirmation and reset keys, key ids) are fuzzed too. The answer must be a
page, a redirect or a 4xx: never a 500 (the test client re-raises any exception).
"""

import time
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.authentication import AUTHENTICATION_RECORDS_SESSION_KEY
from accounts.mfa.models import Authenticator
from tests.helpers.clients import login_client
from tests.helpers.factories import UserFactory
from tests.helpers.mfa import add_recovery_codes, add_totp, current_code, start_login
from tests.helpers.webauthn import make_key
from tests.helpers.webauthn_soft import SoftAuthenticator

pytestmark = pytest.mark.django_db

ALLOWED = {200, 302, 400, 403, 404, 405, 409, 429}

JUNK = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "\u202e",
    "\ufffd",
    "{}",
    "[]",
    "null",
    "0",
    "-1",
    "99999999999999999999999",
    '{"id": 1, "rawId": [], "response": null, "type": 3}',
    '{"response": {"clientDataJSON": "%%%", "authenticatorData": 1}}',
    "https://evil.example/",
    "//evil.example",
    "javascript:alert(1)",
]
single = st.one_of(
    st.text(max_size=60),
    st.sampled_from(JUNK),
    st.just("x" * 100_000),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),
)
value = st.one_of(single, st.lists(single, min_size=2, max_size=3))
path_part = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80),
    st.sampled_from(["0", "-", "zzzzzzzzzzzzzzzzzzzzzzzz", "set-password", "1-2-3"]),
)


def _fresh_user(username):
    return UserFactory(username=username, email=f"{username}@example.com")


def _recent(client, *methods):
    """Mark the client's session as authenticated just now with ``methods``."""
    session = client.session
    session[AUTHENTICATION_RECORDS_SESSION_KEY] = [
        {"method": m, "at": time.time()} for m in methods
    ]
    session.save()


def state_anonymous():
    _fresh_user("alice")
    return Client()


def state_signed_in():
    """alice, password only, signed in just now, with a second (verified) address."""
    user = _fresh_user("alice")
    user.emailaddress_set.create(email="second@example.com", verified=True)
    return login_client(Client(), user)


def state_with_factors():
    """alice with TOTP, recovery codes and a security key, signed in with TOTP just now."""
    user = _fresh_user("alice")
    _, secret = add_totp(user)
    add_recovery_codes(user)
    make_key(user, SoftAuthenticator(), passwordless=False)
    client = Client()
    start_login(client, user)
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    _recent(client, "password", "totp")
    return client


def state_pending():
    """alice typed her password; the second step is waiting."""
    user = _fresh_user("alice")
    add_totp(user)
    add_recovery_codes(user)
    client = Client()
    start_login(client, user)
    return client


def state_without_password():
    user = _fresh_user("alice")
    user.set_unusable_password()
    user.save()
    client = Client()
    client.force_login(user)
    _recent(client, "password")
    return client


def _key_pk():
    found = Authenticator.objects.filter(type=Authenticator.Type.WEBAUTHN).first()
    return found.pk if found else 1


# (name, state, path or path template, fields)
ENDPOINTS = [
    ("signup", state_anonymous, "/accounts/signup/", ["username", "email", "password1", "password2", "next"]),
    ("login", state_anonymous, "/accounts/login/", ["login", "password", "remember", "next"]),
    ("logout", state_signed_in, "/accounts/logout/", ["next"]),
    ("reauthenticate", state_signed_in, "/accounts/reauthenticate/", ["password", "next"]),
    ("email-add", state_signed_in, "/accounts/email/", ["email", "action_add"]),
    ("email-send", state_signed_in, "/accounts/email/", ["email", "action_send"]),
    ("email-remove", state_signed_in, "/accounts/email/", ["email", "action_remove"]),
    ("email-primary", state_signed_in, "/accounts/email/", ["email", "action_primary"]),
    ("email-none", state_signed_in, "/accounts/email/", ["email", "action"]),
    ("confirm-email", state_anonymous, "/accounts/confirm-email/{key}/", ["key"]),
    ("password-change", state_signed_in, "/accounts/password/change/", ["oldpassword", "password1", "password2", "next"]),
    ("password-set", state_without_password, "/accounts/password/set/", ["password1", "password2", "next"]),
    ("password-reset", state_anonymous, "/accounts/password/reset/", ["email"]),
    ("password-reset-key", state_anonymous, "/accounts/password/reset/key/{uid}-{key}/", ["password1", "password2"]),
    ("2fa-authenticate", state_pending, "/accounts/2fa/authenticate/", ["code", "credential"]),
    ("2fa-reauthenticate", state_with_factors, "/accounts/2fa/reauthenticate/", ["code", "next"]),
    ("totp-activate", state_signed_in, "/accounts/2fa/totp/activate/", ["code"]),
    ("totp-deactivate", state_with_factors, "/accounts/2fa/totp/deactivate/", ["confirm"]),
    ("codes-generate", state_with_factors, "/accounts/2fa/recovery-codes/generate/", ["confirm"]),
    ("webauthn-add", state_with_factors, "/accounts/2fa/webauthn/add/", ["name", "credential", "passwordless"]),
    ("webauthn-edit", state_with_factors, "/accounts/2fa/webauthn/keys/{pk}/edit/", ["name"]),
    ("webauthn-remove", state_with_factors, "/accounts/2fa/webauthn/keys/{pk}/remove/", ["confirm"]),
    ("webauthn-login", state_anonymous, "/accounts/2fa/webauthn/login/", ["credential", "next"]),
    ("webauthn-reauthenticate", state_with_factors, "/accounts/2fa/webauthn/reauthenticate/", ["credential", "next"]),
    ("sessions", state_signed_in, "/accounts/sessions/", ["session"]),
]  # fmt: skip


def _post(name, make_state, path, fields, data, key, uid):
    cache.clear()  # rate limits would otherwise answer most examples with 429
    with transaction.atomic():
        client = make_state()
        if name == "password-reset-key":
            # The emailed link first (stashes the key), then the form page posts.
            client.get(path.format(uid=quote(uid, safe=""), key=quote(key, safe="")))
            path = path.format(uid=quote(uid, safe=""), key="set-password")
        url = path.format(key=quote(key, safe=""), uid=quote(uid, safe=""), pk=_key_pk())
        if name.startswith("webauthn") or name.startswith("2fa"):
            client.get(url)  # the page stores a fresh challenge, as a browser would see it
        response = client.post(url, data)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("name,make_state,path,fields", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_post_input_makes_a_500(name, make_state, path, fields, data):
    values = data.draw(st.fixed_dictionaries({f: value for f in fields}), label="fields")
    # Sometimes leave fields out altogether.
    dropped = data.draw(st.sets(st.sampled_from(fields)), label="dropped")
    posted = {f: v for f, v in values.items() if f not in dropped}
    key = data.draw(path_part, label="key")
    uid = data.draw(path_part, label="uid")
    response = _post(name, make_state, path, fields, posted, key, uid)
    assert response.status_code in ALLOWED, (name, response.status_code)
