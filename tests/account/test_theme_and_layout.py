"""Issue 17, rough edges 5 and 10 over HTTP: the markup the phone layout and the dark theme
rely on. (How they look and behave: tests/e2e/test_phone_layout.py, test_dark_mode.py.)"""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.mfa.models import Authenticator
from tests.helpers.factories import AuthenticatorFactory

pytestmark = pytest.mark.django_db

SITE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


def html_of(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


# --- Rough edge 10: dark mode -----------------------------------------------------------------


def test_the_theme_is_set_before_paint_by_a_static_script_in_head(client):
    html = html_of(client, "/accounts/login/")
    head = html.split("</head>")[0]
    tag = re.search(r'<script src="/static/js/theme.js"[^>]*>', head)
    assert tag, "theme.js must load in <head>"
    assert "defer" not in tag.group(0) and "async" not in tag.group(0)  # before first paint
    # It comes after the stylesheets and there is no inline script anywhere (CSP).
    assert head.index("bootstrap.min.css") < head.index("js/theme.js")
    assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\")\b)[^>]*>", html)
    assert re.search(r'<html [^>]*data-bs-theme="light"', html)  # without JS: light


@pytest.mark.parametrize(
    ("path", "signed_in"), [("/", False), ("/accounts/login/", False), ("/accounts/email/", True)]
)
def test_every_page_has_the_theme_toggle(make_client, auth_client, path, signed_in):
    html = html_of(auth_client if signed_in else make_client(), path)
    toggle = re.search(r'<div class="dropdown theme-toggle"[^>]*>.*?</ul>', html, re.S).group(0)
    assert "data-theme-toggle" in toggle and " hidden" in toggle  # shown by theme.js
    modes = re.findall(
        r'<button type="button" class="dropdown-item" data-theme-value="(\w+)" '
        r'aria-pressed="false"[^>]*>([^<]+)</button>',
        toggle,
    )
    assert modes == [
        ("light", "Light"),
        ("dark", "Dark"),
        ("auto", "Automatic (as your device)"),
    ]
    assert 'data-bs-toggle="dropdown"' in toggle and "Theme" in toggle


def test_dark_theme_keeps_grey_buttons_readable():
    css = SITE_CSS.read_text()
    assert re.search(r'\[data-bs-theme="dark"\] \.btn-outline-secondary \{[^}]*--bs-btn-color', css)


# --- Rough edge 5: phones ---------------------------------------------------------------------


def phone_rules():
    css = SITE_CSS.read_text()
    start = css.index("@media (max-width: 767.98px)")
    return css[start:]


def test_settings_menu_is_a_labelled_nav_that_marks_the_current_page(auth_client):
    html = html_of(auth_client, "/accounts/sessions/")
    nav = re.search(r'<nav class="[^"]*manage-menu"[^>]*>.*?</nav>', html, re.S).group(0)
    assert 'aria-label="Account settings"' in nav
    current = re.findall(r'<a href="([^"]+)" class="[^"]*active" aria-current="page">', nav)
    assert current == ["/accounts/sessions/"]
    assert ".manage-menu { flex-direction: row; flex-wrap: nowrap; overflow-x: auto;" in (
        phone_rules()
    )
    assert '<script src="/static/js/menu.js"></script>' in html


def test_security_keys_stack_as_cards_on_phones(auth_client, user):
    AuthenticatorFactory(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "YubiKey", "passwordless": False, "credential_id": "AAAA"},
        last_used_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    html = html_of(auth_client, "/accounts/2fa/webauthn/")
    assert re.search(r'<table class="[^"]*\btable-stack\b[^"]*" data-testid="webauthn-keys">', html)
    assert 'data-label="Added"' in html and 'data-label="Last used"' in html
    assert 'class="text-end text-nowrap table-stack-actions"' in html
    rules = phone_rules()
    for rule in (
        ".table-stack thead",
        ".table-stack td[data-label]::before",
        ".table-stack-actions",
    ):
        assert rule in rules


def test_activity_tables_stack_on_phones(auth_client):
    html = html_of(auth_client, "/accounts/activity/")
    assert re.search(
        r'<table class="[^"]*\btable-stack\b[^"]*" data-testid="activity-logins">', html
    )


def test_email_rows_stack_their_actions_below_the_address_on_phones(auth_client, user):
    user.emailaddress_set.create(email="second@example.org")
    html = html_of(auth_client, "/accounts/email/")
    assert html.count('class="d-flex flex-column flex-md-row align-items-md-center gap-2"') == 2
