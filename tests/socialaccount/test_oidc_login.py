"""Sign in with a real OpenID provider (oidc-provider under Node, its own process and pages):
first login signs up one verified user, later logins find that user, an address already
used locally is never logged into, and the social signup form finishes what is missing."""

from django.contrib.auth import SESSION_KEY

from accounts import signals
from accounts.adapter import DefaultAccountAdapter
from accounts.models import EmailAddress, User
from accounts.socialaccount.models import SocialAccount
from activity.models import LoginLog, SecurityLog
from tests.helpers.factories import UserFactory
from tests.helpers.oidc import handoff_url

LOGIN = "/accounts/oidc/idp/login/"


def sign_in(client, idp, login, **data):
    back = idp.authorize(handoff_url(client.post(LOGIN, data)), login=login)
    return client.get(back)


def test_first_login_creates_one_verified_user(client, oidc, db, signal_catcher):
    signed_up = signal_catcher(signals.user_signed_up)
    logged_in = signal_catcher(signals.user_logged_in)
    pre = signal_catcher(signals.pre_social_login)
    added = signal_catcher(signals.social_account_added)

    response = sign_in(client, oidc, "carol@example.org", next="/accounts/email/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/email/"
    user = User.objects.get()
    assert user.username == "carol"
    assert (user.first_name, user.last_name) == ("Carol", "Tester")
    assert not user.has_usable_password()
    address = EmailAddress.objects.get()
    assert (address.user, address.email, address.verified, address.primary) == (
        user,
        "carol@example.org",
        True,
        True,
    )
    account = SocialAccount.objects.get()
    assert (account.user, account.provider, account.uid) == (user, "idp", "carol@example.org")
    assert account.extra_data["email_verified"] is True
    assert client.session[SESSION_KEY] == str(user.pk)

    sociallogin = signed_up.call_args.kwargs["sociallogin"]
    assert signed_up.call_args.kwargs == {
        "signal": signals.user_signed_up,
        "sender": User,
        "request": signed_up.call_args.kwargs["request"],
        "user": user,
        "sociallogin": sociallogin,
    }
    assert sociallogin.account == account and sociallogin.user == user
    assert logged_in.call_count == 1
    assert logged_in.call_args.kwargs["sociallogin"] is sociallogin
    assert set(logged_in.call_args.kwargs) == {
        "signal",
        "sender",
        "request",
        "response",
        "user",
        "sociallogin",
    }
    assert pre.call_count == 1 and pre.call_args.kwargs["sociallogin"] is sociallogin
    assert added.call_count == 0  # allauth: a signup is not a "connect"
    row = LoginLog.objects.get(event="login")
    assert (row.user, row.method, row.extra) == (user, "socialaccount", {"provider": "idp"})
    assert SecurityLog.objects.filter(event="signup", user=user).count() == 1


def test_second_login_finds_the_same_user(client, oidc, db, signal_catcher):
    sign_in(client, oidc, "dave@example.org")
    client.post("/accounts/logout/")
    updated = signal_catcher(signals.social_account_updated)
    step = signal_catcher(signals.authentication_step_completed)
    signed_up = signal_catcher(signals.user_signed_up)

    response = sign_in(client, oidc, "dave@example.org")

    assert response.status_code == 302
    user = User.objects.get()
    assert client.session[SESSION_KEY] == str(user.pk)
    assert SocialAccount.objects.count() == 1
    assert signed_up.call_count == 0
    assert updated.call_count == 1
    assert updated.call_args.kwargs["sociallogin"].is_existing
    assert step.call_args.kwargs == {
        "signal": signals.authentication_step_completed,
        "sender": User,
        "request": step.call_args.kwargs["request"],
        "user": user,
        "method": "socialaccount",
        "provider": "idp",
        "uid": "dave@example.org",
    }
    assert LoginLog.objects.filter(event="login", method="socialaccount").count() == 2
    assert SecurityLog.objects.filter(event="socialaccount_updated", user=user).count() == 1


def test_a_get_shows_a_confirm_page_and_starts_nothing(client, oidc, db, settings):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert "socialaccount/login.html" in [t.name for t in response.templates]
    assert "socialaccount_states" not in client.session

    settings.SOCIALACCOUNT_LOGIN_ON_GET = True
    assert handoff_url(client.get(LOGIN)).startswith(oidc.issuer + "/auth?")


def test_the_authorization_request_uses_pkce_state_and_nonce(client, oidc, db):
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(handoff_url(client.post(LOGIN))).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["response_type"] == ["code"]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}
    stashed = client.session["socialaccount_states"][query["state"][0]]
    assert stashed["nonce"] == query["nonce"][0]
    assert "code_verifier" not in query  # the verifier never leaves the server


def test_unknown_provider_is_404(client, oidc, db):
    assert client.post("/accounts/oidc/nope/login/").status_code == 404
    assert client.get("/accounts/oidc/nope/login/callback/?code=x&state=y").status_code == 404


def test_existing_verified_local_address_is_not_logged_into(client, oidc, db):
    alice = UserFactory(username="alice", email="alice@example.com")

    response = sign_in(client, oidc, "alice@example.com")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert SESSION_KEY not in client.session
    assert SocialAccount.objects.count() == 0
    page = client.get("/accounts/3rdparty/signup/")
    assert page.status_code == 200
    assert page.context["form"].initial["email"] == "alice@example.com"
    # Submitting the provider's address: refused, and nothing is created.
    response = client.post(
        "/accounts/3rdparty/signup/", {"username": "alice2", "email": "alice@example.com"}
    )
    assert response.status_code == 200
    assert "already uses this address" in response.content.decode()
    assert list(User.objects.all()) == [alice]
    assert SocialAccount.objects.count() == 0
    assert SESSION_KEY not in client.session


def test_email_authentication_opt_in_logs_into_the_verified_account(client, oidc, db, settings):
    settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
    alice = UserFactory(username="alice", email="alice@example.com")

    sign_in(client, oidc, "alice@example.com")

    assert client.session[SESSION_KEY] == str(alice.pk)
    assert SocialAccount.objects.count() == 0  # not connected without ..._AUTO_CONNECT


def test_email_authentication_never_trusts_an_unverified_claim(client, oidc, db, settings):
    settings.SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
    UserFactory(username="alice", email="alice@example.com")

    response = sign_in(client, oidc, "unverified:alice@example.com")

    assert response["Location"] == "/accounts/3rdparty/signup/"
    assert SESSION_KEY not in client.session


def test_social_signup_form_with_another_address(client, oidc, db, mailoutbox):
    UserFactory(username="alice", email="alice@example.com")
    sign_in(client, oidc, "alice@example.com")

    response = client.post(
        "/accounts/3rdparty/signup/", {"username": "alicia", "email": "alicia@example.net"}
    )

    assert response.status_code == 302
    user = User.objects.get(username="alicia")
    assert client.session[SESSION_KEY] == str(user.pk)
    address = user.emailaddress_set.get()
    # Not the address the provider verified: it must be verified by mail.
    assert (address.email, address.verified) == ("alicia@example.net", False)
    assert [m.to for m in mailoutbox] == [["alicia@example.net"]]
    assert SocialAccount.objects.get().user == user
    assert "socialaccount_sociallogin" not in client.session


def test_signup_page_without_a_pending_login_goes_to_login(client, db):
    response = client.get("/accounts/3rdparty/signup/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_unverified_address_is_stored_unverified(client, oidc, db, mailoutbox):
    sign_in(client, oidc, "unverified:erin@example.org")

    address = EmailAddress.objects.get()
    assert (address.email, address.verified) == ("erin@example.org", False)
    assert [m.to for m in mailoutbox] == [["erin@example.org"]]


def test_login_and_signup_pages_show_the_provider_buttons(client, oidc, db):
    for path in ("/accounts/login/", "/accounts/signup/"):
        page = client.get(path).content.decode()
        assert 'action="/accounts/oidc/idp/login/"' in page
        assert "Continue with Test IdP" in page


def test_a_second_factor_is_still_asked_after_a_social_login(
    client, oidc, db, make_client, signal_catcher
):
    from tests.helpers.mfa import add_totp, current_code

    sign_in(client, oidc, "kim@example.org")
    user = User.objects.get()
    _, secret = add_totp(user)
    browser = make_client()

    response = sign_in(browser, oidc, "kim@example.org")

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert SESSION_KEY not in browser.session

    logged_in = signal_catcher(signals.user_logged_in)
    response = browser.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert browser.session[SESSION_KEY] == str(user.pk)
    sociallogin = logged_in.call_args.kwargs["sociallogin"]
    assert (sociallogin.user, sociallogin.account) == (user, user.socialaccount_set.get())
    row = LoginLog.objects.filter(event="login").latest("pk")
    assert row.extra == {"provider": "idp"}


def test_inactive_user_is_not_logged_in(client, oidc, db, make_client):
    sign_in(client, oidc, "lee@example.org")
    User.objects.update(is_active=False)
    browser = make_client()
    response = sign_in(browser, oidc, "lee@example.org")
    assert response["Location"] == "/accounts/inactive/"
    assert SESSION_KEY not in browser.session


def test_closed_signup_creates_nothing(client, oidc, db, settings):
    settings.ACCOUNT_ADAPTER = "tests.socialaccount.test_oidc_login.ClosedAdapter"
    response = sign_in(client, oidc, "max@example.org")
    assert response.status_code == 403
    assert User.objects.count() == 0 and SocialAccount.objects.count() == 0


def test_invalid_provider_settings_are_reported_by_checks(settings):
    from accounts.socialaccount.checks import check_socialaccount_settings

    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{"client_id": "x"}]}}
    assert [e.obj for e in check_socialaccount_settings()] == ["SOCIALACCOUNT_PROVIDERS"]
    settings.SOCIALACCOUNT_PROVIDERS = {"myspace": {"APPS": []}}
    assert [e.id for e in check_socialaccount_settings()] == ["socialaccount.E004"]
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "x"}]}}
    assert check_socialaccount_settings() == []
    settings.SOCIALACCOUNT_PROVIDERS = {"microsoft": {"APPS": [{"client_id": "x"}]}}
    assert [e.id for e in check_socialaccount_settings()] == ["socialaccount.W001"]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "microsoft": {"APPS": [{"client_id": "x", "settings": {"tenant": "contoso-id"}}]}
    }
    assert check_socialaccount_settings() == []
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 0
    assert [e.obj for e in check_socialaccount_settings()] == ["SOCIALACCOUNT_REQUESTS_TIMEOUT"]


class ClosedAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False


def test_social_posts_need_the_csrf_token(oidc, db, user, password):
    from django.test import Client

    from tests.helpers.clients import login_client

    browser = Client(enforce_csrf_checks=True)
    assert browser.post(LOGIN).status_code == 403
    assert not browser.session.get("socialaccount_states")
    assert browser.post("/accounts/3rdparty/signup/", {"username": "x"}).status_code == 403
    signed_in = login_client(Client(), user, password)
    signed_in.handler.enforce_csrf_checks = True
    assert signed_in.post("/accounts/3rdparty/", {"account": 1}).status_code == 403
