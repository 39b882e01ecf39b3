"""The admin has no login of its own: ``/admin/login/`` hands over to the site's login, so
the same rate limits and the second factor apply, and posting credentials to it does
nothing."""

import pytest
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from accounts import signals
from accounts.mfa.models import Authenticator
from config.admin import SiteAdmin
from tests.helpers.factories import DEFAULT_PASSWORD, AuthenticatorFactory, UserFactory
from tests.helpers.spies import hasher_spy

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(username="boss", email="boss@example.com", is_staff=True, is_superuser=True)


def admin_post(client, username, password, next_url="/admin/"):
    return client.post(
        f"/admin/login/?next={next_url}", {"username": username, "password": password}
    )


def test_posting_credentials_to_admin_login_does_not_log_in(client, staff, signal_catcher):
    logged_in = signal_catcher(signals.user_logged_in)
    with hasher_spy() as hasher:
        response = admin_post(client, "boss", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    assert hasher.count() == 0
    assert "_auth_user_id" not in client.session
    logged_in.assert_not_called()
    assert client.get("/admin/").status_code == 302


def test_admin_login_is_no_way_around_a_lockout(make_client, staff):
    for i in range(5):
        bad = make_client(REMOTE_ADDR=f"10.2.0.{i}").post(
            "/accounts/login/", {"login": "boss", "password": "wrong"}
        )
        assert bad.status_code == 200
    client = make_client(REMOTE_ADDR="10.2.0.9")
    for _ in range(20):
        with hasher_spy() as hasher:
            admin_post(client, "boss", DEFAULT_PASSWORD)
        assert hasher.count() == 0
    assert client.get("/admin/").status_code == 302
    site = client.post("/accounts/login/", {"login": "boss", "password": DEFAULT_PASSWORD})
    assert site.status_code == 429


def test_admin_needs_the_second_factor(client, staff, signal_catcher):
    AuthenticatorFactory(user=staff, type=Authenticator.Type.TOTP)
    logged_in = signal_catcher(signals.user_logged_in)
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": "boss", "password": DEFAULT_PASSWORD}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin["Location"].startswith("/admin/login/")
    admin_post(client, "boss", DEFAULT_PASSWORD)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    logged_in.assert_not_called()


def test_staff_without_second_factor_reach_the_admin_through_the_site_login(client, staff):
    start = client.get("/admin/login/?next=/admin/accounts/user/")
    response = client.post(start["Location"], {"login": "boss", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/admin/accounts/user/"
    assert client.get("/admin/accounts/user/").status_code == 200


def test_admin_login_next_cannot_leave_the_site(client, staff):
    start = client.get("/admin/login/?next=https://evil.example/")
    response = client.post(start["Location"], {"login": "boss", "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/"


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern.callback


def test_no_other_route_logs_anyone_in():
    """Every login goes through ``/accounts/login/`` (or the passkey login): Django's own
    LoginView is not routed anywhere, and the admin's login is the site's redirect."""
    callbacks = list(_views(get_resolver().url_patterns))
    assert callbacks
    for callback in callbacks:
        assert getattr(callback, "view_class", None) is not auth_views.LoginView, callback
    assert resolve("/admin/login/").func.__func__ is SiteAdmin.login
