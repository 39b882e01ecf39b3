"""Bad input in every field of signup and login gets a form error, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP_FIELDS = ("username", "email", "password1", "password2")
LOGIN_FIELDS = ("login", "password")
SIGNUP_OK = {
    "username": "frank",
    "email": "frank@example.com",
    "password1": "a long enough passphrase",
    "password2": "a long enough passphrase",
}
BAD_VALUES = {
    "empty": "",
    "long": "x" * 10_000,
    "nul": "ab\x00cd",
    # What undecodable bytes become once Django decodes a request (U+FFFD).
    "non_utf8_looking": "caf\ufffd\ufffd",
    "control": "\x01\x02\x1b[31m",
    "rtl_override": "\u202eadmin",
    "mojibake": "Ã©Ã¨\ufffd",
}


@pytest.mark.parametrize("field", SIGNUP_FIELDS)
@pytest.mark.parametrize("kind", BAD_VALUES)
def test_signup_bad_value_gives_form_error(client, field, kind):
    response = client.post("/accounts/signup/", {**SIGNUP_OK, field: BAD_VALUES[kind]})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize("field", LOGIN_FIELDS)
@pytest.mark.parametrize("kind", BAD_VALUES)
def test_login_bad_value_gives_form_error(client, user, password, field, kind):
    response = client.post(
        "/accounts/login/", {"login": "alice", "password": password, field: BAD_VALUES[kind]}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_raw_non_utf8_body_is_not_a_500(client, user):
    body = b"login=al\xffice&password=\xfe\xfe"
    response = client.post(
        "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 400)


def test_list_values_and_missing_fields(client):
    response = client.post("/accounts/signup/", {"username": ["a", "b"]})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"email", "password1", "password2"}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.fixed_dictionaries({f: st.text(max_size=300) for f in SIGNUP_FIELDS}))
def test_signup_never_500s_on_arbitrary_text(client, values):
    response = client.post("/accounts/signup/", values)
    assert response.status_code in (200, 302, 429)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.fixed_dictionaries({f: st.text(max_size=300) for f in LOGIN_FIELDS}))
def test_login_never_500s_on_arbitrary_text(client, values):
    response = client.post("/accounts/login/", values)
    assert response.status_code in (200, 302, 429)
