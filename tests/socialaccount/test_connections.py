"""Connected accounts: connect and disconnect need a recent authentication; the last way to
sign in cannot be disconnected; a social-only user can set a password (``password_set``)."""

import time

import time_machine
from django.contrib.auth import SESSION_KEY

from accounts import signals
from accounts.mfa.models import Authenticator
from accounts.models import User
from accounts.socialaccount.adapter import get_adapter
from accounts.socialaccount.models import SocialAccount, SocialApp
from activity.models import SecurityLog
from tests.helpers.factories import AuthenticatorFactory
from tests.helpers.oidc import handoff_url

LOGIN = "/accounts/oidc/idp/login/"
CONNECTIONS = "/accounts/3rdparty/"


def social_signup(client, idp, login="gina@example.org"):
    back = idp.authorize(handoff_url(client.post(LOGIN)), login=login)
    assert client.get(back).status_code == 302
    return User.objects.get(socialaccount__uid=login)


def test_connect_then_disconnect(auth_client, user, oidc, signal_catcher, mailoutbox):
    added = signal_catcher(signals.social_account_added)
    removed = signal_catcher(signals.social_account_removed)

    url = handoff_url(auth_client.post(LOGIN, {"process": "connect"}))
    response = auth_client.get(oidc.authorize(url, login="alice-elsewhere@example.org"))

    assert response.status_code == 302 and response["Location"] == CONNECTIONS
    account = SocialAccount.objects.get()
    assert (account.user, account.provider, account.uid) == (
        user,
        "idp",
        "alice-elsewhere@example.org",
    )
    assert User.objects.count() == 1  # nobody signed up
    assert auth_client.session[SESSION_KEY] == str(user.pk)
    assert added.call_args.kwargs["sociallogin"].account == account
    assert set(added.call_args.kwargs) == {"signal", "sender", "request", "sociallogin"}
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (
            ["alice@example.com"],
            "[Account site] A third-party account was connected to your account",
        )
    ]
    assert "alice-elsewhere@example.org" in mailoutbox[0].body
    page = auth_client.get(CONNECTIONS)
    assert "alice-elsewhere@example.org" in page.content.decode()

    response = auth_client.post(CONNECTIONS, {"account": account.pk})

    assert response.status_code == 302
    assert SocialAccount.objects.count() == 0
    assert mailoutbox[-1].subject.endswith("was disconnected from your account")
    kwargs = removed.call_args.kwargs
    assert set(kwargs) == {"signal", "sender", "request", "socialaccount"}
    assert kwargs["sender"] is SocialAccount
    removed_account = kwargs["socialaccount"]
    assert (removed_account.user, removed_account.provider, removed_account.uid) == (
        user,
        "idp",
        "alice-elsewhere@example.org",
    )
    events = list(
        SecurityLog.objects.filter(event__startswith="socialaccount_").values_list("event", "extra")
    )
    assert sorted(events) == [
        ("socialaccount_added", {"provider": "idp", "uid": "alice-elsewhere@example.org"}),
        ("socialaccount_removed", {"provider": "idp", "uid": "alice-elsewhere@example.org"}),
    ]


def test_connect_and_disconnect_need_a_recent_authentication(auth_client, user, oidc):
    account = SocialAccount.objects.create(user=user, provider="idp", uid="old")
    with time_machine.travel(time.time() + 3600, tick=True):
        response = auth_client.post(LOGIN, {"process": "connect"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/reauthenticate/?next=")
        assert not auth_client.session.get("socialaccount_states")

        response = auth_client.post(CONNECTIONS, {"account": account.pk})
        assert response["Location"].startswith("/accounts/reauthenticate/?next=")
        assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_connect_needs_a_signed_in_user(client, oidc, db):
    response = client.post(LOGIN, {"process": "connect"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not client.session.get("socialaccount_states")


def test_an_identity_connected_elsewhere_is_refused(auth_client, user, oidc, make_client):
    gina = social_signup(make_client(), oidc)
    url = handoff_url(auth_client.post(LOGIN, {"process": "connect"}))
    response = auth_client.get(oidc.authorize(url, login="gina@example.org"))
    assert response.status_code == 400
    assert SocialAccount.objects.get().user == gina
    assert auth_client.session[SESSION_KEY] == str(user.pk)


def test_the_last_way_to_sign_in_cannot_be_disconnected(client, oidc, db, signal_catcher):
    removed = signal_catcher(signals.social_account_removed)
    user = social_signup(client, oidc)
    account = user.socialaccount_set.get()

    response = client.post(CONNECTIONS, {"account": account.pk})

    assert response.status_code == 409
    assert "only way to sign in" in response.content.decode()
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    assert removed.call_count == 0


def test_a_passkey_is_another_way_to_sign_in(client, oidc, db):
    user = social_signup(client, oidc)
    AuthenticatorFactory(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"passwordless": True, "credential_id": "x"},
    )
    response = client.post(CONNECTIONS, {"account": user.socialaccount_set.get().pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.exists()


def test_social_only_user_sets_a_password_then_may_disconnect(client, oidc, db, signal_catcher):
    password_set = signal_catcher(signals.password_set)
    user = social_signup(client, oidc)

    assert client.get("/accounts/password/set/").status_code == 200
    new = "a brand new passphrase 42"
    response = client.post("/accounts/password/set/", {"password1": new, "password2": new})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert password_set.call_args.kwargs == {
        "signal": signals.password_set,
        "sender": User,
        "request": password_set.call_args.kwargs["request"],
        "user": user,
    }
    assert SecurityLog.objects.filter(event="password_set", user=user).count() == 1
    response = client.post(CONNECTIONS, {"account": user.socialaccount_set.get().pk})
    assert response.status_code == 302
    assert not SocialAccount.objects.exists()


def test_a_database_app_with_an_encrypted_secret(client, idp, db, settings):
    """An app configured in the admin (secret encrypted at rest) works like one in settings."""
    settings.SOCIALACCOUNT_PROVIDERS = {}
    adapter = get_adapter()
    SocialApp.objects.create(
        provider="openid_connect",
        provider_id="idp",
        name="From the admin",
        client_id=idp.client_id,
        secret=adapter.encrypt(idp.secret),
        settings={"server_url": idp.issuer},
    )
    assert idp.secret not in SocialApp.objects.values_list("secret", flat=True).get()
    user = social_signup(client, idp, login="hank@example.org")
    assert client.session[SESSION_KEY] == str(user.pk)


def test_tokens_are_stored_encrypted_only_when_asked(client, oidc, db, settings, make_client):
    from accounts.socialaccount.models import SocialToken

    social_signup(client, oidc, login="ivy@example.org")
    assert not SocialToken.objects.exists()

    settings.SOCIALACCOUNT_STORE_TOKENS = True
    social_signup(make_client(), oidc, login="jack@example.org")
    token = SocialToken.objects.get()
    assert token.account.uid == "jack@example.org"
    assert token.expires_at is not None
    plain = get_adapter().decrypt(token.token)
    assert plain and plain not in token.token


def test_admin_stores_the_secret_encrypted(admin_client, db):
    response = admin_client.post(
        "/admin/socialaccount/socialapp/add/",
        {
            "provider": "github",
            "provider_id": "",
            "name": "GitHub",
            "client_id": "gh",
            "new_secret": "the-client-secret",
            "settings": "{}",
        },
    )
    assert response.status_code == 302, response.content[:500]
    app = SocialApp.objects.get()
    assert app.secret and "the-client-secret" not in app.secret
    assert get_adapter().decrypt(app.secret) == "the-client-secret"
    page = admin_client.get(f"/admin/socialaccount/socialapp/{app.pk}/change/").content.decode()
    assert app.secret not in page and "the-client-secret" not in page


def test_pending_social_signup_expires(client, oidc, db):
    from accounts.models import EmailAddress as Address
    from tests.socialaccount.test_oidc_login import sign_in

    Address.objects.create(
        user=User.objects.create(username="taken"), email="rita@example.org", verified=True
    )
    assert sign_in(client, oidc, "rita@example.org")["Location"] == "/accounts/3rdparty/signup/"
    assert client.get("/accounts/3rdparty/signup/").status_code == 200
    with time_machine.travel(time.time() + 31 * 60, tick=True):
        response = client.get("/accounts/3rdparty/signup/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
