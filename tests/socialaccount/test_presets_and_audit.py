"""The Google and Microsoft presets (OpenID Connect under allauth's URLs), the audit trail
of social logins (activity page, dashboard) and the queries of a returning login."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.models import User
from accounts.socialaccount.adapter import get_provider
from accounts.socialaccount.models import SocialAccount
from tests.helpers.oidc import handoff_url


def sign_in(client, idp, path, login):
    return client.get(idp.authorize(handoff_url(client.post(path)), login=login))


@pytest.mark.parametrize("kind", ["google", "microsoft"])
def test_preset_logs_in_through_its_own_urls(client, idp, db, settings, kind):
    app = {"client_id": idp.client_id, "secret": idp.secret, "settings": {"server_url": idp.issuer}}
    settings.SOCIALACCOUNT_PROVIDERS = {kind: {"APPS": [app]}}

    response = sign_in(client, idp, f"/accounts/{kind}/login/", "olga@example.org")

    assert response.status_code == 302
    account = SocialAccount.objects.get()
    assert (account.provider, account.uid) == (kind, "olga@example.org")
    assert client.session[SESSION_KEY] == str(account.user_id)


def test_preset_defaults(settings, db):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "g", "secret": "s"}]},
        "microsoft": {"APPS": [{"client_id": "m", "secret": "s", "settings": {"tenant": "t1"}}]},
    }
    google = get_provider(None, "google", kind="google")
    microsoft = get_provider(None, "microsoft", kind="microsoft")
    assert google.server_url == "https://accounts.google.com"
    assert microsoft.server_url == "https://login.microsoftonline.com/t1/v2.0"
    # The multi-tenant document names "{tenantid}": the token's own tenant is expected.
    config = {"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0"}
    assert (
        microsoft.expected_issuer(config, {"tid": "abc"})
        == "https://login.microsoftonline.com/abc/v2.0"
    )
    assert reverse("google_callback") == "/accounts/google/login/callback/"
    assert reverse("microsoft_login") == "/accounts/microsoft/login/"
    assert (
        reverse("openid_connect_callback", kwargs={"provider_id": "x"})
        == "/accounts/oidc/x/login/callback/"
    )
    for name, path in [
        ("socialaccount_connections", "/accounts/3rdparty/"),
        ("socialaccount_signup", "/accounts/3rdparty/signup/"),
        ("socialaccount_login_cancelled", "/accounts/3rdparty/login/cancelled/"),
        ("socialaccount_login_error", "/accounts/3rdparty/login/error/"),
        ("github_login", "/accounts/github/login/"),
        ("github_callback", "/accounts/github/login/callback/"),
    ]:
        assert reverse(name) == path


def test_error_page_url_renders(client, db):
    response = client.get("/accounts/3rdparty/login/error/")
    assert response.status_code == 400
    assert "socialaccount/authentication_error.html" in [t.name for t in response.templates]


def test_activity_page_and_dashboard_show_social_events(client, oidc, db, admin_client):
    sign_in(client, oidc, "/accounts/oidc/idp/login/", "pat@example.org")

    page = client.get("/accounts/activity/").content.decode()
    assert "Social account (idp)" in page

    user = User.objects.get(username="pat")
    account = user.socialaccount_set.get()
    user.set_password("a fresh passphrase 77")
    user.save()
    client.force_login(user)
    session = client.session
    session["account_authentication_records"] = [{"method": "password", "at": 9e12}]
    session.save()
    client.post("/accounts/3rdparty/", {"account": account.pk})
    page = client.get("/accounts/activity/").content.decode()
    assert "Social account disconnected" in page

    dashboard = admin_client.get("/admin/activity/dashboard/")
    assert dashboard.status_code == 200
    assert "Social account disconnected" in dashboard.content.decode()


def test_returning_social_login_queries(client, oidc, db, make_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, oidc, "/accounts/oidc/idp/login/", "quinn@example.org")
    browser = make_client()
    back = oidc.authorize(
        handoff_url(browser.post("/accounts/oidc/idp/login/")), login="quinn@example.org"
    )
    with CaptureQueriesContext(connection) as captured:
        response = browser.get(back)
    assert response.status_code == 302
    # Pinned without the session store's queries (db or cache backend) and savepoints: the
    # social apps in the admin, the social account (+ user), its UPDATE, SecurityLog
    # (updated), "has a second factor?", user.last_login, the session record (one INSERT:
    # its key is brand new), the sign-in message's nudge, LoginLog, pruning ended records,
    # known device (the two log rows' hourly counters, and the login's count in the profile,
    # are kept by their tables' triggers: no query).
    data = [
        q["sql"]
        for q in captured.captured_queries
        if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]
    ]
    assert len(data) == 11, "\n".join(data)
