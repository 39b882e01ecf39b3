"""The social endpoints of the JSON API (``auth/provider/signup``, ``account/providers``),
for both clients, every answer checked against the served OpenAPI document, against the
real OpenID provider process of ``tests/socialaccount``."""

from urllib.parse import urlencode

import pytest
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from accounts import signals
from accounts.models import EmailAddress, User
from accounts.socialaccount.models import SocialAccount
from activity.models import LoginLog, SecurityLog
from tests.helpers.audit import session_queries
from tests.helpers.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers.headless import Api, flow_ids, pending, served_openapi
from tests.helpers.oidc import handoff_url
from tests.socialaccount.conftest import idp, oidc  # noqa: F401  (the provider fixtures)

LOGIN = "/accounts/oidc/idp/login/"


@pytest.fixture(autouse=True)
def _clock_at_window_start(request):
    """Real time with the provider (another process stamps ``iat``/``exp`` with the real
    clock); the usual window start otherwise."""
    if "oidc" in request.fixturenames:
        yield
        return
    import time

    import time_machine

    with time_machine.travel(time.time() // 3600 * 3600 + 1, tick=True):
        yield


def start_social_login(browser, idp, login):  # noqa: F811
    """The HTML flow up to the provider's answer, in the browser client's session."""
    back = browser.client.post(LOGIN)
    return browser.client.get(idp.authorize(handoff_url(back), login=login))


def pending_signup(browser, idp, login="rita@example.org"):  # noqa: F811
    UserFactory(username="rita-local", email=login)  # the address is taken: the form is asked
    response = start_social_login(browser, idp, login)
    assert response["Location"] == "/accounts/3rdparty/signup/"


# --- Pending social signup -------------------------------------------------------------------


def test_pending_social_signup_is_a_401_flow_then_finishes(
    browser,
    oidc,  # noqa: F811
    settings,
    signal_catcher,
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    pending_signup(browser, oidc)
    signed_up = signal_catcher(signals.user_signed_up)
    logged_in = signal_catcher(signals.user_logged_in)

    response = browser.get("auth/session")
    assert response.status_code == 401
    assert pending(response) == ["provider_signup"]
    flow = response.json()["data"]["flows"][-1]
    assert flow["provider"] == {"id": "idp", "name": "Test IdP", "flows": ["provider_redirect"]}

    info = browser.get("auth/provider/signup")
    assert info.status_code == 200
    data = info.json()["data"]
    assert data["email"] == [{"email": "rita@example.org", "verified": True, "primary": True}]
    assert data["account"]["uid"] == "rita@example.org"

    taken = browser.post("auth/provider/signup", {"email": "rita@example.org"})
    assert taken.status_code == 400
    assert taken.json()["errors"][0]["code"] == "email_taken"
    assert taken.json()["errors"][0]["param"] == "email"

    response = browser.post(
        "auth/provider/signup", {"email": "rita.new@example.org", "username": "rita2"}
    )
    assert response.status_code == 401  # the new address must be verified first
    assert pending(response) == ["verify_email"]
    user = User.objects.get(username="rita2")
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).uid == "rita@example.org"
    assert EmailAddress.objects.get(user=user).verified is False
    assert signed_up.call_count == 1
    assert signed_up.call_args.kwargs["sociallogin"].account.user == user
    assert logged_in.call_count == 0
    assert SecurityLog.objects.filter(event="signup", user=user).count() == 1
    assert browser.post("auth/provider/signup", {"email": "x@example.org"}).status_code == 409


def test_social_signup_with_a_verified_address_signs_in(
    browser,
    oidc,  # noqa: F811
    settings,
    signal_catcher,
):
    settings.SOCIALACCOUNT_AUTO_SIGNUP = False  # always the form
    logged_in = signal_catcher(signals.user_logged_in)
    response = start_social_login(browser, oidc, "sam@example.org")
    assert response["Location"] == "/accounts/3rdparty/signup/"

    response = browser.post("auth/provider/signup", {"email": "sam@example.org"})

    assert response.status_code == 200, response.json()
    body = response.json()
    user = User.objects.get(username=body["data"]["user"]["username"])
    assert body["data"]["user"]["email"] == "sam@example.org"
    assert body["data"]["methods"][-1]["method"] == "socialaccount"
    assert logged_in.call_count == 1 and logged_in.call_args.kwargs["user"] == user
    row = LoginLog.objects.get(event="login")
    assert (row.user, row.method) == (user, "socialaccount")


def test_provider_signup_without_a_pending_signup_is_409(api):
    assert api.get("auth/provider/signup").status_code == 409
    assert api.post("auth/provider/signup", {"email": "a@example.org"}).status_code == 409


@pytest.mark.parametrize(
    "body", [{}, {"email": 5}, {"email": "x" * 300}, {"username": ["a"], "email": "a@b.org"}]
)
def test_provider_signup_bad_bodies_are_400(api, body):
    assert api.post("auth/provider/signup", body).status_code == 400


# --- Connected accounts ----------------------------------------------------------------------


def connect(user, uid="alice@idp.example", provider="idp"):
    return SocialAccount.objects.create(
        user=user, provider=provider, uid=uid, extra_data={"email": uid}
    )


def test_list_needs_a_user(api):
    response = api.get("account/providers")
    assert response.status_code == 401
    assert flow_ids(response)[:1] == ["login"]


def test_list_and_disconnect(api, user, settings, signal_catcher, mailoutbox):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "idp",
                    "name": "Test IdP",
                    "client_id": "site",
                    "secret": "s",
                    "settings": {"server_url": "http://127.0.0.1:9"},
                }
            ]
        }
    }
    first, second = connect(user), connect(user, uid="alice-2", provider="other")
    api.login(user, DEFAULT_PASSWORD)
    removed = signal_catcher(signals.social_account_removed)

    listed = api.get("account/providers").json()["data"]
    assert listed == [
        {
            "uid": "alice@idp.example",
            "display": "alice@idp.example",
            "provider": {"id": "idp", "name": "Test IdP", "flows": ["provider_redirect"]},
        },
        {
            "uid": "alice-2",
            "display": "alice-2",
            "provider": {"id": "other", "name": "other", "flows": ["provider_redirect"]},
        },
    ]

    unknown = api.delete("account/providers", {"provider": "idp", "account": "nobody"})
    assert unknown.status_code == 400
    response = api.delete("account/providers", {"provider": "idp", "account": first.uid})

    assert response.status_code == 200
    assert [item["uid"] for item in response.json()["data"]] == ["alice-2"]
    assert list(SocialAccount.objects.all()) == [second]
    assert removed.call_count == 1
    assert removed.call_args.kwargs["socialaccount"].uid == first.uid
    assert SecurityLog.objects.filter(user=user).exclude(event="login").exists()


def test_disconnecting_the_last_way_to_sign_in_is_refused(browser, oidc):  # noqa: F811
    start_social_login(browser, oidc, "zed@example.org")  # signs up: no password
    account = SocialAccount.objects.get()
    method = browser.get("auth/session").json()["data"]["methods"][-1]
    assert method == {
        "method": "socialaccount",
        "at": method["at"],
        "provider": "idp",
        "uid": account.uid,
    }
    response = browser.delete("account/providers", {"provider": "idp", "account": account.uid})
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "last_login_method"
    assert SocialAccount.objects.filter(pk=account.pk).exists()


def test_disconnect_needs_a_recent_authentication(api, user, clock):
    account = connect(user)
    api.login(user, DEFAULT_PASSWORD)
    clock.shift(301)
    response = api.delete("account/providers", {"provider": "idp", "account": account.uid})
    assert response.status_code == 401
    assert flow_ids(response) == ["reauthenticate"]
    assert SocialAccount.objects.filter(pk=account.pk).exists()


@pytest.mark.parametrize("body", [{}, {"provider": "idp"}, {"provider": 1, "account": None}])
def test_disconnect_bad_bodies_are_400(api, user, body):
    api.login(user, DEFAULT_PASSWORD)
    assert api.delete("account/providers", body).status_code == 400


def test_app_client_keeps_no_cookie(app, user):
    connect(user)
    app.login(user, DEFAULT_PASSWORD)
    assert Api is type(app)
    assert app.get("account/providers").json()["data"][0]["uid"] == "alice@idp.example"


# --- Provider redirect (browser client) ------------------------------------------------------

REDIRECT = "/_allauth/browser/v1/auth/provider/redirect"
# Loading the session is 1 of the 8 with the database store (none with a cache store).
QUERIES = {"browser": 7 + session_queries(), "app": 7 + session_queries()}
FRONT = "http://testserver/app/callback?from=spa"


def validated(response):
    """Check a non-Api exchange (a form POST) against the served document too."""
    served_openapi().validate_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )
    return response


def form_post(client, data, path=REDIRECT):
    """A browser's form POST (urlencoded, as a front end's ``<form>`` sends it)."""
    return client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded")


def redirect_to_provider(browser, process="login", callback_url=FRONT, provider="idp"):
    data = {"provider": provider, "callback_url": callback_url, "process": process}
    return validated(form_post(browser.client, data))


def test_redirect_login_comes_back_to_the_front_end_signed_in(
    browser,
    oidc,  # noqa: F811
    signal_catcher,
):
    signed_up = signal_catcher(signals.user_signed_up)
    logged_in = signal_catcher(signals.user_logged_in)

    response = redirect_to_provider(browser)
    assert response.status_code == 302 and response["Location"].startswith(oidc.issuer)
    back = browser.client.get(oidc.authorize(response["Location"], login="uma@example.org"))

    assert back.status_code == 302 and back["Location"] == FRONT
    session = browser.get("auth/session")
    assert session.status_code == 200
    user = User.objects.get()
    assert session.json()["data"]["user"]["id"] == user.pk
    assert session.json()["data"]["methods"][-1]["provider"] == "idp"
    assert signed_up.call_count == 1 and logged_in.call_count == 1
    assert logged_in.call_args.kwargs["sociallogin"].account.user == user
    assert LoginLog.objects.filter(event="login", user=user, method="socialaccount").count() == 1


def test_redirect_with_a_taken_address_leaves_a_pending_provider_signup(
    browser,
    oidc,  # noqa: F811
):
    UserFactory(username="vic-local", email="vic@example.org")
    response = redirect_to_provider(browser)
    back = browser.client.get(oidc.authorize(response["Location"], login="vic@example.org"))

    assert back["Location"] == FRONT
    session = browser.get("auth/session")
    assert session.status_code == 401 and pending(session) == ["provider_signup"]
    assert SocialAccount.objects.count() == 0


def test_redirect_refused_at_the_provider_comes_back_with_an_error(
    browser,
    oidc,  # noqa: F811
):
    response = redirect_to_provider(browser)
    back = browser.client.get(
        oidc.authorize(response["Location"], login="wes@example.org", consent=False)
    )
    assert back["Location"] == FRONT + "&error=cancelled"
    assert browser.get("auth/session").status_code == 401
    assert User.objects.count() == 0


def test_redirect_connect_adds_the_account(
    browser,
    oidc,  # noqa: F811
    user,
    signal_catcher,
):
    added = signal_catcher(signals.social_account_added)
    browser.login(user, DEFAULT_PASSWORD)
    response = redirect_to_provider(browser, process="connect")
    back = browser.client.get(oidc.authorize(response["Location"], login="alice@idp.example"))

    assert back["Location"] == FRONT
    assert SocialAccount.objects.get().user == user
    assert added.call_count == 1
    listed = browser.get("account/providers").json()["data"]
    assert [item["uid"] for item in listed] == ["alice@idp.example"]


def test_redirect_connect_needs_a_signed_in_user(browser, oidc):  # noqa: F811
    response = redirect_to_provider(browser, process="connect")
    assert response["Location"] == FRONT + "&error=reauthentication_required"


def test_a_tampered_state_never_reaches_the_front_end(browser, oidc):  # noqa: F811
    response = redirect_to_provider(browser)
    back = oidc.authorize(response["Location"], login="xan@example.org")
    tampered = back.replace("state=", "state=x")
    answer = browser.client.get(tampered)
    assert answer.status_code == 400 and "Location" not in answer
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"provider": "idp", "callback_url": "https://evil.example/cb", "process": "login"},
        {"provider": "idp", "callback_url": "home", "process": "login"},
        {"provider": "nope", "callback_url": FRONT, "process": "login"},
        {"provider": "idp", "callback_url": FRONT, "process": "steal"},
        {},
    ],
)
def test_redirect_bad_input_is_400(browser, oidc, data):  # noqa: F811
    response = validated(form_post(browser.client, data))
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_redirect_is_for_the_browser_client(db):
    from django.test import Client

    data = {"provider": "idp", "callback_url": FRONT, "process": "login"}
    response = form_post(Client(), data, "/_allauth/app/v1/auth/provider/redirect")
    assert response.status_code == 404


# --- Provider token (ID token from the provider, e.g. a mobile app) -------------------------


def id_token_from(idp, login):  # noqa: F811
    """Run the provider's code flow as a native app would (PKCE, its own redirect) and return
    the ID token the provider signed."""
    import base64
    import hashlib
    import secrets
    from urllib.parse import parse_qs, urlsplit

    import requests

    config = requests.get(idp.issuer + "/.well-known/openid-configuration", timeout=10).json()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    redirect_uri = "http://testserver/accounts/oidc/other/login/callback/"
    query = {
        "response_type": "code",
        "client_id": idp.client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    back = idp.authorize(f"{config['authorization_endpoint']}?{urlencode(query)}", login=login)
    code = parse_qs(urlsplit(back).query)["code"][0]
    token = requests.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(idp.client_id, idp.secret),
        timeout=10,
    ).json()
    return token["id_token"], token["access_token"]


def token_body(idp, tokens=(None, None), process="login", **token):  # noqa: F811
    id_token, access_token = tokens if isinstance(tokens, tuple) else (tokens, None)
    body = {"client_id": idp.client_id, "id_token": id_token, **token}
    if access_token:
        body["access_token"] = access_token
    return {"provider": "idp", "process": process, "token": body}


def test_token_login_signs_up_then_logs_in(api, oidc, signal_catcher):  # noqa: F811
    signed_up = signal_catcher(signals.user_signed_up)
    logged_in = signal_catcher(signals.user_logged_in)

    response = api.post(
        "auth/provider/token", token_body(oidc, id_token_from(oidc, "yan@example.org"))
    )

    assert response.status_code == 200, response.json()
    user = User.objects.get()
    assert response.json()["data"]["user"]["id"] == user.pk
    assert EmailAddress.objects.get(user=user).verified is True
    assert SocialAccount.objects.get().uid == "yan@example.org"
    assert signed_up.call_count == 1 and logged_in.call_count == 1
    assert logged_in.call_args.kwargs["sociallogin"].account.user == user
    assert LoginLog.objects.filter(event="login", user=user, method="socialaccount").count() == 1

    api.delete("auth/session")
    again = api.post(
        "auth/provider/token", token_body(oidc, id_token_from(oidc, "yan@example.org"))
    )
    assert again.status_code == 200
    assert User.objects.count() == 1 and signed_up.call_count == 1 and logged_in.call_count == 2


def test_token_login_with_a_taken_address_leaves_a_provider_signup(api, oidc):  # noqa: F811
    UserFactory(username="zoe-local", email="zoe@example.org")
    response = api.post(
        "auth/provider/token", token_body(oidc, id_token_from(oidc, "zoe@example.org"))
    )

    assert response.status_code == 401
    assert pending(response) == ["provider_signup"]
    finished = api.post(
        "auth/provider/signup", {"email": "zoe.other@example.org", "username": "zoe2"}
    )
    assert finished.status_code == 200, finished.json()
    assert SocialAccount.objects.get().user.username == "zoe2"


def test_a_tampered_or_foreign_token_is_refused(api, oidc):  # noqa: F811
    id_token, _access = id_token_from(oidc, "amy@example.org")
    header, payload, signature = id_token.split(".")
    forged = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])

    for body in (
        token_body(oidc, forged),
        token_body(oidc, "not-a-jwt"),
        token_body(oidc, None, access_token="opaque"),
        {
            **token_body(oidc, id_token),
            "token": {"client_id": "someone-else", "id_token": id_token},
        },
        {**token_body(oidc, id_token), "provider": "nope"},
    ):
        response = api.post("auth/provider/token", body)
        assert response.status_code == 400, (body, response.json())
    assert User.objects.count() == 0 and SocialAccount.objects.count() == 0


def test_token_connect_adds_the_account(api, oidc, user, signal_catcher):  # noqa: F811
    added = signal_catcher(signals.social_account_added)
    api.login(user, DEFAULT_PASSWORD)
    body = token_body(oidc, id_token_from(oidc, "alice@idp.example"), process="connect")

    response = api.post("auth/provider/token", body)

    assert response.status_code == 200
    assert SocialAccount.objects.get().user == user
    assert added.call_count == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"provider": "idp", "process": "login"},
        {"provider": "idp", "process": "steal", "token": {"client_id": "site"}},
        {"provider": "idp", "process": "login", "token": {"id_token": "x"}},
        {"provider": "idp", "process": "login", "token": "x"},
    ],
)
def test_token_bad_bodies_are_400(api, body):
    assert api.post("auth/provider/token", body).status_code == 400


def test_an_id_token_without_the_address_asks_for_it(api, oidc):  # noqa: F811
    id_token, _access = id_token_from(oidc, "bo@example.org")
    response = api.post("auth/provider/token", token_body(oidc, id_token))
    assert response.status_code == 401
    assert pending(response) == ["provider_signup"]
    assert User.objects.count() == 0


def test_config_lists_the_providers(api, oidc):  # noqa: F811
    data = api.get("config").json()["data"]["socialaccount"]
    assert data == {
        "providers": [
            {
                "id": "idp",
                "name": "Test IdP",
                "client_id": oidc.client_id,
                "flows": ["provider_redirect", "provider_token"],
            }
        ]
    }


def test_an_expired_id_token_is_refused(api, oidc):  # noqa: F811
    import time

    import time_machine

    tokens = id_token_from(oidc, "cy@example.org")
    with time_machine.travel(time.time() + 3600, tick=True):
        response = api.post("auth/provider/token", token_body(oidc, tokens))
    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "token"
    assert User.objects.count() == 0


def test_listing_the_providers_costs_a_fixed_number_of_queries(
    api, user, django_assert_num_queries
):
    connect(user, uid="alice-0", provider="p0")
    api.login(user, DEFAULT_PASSWORD)
    with django_assert_num_queries(QUERIES[api.kind]) as one:
        assert len(api.get("account/providers").json()["data"]) == 1
    for n in range(1, 4):
        connect(user, uid=f"alice-{n}", provider=f"p{n}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api.get("account/providers").json()["data"]) == 4


def test_redirect_login_of_a_user_with_totp_leaves_the_second_step_pending(
    browser,
    oidc,  # noqa: F811
    make_client,
):
    from tests.helpers.mfa import add_totp

    first = Api(make_client(), "browser")
    response = redirect_to_provider(first)
    first.client.get(oidc.authorize(response["Location"], login="dee@example.org"))
    add_totp(User.objects.get())

    response = redirect_to_provider(browser)
    back = browser.client.get(oidc.authorize(response["Location"], login="dee@example.org"))

    assert back["Location"] == FRONT
    session = browser.get("auth/session")
    assert session.status_code == 401 and pending(session) == ["mfa_authenticate"]
