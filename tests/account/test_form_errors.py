"""Issue 17, rough edge 2: a form that comes back with errors says so in one announced,
focusable summary at its top, each line linking to the field to correct, and the fields say
they are invalid and what describes them. (Focus on load: tests/e2e/test_error_summary.py.)"""

import re

import pytest

from tests.helpers.factories import UserFactory
from tests.helpers.mfa import SECRET_RE, current_code

pytestmark = pytest.mark.django_db

SUMMARY_RE = re.compile(r'<div class="alert alert-danger error-summary"[^>]*>.*?</div>', re.S)


def summary_of(response):
    (summary,) = SUMMARY_RE.findall(response.content.decode())
    return summary


def tag_of(html, element_id):
    """The opening tag of the element with ``element_id``."""
    match = re.search(rf'<[a-z]+ [^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, element_id
    return match.group(0)


def links_of(summary):
    return re.findall(r'<a class="alert-link" href="#([^"]+)">(.*?)</a>', summary, re.S)


def assert_announced(summary, summary_id="form-error-summary"):
    assert 'role="alert"' in summary
    assert 'tabindex="-1"' in summary
    assert "data-error-summary" in summary
    assert f'id="{summary_id}"' in summary


def test_wrong_password_is_announced_and_linked_to_the_fields(client):
    UserFactory(username="zoe")
    response = client.post("/accounts/login/", {"login": "zoe", "password": "not it"})
    assert response.status_code == 200
    summary = summary_of(response)
    assert_announced(summary)
    ((target, text),) = links_of(summary)
    assert target == "id_login"
    assert "do not match" in text
    html = response.content.decode()
    # A form-level error belongs to no field: each field points at the summary.
    for field in ("id_login", "id_password"):
        tag = tag_of(html, field)
        assert 'aria-invalid="true"' in tag
        assert 'aria-describedby="form-error-summary"' in tag


def test_a_field_error_links_to_its_field_which_is_described_by_its_message(client):
    response = client.post("/accounts/login/", {"login": "zoe", "password": ""})
    summary = summary_of(response)
    assert_announced(summary)
    assert [target for target, _ in links_of(summary)] == ["id_password"]
    html = response.content.decode()
    tag = tag_of(html, "id_password")
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="id_password_error"' in tag
    assert 'id="id_password_error"' in html
    assert "aria-invalid" not in tag_of(html, "id_login")


def test_no_summary_without_errors(client):
    html = client.get("/accounts/login/").content.decode()
    assert "data-error-summary" not in html
    assert "aria-invalid" not in html


def test_a_lockout_is_announced_in_the_summary(client):
    """Locked out after five wrong passwords: the sign-in form answers 429 with the refusal
    in its summary, not as a wrong password."""
    UserFactory(username="zoe")
    for _ in range(5):
        client.post("/accounts/login/", {"login": "zoe", "password": "not it"})
    response = client.post("/accounts/login/", {"login": "zoe", "password": "not it"})
    assert response.status_code == 429
    summary = summary_of(response)
    assert_announced(summary)
    ((target, text),) = links_of(summary)
    assert target == "id_login"
    assert "do not match" not in text


def test_the_rate_limit_page_is_announced(client, settings):
    """A refused request that never reaches a form (the 429 page) is announced the same way."""
    settings.ACCOUNT_RATE_LIMITS = {"login": "1/m/ip"}
    client.post("/accounts/login/", {"login": "zoe", "password": "not it"})
    response = client.post("/accounts/login/", {"login": "zoe", "password": "not it"})
    assert response.status_code == 429
    alert = tag_of(response.content.decode(), "rate-limited")
    assert 'role="alert"' in alert and 'tabindex="-1"' in alert and "data-error-summary" in alert


def test_totp_setup_error_is_announced_and_linked_to_the_code_field(auth_client):
    page = auth_client.get("/accounts/2fa/totp/activate/")
    secret = SECRET_RE.search(page.content.decode()).group(1)
    wrong = "000000" if current_code(secret) != "000000" else "111111"
    response = auth_client.post("/accounts/2fa/totp/activate/", {"code": wrong})
    summary = summary_of(response)
    assert_announced(summary)
    ((target, text),) = links_of(summary)
    assert target == "id_code" and "Incorrect code" in text
    assert 'aria-invalid="true"' in tag_of(response.content.decode(), "id_code")


def test_signup_errors_each_link_to_their_field(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "", "email": "not an address", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    summary = summary_of(response)
    assert_announced(summary)
    targets = [target for target, _ in links_of(summary)]
    assert {"id_username", "id_email"} <= set(targets)
    html = response.content.decode()
    for target in targets:
        assert f'id="{target}"' in html  # every link lands on something


def test_email_action_error_is_announced_and_links_to_the_address_list(auth_client, user):
    response = auth_client.post(
        "/accounts/email/", {"email": "nobody@example.org", "action_send": "1"}
    )
    summary = summary_of(response)
    assert_announced(summary)
    ((target, text),) = links_of(summary)
    assert target == "addresses"
    assert "not one of your email addresses" in text
    assert 'id="addresses" tabindex="-1"' in response.content.decode()


def test_a_session_form_error_is_announced(auth_client):
    response = auth_client.post("/accounts/sessions/", {"session": ""})
    assert response.status_code == 400
    summary = summary_of(response)
    assert_announced(summary)
    assert [target for target, _ in links_of(summary)] == ["session-list"]


def test_the_summary_script_is_on_every_page(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<script src="/static/js/forms.js"></script>' in html


def test_only_the_sites_forms_point_at_a_summary():
    """Django's own forms (the admin's) have no summary on their pages: their fields keep
    Django's attributes only."""
    from django import forms

    from accounts.forms.auth import LoginForm

    class Plain(forms.Form):
        name = forms.CharField()

        def clean(self):
            raise forms.ValidationError("Form-level.")

    plain = Plain({"name": "x"})
    assert not plain.is_valid()
    assert "aria-describedby" not in str(plain["name"])

    class Custom(LoginForm):  # a site's ACCOUNT_FORMS subclass still gets it
        def clean(self):
            raise forms.ValidationError("Form-level.")

    custom = Custom({"login": "x", "password": "y"})
    assert not custom.is_valid()
    assert 'aria-describedby="form-error-summary"' in str(custom["login"])


def test_errors_are_drawn_in_one_place_only():
    """Every form's errors go through templates/snippets/form_errors.html (crispy's errors
    template includes it): no template lists a form's errors by hand, so none escapes the
    announced, focused summary."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR) / "templates"
    by_hand = re.compile(r"{%\s*for\s+\w+\s+in\s+[\w.]*errors\s*%}|non_field_errors")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if path.parts[len(root.parts)] != "admin"
        and path.relative_to(root).as_posix() != "snippets/form_errors.html"
        and by_hand.search(path.read_text())
    ]
    assert offenders == []
    assert "snippets/form_errors.html" in (root / "bootstrap5" / "errors.html").read_text()
