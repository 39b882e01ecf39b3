"""Security headers on every response, no-store on private pages, safe ``next`` targets, and
the production settings (HSTS, secure ``__Host-`` cookies, ``check --deploy`` clean)."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from accounts.httpkit import get_next_url
from config.urls import urlpatterns as site_urlpatterns
from tests.helpers.clients import login_client
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)


def boom(request):
    raise RuntimeError("a bug")


# A URLconf for the 500 page: the site's, plus one view that fails.
urlpatterns = [path("boom/", boom), *site_urlpatterns]


def csp_directives(response):
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def assert_security_headers(response, *, private):
    csp = csp_directives(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts == ["'self'"], scripts
    assert "'unsafe-inline'" not in csp.get("style-src", [])
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    if private:
        assert "no-store" in response["Cache-Control"]


@pytest.fixture
def staff_client(client, db):
    staff = UserFactory(username="boss", email="boss@example.com", is_staff=True, is_superuser=True)
    return login_client(client, staff)


ANONYMOUS_PAGES = [
    ("/", 200),
    ("/accounts/login/", 200),
    ("/accounts/signup/", 200),
    ("/accounts/confirm-email/", 200),
    ("/accounts/inactive/", 200),
    ("/accounts/logout/", 302),
    ("/accounts/reauthenticate/", 302),
    ("/no-such-page/", 404),
    ("/admin/", 302),
    ("/admin/login/", 302),
]


@pytest.mark.parametrize("url,status", ANONYMOUS_PAGES)
def test_anonymous_pages(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert_security_headers(response, private=url.startswith(("/accounts/", "/admin/")))


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
    ],
)
def test_signed_in_pages_are_never_stored(staff_client, url):
    response = staff_client.get(url)
    assert response.status_code == 200
    assert_security_headers(response, private=True)


@override_settings(WHITENOISE_USE_FINDERS=True)  # tests have no collected STATIC_ROOT
def test_static_files_carry_the_headers_but_may_be_cached():
    response = Client().get("/static/css/site.css")
    assert response.status_code == 200
    assert_security_headers(response, private=False)
    assert "no-store" not in response.get("Cache-Control", "")


def test_form_errors_rate_limits_and_csrf_failures(client, user):
    failed = client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
    assert failed.status_code == 200
    assert_security_headers(failed, private=True)
    for _ in range(4):
        client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
    limited = client.post("/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD})
    assert limited.status_code == 429
    assert_security_headers(limited, private=True)
    forbidden = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "alice"})
    assert forbidden.status_code == 403
    assert_security_headers(forbidden, private=True)


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_page():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert_security_headers(response, private=False)
    assert "a bug" not in response.content.decode()


def test_logout_clears_site_data(auth_client):
    response = auth_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert_security_headers(response, private=True)


# --- No inline script or style (the CSP forbids them) -----------------------------------------

INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "<style> block": re.compile(r"<style\b", re.I),
    "style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "on...= handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


# Mail is read in mail clients, not under the pages' CSP: most clients drop <style> blocks and
# stylesheets, so mail templates style with attributes (and only that).
MAIL_TEMPLATE_DIRS = ("templates/account/email/", "templates/socialaccount/email/")


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = template.read_text()
        name = str(template.relative_to(BASE_DIR))
        allowed = {"style= attribute"} if name.startswith(MAIL_TEMPLATE_DIRS) else set()
        offenders += [
            f"{name}: {k}" for k, r in INLINE.items() if k not in allowed and r.search(text)
        ]
    assert offenders == []


def test_rendered_pages_have_no_inline_script_or_style(staff_client):
    for url in ["/", "/accounts/logout/", "/admin/", "/admin/accounts/user/add/"]:
        html = staff_client.get(url).content.decode()
        assert [k for k, r in INLINE.items() if r.search(html)] == [], url


# --- next: same host only ---------------------------------------------------------------------

HOSTILE_NEXT = [
    "https://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\t//evil.example",
    "https://testserver@evil.example",
    "https://evil.example\\@testserver",
    "http://testserver.evil.example/",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_get_next_url_refuses_other_hosts_and_schemes(target):
    request = RequestFactory().get("/", {"next": target})
    assert get_next_url(request, "/fallback/") == "/fallback/"


@pytest.mark.parametrize("target", ["/accounts/email/", "/%2F%2Fevil.example", "/a?b=c#d"])
def test_get_next_url_keeps_same_host_paths(target):
    request = RequestFactory().post("/", {"next": target})
    assert get_next_url(request, "/fallback/") == target


def assert_same_origin(location):
    parts = urlsplit(location)
    assert parts.scheme in ("", "http", "https") and parts.netloc in ("", "testserver"), location
    assert not location.startswith(("//", "\\", "/\\")), location


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_logout_signup_and_reauth_stay_on_the_site(client, user, target):
    response = client.post(
        "/accounts/login/", {"login": "alice", "password": DEFAULT_PASSWORD, "next": target}
    )
    assert response["Location"] == "/"
    response = client.post(
        "/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD, "next": target}
    )
    assert response["Location"] == "/"
    response = client.post("/accounts/logout/", {"next": target})
    assert_same_origin(response["Location"])
    assert response["Location"] == "/"
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "next": target,
        },
    )
    assert response["Location"] == "/"


def test_a_same_host_next_is_honoured(client, user):
    response = client.post(
        "/accounts/login/?next=/accounts/email/", {"login": "alice", "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == "/accounts/email/"


# --- Production settings ----------------------------------------------------------------------

PRODUCTION_PROBE = """
import json
import django
from django.conf import settings

django.setup()
from django.test import Client

client = Client(HTTP_HOST="accounts.example.com")
plain = client.get("/accounts/login/")
secure = client.get("/accounts/logout/", secure=True)
names = [
    "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_NAME", "SESSION_COOKIE_DOMAIN", "SESSION_COOKIE_PATH", "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_NAME", "CSRF_COOKIE_DOMAIN", "CSRF_COOKIE_PATH",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT",
    "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "SECURE_CONTENT_TYPE_NOSNIFF", "ALLOWED_HOSTS",
]
print(json.dumps({
    "settings": {name: getattr(settings, name) for name in names},
    "plain": [plain.status_code, plain.get("Location")],
    "secure": [secure.status_code, dict(secure.headers)],
}))
"""


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST_", "ACCOUNT_")) and k not in ("REDIS_URL",)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="accounts.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('prod') / 'db.sqlite3'}",
    )
    return env


def run_production(env, *args):
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )


def test_production_settings_are_hardened(production_env):
    result = run_production(production_env, "-c", PRODUCTION_PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    values = probe["settings"]
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["accounts.example.com"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    for cookie in ("SESSION", "CSRF"):
        assert values[f"{cookie}_COOKIE_SECURE"] is True
        assert values[f"{cookie}_COOKIE_HTTPONLY"] is True
        # "__Host-": Secure, Path=/ and no Domain, or browsers refuse the cookie.
        assert values[f"{cookie}_COOKIE_NAME"].startswith("__Host-")
        assert values[f"{cookie}_COOKIE_DOMAIN"] is None
        assert values[f"{cookie}_COOKIE_PATH"] == "/"
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    # Plain HTTP is redirected; HTTPS answers carry HSTS and the other headers.
    assert probe["plain"] == [301, "https://accounts.example.com/accounts/login/"]
    status, headers = probe["secure"]
    assert status == 302
    hsts = headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert "includeSubDomains" in hsts
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "no-store" in headers["Cache-Control"]


def test_check_deploy_is_clean_in_production(production_env):
    result = run_production(
        production_env, "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
